"""BigCommerce: v3 customers, v2 orders (with consignments), B2B Edition companies, users, orders, quotes.

Auth is the store API account's ``X-Auth-Token`` (B2B Edition: the same token plus ``X-Store-Hash``).
Pagination: v3 ``page`` until ``meta.pagination.total_pages``; v2 ``page`` until a short page or
``204 No Content``; B2B Edition ``offset`` until ``meta.pagination.totalCount``. Rate limits: the
store quota per 30-second window is read from ``X-Rate-Limit-Requests-Left`` and
``X-Rate-Limit-Time-Reset-Ms`` (a spent window is waited out before the next request, a 429 waits
the reset); B2B Edition's 150 requests per minute from ``X-Requests-Remaining`` and
``X-Request-Window-Resets-After``. Incremental: ``date_modified:min`` (v3), ``min_date_modified``
(v2), ``minModified`` (B2B Edition, Unix seconds); B2B users have no change filter and are re-read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from bridgewatch.connectors.base import (
    Connector,
    Context,
    Page,
    Resource,
    epoch_time,
    field_key,
    iso_time,
    paginate,
    records_at,
    rfc2822_time,
    source_root,
)
from bridgewatch.connectors.http.auth import HeaderAuth
from bridgewatch.connectors.http.client import ApiClient, Call, ErrorPolicy, Pacer
from bridgewatch.connectors.http.paginators import Offset, PageNumber, Paginator
from bridgewatch.connectors.http.retry import THROTTLED, Retry, retry_after
from bridgewatch.connectors.pages import JsonPage
from bridgewatch.connectors.secrets import Secret

API = "https://api.bigcommerce.com"
B2B_API = "https://api-b2b.bigcommerce.com"


def _b2b_page(scope: str) -> dict[str, Any]:
    return {"code": 200, "meta": {"message": "SUCCESS"}}


RESOURCES = {
    "customers": Resource("customers", JsonPage("data"), field_key("id"), iso_time("date_modified")),
    "orders": Resource("orders", JsonPage(), field_key("id"), rfc2822_time("date_modified")),
    "b2b_companies": Resource("b2b_companies", JsonPage("data", extra=_b2b_page), field_key("companyId"),
                              epoch_time("updatedAt"), b2b=True),
    "b2b_users": Resource("b2b_users", JsonPage("data", extra=_b2b_page), field_key("id", "customerId"), None,
                          b2b=True),
    "b2b_orders": Resource("b2b_orders", JsonPage("data", extra=_b2b_page), field_key("bcOrderId", "id"),
                           epoch_time("updatedAt"), b2b=True),
    "b2b_quotes": Resource("b2b_quotes", JsonPage("data", extra=_b2b_page), field_key("quoteId", "quoteNumber"),
                           epoch_time("updatedAt"), b2b=True),
}
B2B_PATHS = {"b2b_companies": "companies", "b2b_users": "users", "b2b_orders": "orders", "b2b_quotes": "rfq"}


class WindowPacer(Pacer):
    """Waits out a spent request window before the next request."""

    def __init__(self, left: str, reset: str, reset_scale: float) -> None:
        self.left_header, self.reset_header, self.scale = left, reset, reset_scale
        self._wait_until = 0.0

    def before(self, now: float) -> float:
        return max(self._wait_until - now, 0.0)

    def after(self, response: httpx.Response, now: float) -> None:
        left = _number(response.headers.get(self.left_header, ""))
        reset = _number(response.headers.get(self.reset_header, ""))
        if left is not None and reset is not None and left <= 0:
            self._wait_until = now + reset * self.scale


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


class BigCommercePolicy(ErrorPolicy):
    platform = "BigCommerce"
    auth_hint = "check the store API account's access token and api.store (the store hash)"
    permission_hint = "give the store API account read-only Customers and Orders scopes (and B2B Edition for B2B)"
    not_found_hint = "check api.store (the store hash) and, for B2B objects, that B2B Edition is enabled"

    def check(self, call: Call, response: httpx.Response) -> None:
        if response.status_code == 429:
            reset = _number(response.headers.get("x-rate-limit-time-reset-ms", ""))
            window = _number(response.headers.get("x-request-window-resets-after", ""))
            hint = retry_after(response.headers)
            wait = hint if hint is not None else reset / 1000 if reset is not None else window
            raise Retry(THROTTLED, "throttled (429: store request quota spent)", wait, 429)
        super().check(call, response)


class BigCommerceConnector(Connector):
    """BigCommerce store and B2B Edition APIs → ``bigcommerce_api`` pages."""

    reader = "bigcommerce_api"
    platform = "BigCommerce"
    secrets_needed = {"token": "store API account access token (X-Auth-Token)"}
    required = ("store",)
    resources: Mapping[str, Resource] = RESOURCES
    max_page_size = 250
    """The most records BigCommerce serves a page: v2 answers a larger ``limit`` with 250, which the short-page
    rule would take for the last page."""
    b2b_page_size = 200
    """B2B Edition's largest ``limit`` (1-200)."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.page_size = min(self.page_size, self.max_page_size)

    def _client(self, b2b: bool) -> ApiClient:
        token: Secret = self.ctx.secrets["token"]
        headers = {"Accept": "application/json", **({"X-Store-Hash": str(self.settings.store)} if b2b else {})}
        pacer = (WindowPacer("x-requests-remaining", "x-request-window-resets-after", 1.0) if b2b else
                 WindowPacer("x-rate-limit-requests-left", "x-rate-limit-time-reset-ms", 0.001))
        return self.cached("b2b" if b2b else "store", lambda: self.ctx.client(
            BigCommercePolicy(), auth=HeaderAuth({"X-Auth-Token": token}), headers=headers, pacer=pacer))

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        call, paginator = self._first(resource, since)
        client = self._client(resource.startswith("b2b_"))
        records = records_at(no_content=True) if resource == "orders" else records_at("data")
        for batch in paginate(client, call, paginator, records):
            yield Page(resource, batch)

    def _first(self, resource: str, since: datetime | None) -> tuple[Call, Paginator]:
        n = self.page_size
        store = f"{source_root(self.settings, API, self.ctx.source)}/stores/{self.settings.store}"
        if resource == "customers":
            # by creation, which no change moves (see orders below)
            params: dict[str, Any] = {"limit": n, "page": 1, "include": "addresses,formfields",
                                      "sort": "date_created:asc"}
            if since:
                params["date_modified:min"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
            return (Call("GET", f"{store}/v3/customers", params, what="customers page 1"),
                    PageNumber(n, total_pages=("meta", "pagination", "total_pages"),
                               total=("meta", "pagination", "total")))
        if resource == "orders":
            # by id, which no change moves: under date_modified an order changed mid-pull moves to the end and
            # shifts the next one onto a page already read, so page numbers would skip it
            params = {"limit": n, "page": 1, "sort": "id:asc", "include": "consignments"}
            if since:
                params["min_date_modified"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
            return Call("GET", f"{store}/v2/orders", params, what="orders page 1"), PageNumber(n)
        b2b = (self.settings.b2b_url or B2B_API).rstrip("/")
        n = min(n, self.b2b_page_size)
        params = {"limit": n, "offset": 0}
        if resource == "b2b_companies":
            params["isIncludeExtraFields"] = 1
        if since and RESOURCES[resource].updated is not None:
            params["minModified"] = int(since.timestamp())
        return (Call("GET", f"{b2b}/api/v3/io/{B2B_PATHS[resource]}", params, what=f"B2B {resource[4:]} page 1"),
                Offset(n, ("meta", "pagination", "totalCount"), ("meta", "totalCount")))
