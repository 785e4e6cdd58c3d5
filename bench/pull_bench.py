"""Benchmark: an incremental refresh costs time proportional to the change, and gives a full pull's answer.

Issue 12: a refresh of a 1M-customer workspace where 1,000 records changed, served by the fake
servers (real HTTP on 127.0.0.1), costs time proportional to the change, and the card run that
follows gives the same result as a full pull. The workspace is the Sage card's: BigCommerce
customers (B2B by customer group) and orders, Sage Intacct customers as the ERP. Steps:

1. full pull of the seeded store and ERP into workspace A;
2. 1,000 changes at the vendors (changed and new customers, new orders, changed ERP records);
3. refresh of A (incremental), timed; the same refresh against a store 10x smaller, timed;
4. full pull of the changed vendors into workspace B; the card on A and on B must be equal.

Prints the timings and ratios (refresh / full pull; refresh at N / refresh at N/10). Not run by
the tests::

    .venv/bin/python bench/pull_bench.py --customers 1000000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import tomli_w

from bridgewatch.connectors import pull_workspace
from bridgewatch.connectors.fakes.base import Table
from bridgewatch.connectors.fakes.bigcommerce import STORE, TOKEN, FakeBigCommerce
from bridgewatch.connectors.fakes.intacct import COMPANY, SENDER, SENDER_PASSWORD, USER, USER_PASSWORD, FakeIntacct
from bridgewatch.connectors.fakes.server import serve

AS_OF = datetime(2026, 4, 14, 18, 0, tzinfo=UTC)
CHANGED_AT = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)
ENV = {"BC_TOKEN": TOKEN, "IA_SENDER": SENDER_PASSWORD, "IA_USER": USER_PASSWORD}
MINUTE = timedelta(minutes=1)


def customer(i: int, email: str | None = None) -> dict[str, Any]:
    n = i + 1
    return {"id": n, "email": email or f"buyer{n}@example.test", "first_name": "Buyer", "last_name": str(n),
            "customer_group_id": 3, "date_created": "2025-06-01T09:00:00Z"}


def order(i: int, customers: int) -> dict[str, Any]:
    rng = random.Random(i)
    created = AS_OF - timedelta(minutes=rng.randint(60, 6 * 24 * 60))
    return {"id": i + 1, "customer_id": rng.randint(1, customers), "status_id": 11, "status": "Awaiting Fulfillment",
            "date_created": format_datetime(created), "total_inc_tax": f"{rng.randint(20, 900)}.0000",
            "default_currency_code": "GBP", "billing_address": {"country_iso2": "GB"}}


def erp(i: int, customers: int) -> dict[str, Any]:
    """ERP record i holds commerce customer i's email; every 50th customer has none (absent)."""
    n = i + 1
    email = f"buyer{n}@example.test" if n % 50 else f"someone.else{n}@example.test"
    return {"RECORDNO": n, "CUSTOMERID": f"C{n:07d}", "NAME": f"Buyer {n}", "STATUS": "active",
            "MEGAENTITYID": "UK01", "DISPLAYCONTACT.EMAIL1": email}


@dataclass
class Vendors:
    store: FakeBigCommerce
    intacct: FakeIntacct


def vendors(customers: int, orders: int) -> Vendors:
    store = FakeBigCommerce(customers=Table("id", count=customers, make=customer, spacing=MINUTE),
                            orders=Table("id", count=orders, make=lambda i: order(i, customers), spacing=MINUTE),
                            quota=1_000_000)
    intacct = FakeIntacct(customers=Table("RECORDNO", count=customers, make=lambda i: erp(i, customers),
                                          spacing=MINUTE))
    return Vendors(store, intacct)


def change(v: Vendors, customers: int, orders: int, seed: int = 12) -> int:
    """1,000 changes: 400 changed and 300 new customers, 200 new orders, 100 changed ERP records."""
    rng = random.Random(seed)
    when = CHANGED_AT
    for i in rng.sample(range(customers), 400):
        v.store.customers.put(customer(i, f"moved{i + 1}@example.test"), when)
    for k in range(300):
        v.store.customers.put(customer(customers + k), when)
    for k in range(200):
        v.store.orders.put({**order(orders + k, customers), "customer_id": customers + k + 1}, when)
    for i in rng.sample(range(customers), 100):
        v.intacct.customers.put({**erp(i, customers), "DISPLAYCONTACT.EMAIL1": f"moved{i + 1}@example.test"}, when)
    return 1000


