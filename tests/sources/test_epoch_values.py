"""Unix-seconds timestamps (BigCommerce B2B Edition ``createdAt``) outside any real date are quarantined, never a crash.

A ``createdAt`` written in milliseconds (``1750065164000``, year 57425) stopped the whole read with Python's
``OverflowError: date value out of range``, and one beyond DuckDB's range (``1e20``) with DuckDB's ``Conversion
Error: Epoch seconds out of range``: one bad cell in a page failed the workspace as an internal error.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from .helpers import problems, read, rows

HINT = "expected Unix seconds such as 1739268151"


def _page(tmp_path: Path, created: object) -> Path:
    base = {"companyId": 5123, "totalIncTax": 600.0, "currencyCode": "GBP", "status": "Awaiting Fulfillment",
            "statusCode": 11, "isArchived": False, "channelId": 1}
    page = {"code": 200, "meta": {"pagination": {"totalCount": 2, "limit": 10, "offset": 0}},
            "data": [base | {"id": 9901, "bcOrderId": 31007, "createdAt": created},
                     base | {"id": 9902, "bcOrderId": 31020, "createdAt": 1750150000}]}
    path = tmp_path / "b2b_orders.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


@pytest.mark.parametrize("created", [1750065164000, "1750065164000", 1e20, "-1e300", "NaN", "Infinity"])
def test_a_created_at_outside_any_real_date_is_quarantined(tmp_path: Path, created: object) -> None:
    result = read("bigcommerce_api", [_page(tmp_path, created)])
    [(name, row, field, _value, reason)] = problems(result)
    assert (name, row, field, reason) == ("b2b_orders.json", 1, "createdAt", HINT)
    assert rows(result, "orders", "order_id", "created_at") == [("31020", datetime(2025, 6, 17, 8, 46, 40))]


def test_seconds_as_number_string_or_with_a_fraction_are_read(tmp_path: Path) -> None:
    for created, expected in [(1750065164, datetime(2025, 6, 16, 9, 12, 44)),
                              ("1750065164", datetime(2025, 6, 16, 9, 12, 44)),
                              (1750065164.5, datetime(2025, 6, 16, 9, 12, 44, 500000))]:
        result = read("bigcommerce_api", [_page(tmp_path, created)])
        assert problems(result) == []
        assert rows(result, "orders", "order_id", "created_at")[0] == ("31007", expected)
