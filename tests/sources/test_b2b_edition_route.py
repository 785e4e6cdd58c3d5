"""BigCommerce B2B Edition alone (companies, users, company orders) against the full API route (v3 customers,
v2 orders and the same B2B Edition responses): one company ordering from Canada in a two-entity F&O workspace
must be expected in the Canadian entity on both routes, with the same count, blocked value and cause."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tomli_w

from bridgewatch.config import CONFIG_FILE
from bridgewatch.results import collect
from bridgewatch.workspace import load_workspace

from ..cards.builders import d365

COMPANY = {"companyId": 77, "companyName": "Maple Wholesale", "companyEmail": "ap@maple.example", "country": "CA",
           "uuid": "f0e1-77", "createdAt": 1770000000}
USER = {"id": 9, "customerId": 1042, "companyId": 77, "email": "buyer@maple.example", "firstName": "Jo",
        "lastName": "Roy"}
B2B_ORDERS = [{"id": 1, "bcOrderId": 31007, "totalIncTax": 1600.5, "status": "Awaiting Fulfillment", "statusCode": 11,
               "companyId": 77, "currencyCode": "CAD", "isArchived": False, "createdAt": 1781601164},
              {"id": 2, "bcOrderId": 31008, "totalIncTax": 50, "status": "Cancelled", "statusCode": 5,
               "companyId": 77, "currencyCode": "CAD", "isArchived": False, "createdAt": 1781601164}]
V3 = {"data": [{"id": 1042, "email": "buyer@maple.example", "first_name": "Jo", "last_name": "Roy",
                "customer_group_id": 0, "addresses": [{"country_code": "CA"}], "date_created": "2026-01-05T10:00:00Z"}],
      "meta": {"pagination": {"total": 1, "current_page": 1, "total_pages": 1}}}
V2 = [{"id": oid, "customer_id": 1042, "status": status, "status_id": sid,
       "date_created": "Tue, 16 Jun 2026 09:12:44 +0000", "total_inc_tax": total, "default_currency_code": "CAD",
       "is_deleted": False, "billing_address": {"email": "buyer@maple.example", "country_iso2": "CA"}}
      for oid, status, sid, total in ((31007, "Awaiting Fulfillment", 11, "1600.5000"),
                                      (31008, "Cancelled", 5, "50.0000"))]


def _write(root: Path, *, full: bool) -> Path:
    files: dict[str, Any] = {"b2b_companies.json": {"code": 200, "data": [COMPANY], "meta": {"totalCount": 1}},
                             "b2b_users.json": {"code": 200, "data": [USER], "meta": {"totalCount": 1}},
                             "b2b_orders.json": {"code": 200, "data": B2B_ORDERS, "meta": {"totalCount": 2}}}
    if full:
        files |= {"customers.json": V3, "orders.json": V2}
    (root / "exports" / "bc").mkdir(parents=True)
    (root / "exports" / "d365").mkdir()
    for name, body in files.items():
        (root / "exports" / "bc" / name).write_text(json.dumps(body), encoding="utf-8")
    (root / "exports" / "d365" / "page1.json").write_text(json.dumps({"value": [
        {"dataAreaId": "usti", "CustomerAccount": "US-1", "OrganizationName": "Other Inc",
         "PrimaryContactEmail": "other@x.example", "OnHoldStatus": "No"}]}), encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "fx_rates.csv").write_text("currency,rate_date,rate\nCAD,2026-06-01,0.73\n", encoding="utf-8")
    config = d365(id="b2b-edition", as_of="2026-06-20T12:00:00Z").config | {"sources": {
        "shop": {"reader": "bigcommerce_api", "path": "exports/bc/*.json"},
        "d365": {"reader": "d365_fo_odata", "path": "exports/d365/*.json"}}}
    (root / CONFIG_FILE).write_text(tomli_w.dumps(config), encoding="utf-8")
    return root


def _card(root: Path) -> dict[str, Any]:
    ws = load_workspace(root)
    assert [p.describe() for p in ws.accounting.problems] == []
    [card] = [r.to_dict() for r in collect([ws])]
    return card


def _answer(card: dict[str, Any]) -> tuple[Any, ...]:
    return (card["count"], card["orders"], [(c["company_id"], c["segment"], c["expected_entity"], c["entity_ambiguous"],
                                             c["blocked_value"], c["blocked_value_reporting"], c["cause"])
                                            for c in card["customers"]])


def test_b2b_edition_orders_alone_give_the_full_api_answer(tmp_path: Path) -> None:
    """The B2B Edition order holds no address: it ships to its company's country (it was none, so the company
    read as entity-ambiguous with no expected entity on this route and as CATU on the full one)."""
    expected = (1, {"active in window": 1, "cancelled": 1},
                [("77", "b2b", "CATU", False, "1600.50", "1168.37", "never_synced")])
    assert _answer(_card(_write(tmp_path / "full", full=True))) == expected
    assert _answer(_card(_write(tmp_path / "b2b", full=False))) == expected
