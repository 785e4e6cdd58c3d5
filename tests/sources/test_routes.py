"""Issue 13: the same data read through every export route a vendor offers gives the same card results.

For each vendor, one hand-built scenario (``routes_<vendor>.py``) is written as canonical files and
through each route; every route must give exactly the canonical card results (the files read
differ, by design, so the ingest accounting is left out of the comparison). The canonical result
itself is pinned, so a route cannot agree with a wrong answer.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bridgewatch.results import collect
from bridgewatch.workspace import load_workspace

from . import routes_adobe as adobe
from . import routes_bigcommerce as bigcommerce
from . import routes_business_central as business_central
from . import routes_intacct as intacct
from . import routes_shopify as shopify
from . import routes_synclogs as synclogs
from .routes import d365_dmf_csv, d365_pages, intacct_xml, sync_log, write_route


def _cards(root: Path) -> list[dict[str, Any]]:
    ws = load_workspace(root)
    problems = [p.describe() for p in ws.accounting.problems]
    assert not problems, problems
    return [r.to_dict() | {"ingest": None} for r in collect([ws])]


@pytest.fixture(scope="module")
def shopify_expected(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root = shopify.scenario().write(tmp_path_factory.mktemp("canonical"))
    results = _cards(root)
    [card] = results
    assert (card["count"], [c["company_id"] for c in card["customers"]]) == (1, [shopify.WIDGETS])
    assert [(b["cause"], b["customers"], b["active_orders"]) for b in card["by_cause"] if b["customers"]] == [
        ("create_failed", 1, 1)]
    assert card["customers"][0]["rejection_reason"] == "BL01001973 Another customer with the ID C-10500 already exists."
    assert card["scope"] == {"DTC customer (this card counts B2B-flagged customers only)": 1,
                             "counted: absent from master": 1, "present in master (matched on vat)": 1}
    assert card["orders"] == {"active in window": 3, "cancelled": 1, "guest order (no customer record)": 1}
    return results


@pytest.mark.parametrize("route", sorted(shopify.ROUTES))
def test_every_shopify_route_gives_the_canonical_cards(route: str, tmp_path: Path,
                                                       shopify_expected: list[dict[str, Any]]) -> None:
    root = write_route(shopify.scenario(), tmp_path, shopify.ROUTES[route], intacct_xml, sync_log)
    assert _cards(root) == shopify_expected


@pytest.fixture(scope="module")
def bigcommerce_expected(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    results = _cards(bigcommerce.scenario().write(tmp_path_factory.mktemp("canonical")))
    [card] = results
    assert [(c["customer_id"], c["cause"], c["expected_entity"], c["blocked_value"]) for c in card["customers"]] == [
        ("1044", "create_failed", "USTI", "2400.50"), ("1043", "never_synced", "CATU", "99.00")]
    assert card["scope"] == {"counted: absent from master": 2, "present in master (matched on email)": 1}
    assert [(b["segment"], b["customers"]) for b in card["by_segment"]] == [("b2b", 0), ("dtc", 2)]
    return results


@pytest.mark.parametrize("route", sorted(bigcommerce.ROUTES))
def test_every_bigcommerce_route_gives_the_canonical_cards(route: str, tmp_path: Path,
                                                           bigcommerce_expected: list[dict[str, Any]]) -> None:
    root = write_route(bigcommerce.scenario(), tmp_path, bigcommerce.ROUTES[route], d365_pages, sync_log,
                       bigcommerce.fx)
    assert _cards(root) == bigcommerce_expected


def test_the_d365_data_management_csv_gives_the_cards_of_the_odata_pages(
        tmp_path: Path, bigcommerce_expected: list[dict[str, Any]]) -> None:
    route = bigcommerce.ROUTES[sorted(bigcommerce.ROUTES)[0]]
    root = write_route(bigcommerce.scenario(), tmp_path, route, d365_dmf_csv, sync_log, bigcommerce.fx)
    assert _cards(root) == bigcommerce_expected


@pytest.fixture(scope="module")
def adobe_expected(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    results = _cards(adobe.scenario().write(tmp_path_factory.mktemp("canonical")))
    [card] = results
    assert [(c["customer_id"], c["cause"], c["expected_entity"], c["blocked_value"]) for c in card["customers"]] == [
        ("13", "create_failed", "AT01", "3101.00")]
    assert card["scope"] == {"DTC customer (this card counts B2B-flagged customers only)": 1,
                             "counted: absent from master": 1, "present in master (matched on account_ref)": 1}
    return results


@pytest.mark.parametrize("route", sorted(adobe.ROUTES))
def test_every_adobe_api_route_gives_the_canonical_cards(route: str, tmp_path: Path,
                                                         adobe_expected: list[dict[str, Any]]) -> None:
    root = write_route(adobe.scenario(), tmp_path, adobe.ROUTES[route], intacct_xml, sync_log)
    assert _cards(root) == adobe_expected


@pytest.mark.parametrize("route", sorted(adobe.EMAIL_ROUTES))
def test_every_adobe_admin_export_route_gives_the_canonical_cards(route: str, tmp_path: Path,
                                                                  adobe_expected: list[dict[str, Any]]) -> None:
    root = write_route(adobe.scenario(), tmp_path, adobe.EMAIL_ROUTES[route], intacct_xml)
    assert _cards(root) == adobe.by_email(adobe.scenario(), adobe_expected)


@pytest.fixture(scope="module")
def intacct_expected(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    results = _cards(intacct.scenario().write(tmp_path_factory.mktemp("canonical")))
    [card] = results
    assert [(c["company_id"], c["expected_entity"], c["exists_in_other_entity"], c["other_entity_records"])
            for c in card["customers"]] == [("CELTIC", "IE01", True, "UK01/C-10423")]
    assert card["scope"] == {"counted: absent from master": 1, "present in master (matched on vat)": 2}
    return results


@pytest.mark.parametrize("route", sorted(intacct.ROUTES))
def test_every_intacct_route_gives_the_canonical_cards(route: str, tmp_path: Path,
                                                       intacct_expected: list[dict[str, Any]]) -> None:
    root = write_route(intacct.scenario(), tmp_path, intacct.ROUTES[route], intacct.commerce)
    assert _cards(root) == intacct_expected


@pytest.mark.parametrize("route", sorted(synclogs.ROUTES))
def test_every_sync_log_route_gives_the_canonical_cards(route: str, tmp_path: Path,
                                                        shopify_expected: list[dict[str, Any]]) -> None:
    root = write_route(shopify.scenario(), tmp_path, shopify.graphql, intacct_xml, synclogs.ROUTES[route])
    assert _cards(root) == shopify_expected


@pytest.fixture(scope="module")
def business_central_expected(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    results = _cards(business_central.scenario().write(tmp_path_factory.mktemp("canonical")))
    [card] = results
    assert [(c["customer_id"], c["expected_entity"], c["exists_in_other_entity"]) for c in card["customers"]] == [
        ("503", "CRONUS UK", False), ("502", "CRONUS IE", True)]
    return results


@pytest.mark.parametrize("route", sorted(business_central.ROUTES))
def test_every_business_central_route_gives_the_canonical_cards(
        route: str, tmp_path: Path, business_central_expected: list[dict[str, Any]]) -> None:
    root = write_route(business_central.scenario(), tmp_path, business_central.ROUTES[route],
                       business_central.commerce)
    expected = business_central_expected
    if route in business_central.DATE_ONLY_ROUTES:  # Last Date Modified: a date, no time of day
        [card] = expected
        newest = card["freshness"]["newest_erp_record_at"]
        assert newest == "2026-06-02T07:38:44Z"
        expected = [card | {"freshness": card["freshness"] | {"newest_erp_record_at": "2026-06-02T00:00:00Z"}}]
    assert _cards(root) == expected


def _erp_rows(root: Path) -> list[dict[str, Any]]:
    rows = load_workspace(root).tables["erp_customers"].to_pylist()
    lineage = ("source_file", "source_row")
    return sorted(({k: v for k, v in r.items() if k not in lineage} for r in rows),
                  key=lambda r: (r["legal_entity"], r["customer_account"]))


@pytest.mark.parametrize("route", sorted(business_central.WEB_SERVICE_ROUTES))
def test_business_central_web_service_pages_give_the_api_rows_less_what_they_cannot_carry(
        route: str, tmp_path: Path) -> None:
    s, commerce = business_central.scenario(), business_central.commerce
    api = _erp_rows(write_route(s, tmp_path / "api", business_central.ROUTES["customer_pages"], commerce))
    pages = _erp_rows(write_route(s, tmp_path / "ws", business_central.WEB_SERVICE_ROUTES[route], commerce))
    assert pages == [business_central.carried(r, route) for r in api]
    assert [(r["legal_entity"], r["customer_account"], r["email"], r["modified_at"]) for r in pages] == [
        ("CRONUS UK", "10000", None if route == "web_service_list" else "amy@shop.example", datetime(2026, 6, 1)),
        ("CRONUS UK", "10010", None if route == "web_service_list" else "liam@shop.example", datetime(2026, 6, 2))]
