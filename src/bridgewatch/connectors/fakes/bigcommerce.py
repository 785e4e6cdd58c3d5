"""A fake BigCommerce store: v3 customers, v2 orders, B2B Edition lists, the request window headers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx

from bridgewatch.connectors.fakes.base import FakeApi, Record, Table, json_response, parse_time

TOKEN = "bc-fake-token-7c1e0d"
"""The only X-Auth-Token the fake accepts."""
STORE = "abc123"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeBigCommerce(FakeApi):
    """Serves ``/stores/{hash}/v3/customers``, ``/v2/orders`` and B2B ``/api/v3/io/*`` from its tables."""

    customers: Table = field(default_factory=lambda: Table("id"))
    orders: Table = field(default_factory=lambda: Table("id"))
    b2b: dict[str, Table] = field(default_factory=lambda: {
        "companies": Table("companyId"), "users": Table("customerId"), "orders": Table("bcOrderId"),
        "rfq": Table("quoteId")})
    quota: int = 150
    window_ms: int = 30_000
    _window_start: float = 0.0
    _used: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("x-auth-token") != TOKEN:
            return json_response({"status": 401, "title": "You are not authorized to access this resource.",
                                  "type": "https://developer.bigcommerce.com/api-docs/getting-started/"
                                          "api-status-codes"}, 401)
        path = request.url.path
        if path.startswith("/api/v3/io/"):
            return self._b2b(request, path.rsplit("/", 1)[-1])
        headers = self._window()
        if headers is None:
            return json_response({"status": 429, "title": "Too many requests"}, 429, self._limit_headers())
        if path == f"/stores/{STORE}/v3/customers":
            return self._customers(request, headers)
        if path == f"/stores/{STORE}/v2/orders":
            return self._orders(request, headers)
        return json_response({"status": 404, "title": "The requested resource was not found."}, 404)

    def _window(self) -> dict[str, str] | None:
        now = self.clock()
        if (now - self._window_start) * 1000 >= self.window_ms:
            self._window_start, self._used = now, 0
        if self._used >= self.quota:
            return None
        self._used += 1
        return self._limit_headers()

    def _limit_headers(self) -> dict[str, str]:
        reset = max(int(self.window_ms - (self.clock() - self._window_start) * 1000), 0)
        return {"X-Rate-Limit-Requests-Quota": str(self.quota), "X-Rate-Limit-Requests-Left":
                str(self.quota - self._used), "X-Rate-Limit-Time-Reset-Ms": str(reset),
                "X-Rate-Limit-Time-Window-Ms": str(self.window_ms)}

    def _customers(self, request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        p = request.url.params
        limit, page = int(p.get("limit", 50)), int(p.get("page", 1))
        listing = self.customers.listing(parse_time(p.get("date_modified:min")))
        rows = listing.slice((page - 1) * limit, page * limit)
        total = len(listing)
        data = [{**r, "date_modified": _iso(when)} for r, when in rows]
        meta = {"pagination": {"total": total, "count": len(data), "per_page": limit, "current_page": page,
                               "total_pages": max((total + limit - 1) // limit, 1)}}
        return json_response({"data": data, "meta": meta}, headers=headers)

    def _orders(self, request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        p = request.url.params
        limit, page = int(p.get("limit", 50)), int(p.get("page", 1))
        rows = self.orders.listing(parse_time(p.get("min_date_modified"))).slice((page - 1) * limit, page * limit)
        if not rows:
            return httpx.Response(204, headers=headers)
        return json_response([{**r, "date_modified": format_datetime(when)} for r, when in rows], headers=headers)

    def _b2b(self, request: httpx.Request, name: str) -> httpx.Response:
        if request.headers.get("x-store-hash") != STORE or name not in self.b2b:
            return json_response({"code": 404, "message": "Not found", "data": {}}, 404)
        p = request.url.params
        limit, offset = int(p.get("limit", 10)), int(p.get("offset", 0))
        listing = self.b2b[name].listing(parse_time(p.get("minModified")))
        data = [{**r, "updatedAt": int(when.timestamp())} for r, when in listing.slice(offset, offset + limit)]
        return json_response({"code": 200, "meta": {"message": "SUCCESS", "pagination": {
            "limit": limit, "offset": offset, "totalCount": len(listing)}}, "data": data},
            headers={"X-Requests-Remaining": "149", "X-Request-Window-Resets-After": "60"})


def bigcommerce_customer(i: int) -> Record:
    """A generated v3 customer (for big tables)."""
    return {"id": i + 1, "email": f"buyer{i + 1}@example.test", "first_name": "Buyer", "last_name": str(i + 1),
            "customer_group_id": 0, "date_created": "2025-06-01T09:00:00Z"}
