"""Benchmark: the Shopify orders CSV reader against DuckDB's own ``read_csv`` of the same file.

Issue 4 asks that a 1M-row Shopify orders export ingests within 2x DuckDB's plain ``read_csv``.
The file is generated here (not committed): real export header, one to three line-item rows per
order with the order columns on the first row only, quoted multi-line addresses, ``1,234.50``
totals. Not run by the tests::

    .venv/bin/python bench/ingest_bench.py --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

import duckdb

from bridgewatch.sources import ReadContext, get_reader

HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,"
    "Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,"
    "Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,"
    "Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,"
    "Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,"
    "Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,"
    "Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,"
    "Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,"
    "Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
).split(",")
INDEX = {name: i for i, name in enumerate(HEADER)}
STATUSES = ("paid", "pending", "refunded", "partially_refunded", "voided", "authorized")
COUNTRIES = ("GB", "DE", "FR", "US", "ES", "IE", "NL")


def write_orders(path: Path, rows: int, seed: int = 7) -> None:
    """A Shopify orders export of ``rows`` data rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        written, order = 0, 1000
        while written < rows:
            order += 1
            lines = min(rng.randint(1, 3), rows - written)
            for line in range(lines):
                out.writerow(_row(rng, order, first=line == 0))
            written += lines


def _row(rng: random.Random, order: int, *, first: bool) -> list[str]:
    row = [""] * len(HEADER)
    email = f"buyer{order % 50000}@example.com"
    values = {"Name": f"#{order}", "Email": email, "Created at": "2026-06-18 13:02:03 +0200",
              "Lineitem quantity": str(rng.randint(1, 9)), "Lineitem name": "Drill 18V", "Lineitem price": "12.50"}
    if first:
        total = rng.randint(100, 500000) / 100
        country = rng.choice(COUNTRIES)
        values |= {"Financial Status": rng.choice(STATUSES), "Currency": "GBP", "Total": f"{total:,.2f}",
                   "Subtotal": f"{total:.2f}", "Billing Street": f"{order} High St\nUnit {order % 7}",
                   "Billing Country": country, "Shipping Country": country, "Id": str(5550000000 + order),
                   "Tags": "b2b, net30" if order % 5 == 0 else "",
                   "Cancelled at": "2026-06-19 09:00:00 +0200" if order % 40 == 0 else ""}
    for name, value in values.items():
        row[INDEX[name]] = value
    return row


Timing = tuple[float, float]
"""(wall seconds, CPU seconds of every thread of this process)."""


def _clock() -> Timing:
    return time.perf_counter(), time.process_time()


def _since(start: Timing) -> Timing:
    now = _clock()
    return now[0] - start[0], now[1] - start[1]


def time_duckdb(path: Path) -> Timing:
    """DuckDB reading the whole file into a table with its own ``read_csv``."""
    con = duckdb.connect()
    start = _clock()
    con.execute(f"CREATE TABLE plain AS SELECT * FROM read_csv('{path}')")
    elapsed = _since(start)
    con.close()
    return elapsed


def time_reader(path: Path) -> tuple[Timing, int]:
    """The shopify_csv reader (to typed canonical Arrow tables, accounted), and the orders produced."""
    start = _clock()
    result = get_reader("shopify_csv").read([path], ReadContext("bench"))
    return _since(start), result.tables["orders"].num_rows


def bench(path: Path, repeats: int) -> tuple[Timing, Timing, int]:
    """Best of ``repeats`` interleaved runs each. The machine may be shared: minima are the stable
    figure, and CPU time (all DuckDB threads) measures the work whatever else is running."""
    plain, ours, orders = [], [], 0
    for _ in range(repeats):
        plain.append(time_duckdb(path))
        elapsed, orders = time_reader(path)
        ours.append(elapsed)
    best = lambda runs, i: min(r[i] for r in runs)  # noqa: E731
    return (best(plain, 0), best(plain, 1)), (best(ours, 0), best(ours, 1)), orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the generated file here instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "orders_export.csv"
        if not path.exists():
            start = time.perf_counter()
            write_orders(path, args.rows)
            print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - start:.1f}s")
        plain, ours, orders = bench(path, args.repeats)
    print(f"best of {args.repeats} runs each      wall      cpu")
    print(f"duckdb read_csv           : {plain[0]:6.2f}s  {plain[1]:6.2f}s")
    print(f"shopify_csv               : {ours[0]:6.2f}s  {ours[1]:6.2f}s  ({orders:,} orders)")
    print(f"ratio                     : {ours[0] / plain[0]:6.2f}x  {ours[1] / plain[1]:6.2f}x  (target <= 2.00x)")


if __name__ == "__main__":
    main()
