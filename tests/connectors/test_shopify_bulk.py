"""Shopify bulk operations: a malformed or ended status answer fails at once (never polled for hours); an
operation under way is polled every POLL_SECONDS until it completes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridgewatch.connectors.fakes.base import FakeClock, Table, json_response
from bridgewatch.connectors.fakes.shopify import TOKEN, FakeShopify
from bridgewatch.connectors.state import pull_status
from tests.connectors.helpers import pull, workspace

ENV = {"SHOP_TOKEN": TOKEN}
OP = "gid://shopify/BulkOperation/1"
TODO = "check base_url and the API version, then pull again"
KNOWN = "CREATED, RUNNING, CANCELING, COMPLETED, FAILED, CANCELED, EXPIRED"


@pytest.fixture
def fake() -> FakeShopify:
    fake = FakeShopify(clock=FakeClock())
    fake.tables["customers"] = Table("id", [{"id": f"gid://shopify/Customer/{i}", "displayName": f"Buyer {i}"}
                                            for i in range(1, 8)])
    return fake


def _ws(tmp_path: Path) -> Path:
    api = {"base_url": "https://acme.myshopify.com", "secrets": {"token": "SHOP_TOKEN"}, "resources": ["customers"],
           "bulk": True}
    return workspace(tmp_path, {"shop": {"reader": "shopify_api", "path": "pulled/shop", "api": api}})


def _status(fake: FakeShopify, *bodies: Any) -> None:
    """Answer the next status polls (the requests after the scopes and the start) with ``bodies`` in turn."""
    queue = list(bodies)
    fake.fail(lambda r: json_response(queue.pop(0), headers={"X-Shopify-API-Version": "2025-10"}),
              path="/graphql.json", after=2, times=len(bodies))


def _polls(fake: FakeShopify) -> int:
    return sum(1 for r in fake.requests if b"BulkOperation" in r.content and b"bulkOperationRunQuery" not in r.content)


def _node(**fields: Any) -> dict[str, Any]:
    return {"data": {"node": {"id": OP, **fields}}}


@pytest.mark.parametrize(("body", "said"), [
    (_node(objectCount="7"), f"Shopify answered bulk customers status with no status (known: {KNOWN}); not polled "
                             f"further: {TODO}"),
    (_node(status="PAUSED"), f"Shopify answered bulk customers status with status 'PAUSED' (known: {KNOWN}); not "
                             f"polled further: {TODO}"),
    ({"data": {"node": None}}, "Shopify answered bulk customers status without the operation at data.node (it sent "
                               f"an object with data); {TODO}"),
    ({"extensions": {}}, "Shopify answered bulk customers status without the operation at data.node (it sent an "
                         f"object with extensions); {TODO}"),
    (_node(status="COMPLETED", objectCount="7", url=None),
     "Shopify's bulk customers export COMPLETED without a result url (objectCount 7); nothing was taken as 'no "
     "records': pull again, or without api.bulk"),
    ({"data": {"node": None}, "errors": [{"message": "Invalid global id 'gid://shopify/BulkOperation/1'"}]},
     "Shopify could not answer bulk customers status: Invalid global id 'gid://shopify/BulkOperation/1'"),
    (_node(status="FAILED", errorCode="ACCESS_DENIED"),
     "Shopify's bulk customers export ended FAILED (ACCESS_DENIED); pull again, or without api.bulk"),
    (_node(status="CANCELED", errorCode=None),
     "Shopify's bulk customers export ended CANCELED (no error code); it was cancelled (by this app or the shop): "
     "pull again, or without api.bulk"),
    (_node(status="EXPIRED", errorCode=None),
     "Shopify's bulk customers export ended EXPIRED (no error code); its result link expired (after 7 days): pull "
     "again, or without api.bulk"),
])
def test_a_status_answer_that_cannot_go_on_fails_at_once_and_keeps_the_data(tmp_path: Path, fake: FakeShopify,
                                                                             body: Any, said: str) -> None:
    root = _ws(tmp_path)
    first = pull(root, fake, ENV, fake.clock).sources[0]  # type: ignore[arg-type]
    assert first.ok and first.fetched == {"customers": 7}
    fake.requests.clear()
    _status(fake, body)
    [source] = pull(root, fake, ENV, fake.clock, full=True).sources  # type: ignore[arg-type]
    assert source.error == f"source 'shop': {said} (previous data from {first.pulled_at} kept)"
    assert _polls(fake) == 1 and fake.clock.sleeps == []  # no second check, no wait
    assert source.totals == {"customers": 7} and pull_status(root)["shop"].stale


def test_an_operation_under_way_is_polled_until_it_completes(tmp_path: Path, fake: FakeShopify) -> None:
    _status(fake, _node(status="CREATED"), _node(status="RUNNING", objectCount="3"),
            _node(status="CANCELING", objectCount="3"), _node(status="RUNNING", objectCount="5"))
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.ok and source.fetched == {"customers": 7}
    assert _polls(fake) == 5 and fake.clock.sleeps == [5.0, 5.0, 5.0, 5.0]  # the fifth check is the fake's COMPLETED


def test_a_completed_operation_that_matched_nothing_is_empty(tmp_path: Path, fake: FakeShopify) -> None:
    _status(fake, _node(status="COMPLETED", objectCount="0", url=None))
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.ok and source.fetched == {"customers": 0}
    assert not any(r.url.path.startswith("/bulk/") for r in fake.requests)


@pytest.mark.parametrize(("started", "said"), [
    ({"data": {"bulkOperationRunQuery": {"bulkOperation": None, "userErrors": []}}},
     "Shopify answered bulk customers start without an operation id at data.bulkOperationRunQuery.bulkOperation.id "
     f"(it sent an object with data); {TODO}"),
    ({"data": {"bulkOperationRunQuery": {"bulkOperation": None, "userErrors": [
        {"field": None, "message": "A bulk query operation for this app and shop is already in progress"}]}}},
     "Shopify refused the bulk customers export: A bulk query operation for this app and shop is already in "
     "progress; another bulk query of this app may be running (wait for it), or pull without api.bulk"),
])
def test_a_start_without_an_operation_fails_before_polling(tmp_path: Path, fake: FakeShopify, started: Any,
                                                           said: str) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        return json_response(started, headers={"X-Shopify-API-Version": "2025-10"})
    fake.fail(respond, path="/graphql.json", after=1)
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources  # type: ignore[arg-type]
    assert source.error == f"source 'shop': {said} (nothing pulled yet for this source)"
    assert _polls(fake) == 0
    assert json.loads(fake.requests[-1].content)["query"].startswith("mutation")


def test_a_result_with_fewer_lines_than_the_operation_counted_fails_and_keeps_the_data(tmp_path: Path,
                                                                                        fake: FakeShopify) -> None:
    root = _ws(tmp_path)
    assert pull(root, fake, ENV, fake.clock).sources[0].ok
    lines = "".join(json.dumps({"id": f"gid://shopify/Customer/{i}", "displayName": f"Buyer {i}"}) + "\n"
                    for i in range(1, 4))
    fake.fail(lambda r: httpx.Response(200, content=lines.encode()), path="/bulk/")
    report = pull(root, fake, ENV, fake.clock, full=True)
    source = report.sources[0]
    assert source.error is not None and source.error.startswith(
        "source 'shop': Shopify's bulk customers result held 3 record(s) but the operation counted 7 "
        "(rootObjectCount); the download may have been cut short, so it was not taken as complete: pull again "
        "(previous data from ")
    assert source.totals == {"customers": 7}
    assert pull_status(root)["shop"].state == "failed"


def test_the_result_download_trusts_the_ca_bundle(tmp_path: Path, fake: FakeShopify) -> None:
    """Behind a TLS-inspecting proxy (api.ca_bundle) the signed download is verified with the same authorities."""
    from bridgewatch.connectors.fakes.base import RealClock
    from bridgewatch.connectors.fakes.server import serve
    from bridgewatch.connectors.pull import pull_workspace

    fake.clock = RealClock()
    with serve(fake, tmp_path / "tls") as url:
        api = {"base_url": url, "secrets": {"token": "SHOP_TOKEN"}, "resources": ["customers"], "bulk": True,
               "ca_bundle": str(tmp_path / "tls" / "ca.pem")}
        root = workspace(tmp_path / "ws", {"shop": {"reader": "shopify_api", "path": "pulled/shop", "api": api}})
        [source] = pull_workspace(root, environ=ENV).sources
    assert source.ok, source.error
    assert source.fetched == {"customers": 7}


def test_protected_customer_data_returned_as_null_in_a_bulk_result_stops_the_pull(tmp_path: Path) -> None:
    """The paged route stopped on it; the bulk route saved every customer without name or email, fresh."""
    fake = FakeShopify(clock=FakeClock())
    fake.tables["customers"] = Table("id", [{"id": f"gid://shopify/Customer/{i}", "displayName": None,
                                             "defaultEmailAddress": None} for i in range(1, 4)])
    [source] = pull(_ws(tmp_path), fake, ENV, fake.clock).sources
    assert source.error == (
        "source 'shop': Shopify returned protected customer data as null (every customer came back without name or "
        "email); in the Partner Dashboard / Dev Dashboard request protected customer data access (level 2: name, "
        "email, address) for the app, or customers cannot be matched (nothing pulled yet for this source)")
