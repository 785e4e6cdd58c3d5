"""BigCommerce: v3 customers, v2 orders, B2B Edition, control-panel CSV → canonical rows."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bridgewatch.errors import InputError
from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.sources.money import NO_CURRENCY

from .helpers import FIXTURES, accounts, problems, read, rows


def test_v2_orders_statuses_guests_rfc2822_and_b2b_links() -> None:
    result = read("bigcommerce_api", "bigcommerce/*.json")
    assert rows(result, "orders", "order_id", "customer_id", "company_id", "email", "status", "cancelled",
                "inactive", "created_at", "currency", "total", "ship_to_country") == [
        ("31007", "1042", "5123", "buyer@acme.example", "Awaiting Fulfillment", False, False,
         datetime(2026, 6, 16, 9, 12, 44), "GBP", Decimal("600.0000"), "GB"),
        ("31008", None, None, "guest@mail.example", "Cancelled", True, False,
         datetime(2026, 6, 17, 19, 44, 10), "GBP", Decimal("35.0000"), None),
        ("31009", "1043", None, "sam@retail.example", "Refunded", False, True,
         datetime(2026, 6, 18, 9, 0), "GBP", Decimal("1250.5000"), "GB"),
        ("31010", "1044", None, "olga@kontor.example", "Awaiting Payment", False, True,
         datetime(2026, 6, 18, 11, 30), "SEK", Decimal("2400.0000"), "SE"),
        ("31020", None, "5123", None, "Awaiting Payment", False, False,
         datetime(2025, 6, 17, 8, 46, 40), "GBP", Decimal("980.5000"), "GB"),  # its company's country
        ("quote-711", "1042", "5123", "buyer@acme.example", "Open", False, False,
         datetime(2025, 6, 17, 8, 46, 40), "GBP", Decimal("1450.0000"), None),
    ]
    assert rows(result, "orders", "quote")[-1] == (True,)


def test_v3_customers_b2b_users_and_companies() -> None:
    result = read("bigcommerce_api", "bigcommerce/*.json")
    assert rows(result, "commerce_customers", "customer_id", "email", "name", "is_b2b", "company_id",
                "company_name", "vat_number", "country", "created_at") == [
        ("1042", "buyer@acme.example", "Jane Smith", True, "5123", "Acme Tools Ltd", "GB123456789", "GB",
         datetime(2026, 2, 11, 10, 22, 31)),
        ("1043", "sam@retail.example", "Sam Lee", False, None, None, None, None, datetime(2026, 6, 1, 12)),
        ("1044", "olga@kontor.example", "Olga Berg", False, None, "Kontor AB", None, "SE",
         datetime(2026, 6, 18, 7, 45)),
        ("1050", "joe@acme.example", "Joe Hill", True, "5123", None, None, None, None),
    ]
    assert rows(result, "companies", "company_id", "name", "email", "vat_number", "account_ref", "country",
                "created_at") == [
        ("5123", "Acme Tools Ltd", "ap@acme.example", "GB123456789", "ERP-C-000912", "GB",
         datetime(2025, 2, 11, 10, 2, 31)),
    ]
    got = accounts(result)
    assert got[("commerce_customers", "b2b_users.json")] == {
        "read": 2, "used": 1, "excluded": {"B2B user: company link applied to the customer's record": 1},
        "quarantined": 0}
    assert got[("orders", "orders_page2.json")] == {"read": 0, "used": 0, "excluded": {}, "quarantined": 0,
                                                    "notes": ["no orders: the file is empty"]}


def test_v3_pages_missing_are_told(caplog: pytest.LogCaptureFixture) -> None:
    first, last = FIXTURES / "bigcommerce/customers_page1.json", FIXTURES / "bigcommerce/customers_page2.json"
    with caplog.at_level(logging.WARNING):
        read("bigcommerce_api", [last, first, FIXTURES / "bigcommerce/orders_page1.json"])
    assert not caplog.records
    with caplog.at_level(logging.WARNING):
        assert len(rows(read("bigcommerce_api", [first]), "commerce_customers", "customer_id")) == 2
    assert [r.getMessage() for r in caplog.records] == [
        "Every BigCommerce v3 page read has meta.pagination.current_page below total_pages, so the last page is "
        "missing; add the remaining pages to the source, or customers will look missing"]


def test_order_tags_and_company_merge_from_configured_fields(tmp_path: Path) -> None:
    orders = tmp_path / "orders.json"
    orders.write_text('[{"id":1,"customer_id":0,"date_created":"Tue, 16 Jun 2026 09:12:44 +0000","status_id":11,'
                      '"total_inc_tax":"1.0000","default_currency_code":"USD","staff_notes":"wholesale-ca, net30"}]')
    companies = tmp_path / "companies.json"
    companies.write_text('{"code":200,"data":[{"companyId":"B-1","companyName":"Old Co","extraFields":'
                         '[{"fieldName":"Merged into","fieldValue":"B-2"}]}]}')
    result = read("bigcommerce_api", [orders, companies], order_tags_path="$.staff_notes",
                  merged_into_field="Merged into")
    assert rows(result, "orders", "tags") == [("wholesale-ca, net30",)]
    assert rows(result, "companies", "company_id", "merged_into") == [("B-1", "B-2")]


def test_customer_group_marks_b2b_when_configured() -> None:
    result = read("bigcommerce_api", "bigcommerce/customers_page*.json", b2b_group_ids=[3])
    assert rows(result, "commerce_customers", "customer_id", "is_b2b") == [("1042", True), ("1043", False),
                                                                           ("1044", True)]


def test_legacy_v2_customers_pages_are_read_with_their_rfc2822_dates(tmp_path: Path) -> None:
    """``GET /v2/customers``: a bare array, RFC-2822 dates, addresses only as a link (no country)."""
    page = tmp_path / "customers_v2.json"
    page.write_text(json.dumps([
        {"id": 11, "company": "Harbour Tools Ltd", "first_name": "Jane", "last_name": "Doe",
         "email": "jane@harbour.example", "date_created": "Tue, 16 Jun 2026 09:12:44 +0000",
         "date_modified": "Wed, 17 Jun 2026 10:00:00 +0000", "customer_group_id": 3, "form_fields": None,
         "addresses": {"url": "https://api.bigcommerce.com/stores/s/v2/customers/11/addresses",
                       "resource": "/customers/11/addresses"}},
        {"id": 12, "company": "", "first_name": "Sam", "last_name": "Lee", "email": "sam@retail.example",
         "date_created": "Thu, 02 Jan 2025 23:30:00 -0500", "customer_group_id": 0}]), encoding="utf-8")
    result = read("bigcommerce_api", [page], b2b_group_ids=[3])
    assert rows(result, "commerce_customers", "customer_id", "name", "company_name", "is_b2b", "country",
                "created_at") == [
        ("11", "Jane Doe", "Harbour Tools Ltd", True, None, datetime(2026, 6, 16, 9, 12, 44)),
        ("12", "Sam Lee", None, False, None, datetime(2025, 1, 3, 4, 30)),
    ]
    assert problems(result) == []


def test_unknown_status_bad_date_and_missing_status_are_quarantined() -> None:
    result = read("bigcommerce_api", "bigcommerce/malformed/orders_bad.json")
    assert problems(result) == [
        ("orders_bad.json", 1, "status_id", "42", "unknown status_id (BigCommerce order statuses are 0-14)"),
        ("orders_bad.json", 2, "date_created", "16/06/2026 09:12",
         "expected a date and time such as 'Tue, 16 Jun 2026 09:12:44 +0000'"),
        ("orders_bad.json", 3, "status_id", None, "status_id is missing, so the order cannot be classified"),
        ("orders_bad.json", 5, "record", "title", "not a BigCommerce record this reader knows (its keys are shown)"),
    ]
    assert rows(result, "orders", "order_id", "customer_id", "total") == [("32004", None, Decimal("1250.5000"))]
    assert accounts(result)[("orders", "orders_bad.json")] == {
        "read": 5, "used": 1, "excluded": {}, "quarantined": 4}


def test_strict_mode_raises_every_problem_at_once() -> None:
    with pytest.raises(InputError) as err:
        read("bigcommerce_api", "bigcommerce/malformed/orders_bad.json", on_bad_row=OnBadRow.RAISE)
    assert [(p.row, p.field) for p in err.value.problems] == [(1, "status_id"), (2, "date_created"),
                                                              (3, "status_id")]


def test_control_panel_csv_labels_money_symbols_and_guests() -> None:
    result = read("bigcommerce_csv", "bigcommerce/*.csv", b2b_groups=["Trade"],
                  status_labels={"Awaiting Approval": 7}, date_order="month_first")
    assert rows(result, "orders", "order_id", "customer_id", "status", "cancelled", "inactive", "created_at",
                "currency", "total") == [
        ("31007", "1042", "Awaiting Fulfillment", False, False, datetime(2026, 6, 16, 9, 12, 44), "GBP",
         Decimal("1600.0000")),
        ("31008", None, "Cancelled", True, False, datetime(2026, 6, 17, 19, 44, 10), "GBP", Decimal("35.0000")),
        ("31011", "1043", "Awaiting Approval", False, False, datetime(2026, 6, 18), "GBP", Decimal("99.0000")),
    ]
    assert rows(result, "commerce_customers", "customer_id", "email", "is_b2b", "company_name", "created_at",
                "created_on") == [
        ("1042", "buyer@acme.example", True, "Acme Tools Ltd", None, date(2026, 2, 11)),
        ("01043", "sam@retail.example", False, None, None, date(2026, 6, 1)),
    ]


def test_unknown_csv_status_label_is_quarantined() -> None:
    result = read("bigcommerce_csv", "bigcommerce/orders_export.csv")
    assert problems(result) == [
        ("orders_export.csv", 3, "Order Status", "Awaiting Approval",
         "unknown order status label (add it to the status_labels option with its status id)")]


def test_csv_without_currency_takes_the_symbol_or_needs_the_option(tmp_path: Path) -> None:
    src = (FIXTURES / "bigcommerce/orders_export.csv").read_text(encoding="utf-8")
    no_currency = tmp_path / "orders.csv"
    no_currency.write_text(src.replace("Order Currency Code", "Display Currency"), encoding="utf-8")
    result = read("bigcommerce_csv", [no_currency], status_labels={"Awaiting Approval": 7})
    assert rows(result, "orders", "order_id", "currency", "total") == [("31007", "GBP", Decimal("1600.0000"))]
    assert problems(result) == [("orders.csv", 2, "Order Currency Code", None, NO_CURRENCY),
                                ("orders.csv", 3, "Order Currency Code", None, NO_CURRENCY)]
    assert rows(read("bigcommerce_csv", [no_currency], currency="GBP", status_labels={"Awaiting Approval": 7}),
                "orders", "currency") == [("GBP",), ("GBP",), ("GBP",)]


def test_v2_order_ship_to_is_its_shipping_consignment_as_the_csv_shipping_country(tmp_path: Path) -> None:
    """An order billed in GB and shipped to IE: the control-panel CSV says IE (Shipping Country), and so must
    the v2 page pulled with include=consignments (a list, or an object with consignment_structure=object) or
    with shipping_addresses inline; a plain page (a link only) or a pickup keeps the billing country."""
    base = {"customer_id": 1042, "date_created": "Tue, 16 Jun 2026 09:12:44 +0000", "status_id": 11,
            "total_inc_tax": "10.0000", "default_currency_code": "GBP",
            "billing_address": {"country": "United Kingdom", "country_iso2": "GB", "email": "jane@acme.example"}}
    pages = [base | {"id": 1, "consignments": [{"pickups": [], "shipping": [{"id": 7, "country_iso2": "IE"}]}]},
             base | {"id": 2, "consignments": {"pickups": [], "shipping": [{"country": "France", "country_iso2": ""}]}},
             base | {"id": 3, "shipping_addresses": {"url": "https://api.bigcommerce.com/x", "resource": "/orders/3"}},
             base | {"id": 4, "shipping_addresses": [{"country": "Germany", "country_iso2": "DE"}]},
             base | {"id": 5, "consignments": [{"pickups": [{"location": {"country_alpha2": "US"}}], "shipping": []}]}]
    (tmp_path / "orders.json").write_text(json.dumps(pages), encoding="utf-8")
    api = read("bigcommerce_api", [tmp_path / "orders.json"])
    assert rows(api, "orders", "order_id", "ship_to_country") == [
        ("1", "IE"), ("2", "FR"), ("3", "GB"), ("4", "DE"), ("5", "GB")]
    (tmp_path / "orders.csv").write_text(
        "Order ID,Customer ID,Order Date,Order Status,Order Total (inc tax),Order Currency Code,Billing Country,"
        "Shipping Country\n1,1042,06/16/2026 09:12:44,Awaiting Fulfillment,£10.00,GBP,United Kingdom,Ireland\n",
        encoding="utf-8")
    assert rows(read("bigcommerce_csv", [tmp_path / "orders.csv"]), "orders", "order_id", "ship_to_country") == [
        ("1", "IE")]


def test_v2_order_ship_to_from_saved_shipping_addresses_responses(tmp_path: Path) -> None:
    """A plain v2 page links to its shipping addresses; saved ``/v2/orders/{id}/shipping_addresses`` responses
    give the ship-to country the CSV's Shipping Country gives (the first address, by id, of each order).
    Addresses carry an email and a name, but are never read as customers: each is accounted as applied to its
    order, or as belonging to an order not in the source."""
    link = {"url": "https://api.bigcommerce.com/stores/x/v2/orders/1/shippingaddresses", "resource": "/orders/1"}
    base = {"customer_id": 1042, "date_created": "Tue, 16 Jun 2026 09:12:44 +0000", "status_id": 11,
            "total_inc_tax": "10.0000", "default_currency_code": "GBP", "shipping_addresses": link,
            "billing_address": {"country": "United Kingdom", "country_iso2": "GB", "email": "jane@acme.example"}}
    (tmp_path / "orders.json").write_text(json.dumps([base | {"id": 1}, base | {"id": 2}, base | {"id": 3}]))
    address = {"first_name": "Jane", "last_name": "Doe", "email": "jane@acme.example", "items_total": 1,
               "items_shipped": 0, "shipping_method": "Flat Rate", "base_cost": "0.0000"}
    (tmp_path / "order_1_shipping_addresses.json").write_text(json.dumps([
        address | {"id": 12, "order_id": 1, "country": "Germany", "country_iso2": "DE"},
        address | {"id": 11, "order_id": 1, "country": "Ireland", "country_iso2": "IE"}]))
    (tmp_path / "order_2_shipping_addresses.json").write_text(json.dumps([
        address | {"id": 13, "order_id": 2, "country": "France", "country_iso2": ""}]))
    (tmp_path / "order_9_shipping_addresses.json").write_text(json.dumps([
        address | {"id": 14, "order_id": 9, "country": "Spain", "country_iso2": "ES"}]))
    result = read("bigcommerce_api", sorted(tmp_path.glob("*.json")))
    assert rows(result, "orders", "order_id", "ship_to_country") == [("1", "IE"), ("2", "FR"), ("3", "GB")]
    assert "commerce_customers" not in result.tables or rows(result, "commerce_customers", "customer_id") == []
    assert accounts(result) == {
        ("orders", "order_1_shipping_addresses.json"): {
            "read": 2, "used": 0, "excluded": {"shipping address: applied to its order's ship-to country": 2},
            "quarantined": 0},
        ("orders", "order_2_shipping_addresses.json"): {
            "read": 1, "used": 0, "excluded": {"shipping address: applied to its order's ship-to country": 1},
            "quarantined": 0},
        ("orders", "order_9_shipping_addresses.json"): {
            "read": 1, "used": 0,
            "excluded": {"shipping address of an order not in the source (nothing to apply it to)": 1},
            "quarantined": 0},
        ("orders", "orders.json"): {"read": 3, "used": 3, "excluded": {}, "quarantined": 0}}


def test_b2b_edition_orders_follow_the_sources_status_options_as_v2_orders_do(tmp_path: Path) -> None:
    """A B2B Edition order whose v2 order is not in the source is classified by inactive_status_ids and
    archived_inactive like the v2 order would be (the status ids were fixed at 0, 4, 6 and archived always
    inactive), so a store that excludes Pending (1) or keeps archived orders gets one answer on both routes."""
    b2b = [{"id": 1, "bcOrderId": 501, "companyId": 5123, "totalIncTax": 10.0, "currencyCode": "GBP",
            "statusCode": 1, "isArchived": False, "createdAt": 1750065164},
           {"id": 2, "bcOrderId": 502, "companyId": 5123, "totalIncTax": 10.0, "currencyCode": "GBP",
            "statusCode": 11, "isArchived": True, "createdAt": 1750065164},
           {"id": 3, "bcOrderId": 503, "companyId": 5123, "totalIncTax": 10.0, "currencyCode": "GBP",
            "statusCode": 4, "isArchived": False, "createdAt": 1750065164}]
    (tmp_path / "b2b_orders.json").write_text(json.dumps({"code": 200, "data": b2b}), encoding="utf-8")
    v2 = [{"id": o["bcOrderId"], "customer_id": 1042, "date_created": "Mon, 16 Jun 2025 09:12:44 +0000",
           "status_id": o["statusCode"], "is_deleted": o["isArchived"], "total_inc_tax": "10.0000",
           "default_currency_code": "GBP", "billing_address": {"country_iso2": "GB"}} for o in b2b]
    (tmp_path / "orders.json").write_text(json.dumps(v2), encoding="utf-8")
    options = {"inactive_status_ids": [0, 1, 4, 6], "archived_inactive": False}
    b2b_only = read("bigcommerce_api", [tmp_path / "b2b_orders.json"], **options)
    assert rows(b2b_only, "orders", "order_id", "inactive") == [("501", True), ("502", False), ("503", True)]
    v2_only = read("bigcommerce_api", [tmp_path / "orders.json"], **options)
    assert rows(v2_only, "orders", "order_id", "inactive") == rows(b2b_only, "orders", "order_id", "inactive")
    assert rows(read("bigcommerce_api", [tmp_path / "b2b_orders.json"]), "orders", "inactive") == [
        (False,), (True,), (True,)]


def test_saved_customer_addresses_pages_give_customers_their_country(tmp_path: Path) -> None:
    """GET /v3/customers/addresses pages (and v2 /customers/{id}/addresses responses) are how a pull without
    include=addresses gets countries: such a file stopped the source ('no record of a known shape'). Each customer
    takes its first address's country (lowest id, as include=addresses lists them); inline addresses still win; the
    addresses are accounted as excluded, never read as customers."""
    customers = {"data": [
        {"id": 11, "email": "a@example.com", "first_name": "A", "last_name": "X", "customer_group_id": 0},
        {"id": 12, "email": "b@example.com", "first_name": "B", "last_name": "Y", "customer_group_id": 0,
         "addresses": [{"country_code": "FR"}]},
        {"id": 13, "email": "c@example.com", "first_name": "C", "last_name": "Z", "customer_group_id": 0}],
        "meta": {"pagination": {"total": 3, "count": 3, "current_page": 1, "total_pages": 1}}}
    addresses = {"data": [
        {"id": 7, "customer_id": 11, "address1": "1 Rue", "city": "Berlin", "country_code": "DE", "country": "Germany"},
        {"id": 5, "customer_id": 11, "address1": "2 Gasse", "city": "Wien", "country_code": "AT", "country": "Austria"},
        {"id": 9, "customer_id": 12, "address1": "3 St", "city": "Leeds", "country_code": "GB",
         "country": "United Kingdom"},
        {"id": 10, "customer_id": 99, "address1": "4 St", "city": "York", "country_code": "GB",
         "country": "United Kingdom"}],
        "meta": {"pagination": {"total": 4, "count": 4, "current_page": 1, "total_pages": 1}}}
    v2 = [{"id": 3, "customer_id": 13, "street_1": "1 Calle", "city": "Madrid", "country": "Spain",
           "country_iso2": "ES"}]
    for name, body in (("customers.json", customers), ("addresses.json", addresses), ("v2_addresses.json", v2)):
        (tmp_path / name).write_text(json.dumps(body), encoding="utf-8")
    result = read("bigcommerce_api", sorted(tmp_path.glob("*.json")))
    assert rows(result, "commerce_customers", "customer_id", "country") == [("11", "AT"), ("12", "FR"), ("13", "ES")]
    assert accounts(result)[("commerce_customers", "addresses.json")]["excluded"] == {
        "customer address: applied to its customer's country": 3,
        "address of a customer not in the source (nothing to apply it to)": 1}


def test_saved_form_field_values_pages_give_customers_their_vat_and_account(tmp_path: Path) -> None:
    """A pull without include=formfields saves the customers' form fields as GET /v3/customers/form-field-values
    pages: such a file stopped the source, and without it the VAT number (the first match key) was lost. Each
    customer's named field (any case) is read from them; its inline form_fields still win."""
    customers = {"data": [
        {"id": 11, "email": "a@example.com", "first_name": "A", "last_name": "X"},
        {"id": 12, "email": "b@example.com", "first_name": "B", "last_name": "Y",
         "form_fields": [{"name": "VAT number", "value": "FR40303265045"}]}],
        "meta": {"pagination": {"total": 2, "count": 2, "current_page": 1, "total_pages": 1}}}
    values = {"data": [
        {"name": "VAT number", "value": "DE811907980", "customer_id": 11},
        {"name": "ERP account", "value": "C-1001", "customer_id": 11},
        {"name": "vat NUMBER", "value": "GB980780684", "customer_id": 12},
        {"name": "VAT number", "value": "ATU99999999", "address_id": 5},
        {"name": "VAT number", "value": "ESB12345678", "customer_id": 99}],
        "meta": {"pagination": {"total": 5, "count": 5, "current_page": 1, "total_pages": 1}}}
    (tmp_path / "customers.json").write_text(json.dumps(customers), encoding="utf-8")
    (tmp_path / "form_field_values.json").write_text(json.dumps(values), encoding="utf-8")
    result = read("bigcommerce_api", sorted(tmp_path.glob("*.json")), account_ref_field="ERP account")
    assert rows(result, "commerce_customers", "customer_id", "vat_number", "account_ref") == [
        ("11", "DE811907980", "C-1001"), ("12", "FR40303265045", None)]
    assert accounts(result)[("commerce_customers", "form_field_values.json")]["excluded"] == {
        "form field value: applied to its customer": 3, "form field value of an address (not read)": 1,
        "form field value of a customer not in the source (nothing to apply it to)": 1}


