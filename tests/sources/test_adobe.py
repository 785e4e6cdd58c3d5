"""Adobe Commerce: REST search results, B2B companies, negotiable quotes, CSV exports → canonical rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from bridgewatch.config import load_config
from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.sources import load_sources

from . import routes_adobe
from .helpers import accounts, problems, read, rows
from .routes import write_route


def test_orders_states_guests_and_b2b_company() -> None:
    result = read("adobe_commerce_api", "adobe/*.json")
    assert rows(result, "orders", "order_id", "customer_id", "company_id", "email", "status", "cancelled",
                "quote", "inactive", "created_at", "currency", "total", "ship_to_country") == [
        ("000008812", "13", "2", "mshaw@widgets.example", "processing", False, False, False,
         datetime(2026, 6, 16, 9, 12, 44), "EUR", Decimal("1190.0000"), "DE"),
        ("000008813", None, None, "guest@mail.example", "canceled", True, False, False,
         datetime(2026, 6, 17, 19, 44, 10), "EUR", Decimal("35.0000"), "DE"),
        ("000008814", "14", None, "k.ode@mail.example", "closed", False, False, True,
         datetime(2026, 6, 18, 7, 5), "EUR", Decimal("49.9500"), "NL"),
        ("quote-31", "13", None, "mshaw@widgets.example", "submitted_by_customer", False, True, False,
         datetime(2026, 6, 19, 10), "EUR", Decimal("2300.0000"), None),
    ]
    assert accounts(result)[("orders", "negotiable_quotes.json")]["excluded"] == {
        "negotiable quote already ordered (its order is read as an order)": 1}


def test_customers_companies_and_repeated_last_page() -> None:
    result = read("adobe_commerce_api", "adobe/*.json", account_ref_attribute="erp_customer_no")
    assert rows(result, "commerce_customers", "customer_id", "email", "is_b2b", "company_id", "company_name",
                "vat_number", "account_ref", "country", "created_at") == [
        ("13", "mshaw@widgets.example", True, "2", "Widgets GmbH", "DE811234567", "D-000451", "DE",
         datetime(2026, 5, 18, 16, 47, 44)),
        ("14", "k.ode@mail.example", False, None, None, None, None, "NL", datetime(2026, 6, 12, 8)),
    ]
    assert rows(result, "companies", "company_id", "name", "email", "vat_number", "account_ref", "country") == [
        ("2", "Widgets Handelsgesellschaft mbH", "einkauf@widgets.example", "DE811234567", "R-77", "DE")]
    assert accounts(result)[("commerce_customers", "customers_search_page2.json")] == {
        "read": 2, "used": 0, "excluded": {"duplicate": 2}, "quarantined": 0}


def test_unknown_state_bad_date_and_bad_currency_are_quarantined() -> None:
    result = read("adobe_commerce_api", "adobe/malformed/orders_bad.json")
    assert problems(result) == [
        ("orders_bad.json", 1, "state", "archived", "unknown order state (Adobe Commerce states: new, "
         "pending_payment, processing, complete, closed, canceled, holded, payment_review)"),
        ("orders_bad.json", 2, "created_at", "16.06.2026 09:12",
         "expected a date and time such as 2026-05-18 16:47:44"),
        ("orders_bad.json", 3, "order_currency_code", "euro", "expected a 3-letter ISO 4217 currency code"),
    ]


def test_csv_exports_semicolons_decimal_comma_bom_and_addresses() -> None:
    result = read("adobe_commerce_csv", "adobe/*.csv", currency="EUR", timezone="Europe/Berlin",
                  b2b_group_ids=[2])
    assert rows(result, "commerce_customers", "customer_id", "email", "is_b2b", "company_name", "vat_number",
                "country", "created_at") == [
        ("mshaw@widgets.example", "MShaw@widgets.example", True, "Widgets GmbH", "DE811234567", "DE",
         datetime(2026, 5, 18, 14, 47, 44)),
        ("k.ode@mail.example", "k.ode@mail.example", False, None, None, None, datetime(2026, 6, 12, 6)),
    ]
    assert rows(result, "orders", "order_id", "customer_id", "status", "cancelled", "inactive", "created_at",
                "currency", "total") == [
        ("000008812", "mshaw@widgets.example", "Processing", False, False, datetime(2026, 6, 16, 9, 12, 44), "EUR",
         Decimal("1190.0000")),
        ("000008813", None, "Canceled", True, False, datetime(2026, 6, 17, 19, 44, 10), "EUR", Decimal("35.0000")),
        ("000008814", "k.ode@mail.example", "Closed", False, True, datetime(2026, 6, 18, 7, 5), "EUR",
         Decimal("49.9500")),
    ]
    assert accounts(result)[("commerce_customers", "customer_address_export.csv")] == {
        "read": 3, "used": 0, "quarantined": 0,
        "excluded": {"address row (country, company and VAT id added to its customer)": 2,
                     "address of a customer not in the customers export": 1}}


def test_orders_grid_guest_checkout_with_a_registered_email_stays_a_guest(tmp_path: Path) -> None:
    """Magento lets a guest check out with a registered customer's email: REST keeps the order a guest
    (customer_is_guest 1), and so must the grid when its Customer Group column says NOT LOGGED IN, instead
    of linking the order to that customer by email."""
    (tmp_path / "customer.csv").write_text(
        "email,_website,firstname,lastname,group_id\nMShaw@widgets.example,base,Melanie,Shaw,1\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text(
        "ID,Purchase Date,Grand Total (Purchased),Status,Customer Email,Customer Group\n"
        "000000101,\"Jun 16, 2026 9:12:44 AM\",€55.50,Complete,mshaw@widgets.example,General\n"
        "000000102,\"Jun 17, 2026 9:12:44 AM\",€20.00,Complete,mshaw@widgets.example,NOT LOGGED IN\n"
        "000000103,\"Jun 18, 2026 9:12:44 AM\",€10.00,Complete,other@mail.example,NOT LOGGED IN\n", encoding="utf-8")
    csv_rows = rows(read("adobe_commerce_csv", [tmp_path / "customer.csv", tmp_path / "orders.csv"]), "orders",
                    "order_id", "customer_id", "email")
    assert csv_rows == [("000000101", "mshaw@widgets.example", "mshaw@widgets.example"),
                        ("000000102", None, "mshaw@widgets.example"), ("000000103", None, "other@mail.example")]
    with_emails = read("adobe_commerce_csv", [tmp_path / "customer.csv", tmp_path / "orders.csv"],
                       email_as_customer_id=True)
    assert rows(with_emails, "orders", "customer_id") == [("mshaw@widgets.example",), (None,), (None,)]


def _orders_of(tmp_path: Path, route: str, **grid: str) -> list[tuple[object, ...]]:
    root = write_route(routes_adobe.scenario(), tmp_path, getattr(routes_adobe, route))
    if grid:
        path = root / "exports" / "adobe_grids" / "sales_order_grid.csv"
        text = path.read_text(encoding="utf-8")
        for old, new in grid.items():
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    tables, _ = load_sources(load_config(root), on_bad_row=OnBadRow.QUARANTINE)
    return [(r["order_id"], r["customer_id"], r["ship_to_country"]) for r in tables["orders"].to_pylist()]


def test_an_orders_grid_read_beside_rest_customers_links_its_orders_by_email(tmp_path: Path) -> None:
    """The grid names its customer by email only and has no ship-to country; read in a source of its own beside
    the REST customers, every order was a guest's (the Sage card showed 0). Now the customer with the email (any
    case) is the order's, and the customer's country its ship-to; an email no customer has stays a guest."""
    assert _orders_of(tmp_path / "a", "api_customers_and_grid_orders", **{"k.ode@mail.example": "K.Ode@Mail.Example"}) \
        == [("000008812", "12", "DE"), ("000008813", None, None), ("000008814", "13", "AT"), ("000008815", "14", "DE")]


def test_rest_orders_read_beside_the_data_transfer_customers_link_by_email(tmp_path: Path) -> None:
    """The Data Transfer export keys customers by email (it has no entity id); REST orders name them by entity id,
    which named no customer, so each order made a nameless DTC account of its own (the Sage card showed 0)."""
    assert _orders_of(tmp_path, "data_transfer_customers_and_api_orders") == [
        ("000008812", "mshaw@widgets.example", "DE"), ("000008813", None, None),
        ("000008814", "k.ode@mail.example", "AT"), ("000008815", "lena@mail.example", "DE")]


def test_a_log_naming_entity_ids_beside_data_transfer_customers_follows_the_rest_orders(tmp_path: Path) -> None:
    """The connector logs the REST entity id (13); the Data Transfer customers are keyed by email: the REST orders
    say entity 13 is k.ode@mail.example, so the failed create is that customer's (it was read as never synced). An
    id no order re-keyed (99) is left as logged."""
    root = write_route(routes_adobe.scenario(), tmp_path, routes_adobe.data_transfer_api_orders_id_log)
    log = root / "exports" / "synclogs" / "connector_log.csv"
    log.write_text(log.read_text(encoding="utf-8") + "E99,2026-06-18T10:00:00Z,adobe_commerce,99,create,failed,x,,\n",
                   encoding="utf-8")
    tables, _ = load_sources(load_config(root), on_bad_row=OnBadRow.QUARANTINE)
    assert [(r["customer_ref"], r["outcome"]) for r in tables["sync_events"].to_pylist()] == [
        ("k.ode@mail.example", "failed"), ("99", "failed")]
