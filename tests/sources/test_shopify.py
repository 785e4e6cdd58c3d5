"""Shopify: admin CSV exports, GraphQL Admin responses and bulk JSONL → canonical rows."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bridgewatch.errors import InputError

from .helpers import FIXTURES, accounts, problems, read, rows

VAT_COLUMN = "VAT number (customer.metafields.custom.vat_number)"


def test_csv_orders_link_to_customers_by_email_and_skip_line_item_rows() -> None:
    result = read("shopify_csv", "shopify/*.csv", vat_column=VAT_COLUMN, b2b_tag="wholesale")
    assert rows(result, "orders", "order_id", "customer_id", "email", "status", "cancelled", "inactive",
                "created_at", "currency", "total", "ship_to_country", "tags", "source_row") == [
        ("5551000001", "7210448301122", "ana@ferreteria.example", "pending", False, False,
         datetime(2026, 6, 18, 11, 2, 3), "EUR", Decimal("1210.0000"), "ES", "b2b, net30", 1),
        ("5551000002", None, "guest@mail.example", "voided", True, True,
         datetime(2026, 6, 19, 18, 40, 55), "EUR", Decimal("49.9000"), "DE", None, 3),
        ("5551000003", "0072104483", "Mshaw@Widgets.example", "paid", False, False,
         datetime(2026, 6, 20, 8, 0), "GBP", Decimal("35.0000"), "GB", None, 4),
    ]
    assert accounts(result)[("orders", "orders_export.csv")] == {
        "read": 4, "used": 3, "excluded": {"additional line item of an order": 1}, "quarantined": 0}


def test_csv_orders_sorted_in_a_spreadsheet_keep_every_order_and_exclude_every_line_item(tmp_path: Path) -> None:
    """An orders export sorted by another column (Excel's Sort by Lineitem name) no longer has each order's own row
    first: the line item row just above an order's row made that row look like a second line item, so the order
    (#1002, 480.00) was dropped, and the line items away from their order were quarantined for an empty Total."""
    export = tmp_path / "orders_export.csv"
    export.write_text(
        "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,Id\n"
        "#1002,b@x.example,,,,2026-06-18 10:00:00 +0100,1,Anchor,\n"
        "#1002,b@x.example,paid,GBP,480.00,2026-06-18 10:00:00 +0100,2,Bolt,5002\n"
        "#1001,a@x.example,paid,GBP,1210.00,2026-06-17 09:00:00 +0100,1,Cable,5001\n"
        "#1001,a@x.example,,,,2026-06-17 09:00:00 +0100,3,Drill,\n"
        "#1003,c@x.example,,,,2026-06-19 11:00:00 +0100,1,Epoxy,\n"
        "#1002,b@x.example,,,,2026-06-18 10:00:00 +0100,1,Fuse,\n"
        "#1003,c@x.example,partially_refunded,GBP,99.00,2026-06-19 11:00:00 +0100,2,Glue,5003\n", encoding="utf-8")
    result = read("shopify_csv", [export], email_as_customer_id=True)
    assert rows(result, "orders", "order_id", "customer_id", "status", "total", "source_row") == [
        ("5002", "b@x.example", "paid", Decimal("480.0000"), 2),
        ("5001", "a@x.example", "paid", Decimal("1210.0000"), 3),
        ("5003", "c@x.example", "partially_refunded", Decimal("99.0000"), 7)]
    assert rows(result, "commerce_customers", "customer_id") == [("b@x.example",), ("a@x.example",), ("c@x.example",)]
    assert problems(result) == []
    assert accounts(result)[("orders", "orders_export.csv")] == {
        "read": 7, "used": 3, "excluded": {"additional line item of an order": 4}, "quarantined": 0}


def test_csv_customers_strip_spreadsheet_quotes_and_keep_leading_zeros() -> None:
    result = read("shopify_csv", "shopify/customers_export.csv", vat_column=VAT_COLUMN, b2b_tag="wholesale")
    assert rows(result, "commerce_customers", "customer_id", "email", "name", "is_b2b", "company_name",
                "vat_number", "country", "tags") == [
        ("7210448301122", "ana@ferreteria.example", "Ana Pérez", True, "Ferretería López SL", "ESB12345678", "ES",
         "wholesale"),
        ("0072104483", "mshaw@widgets.example", "Melanie Shaw", False, None, None, "GB", None),
    ]


def test_csv_orders_alone_are_guests_unless_email_is_the_id() -> None:
    alone = read("shopify_csv", "shopify/orders_export.csv")
    assert rows(alone, "orders", "customer_id") == [(None,), (None,), (None,)]
    by_email = read("shopify_csv", "shopify/orders_export.csv", email_as_customer_id=True)
    assert rows(by_email, "orders", "customer_id") == [("ana@ferreteria.example",), ("guest@mail.example",),
                                                       ("mshaw@widgets.example",)]


def test_graphql_pages_b2b_from_contact_profiles_purchasing_entity_and_contacts() -> None:
    result = read("shopify_api", "shopify/graphql_*.json", vat_path="$.vat.value")
    assert rows(result, "commerce_customers", "customer_id", "email", "is_b2b", "company_id", "vat_number",
                "country", "tags") == [
        ("7210448301122", "ana@ferreteria.example", True, "426793626", None, "ES", "wholesale"),
        ("7210448301123", "tom@baker.example", False, None, "GB980780684", "GB", None),
        ("7210448301124", "lena@vogel.example", False, None, None, "DE", "vip,retail"),
        ("7210448309999", "luis@ferreteria.example", True, "426793626", None, None, None),
    ]
    assert rows(result, "orders", "order_id", "customer_id", "company_id", "status", "cancelled", "quote",
                "inactive", "currency", "total", "ship_to_country") == [
        ("draft-9001", "7210448301123", None, "OPEN", False, True, False, "GBP", Decimal("480.0000"), None),
        ("5551000001", "7210448301122", "426793626", "PENDING", False, False, False, "EUR", Decimal("1210.0000"),
         "ES"),
        ("5551000002", None, None, "VOIDED", True, False, True, "EUR", Decimal("49.9000"), None),
        ("5551000003", "7210448301123", None, "PAID", False, False, True, "GBP", Decimal("35.0000"), "GB"),
    ]


def test_graphql_companies_and_locations_with_tax_registration_ids() -> None:
    result = read("shopify_api", "shopify/graphql_*.json")
    assert rows(result, "companies", "company_id", "name", "email", "account_ref", "country", "created_at") == [
        ("426793626", "Ferretería López SL", "ana@ferreteria.example", "C10042", "ES", datetime(2025, 11, 4, 10)),
    ]
    assert rows(result, "company_locations", "company_id", "location_id", "name", "vat_number", "account_ref",
                "country") == [
        ("426793626", "441870438", "Madrid HQ", "ESB12345678", "C10042-01", "ES"),
        ("426793626", "441870439", "Valencia", None, None, "ES"),
    ]
    got = accounts(result)
    assert got[("commerce_customers", "graphql_customers_page2.json")] == {
        "read": 2, "used": 1, "excluded": {"duplicate": 1}, "quarantined": 0}
    assert got[("orders", "graphql_draft_orders.json")] == {
        "read": 2, "used": 1, "quarantined": 0,
        "excluded": {"completed draft order (the order it became is read as an order)": 1}}
    assert got[("companies", "graphql_orders.json")] == {
        "read": 1, "used": 0, "excluded": {"duplicate": 1}, "quarantined": 0}


def test_bulk_jsonl_children_reference_their_parent() -> None:
    result = read("shopify_api", "shopify/bulk_orders.jsonl")
    assert rows(result, "orders", "order_id", "company_id", "cancelled", "source_row") == [
        ("5551000001", "426793626", False, 1), ("5551000002", None, True, 3)]
    assert rows(result, "company_locations", "company_id", "location_id", "vat_number", "source_row") == [
        ("426793626", "441870438", "ESB12345678", 6)]
    assert rows(result, "commerce_customers", "customer_id", "email", "is_b2b", "company_id") == [
        ("7210448301122", "ana@ferreteria.example", True, "426793626")]
    assert accounts(result)[("orders", "bulk_orders.jsonl")] == {
        "read": 4, "used": 2, "excluded": {"LineItem line (child of Order)": 2}, "quarantined": 0}


def test_truncated_json_is_an_error_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "orders.json"
    broken.write_text((FIXTURES / "shopify/graphql_orders.json").read_text()[:300])
    with pytest.raises(InputError) as err:
        read("shopify_api", [broken])
    assert str(err.value).startswith(f"{broken}: not valid JSON (")
    assert "The file may be truncated or not a saved API response; export it again." in str(err.value)
    assert [(p.file, p.reason) for p in err.value.problems] == [(str(broken), "not valid JSON")]


def test_saved_graphql_error_response_is_an_error(tmp_path: Path) -> None:
    throttled = tmp_path / "orders.json"
    throttled.write_text('{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]}')
    with pytest.raises(InputError, match="this is an API error response, not data: Throttled"):
        read("shopify_api", [throttled])


def test_a_saved_graphql_page_with_errors_beside_its_data_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "customers.json"
    page.write_text(json.dumps({
        "data": {"customers": {"nodes": [{"id": "gid://shopify/Customer/7001", "email": None, "displayName": None}]}},
        "errors": [{"message": "This app is not approved to access the Customer object.",
                    "path": ["customers", "nodes", 0, "email"], "extensions": {"code": "ACCESS_DENIED"}}]}))
    with pytest.raises(InputError) as err:
        read("shopify_api", [page])
    assert str(err.value).startswith(f"{page}: this API response reports errors beside its data: This app is not "
                                     f"approved to access the Customer object. Its records are incomplete")
    assert [(p.file, p.value, p.reason) for p in err.value.problems] == [
        (str(page), "This app is not approved to access the Customer object.",
         "API response with errors beside its data")]


def test_graphql_pages_missing_are_told_whatever_order_the_page_files_sort_in(
        caplog: pytest.LogCaptureFixture) -> None:
    first, last = FIXTURES / "shopify/graphql_customers.json", FIXTURES / "shopify/graphql_customers_page2.json"
    with caplog.at_level(logging.WARNING):
        read("shopify_api", [last, first, FIXTURES / "shopify/graphql_orders.json"])
    assert not caplog.records
    with caplog.at_level(logging.WARNING):
        assert len(rows(read("shopify_api", [first]), "commerce_customers", "customer_id")) == 2
    assert [r.getMessage() for r in caplog.records] == [
        "Every Shopify customers page read has pageInfo.hasNextPage true, so the last page is missing; follow "
        "endCursor and add the remaining pages to the source, or records will look missing"]


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    src = (FIXTURES / "shopify/orders_export.csv").read_text(encoding="utf-8")
    broken = tmp_path / "orders_export.csv"
    broken.write_text(src.replace(",Total,", ",Grand,", 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read("shopify_csv", [broken])
    assert [(p.field, p.reason) for p in err.value.problems] == [
        ("Total", "required column is missing from the header of this Shopify orders export")]


def test_bad_date_and_amount_are_quarantined_with_the_vendor_field(tmp_path: Path) -> None:
    src = (FIXTURES / "shopify/orders_export.csv").read_text(encoding="utf-8")
    broken = tmp_path / "orders_export.csv"
    broken.write_text(src.replace("2026-06-19 20:40:55 +0200", "19/06/2026 20:40").replace("35.00", "35.00 GBP"),
                      encoding="utf-8")
    result = read("shopify_csv", [broken])
    assert problems(result) == [
        ("orders_export.csv", 3, "Created at", "19/06/2026 20:40",
         "expected a date and time such as '2026-06-18 11:02:03 +0100'"),
        ("orders_export.csv", 4, "Total", "35.00 GBP",
         "expected an amount such as 1234.50 or 1,234.50 (1.234,50 in files separated by ';' or with the "
         "decimal_comma option)"),
    ]
    assert accounts(result)[("orders", "orders_export.csv")] == {
        "read": 4, "used": 1, "excluded": {"additional line item of an order": 1}, "quarantined": 2}


def test_not_a_shopify_export_is_an_error(tmp_path: Path) -> None:
    other = tmp_path / "export.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not a file this reader knows"):
        read("shopify_csv", [other])


def test_csv_orders_without_an_email_link_to_a_phone_only_customer_by_phone(tmp_path: Path) -> None:
    """A customer who signs in by phone has no email, so neither have their orders: the API names the order's
    customer, and the CSV route must too, by the orders export's Phone and the customers export's Phone
    (spreadsheet quote, spaces, dashes and brackets aside); an order with an email never links by phone, and a
    phone no email-less customer has stays a guest."""
    (tmp_path / "customers_export.csv").write_text(
        "Customer ID,First Name,Last Name,Email,Phone,Tags\n"
        "'7001,Rafi,Khan,,'+923001234567,\n"
        "'7002,Ana,Perez,ana@example.com,'+34600111222,\n", encoding="utf-8")
    (tmp_path / "orders_export.csv").write_text(
        "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Id,Phone\n"
        "#1,,pending,PKR,1500.00,2026-04-05 21:06:21 +0400,1,11,+92 300 123-4567\n"
        "#1,,,,,2026-04-05 21:06:21 +0400,2,,\n"
        "#2,,pending,PKR,1700.00,2026-04-06 01:48:03 +0400,1,12,'+923009999999\n"
        "#3,ana@example.com,paid,EUR,10.00,2026-04-06 09:00:00 +0200,1,13,+923001234567\n"
        "#4,,paid,EUR,12.00,2026-04-06 10:00:00 +0200,1,14,+34 600 111 222\n", encoding="utf-8")
    result = read("shopify_csv", [tmp_path / "customers_export.csv", tmp_path / "orders_export.csv"])
    assert rows(result, "orders", "order_id", "customer_id") == [("11", "7001"), ("12", None), ("13", "7002"),
                                                                 ("14", None)]


def test_csv_ids_excel_wrote_in_scientific_notation_never_merge_orders_or_customers(tmp_path: Path) -> None:
    """A CSV opened in Excel and saved writes a 13-digit id as 6.29549E+12: the ids of one shop then look alike, and
    each order or customer after the first was dropped as a 'duplicate, conflicting' copy. The order is keyed by its
    Name and the customer by its email instead, with a note; a customer with no email to fall back on is
    quarantined saying why."""
    (tmp_path / "customers_export.csv").write_text(
        "Customer ID,First Name,Last Name,Email,Phone\n"
        "'7985351721238,Ann,Lee,ann@example.com,\n"
        "7.98535E+12,Bob,Ray,Bob@Example.com,\n"
        "7.98535E+12,Cy,Ray,cy@example.com,\n"
        "7.98536E+12,Di,Ng,,+923001234567\n", encoding="utf-8")
    (tmp_path / "orders_export.csv").write_text(
        "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Id\n"
        "#1001,ann@example.com,paid,CAD,220.06,2025-03-20 05:20:57 -0700,1,6.29549E+12\n"
        "#1001,ann@example.com,,,,2025-03-20 05:20:57 -0700,2,\n"
        "#1002,bob@example.com,paid,CAD,10.00,2025-03-21 05:20:57 -0700,1,6.29549E+12\n"
        "#1003,cy@example.com,paid,CAD,12.50,2025-03-22 05:20:57 -0700,1,6295486890243\n", encoding="utf-8")
    result = read("shopify_csv", [tmp_path / "customers_export.csv", tmp_path / "orders_export.csv"])
    assert rows(result, "orders", "order_id", "customer_id", "total") == [
        ("#1001", "7985351721238", Decimal("220.06")), ("#1002", "bob@example.com", Decimal("10.00")),
        ("6295486890243", "cy@example.com", Decimal("12.50"))]
    assert rows(result, "commerce_customers", "customer_id", "email") == [
        ("7985351721238", "ann@example.com"), ("bob@example.com", "Bob@Example.com"),
        ("cy@example.com", "cy@example.com")]
    assert problems(result) == [("customers_export.csv", 4, "Customer ID", "7.98536E+12",
                                 "a number in scientific notation, as a spreadsheet saves a long id it shows in "
                                 "General format: its last digits are lost and the customer has no email to be known "
                                 "by; export the customers again and read the CSV as Shopify wrote it (or the "
                                 "workbook saved from it)")]
    notes = {name: account["notes"] for (_, name), account in accounts(result).items()}
    assert notes["orders_export.csv"] == [
        "2 Id values are in scientific notation (6.29549E+12), as Excel writes long ids into a CSV it saves: their "
        "digits are lost, so these orders are keyed by Name (#1001), not by the id the API gives; export the orders "
        "again and read the CSV as Shopify wrote it (or the workbook saved from it)"]
    assert notes["customers_export.csv"][0].startswith("3 Customer ID values are in scientific notation (7.98535E+12)")


def test_api_customer_default_address_given_by_id_is_read_from_its_address_list(tmp_path: Path) -> None:
    """A query of ``defaultAddress { id }`` with the customer's ``addresses`` (Airbyte's bulk customers query), or
    with ``addressesV2`` arriving as bulk MailingAddress lines, names the default address only by its id: its
    country and company were lost (no country, so no VAT treatment or country for the VAT number). The address with
    that id gives them; a default address given in full still wins."""
    lines = [
        {"id": "gid://shopify/Customer/123", "email": "a@example.com",
         "defaultAddress": {"id": "gid://shopify/MailingAddress/9?model_name=CustomerAddress"},
         "addresses": [{"id": "gid://shopify/MailingAddress/8?model_name=CustomerAddress", "countryCode": "US",
                        "company": "Other Inc"},
                       {"id": "gid://shopify/MailingAddress/9?model_name=CustomerAddress", "countryCode": "DE",
                        "company": "Acme GmbH"}]},
        {"id": "gid://shopify/Customer/456", "email": "b@example.com",
         "defaultAddress": {"id": "gid://shopify/MailingAddress/11?model_name=CustomerAddress"}},
        {"id": "gid://shopify/MailingAddress/10?model_name=CustomerAddress", "countryCodeV2": "US",
         "__parentId": "gid://shopify/Customer/456"},
        {"id": "gid://shopify/MailingAddress/11?model_name=CustomerAddress", "countryCodeV2": "FR",
         "company": "Bleu SA", "__parentId": "gid://shopify/Customer/456"},
        {"id": "gid://shopify/Customer/789", "email": "c@example.com",
         "defaultAddress": {"id": "gid://shopify/MailingAddress/12", "countryCodeV2": "GB", "company": "UK Ltd"},
         "addresses": [{"id": "gid://shopify/MailingAddress/12", "countryCode": "IE"}]},
        {"id": "gid://shopify/Customer/790", "email": "d@example.com", "defaultAddress": None, "addresses": []},
    ]
    path = tmp_path / "customers_bulk.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = read("shopify_api", [path])
    assert rows(result, "commerce_customers", "customer_id", "country", "company_name") == [
        ("123", "DE", "Acme GmbH"), ("456", "FR", "Bleu SA"), ("789", "GB", "UK Ltd"), ("790", None, None)]


def test_api_order_ship_to_country_from_any_address_field_a_query_asks_for(tmp_path: Path) -> None:
    """An orders query asking for ``shippingAddress { countryCode }`` (deprecated, still served) or ``{ country }``
    gave no ship-to country (the customers query read both): the expected entity and VAT treatment then rested on
    the customer alone. Codes before names, shipping before billing."""
    money = {"shopMoney": {"amount": "10.00", "currencyCode": "EUR"}}

    def order(n: int, **addresses: object) -> dict[str, object]:
        return {"id": f"gid://shopify/Order/{n}", "createdAt": "2026-06-01T10:00:00Z", "displayFinancialStatus": "PAID",
                "totalPriceSet": money, "customer": {"id": "gid://shopify/Customer/5"}, **addresses}

    page = {"data": {"orders": {"nodes": [
        order(1, shippingAddress={"countryCode": "DE", "country": "Germany"}, billingAddress={"countryCodeV2": "FR"}),
        order(2, shippingAddress={"country": "Austria"}, billingAddress={"countryCodeV2": "FR"}),
        order(3, shippingAddress=None, billingAddress={"countryCode": "IT"}),
        order(4, shippingAddress={"countryCodeV2": "ES"}),
    ], "pageInfo": {"hasNextPage": False}}}}
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert rows(read("shopify_api", [path]), "orders", "order_id", "ship_to_country") == [
        ("1", "DE"), ("2", "AT"), ("3", "IT"), ("4", "ES")]


def test_rest_draft_orders_are_quotes(tmp_path: Path) -> None:
    """REST GET /draft_orders.json (and a single draft_order) was refused as a file of no known shape, stopping the
    source; its drafts are quotes as GraphQL draftOrders are, a completed one excluded (its order is read)."""
    drafts = {"draft_orders": [
        {"id": 994118539, "email": "bob@example.com", "currency": "USD", "created_at": "2026-06-18T09:00:00-05:00",
         "completed_at": None, "name": "#D2", "status": "open", "total_price": "398.00", "order_id": None, "tags": "",
         "customer": {"id": 207119551, "email": "bob@example.com"}, "shipping_address": {"country_code": "US"},
         "line_items": []},
        {"id": 994118540, "email": "bob@example.com", "currency": "USD", "created_at": "2026-06-18T09:00:00-05:00",
         "completed_at": "2026-06-18T10:00:00-05:00", "name": "#D3", "status": "completed", "total_price": "20.00",
         "order_id": 450789469, "customer": {"id": 207119551}, "line_items": []}]}
    single = {"draft_order": {"id": 994118541, "email": "c@example.com", "currency": "USD", "name": "#D4",
                              "created_at": "2026-06-18T09:00:00Z", "status": "invoice_sent", "total_price": "1000.00",
                              "customer": None, "line_items": []}}
    (tmp_path / "draft_orders.json").write_text(json.dumps(drafts), encoding="utf-8")
    (tmp_path / "draft_order.json").write_text(json.dumps(single), encoding="utf-8")
    result = read("shopify_api", [tmp_path / "draft_order.json", tmp_path / "draft_orders.json"])
    assert rows(result, "orders", "order_id", "customer_id", "quote", "status", "created_at", "currency", "total",
                "ship_to_country") == [
        ("draft-994118541", None, True, "invoice_sent", datetime(2026, 6, 18, 9, 0), "USD", Decimal("1000.00"), None),
        ("draft-994118539", "207119551", True, "open", datetime(2026, 6, 18, 14, 0), "USD", Decimal("398.00"), "US")]
    assert accounts(result)[("orders", "draft_orders.json")]["excluded"] == {
        "completed draft order (the order it became is read as an order)": 1}


def test_api_display_name_standing_in_for_a_missing_name_is_no_name(tmp_path: Path) -> None:
    """Shopify's displayName of a customer without a name is the email (else the phone); the worklist showed it as
    the customer's name, where the CSV and REST routes give none. First and last name come before displayName."""
    page = {"data": {"customers": {"nodes": [
        {"id": "gid://shopify/Customer/1", "displayName": "ann@example.com", "firstName": None, "lastName": None,
         "defaultEmailAddress": {"emailAddress": "Ann@example.com"}},
        {"id": "gid://shopify/Customer/2", "displayName": "+16135550135", "defaultEmailAddress": None,
         "defaultPhoneNumber": {"phoneNumber": "+16135550135"}},
        {"id": "gid://shopify/Customer/3", "displayName": "Bob Ray", "defaultEmailAddress": {"emailAddress": "b@x.io"}},
        {"id": "gid://shopify/Customer/4", "displayName": "Dr Cy Ng", "firstName": "Cy", "lastName": "Ng"},
    ], "pageInfo": {"hasNextPage": False}}}}
    path = tmp_path / "customers.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert rows(read("shopify_api", [path]), "commerce_customers", "customer_id", "name") == [
        ("1", None), ("2", None), ("3", "Bob Ray"), ("4", "Cy Ng")]


def test_orders_listed_under_their_customer_or_company_belong_to_it(tmp_path: Path) -> None:
    """A bulk query of customers { orders } (or companies / locations / contacts { orders }) writes each Order line
    with only its __parentId: the orders were read as guests' (no customer, no company). A saved page listing them
    nested (customers { nodes { orders { nodes } } }) lost them altogether, unaccounted. Both now belong to their
    parent; a nested list cut short (hasNextPage) is warned about."""
    def order(n: int, **more: object) -> dict[str, object]:
        return {"id": f"gid://shopify/Order/{n}", "createdAt": "2026-06-18T10:00:00Z",
                "displayFinancialStatus": "PAID",
                "totalPriceSet": {"shopMoney": {"amount": f"{n % 100}.00", "currencyCode": "EUR"}}, **more}

    lines = [{"id": "gid://shopify/Customer/123", "email": "a@example.com"},
             order(9001, __parentId="gid://shopify/Customer/123"),
             {"id": "gid://shopify/LineItem/1", "quantity": 1, "__parentId": "gid://shopify/Order/9001"},
             {"id": "gid://shopify/Company/77", "name": "Acme"},
             order(9002, __parentId="gid://shopify/Company/77"),
             {"id": "gid://shopify/CompanyLocation/55", "name": "HQ", "__parentId": "gid://shopify/Company/77"},
             order(9003, __parentId="gid://shopify/CompanyLocation/55"),
             {"id": "gid://shopify/CompanyContact/66", "customer": {"id": "gid://shopify/Customer/123"},
              "__parentId": "gid://shopify/Company/77"},
             order(9004, __parentId="gid://shopify/CompanyContact/66"),
             {"id": "gid://shopify/Order/9009", "__parentId": "gid://shopify/Customer/123"}]  # a reference only
    bulk = tmp_path / "bulk.jsonl"
    bulk.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    page = {"data": {"customers": {"nodes": [
        {"id": "gid://shopify/Customer/200", "email": "b@example.com",
         "orders": {"nodes": [order(9010), order(9011)], "pageInfo": {"hasNextPage": True}}},
        {"id": "gid://shopify/Customer/201", "email": "c@example.com",
         "orders": {"edges": [{"node": order(9012)}], "pageInfo": {"hasNextPage": False}}},
        {"id": "gid://shopify/Customer/202", "email": "d@example.com",  # references only, as the docs' query asks
         "orders": {"edges": [{"node": {"id": "gid://shopify/Order/9013"}}], "pageInfo": {"hasNextPage": True}}},
    ], "pageInfo": {"hasNextPage": False}}}}
    nested = tmp_path / "customers.json"
    nested.write_text(json.dumps(page), encoding="utf-8")
    result = read("shopify_api", [bulk, nested])
    assert rows(result, "orders", "order_id", "customer_id", "company_id", "total") == [
        ("9001", "123", None, Decimal("1.00")), ("9002", None, "77", Decimal("2.00")),
        ("9003", None, "77", Decimal("3.00")), ("9004", "123", "77", Decimal("4.00")),
        ("9010", "200", None, Decimal("10.00")), ("9011", "200", None, Decimal("11.00")),
        ("9012", "201", None, Decimal("12.00"))]
    assert not problems(result)
    assert accounts(result)[("orders", "bulk.jsonl")]["excluded"] == {
        "LineItem line (child of Order)": 1,
        "order named under another record without its fields (a reference: read the order from an orders query)": 1}
    assert [w.text for w in result.warnings] == [
        "Shopify records list their orders nested (orders { nodes }) with pageInfo.hasNextPage true (1 of them), so "
        "some of their orders are missing; ask for more orders per record, or save an orders query (or a bulk "
        "operation) instead, or orders will look missing"]


def test_rest_order_with_empty_strings_for_test_and_cancelled_at(tmp_path: Path) -> None:
    """JSON written by a tool that keeps empty values as "" ("test": "", "cancelled_at": ""): the read stopped on a
    DuckDB conversion traceback, and "" would have read as cancelled. Empty is absent, as null is."""
    page = {"orders": [
        {"id": 1, "email": "a@example.com", "created_at": "2026-06-18T10:00:00-04:00", "financial_status": "paid",
         "currency": "USD", "total_price": "10.00", "cancelled_at": "", "test": "", "customer": {"id": 5}},
        {"id": 2, "email": "b@example.com", "created_at": "2026-06-18T10:00:00-04:00", "financial_status": "paid",
         "currency": "USD", "total_price": "12.00", "cancelled_at": "2026-06-18T11:00:00-04:00", "test": "true",
         "customer": {"id": 6}}]}
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert rows(read("shopify_api", [path]), "orders", "order_id", "cancelled", "inactive") == [
        ("1", False, False), ("2", True, True)]


def test_api_order_total_asked_in_presentment_money_only(tmp_path: Path) -> None:
    """An orders query asking for totalPriceSet { presentmentMoney } only (what the buyer paid) gave no total, so the
    order was quarantined (and the shop's currencyCode, when asked, would have been paired with no amount). The
    presentment amount is read with its own currency; shopMoney, when given, still wins."""
    page = {"data": {"orders": {"nodes": [
        {"id": "gid://shopify/Order/1", "createdAt": "2026-06-01T10:00:00Z", "displayFinancialStatus": "PAID",
         "currencyCode": "USD", "totalPriceSet": {"presentmentMoney": {"amount": "9.00", "currencyCode": "EUR"}},
         "customer": {"id": "gid://shopify/Customer/5"}},
        {"id": "gid://shopify/Order/2", "createdAt": "2026-06-01T10:00:00Z", "displayFinancialStatus": "PAID",
         "totalPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"},
                           "presentmentMoney": {"amount": "9.00", "currencyCode": "EUR"}},
         "customer": {"id": "gid://shopify/Customer/5"}}], "pageInfo": {"hasNextPage": False}}}}
    rest = {"order": {"id": 3, "created_at": "2026-06-01T10:00:00Z", "financial_status": "paid", "customer": {"id": 5},
                      "total_price_set": {"presentment_money": {"amount": "7.00", "currency_code": "GBP"}}}}
    (tmp_path / "orders.json").write_text(json.dumps(page), encoding="utf-8")
    (tmp_path / "order.json").write_text(json.dumps(rest), encoding="utf-8")
    result = read("shopify_api", [tmp_path / "orders.json", tmp_path / "order.json"])
    assert rows(result, "orders", "order_id", "currency", "total") == [
        ("1", "EUR", Decimal("9.00")), ("2", "USD", Decimal("10.00")), ("3", "GBP", Decimal("7.00"))]
    assert not problems(result)


