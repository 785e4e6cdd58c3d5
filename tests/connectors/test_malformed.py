"""Answers that are not what the vendor documents: never saved as "no records", never a traceback."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors.fakes.base import FakeClock, Table, json_response
from bridgewatch.connectors.fakes.bigcommerce import STORE, TOKEN, FakeBigCommerce
from bridgewatch.connectors.fakes.shopify import TOKEN as SHOP_TOKEN
from bridgewatch.connectors.fakes.shopify import FakeShopify
from bridgewatch.connectors.state import pull_status
from tests.connectors.helpers import pull, read_back, workspace

ENV = {"BC_TOKEN": TOKEN, "SHOP_TOKEN": SHOP_TOKEN}


@pytest.fixture
def fake() -> FakeBigCommerce:
    return FakeBigCommerce(clock=FakeClock(), customers=Table("id", [{"id": i, "email": f"c{i}@shop.test"}
                                                                    for i in (1, 2, 3)]))


def _ws(tmp_path: Path) -> Path:
    api = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "page_size": 2}
    return workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": api}})


def _customer_ids(root: Path) -> list[str]:
    rows = read_back(root, "bc", "bigcommerce_api").tables["commerce_customers"]
    return sorted(rows.column("customer_id").to_pylist())


def test_a_body_without_the_records_fails_the_source_and_keeps_its_data(tmp_path: Path,
                                                                        fake: FakeBigCommerce) -> None:
    root = _ws(tmp_path)
    first = pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    fake.fail(lambda r: json_response({"status": "ok"}), path="/v3/customers")
    report = pull(root, fake, ENV, fake.clock, full=True)  # type: ignore[arg-type]
    [source] = report.sources
    assert not source.ok
    assert source.error == (
        "source 'bc': BigCommerce answered customers page 1 without a list of records at data (it sent an object "
        "with status); the answer was not taken as 'no records': check base_url and the API version, then pull "
        f"again (previous data from {first.sources[0].pulled_at} kept)")
    assert source.totals == {"customers": 3, "orders": 0}
    assert _customer_ids(root) == ["1", "2", "3"]  # the full pull did not replace them with nothing
    assert pull_status(root)["bc"].state == "failed"


@pytest.mark.parametrize(("body", "sent"), [({"data": None, "meta": {}}, "an object with data, meta"),
                                            ({"data": {"id": 1}}, "an object with data"),
                                            ([], "a list")])
def test_records_of_the_wrong_shape_fail_the_page_named(tmp_path: Path, fake: FakeBigCommerce, body: object,
                                                        sent: str) -> None:
    fake.fail(lambda r: json_response(body), path="/v3/customers", after=1)
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.error == (
        f"source 'bc': BigCommerce answered customers page 2 without a list of records at data (it sent {sent}); "
        f"the answer was not taken as 'no records': check base_url and the API version, then pull again "
        f"(nothing pulled yet for this source)")


def test_an_explicit_empty_list_and_a_204_are_empty_pages(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.fail(lambda r: json_response({"data": [], "meta": {"pagination": {"total_pages": 1}}}),
              path="/v3/customers")
    fake.fail(lambda r: httpx.Response(204), path="/v2/orders")
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.ok and source.fetched == {"customers": 0, "orders": 0}
    assert pull_status(tmp_path)["bc"].state == "fresh"


def test_a_204_where_the_vendor_never_sends_one_fails(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.fail(lambda r: httpx.Response(204), path="/v3/customers")
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.error is not None
    assert source.error.startswith("source 'bc': BigCommerce answered customers page 1 without a list of records "
                                   "at data (it sent an empty body);")


def test_a_shopify_answer_without_nodes_fails(tmp_path: Path) -> None:
    fake = FakeShopify(clock=FakeClock())
    fake.fail(lambda r: json_response({"data": {"customers": {"pageInfo": {"hasNextPage": False}}}}),
              path="/graphql.json", after=1)
    api = {"base_url": "https://acme.myshopify.com", "secrets": {"token": "SHOP_TOKEN"}, "resources": ["customers"]}
    root = workspace(tmp_path, {"shop": {"reader": "shopify_api", "path": "pulled/shop", "api": api}})
    [source] = pull(root, fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.error == (
        "source 'shop': Shopify answered customers page 1 without a list of records at data.customers.nodes (it "
        "sent an object with data); the answer was not taken as 'no records': check base_url and the API "
        "version, then pull again (nothing pulled yet for this source)")
