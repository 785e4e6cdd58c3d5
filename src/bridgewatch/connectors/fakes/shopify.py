"""A fake Shopify shop: the GraphQL Admin connections a connector asks for, query cost, bulk operations."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from bridgewatch.connectors.fakes.base import FakeApi, Record, Table, json_response, parse_time

TOKEN = "shpat_fake_0a1b2c3d4e5f"
SUPPORTED = ("2025-07", "2025-10", "2026-01")
ROOT = re.compile(r"\{\s*(customers|orders|draftOrders|companies)\s*[({]")
SINCE = re.compile(r"updated_at:>='([^']+)'")
ALL_SCOPES = ("read_customers", "read_orders", "read_draft_orders", "read_companies", "read_all_orders")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeShopify(FakeApi):
    """Serves ``customers``, ``orders``, ``draftOrders`` and ``companies`` from tables keyed by GID."""

    tables: dict[str, Table] = field(default_factory=lambda: {c: Table("id") for c in
                                                              ("customers", "orders", "draftOrders", "companies")})
    scopes: tuple[str, ...] = ALL_SCOPES
    bucket: float = 1000.0
    restore: float = 50.0
    _available: float = 1000.0
    _at: float | None = None
    bulk: dict[str, str] = field(default_factory=dict)
    node_cost: float = 1.0
    """Requested cost of one node of a connection page (the objects its fields select)."""
    max_cost: float = 1000.0
    """Shopify's single-query limit: a query requesting more is refused before it runs (MAX_COST_EXCEEDED)."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/bulk/"):
            return httpx.Response(200, content=self.bulk.get(request.url.path, "").encode())
        if request.headers.get("x-shopify-access-token") != TOKEN:
            return json_response({"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                            "password)"}, 401)
        version = request.url.path.split("/")[3]
        served = version if version in SUPPORTED else SUPPORTED[0]
        payload = json.loads(request.content)
        query, variables = payload["query"], payload.get("variables") or {}
        body: dict[str, object]
        if "currentAppInstallation" in query:
            body = {"data": {"currentAppInstallation": {"accessScopes": [{"handle": s} for s in self.scopes]}}}
        elif "bulkOperationRunQuery" in query:
            body = self._start_bulk(request, variables["q"])
        elif "BulkOperation" in query:
            lines = self.bulk.get(variables["id"].replace("gid://shopify/BulkOperation", "/bulk") + ".jsonl", "")
            count = str(sum(1 for line in lines.splitlines() if line.strip()))
            body = {"data": {"node": {"id": variables["id"], "status": "COMPLETED", "objectCount": count,
                                      "rootObjectCount": count,
                                      "url": f"{request.url.scheme}://{request.url.netloc.decode()}"
                                             f"{variables['id'].replace('gid://shopify/BulkOperation', '/bulk')}"
                                             f".jsonl?X-Goog-Signature=abc123signed"}}}
        else:
            return self._connection(query, variables, served)
        return json_response(body, headers={"X-Shopify-API-Version": served})

    def _charge(self, cost: float) -> dict[str, object]:
        now = self.clock()
        if self._at is not None:
            self._available = min(self.bucket, self._available + (now - self._at) * self.restore)
        self._at = now
        status = {"maximumAvailable": self.bucket, "currentlyAvailable": self._available, "restoreRate": self.restore}
        if self._available < cost:  # THROTTLED: nothing is charged
            return {"requestedQueryCost": cost, "actualQueryCost": None, "throttleStatus": status}
        self._available -= cost
        return {"requestedQueryCost": cost, "actualQueryCost": cost,
                                   "throttleStatus": {**status, "currentlyAvailable": self._available}}

    def _connection(self, query: str, variables: dict[str, object], served: str) -> httpx.Response:
        name = ROOT.search(query).group(1)  # type: ignore[union-attr]
        first, after = int(str(variables.get("first", 50))), int(str(variables.get("after") or 0))
        requested = first * self.node_cost + 2.0
        if requested > self.max_cost:
            return json_response({"errors": [{"message": f"Query cost is {requested:.0f}, which exceeds the single "
                                                         f"query max cost limit ({self.max_cost:.0f}).",
                                               "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested,
                                                              "maxCost": self.max_cost}}]},
                                 headers={"X-Shopify-API-Version": served})
        cost = self._charge(requested)
        if cost["actualQueryCost"] is None:
            return json_response({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                                  "extensions": {"cost": cost}}, headers={"X-Shopify-API-Version": served})
        match = SINCE.search(str(variables.get("query") or ""))
        listing = self.tables[name].listing(parse_time(match.group(1)) if match else None)
        rows = listing.slice(after, after + first)
        nodes = [{**r, "updatedAt": _iso(w)} for r, w in rows]
        more = after + first < len(listing)
        return json_response({"data": {name: {"nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor":
                                                                             str(after + first) if more else None}}},
                              "extensions": {"cost": cost}}, headers={"X-Shopify-API-Version": served})

    def _start_bulk(self, request: httpx.Request, query: str) -> dict[str, object]:
        name = ROOT.search(query).group(1)  # type: ignore[union-attr]
        match = SINCE.search(query)
        listing = self.tables[name].listing(parse_time(match.group(1)) if match else None)
        op = f"gid://shopify/BulkOperation/{len(self.bulk) + 1}"
        lines = (json.dumps({**r, "updatedAt": _iso(w)}) for r, w in listing.slice(0, len(listing)))
        self.bulk[f"/bulk/{len(self.bulk) + 1}.jsonl"] = "\n".join(lines) + "\n"
        return {"data": {"bulkOperationRunQuery": {"bulkOperation": {"id": op, "status": "CREATED"},
                                                   "userErrors": []}}}


def shopify_customer(i: int) -> Record:
    """A generated customer node (for big tables)."""
    return {"id": f"gid://shopify/Customer/{i + 1}", "legacyResourceId": str(i + 1), "displayName": f"Buyer {i + 1}",
            "defaultEmailAddress": {"emailAddress": f"buyer{i + 1}@example.test"}, "tags": [],
            "createdAt": "2025-06-01T09:00:00Z", "companyContactProfiles": []}