def test_a_contact_of_two_companies_gets_the_same_company_on_every_route(tmp_path: Path) -> None:
    """A customer who is a contact of two companies: the GraphQL customers page took its first companyContactProfile,
    the companies CSV and the company pages' contacts the least company id, so the routes put the customer (and its
    orders) in different accounts. Every route now takes the least id."""
    page = {"data": {"customers": {"nodes": [
        {"id": "gid://shopify/Customer/1", "email": "a@example.com", "companyContactProfiles": [
            {"company": {"id": "gid://shopify/Company/900"}}, {"company": {"id": "gid://shopify/Company/1000"}}]},
        {"id": "gid://shopify/Customer/2", "email": "b@example.com",
         "companyContactProfiles": [{"company": {"id": "gid://shopify/Company/77"}}]}],
        "pageInfo": {"hasNextPage": False}}}}
    api = tmp_path / "api"
    api.mkdir()
    (api / "customers.json").write_text(json.dumps(page), encoding="utf-8")
    csv = tmp_path / "csv"
    csv.mkdir()
    (csv / "customers_export.csv").write_text(
        "Customer ID,First Name,Last Name,Email\n'1,A,X,a@example.com\n'2,B,Y,b@example.com\n", encoding="utf-8")
    (csv / "companies_export.csv").write_text(
        "ID,Name,Location: ID,Customer: ID,Customer: Email\n"
        "900,Nine,11,1,a@example.com\n1000,Thousand,12,1,a@example.com\n77,Seven,13,2,b@example.com\n",
        encoding="utf-8")
    expected = [("1", "1000"), ("2", "77")]
    assert rows(read("shopify_api", [api / "customers.json"]), "commerce_customers", "customer_id",
                "company_id") == expected
    assert rows(read("shopify_csv", sorted(csv.glob("*.csv"))), "commerce_customers", "customer_id",
                "company_id") == expected
