"""Issue 13 items 6, 7, 8, 10: JSON layouts — REST and single-record responses are read, a record's own
list is not a search-results wrapper, and a file no layout recognises is never silently excluded."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.errors import InputError

from .helpers import accounts, problems, read, rows


def test_shopify_rest_lists_and_single_records_are_read() -> None:
    result = read("shopify_api", "shopify/rest/*.json")
    assert rows(result, "orders", "order_id", "customer_id", "company_id", "email", "status", "cancelled",
                "inactive", "created_at", "currency", "total", "ship_to_country", "tags") == [
        ("5551000103", "72104483", None, "mshaw@widgets.example", "paid", False, True, datetime(2026, 6, 20, 8),
         "GBP", Decimal("35.0000"), "GB", None),
        ("5551000101", "7210448301122", "426793626", "ana@ferreteria.example", "paid", False, False,
         datetime(2026, 6, 18, 11, 2, 3), "EUR", Decimal("1210.0000"), "ES", "b2b, net30"),
        ("5551000102", None, None, "guest@mail.example", "voided", True, True, datetime(2026, 6, 19, 18, 40, 55),
         "EUR", Decimal("49.9000"), "DE", None),
    ]
    assert rows(result, "commerce_customers", "customer_id", "email", "name", "company_name", "country",
                "created_at", "tags") == [
        ("72104483", "mshaw@widgets.example", "Melanie Shaw", None, "GB", datetime(2025, 11, 30, 12), None),
        ("7210448301122", "ana@ferreteria.example", "Ana Pérez", "Ferretería López SL", "ES",
         datetime(2026, 3, 2, 9, 15, 11), "wholesale"),
        ("7210448301124", "lena@vogel.example", "Lena Vogel", None, "DE", datetime(2026, 5, 1, 8), "vip,retail"),
    ]
    assert all(a.balanced and not a.quarantined for a in result.accounts)


def test_a_record_with_an_orders_field_is_not_a_rest_wrapper(tmp_path: Path) -> None:
    page = tmp_path / "customers.jsonl"
    page.write_text(json.dumps({"id": "gid://shopify/Customer/9", "email": "x@y.example",
                                "orders": [{"id": "gid://shopify/Order/1"}]}) + "\n")
    assert rows(read("shopify_api", [page]), "commerce_customers", "customer_id") == [("9",)]


def test_adobe_single_order_keeps_its_items_and_single_customer_is_read() -> None:
    result = read("adobe_commerce_api", "adobe/single/*.json")
    assert rows(result, "orders", "order_id", "customer_id", "status", "created_at", "currency", "total",
                "ship_to_country") == [
        ("000008814", "13", "processing", datetime(2026, 6, 18, 7, 5), "EUR", Decimal("3101.0000"), "AT")]
    assert rows(result, "commerce_customers", "customer_id", "email", "company_name", "vat_number", "country") == [
        ("13", "k.ode@mail.example", "Ode Handel GmbH", "ATU12345678", "AT")]
    assert accounts(result)[("orders", "order_5.json")] == {"read": 1, "used": 1, "excluded": {}, "quarantined": 0}


def test_bigcommerce_v3_customer_without_id_is_quarantined(tmp_path: Path) -> None:
    page = tmp_path / "customers.json"
    page.write_text(json.dumps({"data": [
        {"email": "jane@example.com", "first_name": "Jane", "last_name": "Smith", "customer_group_id": 0},
        {"id": 7, "email": "sam@example.com", "first_name": "Sam", "last_name": "Lee"}], "meta": {}}))
    result = read("bigcommerce_api", [page])
    assert rows(result, "commerce_customers", "customer_id", "email") == [("7", "sam@example.com")]
    assert problems(result) == [("customers.json", 1, "id", None, "required value is empty")]


def test_a_json_file_of_unknown_records_is_an_error_naming_the_file_and_the_layouts(tmp_path: Path) -> None:
    other = tmp_path / "export.json"
    other.write_text(json.dumps({"results": [{"uid": 1, "title": "x"}]}))
    with pytest.raises(InputError) as err:
        read("bigcommerce_api", [other])
    assert str(err.value).splitlines()[0] == (
        f"{other}: no record in this file has a shape this reader knows (the first has keys: results). It reads "
        f"BigCommerce v3 customers pages, v3 customer addresses and form field values pages (or v2 customer "
        f"addresses), v2 orders pages (bare arrays) or single orders, v2 order shipping addresses, and B2B Edition "
        f"companies, users, orders and quotes pages. Check the source's reader and path.")


def test_unknown_records_beside_known_ones_are_quarantined_one_by_one(tmp_path: Path) -> None:
    page = tmp_path / "orders.json"
    page.write_text(json.dumps({"data": {"orders": {"nodes": [
        {"id": "gid://shopify/Order/1", "createdAt": "2026-06-18T10:00:00Z",
         "totalPriceSet": {"shopMoney": {"amount": "1.00", "currencyCode": "EUR"}}}]}}}) + "\n")
    stray = tmp_path / "stray.jsonl"
    stray.write_text('{"id":"gid://shopify/Customer/5","email":"a@b.example"}\n{"widget":1,"size":"L"}\n')
    result = read("shopify_api", [page, stray])
    assert problems(result) == [("stray.jsonl", 2, "record", "widget, size",
                                 "not a Shopify record this reader knows (its keys are shown)")]


def test_strict_ingest_fails_on_a_file_no_layout_recognises(tmp_path: Path) -> None:
    from bridgewatch.demo import write_demo

    root = write_demo(tmp_path)[0]
    (root / "exports" / "bigcommerce" / "zz_report.json").write_text(json.dumps([{"sku": "A", "qty": 3}]))
    runner = CliRunner()
    for args in (["ingest", "-w", str(root)], ["ingest", "-w", str(root), "--strict"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 5, result.output
        assert "zz_report.json: no record in this file has a shape this reader knows" in result.stderr
