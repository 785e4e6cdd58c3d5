"""Issue 13 item 1: a customer who buys for a Shopify company is linked to it however the export was made
(the routes of ``routes_shopify``), with exact canonical rows and accounting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridgewatch.config import load_config
from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.sources import load_sources

from . import routes_shopify as shopify
from .routes import write_route

LINKED = [("7210448301122", True, shopify.FERRETERIA), ("7210448301123", True, shopify.WIDGETS),
          ("7210448301124", False, None)]


def _load(tmp_path: Path, route: str) -> tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]]]:
    root = write_route(shopify.scenario(), tmp_path, shopify.ROUTES[route])
    tables, accounts = load_sources(load_config(root), on_bad_row=OnBadRow.QUARANTINE)
    return tables, {(a.table, Path(a.file).name): a.as_dict() for a in accounts}


@pytest.mark.parametrize("route", sorted(shopify.ROUTES))
def test_company_buyers_are_linked_to_their_company(route: str, tmp_path: Path) -> None:
    tables, _ = _load(tmp_path, route)
    assert [(r["customer_id"], r["is_b2b"], r["company_id"]) for r in tables["commerce_customers"].to_pylist()] \
        == LINKED
    assert [(r["company_id"], r["account_ref"]) for r in tables["companies"].to_pylist()] == [
        (shopify.FERRETERIA, "C10042"), (shopify.WIDGETS, "C10500")]
    assert [(r["location_id"], r["vat_number"]) for r in tables["company_locations"].to_pylist()] == [
        ("441870438", "GB980780684"), ("441870500", "GB123456789")]


def test_a_plain_companies_query_links_through_the_main_contact(tmp_path: Path) -> None:
    _, accounts = _load(tmp_path, "csv_and_graphql_companies")
    assert accounts[("commerce_customers", "companies.json")] == {
        "table": "commerce_customers", "file": accounts[("commerce_customers", "companies.json")]["file"],
        "read": 2, "used": 0, "excluded": {"duplicate": 2}, "quarantined": 0}


def test_a_companies_export_without_customer_ids_links_by_email(tmp_path: Path) -> None:
    _, accounts = _load(tmp_path, "admin_csv_contacts_by_email")
    assert accounts[("commerce_customers", "companies_export.csv")]["excluded"] == {
        "company contact: company link applied to the customer from the customers export": 2}


def test_orders_export_read_beside_api_customers_links_orders_by_email(tmp_path: Path) -> None:
    """The orders export names its customer by email only; read in a source of its own beside customers from the
    API, its orders were all guests (the Sage card counted 0). An email in another case links too; an email no
    customer has stays a guest; an API order without a customer stays a guest though its email is a customer's."""
    tables, _ = _load(tmp_path, "graphql_customers_and_csv_orders")
    orders = {r["order_id"]: r["customer_id"] for r in tables["orders"].to_pylist()}
    assert orders == {"5551000001": shopify.ANA, "5551000002": shopify.TOM, "5551000003": shopify.TOM,
                      "5551000004": shopify.LENA, "5551000005": None}
    export = tmp_path / "exports" / "shopify_csv" / "orders_export.csv"
    export.write_text(export.read_text(encoding="utf-8").replace("lena@vogel.example", "Lena@Vogel.EXAMPLE"),
                      encoding="utf-8")
    api = tmp_path / "exports" / "shopify_gql" / "orders.json"
    api.write_text('{"data": {"orders": {"nodes": [{"id": "gid://shopify/Order/5551000099", "createdAt": '
                   '"2026-06-19T10:00:00Z", "displayFinancialStatus": "PAID", "email": "tom@widgets.example", '
                   '"customer": null, "totalPriceSet": {"shopMoney": {"amount": "9.00", "currencyCode": "GBP"}}}], '
                   '"pageInfo": {"hasNextPage": false}}}}', encoding="utf-8")
    tables, _ = load_sources(load_config(tmp_path), on_bad_row=OnBadRow.QUARANTINE)
    orders = {r["order_id"]: r["customer_id"] for r in tables["orders"].to_pylist()}
    assert (orders["5551000004"], orders["5551000005"], orders["5551000099"]) == (shopify.LENA, None, None)


def test_order_emails_made_customers_are_the_api_customers_with_those_emails(tmp_path: Path) -> None:
    """With email_as_customer_id, the orders export (a source without a customers export) makes each order email a
    customer keyed by it; read beside the GraphQL customers, those stood beside them holding the orders without the
    company link (the Sage card showed 0). Now an email a customer with an id has is that customer: its orders take
    the id, and the email-keyed row is merged into it; an email no one has stays a customer of its own."""
    root = write_route(shopify.scenario(), tmp_path, shopify.ROUTES["graphql_customers_and_csv_orders"])
    config = (root / "workspace.toml").read_text(encoding="utf-8")
    (root / "workspace.toml").write_text(config + "\n[sources.orders.options]\nemail_as_customer_id = true\n",
                                         encoding="utf-8")
    tables, accounts = load_sources(load_config(root), on_bad_row=OnBadRow.QUARANTINE)
    assert {r["order_id"]: r["customer_id"] for r in tables["orders"].to_pylist()} == {
        "5551000001": shopify.ANA, "5551000002": shopify.TOM, "5551000003": shopify.TOM,
        "5551000004": shopify.LENA, "5551000005": "guest@mail.example"}
    assert [(r["customer_id"], r["is_b2b"], r["company_id"]) for r in tables["commerce_customers"].to_pylist()] == [
        *LINKED, ("guest@mail.example", False, None)]
    account = next(a for a in accounts if a.table == "commerce_customers" and a.file.endswith("orders_export.csv"))
    assert (account.read, account.used, dict(account.excluded)) == (
        10, 1, {"additional line item of an order": 5, "customer already named by an earlier order": 1,
                "duplicate": 3})