def test_pages_saved_with_a_utf8_bom_read_as_without(tmp_path: Path) -> None:
    """Windows PowerShell 5 (``Out-File -Encoding utf8``, ``Set-Content -Encoding UTF8``) and Notepad save UTF-8
    with a byte-order mark: a v2 orders page (a bare array) so saved stopped the source, its array read as one
    value with no keys ("no record in this file has a shape this reader knows")."""
    order = {"id": 31007, "customer_id": 1042, "status": "Awaiting Fulfillment", "status_id": 11,
             "date_created": "Tue, 16 Jun 2026 09:12:44 +0000", "total_inc_tax": "1600.5000",
             "default_currency_code": "USD", "is_deleted": False,
             "billing_address": {"email": "Zoë@ACME.example", "country_iso2": "US"}}
    page = tmp_path / "orders_page1.json"
    page.write_bytes(b"\xef\xbb\xbf" + json.dumps([order, order | {"id": 31008, "customer_id": 0}], indent=1,
                                                  ensure_ascii=False).replace("\n", "\r\n").encode("utf-8"))
    customers = tmp_path / "customers_page1.json"
    customers.write_bytes(b"\xef\xbb\xbf" + json.dumps({"data": [{"id": 1042, "email": "Zoë@ACME.example",
                                                                 "first_name": "Zoë", "last_name": "Ø"}],
                                                       "meta": {}}, ensure_ascii=False).encode("utf-8"))
    result = read("bigcommerce_api", [customers, page])
    assert rows(result, "orders", "order_id", "customer_id", "email", "total", "source_row") == [
        ("31007", "1042", "Zoë@ACME.example", Decimal("1600.5000"), 1),
        ("31008", None, "Zoë@ACME.example", Decimal("1600.5000"), 2)]
    assert rows(result, "commerce_customers", "customer_id", "name") == [("1042", "Zoë Ø")]
    assert accounts(result)[("orders", "orders_page1.json")] == {"read": 2, "used": 2, "excluded": {},
                                                                 "quarantined": 0}
