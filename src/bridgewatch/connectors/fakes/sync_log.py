"""A fake sync-log server: the bridgewatch log format as JSON pages with ``next`` links and ``since``."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from bridgewatch.connectors.fakes.base import FakeApi, Table, json_response, parse_time


@dataclass
class FakeSyncLog(FakeApi):
    """Serves ``events`` (keyed by event_id) ``page_size`` at a time."""

    events: Table = field(default_factory=lambda: Table("event_id"))
    page_size: int = 50
    token: str | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return json_response({"error": "unauthorized"}, 401)
        since = parse_time(request.url.params.get("since"))
        listing = self.events.listing(since)
        start = int(request.url.params.get("offset", 0))
        rows = listing.slice(start, start + self.page_size)
        body: dict[str, object] = {"events": [r for r, _ in rows]}
        if start + self.page_size < len(listing):
            body["next"] = str(request.url.copy_merge_params({"offset": str(start + self.page_size)}))
        return json_response(body)
