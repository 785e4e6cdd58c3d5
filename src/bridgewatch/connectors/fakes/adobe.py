"""A fake Adobe Commerce store: searchCriteria lists that repeat the last page past the end, as Magento does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from bridgewatch.connectors.fakes.base import FakeApi, Table, json_response, parse_time

TOKEN = "adobe-integration-token-9f8e7d"
PATHS = {"/rest/default/V1/customers/search": "customers", "/rest/default/V1/orders": "orders",
         "/rest/default/V1/company/": "companies", "/rest/default/V1/negotiableQuote": "negotiable_quotes"}
FILTER = "searchCriteria[filter_groups][0][filters][0]"


@dataclass
class FakeAdobe(FakeApi):
    """Serves customers, orders, companies and negotiable quotes; ``total_count_extra`` makes it miscount."""

    tables: dict[str, Table] = field(default_factory=lambda: {
        "customers": Table("id"), "orders": Table("entity_id"), "companies": Table("id"),
        "negotiable_quotes": Table("id")})
    total_count_extra: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return json_response({"message": "The consumer isn't authorized to access %resources.",
                                  "parameters": {"resources": "Magento_Customer::customer"}}, 401)
        name = PATHS.get(request.url.path)
        if name is None:
            return json_response({"message": "Request does not match any route."}, 404)
        p = request.url.params
        size, page = int(p["searchCriteria[pageSize]"]), int(p["searchCriteria[currentPage]"])
        since = parse_time(p.get(f"{FILTER}[value]")) if p.get(f"{FILTER}[field]") == "updated_at" else None
        listing = self.tables[name].listing(since)
        last = max((len(listing) + size - 1) // size, 1)
        shown = min(page, last)  # Magento: a page past the end is the last page again
        rows = listing.slice((shown - 1) * size, shown * size)
        items = [{**r, **({} if name == "companies" else {"updated_at": _time(w)})} for r, w in rows]
        return json_response({"items": items, "search_criteria": {"filter_groups": [], "page_size": size,
                                                                   "current_page": shown},
                              "total_count": len(listing) + self.total_count_extra})


def _time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
