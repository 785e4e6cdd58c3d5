"""BigCommerce: multi-page pulls, 204 past the end, the request window, incremental refresh."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors.fakes.base import FakeClock, Table
from bridgewatch.connectors.fakes.bigcommerce import STORE, TOKEN, FakeBigCommerce
from tests.connectors.helpers import files, pull, read_back, workspace

ENV = {"BC_TOKEN": TOKEN}
API = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "page_size": 2}


def _customer(i: int) -> dict[str, object]:
    return {"id": i, "email": f"c{i}@shop.test", "first_name": "C", "last_name": str(i)}


def _order(i: int, customer: int) -> dict[str, object]:
    return {"id": 100 + i, "customer_id": customer, "status_id": 11, "status": "Awaiting Fulfillment",
            "date_created": "Tue, 07 Apr 2026 09:00:00 +0000", "total_inc_tax": "10.0000",
            "default_currency_code": "GBP", "billing_address": {"email": f"c{customer}@shop.test"}}


@pytest.fixture
def fake() -> FakeBigCommerce:
    clock = FakeClock()
    return FakeBigCommerce(clock=clock, customers=Table("id", [_customer(i) for i in range(1, 6)]),
                           orders=Table("id", [_order(i, i) for i in range(1, 5)]))


def _ws(tmp_path: Path, **api: object) -> Path:
    return workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": {**API, **api}}})


def test_multi_page_pull_lands_every_record_once(tmp_path: Path, fake: FakeBigCommerce) -> None:
    root = _ws(tmp_path)
    report = pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert [s.ok for s in report.sources] == [True]
    assert report.sources[0].fetched == {"customers": 5, "orders": 4}
    assert report.sources[0].pages == 5  # customers 3 pages (2+2+1), orders 2 pages (2+2), then 204 No Content
    assert fake.paths().count(f"GET /stores/{STORE}/v2/orders") == 3
    result = read_back(root, "bc", "bigcommerce_api")
    customers = result.tables["commerce_customers"]
    assert sorted(customers.column("customer_id").to_pylist()) == ["1", "2", "3", "4", "5"]
    assert sorted(result.tables["orders"].column("order_id").to_pylist()) == ["101", "102", "103", "104"]


def test_incremental_refresh_fetches_only_changed_records(tmp_path: Path, fake: FakeBigCommerce) -> None:
    root = _ws(tmp_path)
    pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    fake.customers.put({**_customer(2), "email": "changed@shop.test"}, datetime(2026, 3, 1, tzinfo=UTC))
    fake.customers.put(_customer(6), datetime(2026, 3, 2, tzinfo=UTC))
    fake.requests.clear()
    report = pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    source = report.sources[0]
    assert source.modes == {"customers": "incremental", "orders": "incremental"}
    # changed 2, new 6, and 5 again: the newest record before the cursor, inside the 60-minute look-back
    assert source.fetched == {"customers": 3, "orders": 1}
    assert source.totals == {"customers": 6, "orders": 4}
    sent = [r.url.params.get("date_modified:min") for r in fake.requests if "customers" in r.url.path]
    assert sent == ["2025-12-30T23:00:00Z"] * 2  # the newest change seen (customer 5) minus the look-back
    result = read_back(root, "bc", "bigcommerce_api")
    emails = dict(zip(result.tables["commerce_customers"].column("customer_id").to_pylist(),
                      result.tables["commerce_customers"].column("email").to_pylist(), strict=True))
    assert emails == {"1": "c1@shop.test", "2": "changed@shop.test", "3": "c3@shop.test", "4": "c4@shop.test",
                      "5": "c5@shop.test", "6": "c6@shop.test"}
    pages = [json.loads(b) for n, b in files(root, "bc").items() if n.startswith("customers")]
    assert sorted(len(p["data"]) for p in pages) == [1, 1, 2, 2]  # page 1 rewritten without customer 2


def test_full_refetches_everything(tmp_path: Path, fake: FakeBigCommerce) -> None:
    root = _ws(tmp_path)
    pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    report = pull(root, fake, ENV, fake.clock, full=True)  # type: ignore[arg-type]
    assert report.sources[0].modes == {"customers": "full", "orders": "full"}
    assert report.sources[0].fetched == {"customers": 5, "orders": 4}


def _capped(fake: FakeBigCommerce, most: int) -> object:
    """The fake behind a store serving at most ``most`` records a page, whatever ``limit`` asks (BigCommerce: 250)."""
    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", 50))
        url = request.url.copy_set_param("limit", str(min(limit, most)))
        return fake(httpx.Request(request.method, url, headers=request.headers))
    return handler


def test_a_page_size_above_the_store_maximum_still_pulls_every_record(tmp_path: Path) -> None:
    fake = FakeBigCommerce(clock=FakeClock(), customers=Table("id", [_customer(i) for i in range(1, 4)]),
                           orders=Table("id", [_order(i, 1) for i in range(1, 301)]))
    fake.b2b["companies"] = Table("companyId", [{"companyId": i, "companyName": f"Co {i}"} for i in range(1, 301)])
    root = _ws(tmp_path, page_size=500, b2b=True, resources=["orders", "b2b_companies"])
    report = pull(root, _capped(fake, 250), ENV, fake.clock)
    assert report.sources[0].fetched == {"orders": 300, "b2b_companies": 300}
    assert [r.url.params["limit"] for r in fake.requests] == ["250", "250", "200", "200"]
    assert [r.url.params.get("offset") for r in fake.requests if "/io/" in r.url.path] == ["0", "200"]


def test_b2b_pages_shorter_than_the_limit_skip_nothing(tmp_path: Path) -> None:
    fake = FakeBigCommerce(clock=FakeClock())
    fake.b2b["companies"] = Table("companyId", [{"companyId": i, "companyName": f"Co {i}"} for i in range(1, 301)])
    root = _ws(tmp_path, page_size=250, b2b=True, resources=["b2b_companies"])
    report = pull(root, _capped(fake, 100), ENV, fake.clock)
    assert report.sources[0].fetched == {"b2b_companies": 300}
    assert [r.url.params["offset"] for r in fake.requests] == ["0", "100", "200"]


def test_an_order_changed_mid_pull_moves_no_other_order_out_of_the_pull(tmp_path: Path) -> None:
    """v2 orders sorted by a key a change moves (date_modified) let page numbers skip the order after it."""
    orders = {100 + i: f"Tue, 0{i} Jun 2026 09:00:00 +0000" for i in range(1, 7)}
    sent: list[httpx.Request] = []

    def store(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        p = request.url.params
        limit, page = int(p["limit"]), int(p["page"])
        by = (lambda i: (orders[i], i)) if p.get("sort") == "date_modified:asc" else (lambda i: (i,))
        rows = sorted(orders, key=by)[(page - 1) * limit:page * limit]
        if page == 1:
            orders[101] = "Tue, 30 Jun 2026 09:00:00 +0000"  # changed while page 2 is still to come
        if not rows:
            return httpx.Response(204)
        return httpx.Response(200, json=[{**_order(i - 100, 1), "date_modified": orders[i]} for i in rows])
    root = _ws(tmp_path, resources=["orders"])
    assert pull(root, store, ENV).sources[0].ok
    ids = sorted(read_back(root, "bc", "bigcommerce_api").tables["orders"].column("order_id").to_pylist())
    assert ids == ["101", "102", "103", "104", "105", "106"]  # was: 103 missing, the pull marked fresh
    assert {r.url.params["sort"] for r in sent} == {"id:asc"}


def test_b2b_edition_is_asked_for_at_most_200_records_a_page(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.b2b["companies"] = Table("companyId", [{"companyId": i, "companyName": f"Co {i}"} for i in range(1, 4)])
    api = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "b2b": True}  # the default page size
    root = workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": api}})
    report = pull(root, fake, ENV, fake.clock)
    assert report.sources[0].ok
    limits = {r.url.path.split("/", 3)[-1]: r.url.params["limit"] for r in fake.requests}  # /stores/<hash>/...
    assert limits == {"v3/customers": "250", "v2/orders": "250", "io/companies": "200", "io/users": "200",
                      "io/orders": "200", "io/rfq": "200"}


def test_a_customer_changed_mid_pull_moves_no_other_customer_out_of_the_pull(tmp_path: Path) -> None:
    """v3 customers sorted by date_modified let page numbers skip the customer after one changed mid-pull."""
    modified = {i: f"2026-06-0{i}T09:00:00Z" for i in range(1, 7)}
    sent: list[httpx.Request] = []

    def store(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        p = request.url.params
        limit, page = int(p["limit"]), int(p["page"])
        key = "date_created" if p.get("sort") == "date_created:asc" else "date_modified"
        order = sorted(modified, key=lambda i: (modified[i] if key == "date_modified" else i, i))
        rows = order[(page - 1) * limit:page * limit]
        if page == 1:
            modified[1] = "2026-06-30T09:00:00Z"  # changed while page 2 is still to come
        data = [{**_customer(i), "date_created": f"2025-01-0{i}T09:00:00Z", "date_modified": modified[i]}
                for i in rows]
        pages = (len(order) + limit - 1) // limit
        return httpx.Response(200, json={"data": data, "meta": {"pagination": {"total": len(order),
                                                                               "total_pages": pages}}})
    root = _ws(tmp_path, resources=["customers"])
    assert pull(root, store, ENV).sources[0].ok
    ids = sorted(read_back(root, "bc", "bigcommerce_api").tables["commerce_customers"].column("customer_id")
                 .to_pylist())
    assert ids == ["1", "2", "3", "4", "5", "6"]  # was: 3 missing, the pull marked fresh
    assert {r.url.params["sort"] for r in sent} == {"date_created:asc"}


def _shrinking_store(customers: list[int]) -> object:
    """v3 customers by creation; customer 1 is deleted right after page 1 is served (the rest move up a place)."""
    def store(request: httpx.Request) -> httpx.Response:
        p = request.url.params
        limit, page = int(p["limit"]), int(p["page"])
        rows = customers[(page - 1) * limit:page * limit]
        total = len(customers)
        if page == 1:
            customers.remove(1)
        data = [{**_customer(i), "date_modified": "2026-06-01T09:00:00Z"} for i in rows]
        return httpx.Response(200, json={"data": data, "meta": {"pagination": {
            "total": total, "count": len(data), "per_page": limit, "current_page": page,
            "total_pages": (total + limit - 1) // limit}}})
    return store


def test_a_customer_deleted_mid_pull_fails_the_pull_instead_of_skipping_the_next_one(tmp_path: Path) -> None:
    """Deleting customer 1 after page 1 moves customer 3 onto page 1, already read: page 2 is 4 and 5."""
    root = _ws(tmp_path, resources=["customers"])
    [source] = pull(root, _shrinking_store([1, 2, 3, 4, 5]), ENV).sources
    assert source.error == (
        "source 'bc': BigCommerce answered customers page 2 with a total of 4 records, fewer than the 5 of page 1: "
        "records were deleted while the list was read, which moves later ones onto pages already read; the list "
        "was not taken as complete: pull again (nothing pulled yet for this source)")  # was: ok, customer 3 missing
    assert pull_status_state(root) == "never"


def pull_status_state(root: Path) -> str:
    from bridgewatch.connectors.state import pull_status

    return pull_status(root)["bc"].state


def test_a_record_deleted_at_the_vendor_goes_at_the_next_full_read_due(tmp_path: Path) -> None:
    """Refreshes ask for changes only, and no vendor lists deletions there: customer 2, deleted after the first
    pull, stayed on disk for good (a scheduled refresh never reads in full), the source fresh. A resource last
    read in full more than full_every_hours (168) ago is read in full again."""
    def store(*ids: int) -> FakeBigCommerce:
        return FakeBigCommerce(clock=FakeClock(), customers=Table("id", [_customer(i) for i in ids]))
    root = _ws(tmp_path, resources=["customers"])
    day = datetime(2026, 4, 1, 6, tzinfo=UTC)
    assert pull(root, store(1, 2, 3), ENV, now=lambda: day).sources[0].modes == {"customers": "full"}
    later = pull(root, store(1, 3), ENV, now=lambda: day.replace(day=7)).sources[0]
    assert later.modes == {"customers": "incremental"} and later.notes == []
    assert later.totals == {"customers": 3}  # customer 2 is still there: nothing said it was deleted
    due = pull(root, store(1, 3), ENV, now=lambda: day.replace(day=8, hour=7)).sources[0]
    assert due.modes == {"customers": "full"} and due.totals == {"customers": 2}
    assert due.notes == ["customers last read in full 2026-04-01T06:00:00+00:00, more than full_every_hours (168) "
                         "before this pull: read in full, so records deleted or merged away at the vendor go"]
    ids = read_back(root, "bc", "bigcommerce_api").tables["commerce_customers"].column("customer_id").to_pylist()
    assert sorted(ids) == ["1", "3"]


def test_a_change_made_during_a_long_pull_is_read_by_the_next_refresh_when_our_clock_runs_ahead(
        tmp_path: Path) -> None:
    """Our clock is 2 hours ahead of the store's (its Date header says so). During a 90-minute pull, customer 1
    (page 1, already read) changes, then customer 3 (page 2, still to come). The cursor was customer 3's change
    time, before our (wrong) start time, so the next refresh asked from 30 minutes after customer 1's change:
    never read again. The cursor is now held to the store's own time at the start."""
    from email.utils import format_datetime

    start = datetime(2026, 4, 1, 9, tzinfo=UTC)
    vendor = {"now": start}
    fake = FakeBigCommerce(clock=FakeClock(), customers=Table("id", [_customer(i) for i in range(1, 5)]))

    def store(request: httpx.Request) -> httpx.Response:
        response = fake(request)
        if request.url.params.get("page") == "1" and not request.url.params.get("date_modified:min"):
            fake.customers.put({**_customer(1), "email": "changed1@shop.test"}, start.replace(minute=1))
            fake.customers.put({**_customer(3), "email": "changed3@shop.test"}, start.replace(minute=30, hour=10))
        response.headers["Date"] = format_datetime(vendor["now"], usegmt=True)
        return response
    root = _ws(tmp_path, resources=["customers"])
    ours = timedelta(hours=2)
    assert pull(root, store, ENV, fake.clock, now=lambda: start + ours).sources[0].ok
    vendor["now"] = start + timedelta(hours=3)
    assert pull(root, store, ENV, fake.clock, now=lambda: vendor["now"] + ours).sources[0].ok
    rows = read_back(root, "bc", "bigcommerce_api").tables["commerce_customers"]
    emails = dict(zip(rows.column("customer_id").to_pylist(), rows.column("email").to_pylist(), strict=True))
    assert emails["1"] == "changed1@shop.test"  # was c1@shop.test for good
    assert emails["3"] == "changed3@shop.test"
