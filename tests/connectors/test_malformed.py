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


def _two_sources(tmp_path: Path) -> Path:
    shop = {"base_url": "https://acme.myshopify.com", "secrets": {"token": "SHOP_TOKEN"}, "resources": ["customers"]}
    bc = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "resources": ["customers"]}
    return workspace(tmp_path, {"shop": {"reader": "shopify_api", "path": "pulled/shop", "api": shop},
                                "bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": bc}})


def _both(fake: FakeBigCommerce, shop: FakeShopify) -> object:
    from bridgewatch.connectors.fakes.base import route

    return route({"acme.myshopify.com": shop, "api.bigcommerce.com": fake})


@pytest.mark.parametrize(("errors", "said"), [(["Internal error"], "Internal error"),
                                              ("Not Found", "Not Found"),
                                              ([{"message": "Field 'x' doesn't exist"}], "Field 'x' doesn't exist")])
def test_shopify_errors_of_any_shape_fail_only_that_source(tmp_path: Path, fake: FakeBigCommerce, errors: object,
                                                           said: str) -> None:
    shop = FakeShopify(clock=fake.clock)
    shop.fail(lambda r: json_response({"errors": errors}), path="/graphql.json", after=1)
    report = pull(_two_sources(tmp_path), _both(fake, shop), ENV, fake.clock)  # type: ignore[arg-type]
    assert [(s.source, s.ok, s.error) for s in report.sources] == [
        ("shop", False, f"source 'shop': Shopify could not answer customers page 1: {said} (nothing pulled yet for "
                        f"this source)"),
        ("bc", True, None)]


def test_an_unexpected_exception_fails_its_source_redacted_and_the_others_still_pull(
        tmp_path: Path, fake: FakeBigCommerce, monkeypatch: pytest.MonkeyPatch) -> None:
    from bridgewatch.connectors.shopify import ShopifyConnector

    def broken(self: ShopifyConnector) -> None:
        raise KeyError(f"token {SHOP_TOKEN}")
    monkeypatch.setattr(ShopifyConnector, "check", broken)
    root = _two_sources(tmp_path)
    report = pull(root, _both(fake, FakeShopify(clock=fake.clock)), ENV, fake.clock)  # type: ignore[arg-type]
    assert [(s.source, s.ok, s.error) for s in report.sources] == [
        ("shop", False, "source 'shop': internal error while pulling: KeyError: 'token ***'. This is a bridgewatch "
                        "bug; please report it with the command you ran (add -v for the SQL steps). (nothing pulled "
                        "yet for this source)"),
        ("bc", True, None)]
    assert pull_status(root)["shop"].state == "never" and pull_status(root)["bc"].state == "fresh"
    assert not list((root / ".bridgewatch" / "pulls" / "shop").glob("*.tmp"))  # the draft was removed


def test_an_os_error_is_the_environments_wording(tmp_path: Path, fake: FakeBigCommerce,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from bridgewatch.connectors.store import Draft

    def full_disk(self: Draft, page: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/data/ws/.bridgewatch/pulls")
    monkeypatch.setattr(Draft, "add", full_disk)
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.error == (
        "source 'bc': cannot pull (/data/ws/.bridgewatch/pulls): no space left on the device [ENOSPC]. To fix: free "
        "space on that disk, or write somewhere else; outputs are replaced whole, so the previous one is intact. "
        "(nothing pulled yet for this source)")
    assert pull_status(tmp_path)["bc"].last_error == source.error.removesuffix(" (nothing pulled yet for this source)")


def test_a_200_with_an_empty_body_is_not_a_204(tmp_path: Path, fake: FakeBigCommerce) -> None:
    """Only 204 No Content ends BigCommerce v2 orders; an empty 200 (a proxy's broken answer) is retried, then fails."""
    fake.orders = Table("id", [{"id": 101, "customer_id": 1}, {"id": 102, "customer_id": 2}])
    root = _ws(tmp_path)
    assert pull(root, fake, ENV, fake.clock).sources[0].ok  # type: ignore[arg-type]
    fake.fail(lambda r: httpx.Response(200, content=b""), path="/v2/orders", times=99)
    [source] = pull(root, fake, ENV, fake.clock, full=True).sources  # type: ignore[arg-type]
    assert source.error is not None and source.error.startswith(
        "source 'bc': BigCommerce kept failing for orders page 1 (orders page 1 came back empty (200 without a "
        "body); the response may be torn) after 5 attempts; the vendor may be down; pull again later (previous "
        "data from ")
    assert source.totals == {"customers": 3, "orders": 2}  # was: orders 0, the pull fresh
