"""Routing on real runs: each role gets the part of the alert it owns (and hears when its part clears), and
per-entity routes get per-entity alerts with their own counts and dedup keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..cards.builders import company, erp
from .helpers import monitor, scenario
from .servers import WebhookServer

ROLES = {"receivers": [{"name": n, "kind": "webhook", "settings": {"url": f"{{url}}/{n}"}, "role": r}
                       for n, r in (("all", "owner"), ("mkt", "owner"), ("fin", "finance"), ("ops", "owner"))],
         "routes": [{"match": {"role": "marketing"}, "receivers": ["mkt"], "continue": True},
                    {"match": {"role": "operations"}, "receivers": ["ops"], "continue": True},
                    {"receivers": ["all", "fin"]}]}


def configured(template: dict[str, Any], url: str) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(template).replace("{url}", url))


def by_path(hook: WebhookServer, since: int = 0) -> dict[str, dict[str, Any]]:
    return {r.path.strip("/"): r.json for r in hook.accepted()[since:]}


def test_each_role_gets_the_part_it_owns(tmp_path: Path, hook: WebhookServer) -> None:
    root = tmp_path / "ws"
    scenario(4, failed=2, alerts=configured(ROLES, hook.url)).write(root)
    monitor(root)
    got = by_path(hook)
    assert sorted(got) == ["all", "fin", "mkt", "ops"]
    mkt, fin, ops, whole = got["mkt"], got["fin"], got["ops"], got["all"]
    assert (mkt["role"], mkt["count"], mkt["card_count"], mkt["blocked_value_reporting"]) == ("marketing", 2, 4,
                                                                                              "1970.00")
    assert mkt["rejection_reasons"] == [{"template": "Missing NAME", "customers": 2, "active_orders": 2,
                                         "blocked_value_reporting": "1970.00", "examples": ["Missing NAME"]}]
    assert [r["company_id"] for r in mkt["top"]] == ["A01", "A02"] and mkt["causes"] == mkt["entities"] == []
    assert mkt["summary"] == ("4 customer(s) with active orders have no ERP customer record (2 of them rejected by "
                              "the ERP when created), above the alert line of 2.")
    assert (fin["role"], fin["count"], fin["rejection_reasons"]) == ("finance", 4, [])
    assert [e["entity"] for e in fin["entities"]] == ["UK01"] and len(fin["top"]) == 4
    assert [c["cause"] for c in fin["causes"]] == ["create_failed", "never_synced"]
    assert (ops["role"], ops["entities"], ops["rejection_reasons"], len(ops["causes"])) == ("operations", [], [], 2)
    assert whole["role"] == "owner" and whole["rejection_reasons"] and whole["entities"] and whole["causes"]

    # the create failures are fixed (the customers are still absent, never synced): marketing's part clears
    before = len(hook.accepted())
    scenario(4, failed=0, alerts=configured(ROLES, hook.url)).write(root)
    monitor(root)
    [(path, body)] = by_path(hook, before).items()
    assert (path, body["status"], body["event"], body["count"], body["previous_count"]) == (
        "mkt", "resolved", "resolved", 0, 2)


ENTITIES = {"entity_threshold": 1, "base_url": "https://bw.example.test",
            "receivers": [{"name": "ie", "kind": "webhook", "settings": {"url": "{url}/ie"}},
                          {"name": "all", "kind": "webhook", "settings": {"url": "{url}/all"}}],
            "routes": [{"match": {"entity": "IE01"}, "receivers": ["ie"]}, {"receivers": ["all"]}]}


def two_entities(root: Path, url: str, ie_absent: int, template: dict[str, Any] = ENTITIES) -> None:
    s = scenario(3, alerts=configured(template, url))
    s.config["legal_entities"].append({"id": "IE01", "name": "IE Trade", "currency": "GBP", "countries": ["IE"]})
    for n, vat in enumerate(("IE6388047V", "IE9825613N"), start=1):
        company(s, f"I{n:02d}", vat=vat, country="IE", total="500.00", orders=("2026-04-14T10:00:00Z",))
        if n > ie_absent:
            erp(s, f"CI{n}", vat_number=vat, country="IE")
    s.write(root)


def test_entity_routes_get_their_entitys_alert(tmp_path: Path, hook: WebhookServer) -> None:
    root = tmp_path / "ws"
    two_entities(root, hook.url, ie_absent=2)
    monitor(root)
    got = by_path(hook)
    ie, whole = got["ie"], got["all"]
    assert (whole["entity"], whole["count"], whole["dedup_key"]) == (None, 5, "sage-test/sage_customer_master_gap/*/"
                                                                              "threshold")
    assert (ie["entity"], ie["count"], ie["card_count"], ie["threshold"], ie["dedup_key"]) == (
        "IE01", 2, 2, 1, "sage-test/sage_customer_master_gap/IE01/threshold")
    assert [r["company_id"] for r in ie["top"]] == ["I01", "I02"] and ie["blocked_value_reporting"] == "1000.00"
    assert ie["url"] == "https://bw.example.test/w/sage-test/cards/sage_customer_master_gap?entity=IE01"

    before = len(hook.accepted())
    two_entities(root, hook.url, ie_absent=1)
    monitor(root)
    [(path, body)] = by_path(hook, before).items()
    assert (path, body["status"], body["count"], body["previous_count"], body["entity"]) == ("ie", "resolved", 1, 2,
                                                                                            "IE01")


def test_an_entity_alert_whose_route_is_removed_still_tells_its_receiver_when_it_resolves(
        tmp_path: Path, hook: WebhookServer) -> None:
    root = tmp_path / "ws"
    two_entities(root, hook.url, ie_absent=2)
    monitor(root)
    assert (by_path(hook)["ie"]["status"], by_path(hook)["ie"]["entity"]) == ("firing", "IE01")

    before = len(hook.accepted())
    unrouted = {**ENTITIES, "routes": [{"receivers": ["all"]}]}
    two_entities(root, hook.url, ie_absent=1, template=unrouted)  # IE01 falls to its line; no route asks for it
    monitor(root)
    got = by_path(hook, before)
    assert (got["ie"]["event"], got["ie"]["entity"], got["ie"]["count"]) == ("resolved", "IE01", 1)
