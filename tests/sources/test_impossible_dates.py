"""A date that does not exist (30 February, 31 April, 29 February of a common year) is quarantined on every
route whose dates carry an offset, never rolled over into the next month.

DuckDB's ``try_strptime`` given a list of formats with ``%z`` rolls such a day over (``2026-02-30 10:00:00
-0400`` became 2 March 14:00 UTC): an order written on a day that does not exist was counted, in another week.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .helpers import problems, read, rows

SHOPIFY_HEADER = "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Id"


def test_shopify_orders_export_with_a_day_that_does_not_exist_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "orders_export.csv"
    path.write_text(SHOPIFY_HEADER + "\n"
                    "#1001,a@b.example,paid,CAD,10.00,2026-02-30 10:00:00 -0400,1,5001\n"
                    "#1002,c@d.example,paid,CAD,12.00,2026-02-29 09:00:00 -0400,1,5002\n"
                    "#1003,e@f.example,paid,CAD,14.00,2026-04-31 23:30:00 +0100,1,5003\n"
                    "#1004,g@h.example,paid,CAD,16.00,2026-02-28 23:30:00 -0400,1,5004\n", encoding="utf-8")
    result = read("shopify_csv", [path])
    hint = "expected a date and time such as '2026-06-18 11:02:03 +0100'"
    assert problems(result) == [
        ("orders_export.csv", 1, "Created at", "2026-02-30 10:00:00 -0400", hint),
        ("orders_export.csv", 2, "Created at", "2026-02-29 09:00:00 -0400", hint),
        ("orders_export.csv", 3, "Created at", "2026-04-31 23:30:00 +0100", hint),
    ]
    assert rows(result, "orders", "order_id", "created_at") == [("5004", datetime(2026, 3, 1, 3, 30))]


def test_bigcommerce_v2_rfc2822_date_that_does_not_exist_is_quarantined(tmp_path: Path) -> None:
    base = {"customer_id": 1042, "status_id": 11, "total_inc_tax": "10.0000", "default_currency_code": "GBP",
            "billing_address": {"country": "United Kingdom", "country_iso2": "GB", "email": "jane@acme.example"}}
    page = [base | {"id": 1, "date_created": "Mon, 30 Feb 2026 10:00:00 +0000"},
            base | {"id": 2, "date_created": "31 Apr 2026 08:15:00 +0200"},
            base | {"id": 3, "date_created": "Tue, 16 Jun 2026 09:12:44 +0100"}]
    (tmp_path / "orders.json").write_text(json.dumps(page), encoding="utf-8")
    result = read("bigcommerce_api", [tmp_path / "orders.json"])
    hint = "expected a date and time such as 'Tue, 16 Jun 2026 09:12:44 +0000'"
    assert problems(result) == [
        ("orders.json", 1, "date_created", "Mon, 30 Feb 2026 10:00:00 +0000", hint),
        ("orders.json", 2, "date_created", "31 Apr 2026 08:15:00 +0200", hint),
    ]
    assert rows(result, "orders", "order_id", "created_at") == [("3", datetime(2026, 6, 16, 8, 12, 44))]