def workspace(root: Path, store: str, gateway: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "workspace": {"id": "bench", "erp": "sage_intacct", "home_country": "GB", "reporting_currency": "GBP",
                      "as_of": AS_OF},
        "legal_entities": [{"id": "UK01", "currency": "GBP", "countries": ["GB"]}],
        "sources": {
            "store": {"reader": "bigcommerce_api", "path": "pulled/store", "options": {"b2b_group_ids": [3]},
                      "api": {"store": STORE, "base_url": store, "resources": ["customers", "orders"],
                              "secrets": {"token": "BC_TOKEN"}}},
            "intacct": {"reader": "sage_intacct_xml", "path": "pulled/intacct", "options": {"timezone": "UTC"},
                        "api": {"base_url": gateway, "sender_id": SENDER, "user": USER, "company_id": COMPANY,
                                "secrets": {"sender_password": "IA_SENDER", "user_password": "IA_USER"}}}}}
    (root / "workspace.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    return root


@contextmanager
def served(v: Vendors) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        yield stack.enter_context(serve(v.store)), stack.enter_context(serve(v.intacct))


def timed_pull(root: Path, full: bool = False) -> tuple[float, int]:
    started = time.perf_counter()
    report = pull_workspace(root, environ=ENV, full=full)
    assert not report.failed, [s.error for s in report.failed]
    return time.perf_counter() - started, sum(sum(s.fetched.values()) for s in report.sources)


def card(root: Path) -> tuple[float, list[dict[str, Any]]]:
    from bridgewatch.results import collect
    from bridgewatch.workspace import load_workspace

    started = time.perf_counter()
    results = [r.to_dict() | {"ingest": None} for r in collect([load_workspace(root)])]
    return time.perf_counter() - started, results


def refresh_only(customers: int, orders: int, folder: Path) -> tuple[float, float, int]:
    """Full pull then the 1,000-change refresh; return (full seconds, refresh seconds, records refreshed)."""
    v = vendors(customers, orders)
    with served(v) as (store, gateway):
        root = workspace(folder, store, gateway)
        full, _ = timed_pull(root)
        change(v, customers, orders)
        refresh, fetched = timed_pull(root)
    return full, refresh, fetched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=20_000)
    args = parser.parse_args()
    n, m = args.customers, args.orders
    with tempfile.TemporaryDirectory(prefix="bw-pull-bench-") as tmp:
        small = refresh_only(n // 10, m, Path(tmp) / "small")
        v = vendors(n, m)
        with served(v) as (store, gateway):
            a = workspace(Path(tmp) / "a", store, gateway)
            full, pulled = timed_pull(a)
            changes = change(v, n, m)
            refresh, fetched = timed_pull(a)
            b = workspace(Path(tmp) / "b", store, gateway)
            full_b, _ = timed_pull(b)
        card_a, result_a = card(a)
        card_b, result_b = card(b)
    same = result_a == result_b
    print(f"customers {n:,} orders {m:,}; {changes:,} changes at the vendors")
    print(f"full pull          {full:8.2f} s  {pulled:,} records")
    print(f"refresh            {refresh:8.2f} s  {fetched:,} records (changes + look-back overlap)")
    print(f"full pull (after)  {full_b:8.2f} s")
    print(f"refresh at N/10    {small[1]:8.2f} s  {small[2]:,} records (full pull at N/10 {small[0]:.2f} s)")
    print(f"ratio refresh / full pull          {refresh / full:8.4f}")
    print(f"ratio refresh(N) / refresh(N/10)   {refresh / small[1]:8.2f}   (1.0 = cost independent of size)")
    print(f"card after refresh {card_a:.1f} s, after full pull {card_b:.1f} s; same result: {same}")
    if not same:
        raise SystemExit("the card after the refresh differs from the card after a full pull")


if __name__ == "__main__":
    main()
