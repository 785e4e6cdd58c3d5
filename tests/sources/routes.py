"""One hand-built scenario per vendor, written through every export route its readers support.

A *route* writes the scenario's canonical rows as the files a user would get that way (an admin
CSV export, saved GraphQL pages, a bulk JSONL file, REST JSON, ...) plus the ``[sources]`` reading
them; ``tests/sources/test_routes.py`` checks every route gives the card results the canonical
files give. The ERP master and the sync log are written the same way for every route of a vendor
(with ``bridgewatch.demo.vendor_files``), so only the commerce route differs.
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import tomli_w

from bridgewatch.config import CONFIG_FILE
from bridgewatch.demo import vendor_files as vf
from bridgewatch.scenario import Scenario

Sources = dict[str, dict[str, Any]]
Route = Callable[[Path, Scenario], Sources]
Rows = list[dict[str, Any]]


def write_route(scenario: Scenario, root: Path, route: Route, *extra: Route) -> Path:
    """``scenario`` written through ``route`` (commerce files) and ``extra`` (ERP, sync log), with its config."""
    exports = root / "exports"
    sources: Sources = {}
    for writer in (route, *extra):
        sources.update(writer(exports, scenario))
    (root / "data").mkdir(parents=True, exist_ok=True)
    config = {**scenario.config, "sources": sources}
    (root / CONFIG_FILE).write_text(tomli_w.dumps(config), encoding="utf-8")
    return root


def rows(s: Scenario, table: str, **match: Any) -> Rows:
    return [r for r in s.rows.get(table, []) if all(r.get(k) == v for k, v in match.items())]


def v(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    return None if value in ("", None) else value


def when(value: Any, pattern: str = "%Y-%m-%dT%H:%M:%SZ", zone: Any = UTC) -> str | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(zone).strftime(pattern)


def write_json(path: Path, value: Any) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False), encoding="utf-8")
    return str(Path("exports") / path.relative_to(path.parents[1]))


def write_table(path: Path, header: list[str], records: list[dict[str, Any]], *, delimiter: str = ",",
                encoding: str = "utf-8") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=header, delimiter=delimiter)
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if val is None else val for k, val in record.items()})
    return str(Path("exports") / path.relative_to(path.parents[1]))


def split(name: Any) -> tuple[str, str]:
    first, _, last = str(name or "").partition(" ")
    return first, last


def drop_none(record: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in record.items() if val is not None}


def intacct_xml(exports: Path, s: Scenario) -> Sources:
    return vf._intacct(exports, s)


def d365_pages(exports: Path, s: Scenario) -> Sources:
    return vf._d365(exports, s)


def d365_dmf_csv(exports: Path, s: Scenario) -> Sources:
    """The ERP master as a data management export of Customers V3 (upper-case headers), holding what
    ``d365_pages`` holds: the route-parity twin of the OData pages."""
    records = [{k.upper(): val for k, val in vf._fo_record(r).items()}
               for r in rows(s, "erp_customers", system="d365_fo")]
    header = ["CUSTOMERACCOUNT", "DATAAREAID", "ORGANIZATIONNAME", "PRIMARYCONTACTEMAIL", "TAXEXEMPTNUMBER",
              "ADDRESSCOUNTRYREGIONISOCODE", "ONHOLDSTATUS", "BWCOMMERCEID", "BWCREATEDDATETIME"]
    path = write_table(exports / "d365_dmf" / "Customers V3.csv", header, records)
    return {"d365": {"reader": "d365_fo_csv", "path": path,
                     "options": {"external_id_field": "BWCommerceId", "created_field": "BWCreatedDateTime"}}}


def d365_dmf_package(exports: Path, s: Scenario) -> Sources:
    """``d365_dmf_csv`` as the data package ZIP Data management downloads (its description files beside the CSV)."""
    sources = d365_dmf_csv(exports, s)
    csv = exports.parent / sources["d365"]["path"]
    package = exports / "d365_package" / "Customers export.zip"
    package.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Manifest.xml", "<DataManagementPackageManifest />")
        zf.writestr("PackageHeader.xml", "<DataManagementPackageHeader />")
        zf.write(csv, csv.name)
    csv.unlink()
    return {"d365": {**sources["d365"], "path": str(Path("exports") / package.relative_to(exports))}}


def _dmf_records(s: Scenario) -> Rows:
    return [{k.upper(): val for k, val in vf._fo_record(r).items()} for r in rows(s, "erp_customers", system="d365_fo")]


DMF_FIELDS = ("CUSTOMERACCOUNT", "DATAAREAID", "ORGANIZATIONNAME", "PRIMARYCONTACTEMAIL", "TAXEXEMPTNUMBER",
              "ADDRESSCOUNTRYREGIONISOCODE", "ONHOLDSTATUS", "BWCOMMERCEID", "BWCREATEDDATETIME")


def _dmf_xml(exports: Path, s: Scenario, body: Callable[[dict[str, Any]], str]) -> Sources:
    path = exports / "d365_dmf" / "Customers V3.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    records = "".join(f"\n  <CUSTCUSTOMERV3ENTITY{body(r)}" for r in _dmf_records(s))
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<Document>{records}\n</Document>\n', encoding="utf-8")
    return {"d365": {"reader": "d365_fo_csv", "path": str(Path("exports") / path.relative_to(exports)),
                     "options": {"external_id_field": "BWCommerceId", "created_field": "BWCreatedDateTime"}}}


def d365_dmf_xml_element(exports: Path, s: Scenario) -> Sources:
    """``d365_dmf_csv`` in the XML-Element format: a field the CSV leaves empty written as an empty element."""
    return _dmf_xml(exports, s, lambda r: ">" + "".join(
        f"<{f}>{escape(str(r[f]))}</{f}>" if r.get(f) is not None else f"<{f}/>" for f in DMF_FIELDS)
        + "</CUSTCUSTOMERV3ENTITY>")


def d365_dmf_xml_attribute(exports: Path, s: Scenario) -> Sources:
    """``d365_dmf_csv`` in the XML-Attribute format: a field the CSV leaves empty not written at all."""
    return _dmf_xml(exports, s, lambda r: "".join(f" {f}={quoteattr(str(r[f]))}" for f in DMF_FIELDS
                                                  if r.get(f) is not None) + " />")


def d365_dmf_xml_package(exports: Path, s: Scenario) -> Sources:
    """``d365_dmf_xml_element`` inside the data package ZIP, beside another entity's XML file."""
    sources = d365_dmf_xml_element(exports, s)
    xml = exports.parent / sources["d365"]["path"]
    package = exports / "d365_package" / "Customers export.zip"
    package.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Manifest.xml", "<DataManagementPackageManifest />")
        zf.writestr("PackageHeader.xml", "<DataManagementPackageHeader />")
        zf.writestr("Customer groups.xml", "<Document><CUSTCUSTOMERGROUPENTITY CUSTOMERGROUPID=\"10\" /></Document>")
        zf.write(xml, xml.name)
    xml.unlink()
    return {"d365": {**sources["d365"], "path": str(Path("exports") / package.relative_to(exports))}}


def sync_log(exports: Path, s: Scenario) -> Sources:
    return vf._sync(exports, s)


def amount(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}"
