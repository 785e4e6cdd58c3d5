"""A partially refunded or partly cancelled order blocks what is left of it, on every route whose vendor records the
refunded (or cancelled) part: a live order's original total counted the money already given back."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .helpers import problems, read, rows


def test_shopify_api_orders_count_their_current_total(tmp_path: Path) -> None:
    """Shopify keeps ``totalPriceSet`` / ``total_price`` as the total before returns and refunds;
    ``currentTotalPriceSet`` / ``current_total_price`` is what the order stands at now."""
    page = {"data": {"orders": {"nodes": [
        {"id": "gid://shopify/Order/1", "createdAt": "2026-06-01T10:00:00Z",
         "displayFinancialStatus": "PARTIALLY_REFUNDED", "customer": {"id": "gid://shopify/Customer/5"},
         "totalPriceSet": {"shopMoney": {"amount": "598.94", "currencyCode": "USD"}},
         "currentTotalPriceSet": {"shopMoney": {"amount": "388.94", "currencyCode": "USD"}}},
        {"id": "gid://shopify/Order/2", "createdAt": "2026-06-01T10:00:00Z", "displayFinancialStatus": "PAID",
         "customer": {"id": "gid://shopify/Customer/5"},
         "totalPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}}}],
        "pageInfo": {"hasNextPage": False}}}}
    rest = {"orders": [{"id": 3, "created_at": "2026-06-01T10:00:00Z", "financial_status": "partially_refunded",
                        "customer": {"id": 5}, "currency": "CAD", "total_price": "149.44",
                        "current_total_price": "147.90",
                        "total_price_set": {"shop_money": {"amount": "149.44", "currency_code": "CAD"}},
                        "current_total_price_set": {"shop_money": {"amount": "147.90", "currency_code": "CAD"}}},
                       {"id": 4, "created_at": "2026-06-01T10:00:00Z", "financial_status": "partially_refunded",
                        "customer": {"id": 5}, "currency": "CAD", "total_price": "50.00",
                        "current_total_price": "35.00"}]}
    (tmp_path / "orders.json").write_text(json.dumps(page), encoding="utf-8")
    (tmp_path / "rest_orders.json").write_text(json.dumps(rest), encoding="utf-8")
    result = read("shopify_api", [tmp_path / "orders.json", tmp_path / "rest_orders.json"])
    assert rows(result, "orders", "order_id", "currency", "total") == [
        ("1", "USD", Decimal("388.94")), ("2", "USD", Decimal("10.00")), ("3", "CAD", Decimal("147.90")),
        ("4", "CAD", Decimal("35.00"))]
    assert not problems(result)


def test_shopify_csv_orders_less_their_refunded_amount(tmp_path: Path) -> None:
    """The admin orders export writes the original ``Total`` (Subtotal + Shipping + Taxes) and the money given
    back in ``Refunded Amount`` (as the real export's partially refunded #1095: 149.44 and 1.54)."""
    export = tmp_path / "orders_export.csv"
    export.write_text(
        "Name,Email,Financial Status,Currency,Subtotal,Shipping,Taxes,Total,Created at,Lineitem quantity,"
        "Refunded Amount,Id\n"
        "#1095,a@x.example,partially_refunded,CAD,132.32,9.99,7.13,149.44,2026-06-18 10:00:00 +0100,1,1.54,5095\n"
        "#1096,b@x.example,paid,CAD,10.00,0.00,0.00,10.00,2026-06-18 10:00:00 +0100,1,0.00,5096\n"
        "#1097,c@x.example,paid,CAD,10.00,0.00,0.00,10.00,2026-06-18 10:00:00 +0100,1,,5097\n", encoding="utf-8")
    result = read("shopify_csv", [export], email_as_customer_id=True)
    assert rows(result, "orders", "order_id", "status", "total") == [
        ("5095", "partially_refunded", Decimal("147.90")), ("5096", "paid", Decimal("10.00")),
        ("5097", "paid", Decimal("10.00"))]
    assert problems(result) == []


def test_bigcommerce_v2_orders_less_their_refunded_amount(tmp_path: Path) -> None:
    """v2 orders keep ``total_inc_tax`` and record refunds in ``refunded_amount`` (the vendor's examples carry it,
    as ``"0.0000"`` or ``0``)."""
    base = {"customer_id": 1042, "date_created": "Tue, 16 Jun 2026 09:12:44 +0000", "default_currency_code": "GBP",
            "billing_address": {"country_iso2": "GB", "email": "jane@acme.example"}}
    pages = [base | {"id": 1, "status_id": 14, "total_inc_tax": "120.0000", "refunded_amount": "20.0000"},
             base | {"id": 2, "status_id": 11, "total_inc_tax": 1008.74, "refunded_amount": 0},
             base | {"id": 3, "status_id": 11, "total_inc_tax": "69.8400"},
             base | {"id": 4, "status_id": 14, "total_inc_tax": "50.0000", "refunded_amount": "n/a"}]
    (tmp_path / "orders.json").write_text(json.dumps(pages), encoding="utf-8")
    result = read("bigcommerce_api", [tmp_path / "orders.json"])
    assert rows(result, "orders", "order_id", "total") == [
        ("1", Decimal("100.00")), ("2", Decimal("1008.74")), ("3", Decimal("69.84"))]
    assert problems(result) == [("orders.json", 4, "total_inc_tax", "n/a", "refunded_amount cannot be read as an "
                                 "amount, so what is left of the order is unknown")]


def test_adobe_rest_orders_less_what_was_refunded_or_cancelled(tmp_path: Path) -> None:
    """Magento keeps ``grand_total`` and records credit memos in ``total_refunded`` and the cancelled,
    never-invoiced part of a partly invoiced order in ``total_canceled`` (order currency, as ``grand_total``)."""
    base = {"created_at": "2026-06-16 09:12:44", "customer_id": 7, "customer_email": "jane@acme.example",
            "order_currency_code": "EUR", "status": "processing", "state": "processing"}
    page = {"items": [base | {"increment_id": "000000101", "grand_total": 165, "total_refunded": 15},
                      base | {"increment_id": "000000102", "grand_total": 200, "total_canceled": 80,
                              "total_refunded": 20.5},
                      base | {"increment_id": "000000103", "grand_total": 165}],
            "search_criteria": {}, "total_count": 3}
    (tmp_path / "orders.json").write_text(json.dumps(page), encoding="utf-8")
    result = read("adobe_commerce_api", [tmp_path / "orders.json"])
    assert rows(result, "orders", "order_id", "total") == [
        ("000000101", Decimal("150")), ("000000102", Decimal("99.5")), ("000000103", Decimal("165"))]
    assert not problems(result)
