"""Pagination that would end early or never: a next page promised without a cursor, a link that repeats."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from bridgewatch.connectors import pull_status
from bridgewatch.connectors.fakes.base import FakeClock, Table, json_response, route
from bridgewatch.connectors.fakes.microsoft import CLIENT_ID, CLIENT_SECRET, TENANT, FakeEntra, FakeOData
from bridgewatch.connectors.fakes.shopify import TOKEN, FakeShopify
from tests.connectors.helpers import pull, workspace

SHOP_ENV = {"SHOP_TOKEN": TOKEN}
CAP = 40
"""Requests a test lets through before answering 400 (old code looped forever)."""


def _shop(tmp_path: Path) -> Path:
    settings = {"base_url": "https://acme.myshopify.com", "page_size": 3, "secrets": {"token": "SHOP_TOKEN"},
                "resources": ["customers"]}
    return workspace(tmp_path, {"shop": {"reader": "shopify_api", "path": "pulled/shop", "api": settings}})


def _shopify(customers: int) -> FakeShopify:
    fake = FakeShopify(clock=FakeClock())
    fake.tables["customers"] = Table("id", [{"id": f"gid://shopify/Customer/{i}", "displayName": f"Buyer {i}"}
                                            for i in range(1, customers + 1)])
    return fake


def _rewrite_page_info(fake: FakeShopify, info: dict[str, object]) -> object:
    """The fake, with every customers page's pageInfo replaced by ``info`` (after CAP requests: 400)."""
    def handler(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) >= CAP:
            return json_response({"errors": "stop"}, 400)
        response = fake(request)
        body = json.loads(response.content)
        if "customers" in (body.get("data") or {}):
            body["data"]["customers"]["pageInfo"] = info
            return json_response(body, headers=dict(response.headers))
        return response
    return handler


def test_shopify_next_page_promised_without_a_cursor_fails_instead_of_ending(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    fake = _shopify(7)
    assert pull(root, fake, SHOP_ENV, fake.clock).sources[0].ok  # a complete pull to keep
    report = pull(root, _rewrite_page_info(fake, {"hasNextPage": True, "endCursor": None}), SHOP_ENV, fake.clock,
                  full=True)
    source = report.sources[0]
    assert not source.ok
    assert source.error is not None and source.error.startswith(
        "source 'shop': Shopify answered customers page 1 with pageInfo.hasNextPage true but no endCursor, so the "
        "next page cannot be asked for; the list was not taken as complete: pull again (previous data from ")
    assert source.totals == {"customers": 7}
    assert pull_status(root)["shop"].state == "failed"


def test_shopify_cursor_that_never_advances_fails_instead_of_looping(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    fake = _shopify(7)
    report = pull(root, _rewrite_page_info(fake, {"hasNextPage": True, "endCursor": "3"}), SHOP_ENV, fake.clock)
    assert report.sources[0].error == (
        "source 'shop': Shopify answered customers page 2 with a next page it already sent (page 2), so the list "
        "would never end; the list was not taken as complete: pull again (nothing pulled yet for this source)")
    assert len(fake.requests) == 3  # scopes, page 1, page 2


def _fo(tmp_path: Path) -> Path:
    settings = {"base_url": "https://fo.test", "tenant": TENANT, "client_id": CLIENT_ID,
                "auth_url": "https://login.test", "page_size": 2, "secrets": {"client_secret": "D365_SECRET"}}
    return workspace(tmp_path, {"d365": {"reader": "d365_fo_odata", "path": "pulled/d365", "api": settings}},
                     erp="d365_fo")


def _odata(clock: FakeClock) -> tuple[FakeEntra, FakeOData]:
    entra = FakeEntra(clock=clock)
    rows = [{"dataAreaId": "usti", "CustomerAccount": f"US-{i:03d}", "OrganizationName": f"Org {i}"}
            for i in range(1, 6)]
    return entra, FakeOData(clock=clock, entra=entra, collections={"/data/CustomersV3": (Table("CustomerAccount",
                                                                                                rows), None)})


def _next_link(odata: FakeOData, link: str) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(odata.requests) >= CAP:
            return json_response({"error": {"code": "stop", "message": "stop"}}, 400)
        response = odata(request)
        body = json.loads(response.content)
        if response.status_code == 200:
            body["@odata.nextLink"] = link
        return json_response(body, response.status_code)
    return handler


def test_odata_next_link_that_repeats_fails_instead_of_looping(tmp_path: Path) -> None:
    clock = FakeClock()
    entra, odata = _odata(clock)
    link = "https://fo.test/data/CustomersV3?cross-company=true&$skiptoken=2"
    report = pull(_fo(tmp_path), route({"login.test": entra, "fo.test": _next_link(odata, link)}),
                  {"D365_SECRET": CLIENT_SECRET}, clock)
    assert report.sources[0].error == (
        "source 'd365': Dynamics 365 F&O answered CustomersV3 page 2 with a next page it already sent (page 2), so "
        "the list would never end; the list was not taken as complete: pull again (nothing pulled yet for this "
        "source)")
    assert len(odata.requests) == 2


def test_odata_next_link_to_another_host_gets_no_token(tmp_path: Path) -> None:
    clock = FakeClock()
    entra, odata = _odata(clock)
    elsewhere: list[httpx.Request] = []

    def grab(request: httpx.Request) -> httpx.Response:
        elsewhere.append(request)
        return json_response({"value": []})
    link = "https://grab.test/collect?$skiptoken=2&sig=abc"
    report = pull(_fo(tmp_path), route({"login.test": entra, "fo.test": _next_link(odata, link), "grab.test": grab}),
                  {"D365_SECRET": CLIENT_SECRET}, clock)
    assert elsewhere == []
    assert report.sources[0].error == (
        "source 'd365': Dynamics 365 F&O answered CustomersV3 page 1 with a next page at https://grab.test/collect, "
        "another address than the one asked (https://fo.test); it was not followed, so credentials never go to "
        "another address: check base_url, then pull again (nothing pulled yet for this source)")



def test_a_page_that_repeats_the_one_before_fails_instead_of_looping(tmp_path: Path) -> None:
    """A store (or a proxy stripping the query) that ignores ``page`` answers every page with the first."""
    from bridgewatch.connectors.fakes.bigcommerce import STORE
    from bridgewatch.connectors.fakes.bigcommerce import TOKEN as BC_TOKEN

    sent: list[httpx.Request] = []

    def store(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if len(sent) >= CAP:
            return json_response({"title": "stop"}, 400)
        return json_response([{"id": 101, "customer_id": 1}, {"id": 102, "customer_id": 2}])
    api = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "page_size": 2, "resources": ["orders"]}
    root = workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": api}})
    [source] = pull(root, store, {"BC_TOKEN": BC_TOKEN}).sources
    assert source.error == (
        "source 'bc': BigCommerce answered orders page 2 with the same records as page 1, so the list would never "
        "end; the list was not taken as complete: pull again (nothing pulled yet for this source)")
    assert len(sent) == 2
