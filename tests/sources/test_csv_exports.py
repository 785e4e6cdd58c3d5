"""Issue 13 items 5, 9, 10: what users meet in admin CSV exports — currency symbols, any column mapped to
a key, time zones per table or file, sync logs naming customers by email, date-only creation times,
day-first or month-first dates decided per file, orders-only workspaces keyed by email."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import tomli_w

from bridgewatch.results import collect
from bridgewatch.sources.dates import AMBIGUOUS
from bridgewatch.sources.money import NO_CURRENCY
from bridgewatch.workspace import load_workspace

from ..cards.builders import D365_AS_OF
from .helpers import accounts, problems, read, rows

BC_ORDERS = "Order ID,Customer ID,Order Date,Order Status,Order Total (inc tax),Order Currency Code\n"
SYMBOL_MISMATCH = "the amount's currency symbol names another currency than the row's currency column"


def test_a_currency_symbol_sets_or_checks_the_row_currency(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("ID,Purchase Date,Grand Total (Purchased),Status\n"
                      '1,"Jun 16, 2026 9:12:44 AM","€3,101.00",Processing\n'
                      '2,"Jun 16, 2026 9:12:44 AM","£35.00",Processing\n'
                      '3,"Jun 16, 2026 9:12:44 AM","$12.00",Processing\n'
                      '4,"Jun 16, 2026 9:12:44 AM",12.00,Processing\n')
    bare = read("adobe_commerce_csv", [orders])
    assert rows(bare, "orders", "order_id", "currency", "total") == [("1", "EUR", Decimal("3101.0000")),
                                                                      ("2", "GBP", Decimal("35.0000"))]
    assert problems(bare) == [("orders.csv", 3, "Currency", None, NO_CURRENCY),
                              ("orders.csv", 4, "Currency", None, NO_CURRENCY)]
    # the option is the currency of rows whose symbol names none: a store selling in several currencies
    # writes € and £ rows beside $ rows in one grid, and each keeps the currency its symbol names
    euro = read("adobe_commerce_csv", [orders], currency="EUR")
    assert rows(euro, "orders", "order_id", "currency") == [("1", "EUR"), ("2", "GBP"), ("4", "EUR")]
    assert [(p[1], p[4]) for p in problems(euro)] == [
        (3, "the amount's currency symbol does not fit the row's currency")]
    dollars = read("adobe_commerce_csv", [orders], currency="USD")
    assert rows(dollars, "orders", "order_id", "currency", "total") == [
        ("1", "EUR", Decimal("3101.0000")), ("2", "GBP", Decimal("35.0000")), ("3", "USD", Decimal("12.0000")),
        ("4", "USD", Decimal("12.0000"))]
    assert problems(dollars) == []


def test_a_currency_symbol_is_checked_against_the_rows_currency_column(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(BC_ORDERS + '1,7,06/16/2026,Shipped,"€10.00",EUR\n'
                                  '2,7,06/16/2026,Shipped,"£10.00",EUR\n'
                                  '3,7,06/16/2026,Shipped,"$10.00",\n'
                                  '4,7,06/16/2026,Shipped,"$10.00",EUR\n')
    result = read("bigcommerce_csv", [orders], currency="CAD")
    assert rows(result, "orders", "order_id", "currency") == [("1", "EUR"), ("3", "CAD")]
    assert [(p[1], p[4]) for p in problems(result)] == [
        (2, SYMBOL_MISMATCH), (4, "the amount's currency symbol does not fit the row's currency")]


def test_any_customers_column_maps_to_a_key(tmp_path: Path) -> None:
    export = tmp_path / "customer.csv"
    export.write_text("email,_website,firstname,lastname,erp_customer_no,vat_custom\n"
                      "ana@shop.example,base,Ana,Lopez,C-20001,ESB12345678\n")
    result = read("adobe_commerce_csv", [export], columns={"account_ref": "erp_customer_no", "vat": "vat_custom"})
    assert rows(result, "commerce_customers", "customer_id", "account_ref", "vat_number") == [
        ("ana@shop.example", "C-20001", "ESB12345678")]


def test_time_zones_per_table_and_per_file(tmp_path: Path) -> None:
    for name in ("orders_berlin.csv", "orders_newyork.csv"):
        (tmp_path / name).write_text(BC_ORDERS + f"{name[7]},0,06/16/2026 09:12:44,Shipped,10.00,EUR\n")
    log = tmp_path / "log.csv"
    log.write_text("occurred_at,customer_ref,outcome\n2026-06-16 09:12:44,1,failed\n")
    result = read("bigcommerce_csv", sorted(tmp_path.glob("orders_*.csv")),
                  timezones={"orders": "Europe/Berlin", "orders_newyork.csv": "America/New_York"})
    assert rows(result, "orders", "order_id", "created_at") == [("b", datetime(2026, 6, 16, 7, 12, 44)),
                                                               ("n", datetime(2026, 6, 16, 13, 12, 44))]
    assert rows(read("sync_log", [log], timezones={"sync_events": "Asia/Tokyo"}), "sync_events", "occurred_at") == [
        (datetime(2026, 6, 16, 0, 12, 44),)]


def test_a_sync_log_may_name_the_customer_by_email(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("occurred_at,customer_email,outcome,error\n2026-06-16T09:00:00Z, Ana@Shop.Example ,failed,x\n")
    assert rows(read("sync_log", [log]), "sync_events", "customer_ref") == [("ana@shop.example",)]


def test_a_date_only_creation_time_is_kept_as_a_date(tmp_path: Path) -> None:
    export = tmp_path / "customers.csv"
    export.write_text("Customer ID,First Name,Last Name,Email Address,Date Joined\n"
                      "1,Ana,Lopez,ana@x.example,06/20/2026\n2,Tom,Baker,tom@x.example,06/13/2026 08:15:00\n")
    assert rows(read("bigcommerce_csv", [export]), "commerce_customers", "customer_id", "created_at",
                "created_on") == [("1", None, date(2026, 6, 20)), ("2", datetime(2026, 6, 13, 8, 15), None)]


def test_day_first_is_decided_by_the_file_and_an_undecidable_file_is_reported() -> None:
    proven = read("adobe_commerce_csv", "adobe/dates/customer_main_dmy.csv")
    assert rows(proven, "commerce_customers", "customer_id", "created_at") == [
        ("ana@shop.example", datetime(2024, 1, 9, 12, 49))]
    undecided = read("adobe_commerce_csv", "adobe/dates/customer_main_ambiguous.csv")
    assert rows(undecided, "commerce_customers", "customer_id", "created_at") == [
        ("ben@shop.example", datetime(2024, 3, 3, 8))]
    assert problems(undecided) == [("customer_main_ambiguous.csv", 1, "created_at", "09/01/24 12:49", AMBIGUOUS)]
    told = read("adobe_commerce_csv", "adobe/dates/customer_main_ambiguous.csv", date_order="day_first")
    assert rows(told, "commerce_customers", "created_at") == [(datetime(2024, 1, 9, 12, 49),),
                                                              (datetime(2024, 3, 3, 8),)]


def test_a_file_proving_both_orders_is_reported(tmp_path: Path) -> None:
    export = tmp_path / "orders.csv"
    export.write_text(BC_ORDERS + "1,0,06/16/2026 09:12:44,Shipped,10.00,EUR\n2,0,16/06/2026 09:12:44,Shipped,"
                                  "10.00,EUR\n3,0,06/06/2026 09:12:44,Shipped,10.00,EUR\n")
    result = read("bigcommerce_csv", [export])
    assert [r[0] for r in rows(result, "orders", "order_id")] == ["3"]
    assert [(p[1], p[2]) for p in problems(result)] == [(1, "Order Date"), (2, "Order Date")]
    assert accounts(result)[("orders", "orders.csv")]["quarantined"] == 2


def test_an_orders_only_workspace_with_email_as_customer_id_matches_by_email(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir(parents=True)
    (exports / "orders_export.csv").write_text(
        "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Billing Name,Billing Country,Id\n"
        "#1,Known@Shop.Example,paid,USD,10.00,2026-04-10 10:00:00 +0000,1,Kay Known,United States,1\n"
        "#1,Known@Shop.Example,,,,2026-04-10 10:00:00 +0000,2,,,\n"
        "#2,new@shop.example,paid,USD,20.00,2026-04-11 10:00:00 +0000,1,Nia New,US,2\n"
        "#3,known@shop.example,paid,USD,5.00,2026-04-12 10:00:00 +0000,1,Kay Known,US,3\n")
    (exports / "customersv3.json").write_text(json.dumps({"value": [
        {"dataAreaId": "usti", "CustomerAccount": "US-1", "OrganizationName": "Kay Known",
         "PrimaryContactEmail": "known@shop.example", "OnHoldStatus": "No"}]}))
    config = {"workspace": {"id": "orders-only", "erp": "d365_fo", "home_country": "US", "reporting_currency": "USD",
                            "as_of": D365_AS_OF},
              "legal_entities": [{"id": "USTI", "currency": "USD", "countries": ["US"]}],
              "sources": {"shop": {"reader": "shopify_csv", "path": "exports/orders_export.csv",
                                   "options": {"email_as_customer_id": True}},
                          "erp": {"reader": "d365_fo_odata", "path": "exports/customersv3.json"}}}
    (tmp_path / "workspace.toml").write_text(tomli_w.dumps(config))
    ws = load_workspace(tmp_path)
    assert [(r["customer_id"], r["name"], r["country"]) for r in ws.tables["commerce_customers"].to_pylist()] == [
        ("known@shop.example", "Kay Known", "US"), ("new@shop.example", "Nia New", "US")]
    [card] = collect([ws])
    assert [(c.customer_id, c.cause) for c in card.customers] == [("new@shop.example", "never_synced")]
    assert card.scope == {"counted: absent from master": 1, "present in master (matched on email)": 1}
