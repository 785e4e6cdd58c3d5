"""A partially refunded or partly cancelled order blocks what is left of it, on every route whose vendor records the
refunded (or cancelled) part: a live order's original total counted the money already given back."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from bridgewatch.sources.adobe_csv import NO_REFUNDS as NO_ADOBE_REFUNDS
from bridgewatch.sources.bigcommerce_csv import NO_REFUNDS as NO_BC_REFUNDS

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


def _notes(result: Any) -> dict[str, list[str]]:
    return {Path(a.file).name: a.notes for a in result.accounts if a.table == "orders"}


def test_bigcommerce_control_panel_orders_less_their_refund_amount(tmp_path: Path) -> None:
    """The control-panel orders export (its default template ends in ``Refund Amount``) counts what is left of a
    partly refunded order, as the v2 API does from ``refunded_amount``; the same export saved as XML too. A refund
    whose symbol names another currency is quarantined; a template without the column is noted."""
    header = "Order ID,Customer ID,Customer Email,Order Date,Order Status,Order Total (inc tax),Order Currency Code,"
    export = tmp_path / "orders.csv"
    export.write_text(
        header + "Refund Amount\n"
        "1,1042,jane@acme.example,06/16/2026 09:12:44,Partially Refunded,£120.00,GBP,£20.00\n"
        "2,1042,jane@acme.example,06/16/2026 09:12:44,Awaiting Fulfillment,\"£1,008.74\",GBP,£0.00\n"
        "3,1042,jane@acme.example,06/16/2026 09:12:44,Awaiting Fulfillment,£69.84,GBP,\n"
        "4,1042,jane@acme.example,06/16/2026 09:12:44,Partially Refunded,£50.00,GBP,€5.00\n", encoding="utf-8")
    (tmp_path / "old.csv").write_text(
        header.rstrip(",") + "\n5,1042,jane@acme.example,06/16/2026 09:12:44,Shipped,£30.00,GBP\n", encoding="utf-8")
    result = read("bigcommerce_csv", [export, tmp_path / "old.csv"])
    assert rows(result, "orders", "order_id", "currency", "total") == [
        ("1", "GBP", Decimal("100.00")), ("2", "GBP", Decimal("1008.74")), ("3", "GBP", Decimal("69.84")),
        ("5", "GBP", Decimal("30.00"))]
    assert problems(result) == [("orders.csv", 4, "Order Total (inc tax)", "€5.00",
                                 "Refund Amount's currency symbol names another currency than the order's total, so "
                                 "what is left of the order is unknown")]
    notes = _notes(result)
    assert notes["orders.csv"] == []
    assert notes["old.csv"] == [NO_BC_REFUNDS]
    xml = tmp_path / "orders.xml"
    xml.write_text("<?xml version='1.0'?><orders><order><Order_ID>1</Order_ID><Customer_ID>1042</Customer_ID>"
                   "<Order_Date>06/16/2026 09:12:44</Order_Date><Order_Status>Partially Refunded</Order_Status>"
                   "<Order_Total_inc_tax>£120.00</Order_Total_inc_tax><Order_Currency_Code>GBP</Order_Currency_Code>"
                   "<Refund_Amount>£20.00</Refund_Amount></order></orders>", encoding="utf-8")
    assert rows(read("bigcommerce_csv", [xml]), "orders", "order_id", "total") == [("1", Decimal("100.00"))]


def test_adobe_orders_grid_less_its_total_refunded(tmp_path: Path) -> None:
    """The Sales → Orders grid's ``Total Refunded`` column (hidden by default; order currency, as Grand Total
    (Purchased)) gives what is left of a partly refunded order, as REST's ``total_refunded`` does; a grid exported
    without it is noted (its orders count at their grand total)."""
    grid = tmp_path / "sales_order_grid.csv"
    grid.write_text(
        "ID,Purchase Date,Grand Total (Base),Grand Total (Purchased),Status,Customer Email,Total Refunded\n"
        "000000101,\"Jun 16, 2026 9:12:44 AM\",€165.00,€165.00,Processing,jane@acme.example,€15.00\n"
        "000000102,\"Jun 16, 2026 9:12:44 AM\",\"€3,401.00\",\"€3,401.00\",Complete,jane@acme.example,€300.50\n"
        "000000103,\"Jun 16, 2026 9:12:44 AM\",€165.00,€165.00,Processing,jane@acme.example,\n", encoding="utf-8")
    hidden = tmp_path / "hidden.csv"
    hidden.write_text("ID,Purchase Date,Grand Total (Base),Grand Total (Purchased),Status,Customer Email\n"
                      "000000104,\"Jun 16, 2026 9:12:44 AM\",€165.00,€165.00,Processing,jane@acme.example\n",
                      encoding="utf-8")
    result = read("adobe_commerce_csv", [grid, hidden], email_as_customer_id=True)
    assert rows(result, "orders", "order_id", "total") == [
        ("000000101", Decimal("150.00")), ("000000102", Decimal("3100.50")), ("000000103", Decimal("165.00")),
        ("000000104", Decimal("165.00"))]
    assert not problems(result)
    assert _notes(result) == {"sales_order_grid.csv": [], "hidden.csv": [NO_ADOBE_REFUNDS]}
