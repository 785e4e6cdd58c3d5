"""``bridgewatch demo --via-api``: the worked examples served by fake vendor APIs on 127.0.0.1 and pulled.

Each demo workspace is first written as vendor files (``bridgewatch.demo.vendor_files``); every
source's records are loaded from those files into the fake of its vendor, each fake is started on
an ephemeral port, and the workspace is rewritten with ``[sources.<name>.api]`` settings pointing
at it and a ``path`` under ``pulled/``. :func:`pull_demo` then pulls every source through the
connectors and stops the servers: the cards read exactly the records the files hold.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import tomli_w

from bridgewatch.config import CONFIG_FILE
from bridgewatch.connectors.fakes import adobe, bigcommerce, intacct, microsoft, shopify
from bridgewatch.connectors.fakes.base import Table
from bridgewatch.connectors.fakes.server import serve
from bridgewatch.connectors.fakes.sync_log import FakeSyncLog
from bridgewatch.connectors.intacct import IntacctPage

DEMO_ENV = {"BW_DEMO_SHOPIFY_TOKEN": shopify.TOKEN, "BW_DEMO_BIGCOMMERCE_TOKEN": bigcommerce.TOKEN,
            "BW_DEMO_ADOBE_TOKEN": adobe.TOKEN, "BW_DEMO_INTACCT_SENDER": intacct.SENDER_PASSWORD,
            "BW_DEMO_INTACCT_USER": intacct.USER_PASSWORD, "BW_DEMO_ENTRA_SECRET": microsoft.CLIENT_SECRET}
"""The fake vendors' credentials, handed to the pull as its environment (never the process's)."""
Served = tuple[Callable[..., Any], dict[str, Any]]


def pull_demo(out: Path | str) -> list[Path]:
    """Write both worked examples under ``out`` as API workspaces and pull them from fake vendors."""
    from bridgewatch.connectors.pull import pull_workspace
    from bridgewatch.demo import scenarios
    from bridgewatch.demo.vendor_files import write_vendor_workspace
    from bridgewatch.errors import ConnectorError

    folders = []
    with tempfile.TemporaryDirectory(prefix="bridgewatch-demo-") as tmp:
        for name, scenario in scenarios().items():
            vendor = write_vendor_workspace(scenario, Path(tmp) / name)
            with ExitStack() as servers:
                target = _api_workspace(vendor, Path(out) / name, servers)
                report = pull_workspace(target, environ=DEMO_ENV)
            if report.failed:
                raise ConnectorError("demo pull failed: " + "; ".join(str(s.error) for s in report.failed))
            folders.append(target)
    return folders


def _api_workspace(vendor: Path, target: Path, servers: ExitStack) -> Path:
    config = tomllib.loads((vendor / CONFIG_FILE).read_text(encoding="utf-8"))
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    data = vendor / str(config.get("data_dir", "data"))
    if data.is_dir():
        shutil.copytree(data, target / data.name)
    microsoft_urls = _microsoft(vendor, config["sources"], servers, target / ".bridgewatch" / "demo-tls")
    for name, spec in config["sources"].items():
        files = sorted((vendor).glob(spec["path"]))
        fake, api = SEEDERS[spec["reader"]](files, spec, microsoft_urls)
        if fake is not None:
            url = servers.enter_context(serve(fake))
            api["base_url"] = url + api.pop("suffix", "")
            if spec["reader"] == "bigcommerce_api":
                api["b2b_url"] = url
        spec["path"], spec["api"] = f"pulled/{name}", api
    (target / CONFIG_FILE).write_text(tomli_w.dumps(config), encoding="utf-8")
    return target


def _json_records(files: list[Path], *path: str) -> Iterator[dict[str, Any]]:
    for f in files:
        body: Any = json.loads(f.read_text(encoding="utf-8"))
        for step in path:
            body = body.get(step, []) if isinstance(body, dict) else []
        yield from body


def _bigcommerce(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    fake = bigcommerce.FakeBigCommerce()
    by = {f.name: f for f in files}
    fake.customers = Table("id", list(_json_records([f for n, f in by.items() if n.startswith("customers")], "data")))
    fake.orders = Table("id", list(_json_records([f for n, f in by.items() if n.startswith("orders")])))
    for kind, key in (("companies", "companyId"), ("users", "customerId"), ("orders", "bcOrderId"),
                      ("quotes", "quoteId")):
        records = list(_json_records([f for n, f in by.items() if n == f"b2b_{kind}.json"], "data"))
        fake.b2b["rfq" if kind == "quotes" else kind] = Table(key, records)
    api = {"store": bigcommerce.STORE, "b2b": True, "secrets": {"token": "BW_DEMO_BIGCOMMERCE_TOKEN"}}
    return fake, api


def _adobe(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    fake = adobe.FakeAdobe()
    for name, key in (("customers", "id"), ("orders", "entity_id"), ("companies", "id"), ("negotiable_quotes", "id")):
        fake.tables[name] = Table(key, list(_json_records([f for f in files if f.name.startswith(name)], "items")))
    return fake, {"b2b": True, "suffix": "/rest/default", "secrets": {"token": "BW_DEMO_ADOBE_TOKEN"}}


def _shopify(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    fake = shopify.FakeShopify()
    fake.tables["customers"] = Table("id", list(_json_records([f for f in files if f.suffix == ".json"], "data",
                                                              "customers", "nodes")))
    lines = [json.loads(x) for f in files if f.suffix == ".jsonl" for x in f.read_text().splitlines() if x.strip()]
    fake.tables["orders"] = Table("id", [r for r in lines if "/Order/" in r["id"]])
    fake.tables["draftOrders"] = Table("id", [r for r in lines if "/DraftOrder/" in r["id"]])
    return fake, {"resources": ["customers", "orders", "draft_orders"], "secrets": {"token": "BW_DEMO_SHOPIFY_TOKEN"}}


def _intacct(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    records = [r for f in files for r in IntacctPage().parse(f.read_bytes())]
    fake = intacct.FakeIntacct(customers=Table("RECORDNO", records))
    return fake, {"sender_id": intacct.SENDER, "user": intacct.USER, "company_id": intacct.COMPANY,
                  "secrets": {"sender_password": "BW_DEMO_INTACCT_SENDER", "user_password": "BW_DEMO_INTACCT_USER"}}


def _sync_log(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    events = []
    for f in files:
        with f.open(encoding="utf-8", newline="") as handle:
            events += [{k: v for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(handle)]
    return FakeSyncLog(events=Table("event_id", events)), {"suffix": "/events"}


def _entra_api(ms: dict[str, str]) -> dict[str, Any]:
    return {"tenant": microsoft.TENANT, "client_id": microsoft.CLIENT_ID, "auth_url": ms["entra"],
            "ca_bundle": ms["ca"], "secrets": {"client_secret": "BW_DEMO_ENTRA_SECRET"}}


def _d365(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    return None, {**_entra_api(ms), "base_url": ms["fo"]}  # type: ignore[return-value]


def _dataverse(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    return None, {**_entra_api(ms), "base_url": ms["org"]}  # type: ignore[return-value]


def _flows(files: list[Path], spec: dict[str, Any], ms: dict[str, str]) -> Served:
    names = sorted({str(r.get("workflowname")) for r in _json_records(files, "value")})
    return None, {**_entra_api(ms), "base_url": ms["org"], "flows": names}  # type: ignore[return-value]


def _microsoft(vendor: Path, sources: dict[str, Any], servers: ExitStack, tls: Path) -> dict[str, str]:
    """One Entra, one F&O environment and one Dataverse org for every Microsoft source of the workspace."""
    readers = {s["reader"]: s for s in sources.values()}
    if not {"d365_fo_odata", "dataverse_api", "power_automate_flowruns"} & set(readers):
        return {}
    entra = microsoft.FakeEntra()
    collections: dict[str, dict[str, tuple[Table, str | None]]] = {"fo": {}, "org": {}}
    for spec in sources.values():
        files = sorted(vendor.glob(spec["path"]))
        if spec["reader"] == "d365_fo_odata":
            rows = list(_json_records(files, "value"))
            collections["fo"]["/data/CustomersV3"] = (Table("CustomerAccount", rows), None)
        elif spec["reader"] == "dataverse_api":
            for kind, key in (("accounts", "accountid"), ("contacts", "contactid")):
                rows = list(_json_records([f for f in files if f.name.startswith(kind)], "value"))
                collections["org"][f"/api/data/v9.2/{kind}"] = (Table(key, rows), "modifiedon")
        elif spec["reader"] == "power_automate_flowruns":
            path = "/api/data/v9.2/flowruns"
            known = collections["org"].get(path, (Table("name"), "modifiedon"))[0]
            rows = list(_json_records(files, "value"))
            collections["org"][path] = (Table("name", [*[known.seeded(i) for i in range(len(known))], *rows]),
                                        "modifiedon")
    urls = {"entra": servers.enter_context(serve(entra, tls)), "ca": str(tls / "ca.pem")}
    for name, found in collections.items():
        urls[name] = servers.enter_context(serve(microsoft.FakeOData(entra=entra, collections=found), tls))
    return urls


SEEDERS: dict[str, Callable[[list[Path], dict[str, Any], dict[str, str]], Served]] = {
    "bigcommerce_api": _bigcommerce, "adobe_commerce_api": _adobe, "shopify_api": _shopify,
    "sage_intacct_xml": _intacct, "sync_log": _sync_log, "d365_fo_odata": _d365, "dataverse_api": _dataverse,
    "power_automate_flowruns": _flows}
"""How each reader's demo files become a fake vendor (None: a shared Microsoft fake) and its api settings."""
