"""Shopify: cursor pages, query-cost throttling, scopes, protected customer data, retired versions, bulk."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors.fakes.base import FakeClock, Table
from bridgewatch.connectors.fakes.shopify import TOKEN, FakeShopify
from tests.connectors.helpers import files, pull, read_back, workspace

ENV = {"SHOP_TOKEN": TOKEN}


def _customer(i: int, name: str | None = "Buyer") -> dict[str, object]:
    return {"id": f"gid://shopify/Customer/{i}", "legacyResourceId": str(i), "displayName": name and f"{name} {i}",
            "defaultEmailAddress": {"emailAddress": f"b{i}@shop.test"} if name else None,
            "companyContactProfiles": []}


@pytest.fixture
def fake() -> FakeShopify:
    fake = FakeShopify(clock=FakeClock())
    fake.tables["customers"] = Table("id", [_customer(i) for i in range(1, 8)])
    return fake


def _ws(tmp_path: Path, **api: object) -> Path:
    settings = {"base_url": "https://acme.myshopify.com", "page_size": 3, "secrets": {"token": "SHOP_TOKEN"},
                "resources": ["customers"], **api}
    return workspace(tmp_path, {"shop": {"reader": "shopify_api", "path": "pulled/shop", "api": settings}})


def test_cursor_pages_land_as_graphql_responses(tmp_path: Path, fake: FakeShopify) -> None:
    root = _ws(tmp_path)
    report = pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 7} and report.sources[0].pages == 3
    afters = [json.loads(r.content)["variables"].get("after") for r in fake.requests[1:]]
    assert afters == [None, "3", "6"]
    rows = read_back(root, "shop", "shopify_api").tables["commerce_customers"]
    assert sorted(rows.column("customer_id").to_pylist(), key=int) == [str(i) for i in range(1, 8)]
    assert all(b.startswith(b'{"data":{"customers":{"nodes":[') for n, b in files(root, "shop").items()
               if not n.startswith("."))


def test_throttled_query_waits_for_the_bucket_to_refill(tmp_path: Path, fake: FakeShopify) -> None:
    fake.bucket, fake._available, fake.restore = 6.0, 6.0, 1.0  # one page (cost 5) empties the bucket
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 7}
    assert fake.clock.sleeps == [4.0, 5.0]  # (5 - 1) / 1 s, then (5 - 0) / 1 s: paced, never throttled
    assert report.sources[0].waits == 2


def test_throttled_answer_is_retried_after_the_refill(tmp_path: Path, fake: FakeShopify) -> None:
    fake._available = 2.0  # the first page is refused with THROTTLED
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 7}
    assert fake.clock.sleeps[0] == 0.06  # (5 requested - 2 available) / 50 per second


def test_missing_scope_fails_naming_it(tmp_path: Path, fake: FakeShopify) -> None:
    fake.scopes = ("read_orders",)
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        "source 'shop': the app lacks the scope(s) read_customers; add them to the app's Admin API access scopes and "
        "reinstall it (or pull fewer resources with api.resources) (nothing pulled yet for this source)")


def test_missing_read_all_orders_is_a_warning(tmp_path: Path, fake: FakeShopify) -> None:
    fake.scopes = ("read_customers", "read_orders")
    report = pull(_ws(tmp_path, resources=["customers", "orders"]), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].ok
    assert report.sources[0].warnings == [
        "source 'shop': the app lacks read_all_orders: orders older than 60 days are not visible (the 7-day card "
        "window is unaffected; request read_all_orders for backfills)"]


def test_protected_customer_data_returned_as_null_stops_the_pull(tmp_path: Path, fake: FakeShopify) -> None:
    fake.tables["customers"] = Table("id", [_customer(i, None) for i in range(1, 3)])
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        "source 'shop': Shopify returned protected customer data as null (every customer came back without name or "
        "email); in the Partner Dashboard / Dev Dashboard request protected customer data access (level 2: name, "
        "email, address) for the app, or customers cannot be matched (nothing pulled yet for this source)")


def test_retired_api_version_says_which_to_use(tmp_path: Path, fake: FakeShopify) -> None:
    report = pull(_ws(tmp_path, api_version="2023-10"), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error is not None and report.sources[0].error.startswith(
        "source 'shop': Shopify no longer serves API version 2023-10 (it answered with 2025-07); set api_version in "
        "[sources.shop.api] to a supported version, e.g. 2025-07")


def test_wrong_token(tmp_path: Path, fake: FakeShopify) -> None:
    report = pull(_ws(tmp_path), fake, {"SHOP_TOKEN": "shpat_revoked_token"}, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        "source 'shop': Shopify rejected the credentials (401): [API] Invalid API key or access token (unrecognized "
        "login or wrong password); check the Admin API access token of the app installed on this shop (nothing "
        "pulled yet for this source)")


def test_bulk_operation_result_lands_as_jsonl(tmp_path: Path, fake: FakeShopify) -> None:
    root = _ws(tmp_path, bulk=True)
    report = pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 7}
    names = [n for n in files(root, "shop") if not n.startswith(".")]
    assert names == ["customers-000001-000001.jsonl"]
    rows = read_back(root, "shop", "shopify_api").tables["commerce_customers"]
    assert rows.num_rows == 7


def test_a_company_with_more_locations_than_one_page_is_a_warning(tmp_path: Path, fake: FakeShopify) -> None:
    """Locations and contacts come 50 to a company; more are not read, and the pull says so."""
    def company(i: int, more: bool) -> dict[str, object]:
        return {"id": f"gid://shopify/Company/{i}", "name": f"Company {i}",
                "locations": {"nodes": [{"id": f"gid://shopify/CompanyLocation/{i}"}], "pageInfo": {
                    "hasNextPage": more}}, "contacts": {"nodes": [], "pageInfo": {"hasNextPage": False}}}
    fake.tables["companies"] = Table("id", [company(1, False), company(2, True)])
    report = pull(_ws(tmp_path, resources=["companies"]), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].ok
    assert report.sources[0].warnings == [
        "source 'shop': 1 company has more than 50 locations or contacts (gid://shopify/Company/2); only the first "
        "50 of each were read, so keys (VAT numbers, external ids) on the others are not used for matching"]
    query = json.loads(fake.requests[1].content)["query"]
    assert "locations(first: 50) { pageInfo { hasNextPage } nodes {" in query
    assert "contacts(first: 50) { pageInfo { hasNextPage } nodes {" in query


def test_a_429_with_retry_after_waits_what_shopify_asked(tmp_path: Path, fake: FakeShopify) -> None:
    fake.fail(lambda r: httpx.Response(429, json={"errors": "Exceeded 2 calls per second for api client."},
                                       headers={"Retry-After": "2.0"}), path="/graphql.json", after=1, times=1)
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 7}
    assert fake.clock.sleeps == [2.0]  # was 1.0: exponential backoff, the header ignored


def test_a_page_over_the_single_query_cost_limit_is_asked_again_smaller(tmp_path: Path, fake: FakeShopify) -> None:
    """Shopify refuses a query requesting more than 1000 points (MAX_COST_EXCEEDED) before running it; the
    requested cost grows with ``first``, so the page is asked for again with ``first`` scaled down to fit."""
    fake.node_cost = 13.0  # 250 nodes: 3252 points
    report = pull(_ws(tmp_path, page_size=250), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].ok, report.sources[0].error
    assert report.sources[0].fetched == {"customers": 7}
    firsts = [json.loads(r.content)["variables"]["first"] for r in fake.requests[1:]]
    assert firsts == [250, 76]  # 250 × 1000 / 3252; 76 nodes: 990 points
