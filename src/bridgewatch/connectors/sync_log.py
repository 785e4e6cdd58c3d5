"""The bridgewatch sync-log format from a URL: ``GET <url>[?since=ISO]`` → ``{"events": [...], "next": url}``.

For integrations that can serve their log over HTTP (docs/connectors.md): each event has the
fields of docs/sources/sync_log.md; ``next`` (absolute or relative, optional) is the next page.
Auth is optional: a bearer token when ``secrets.token`` is set. Incremental: ``since`` = the newest
``occurred_at`` seen, minus the look-back; a server that ignores it just resends everything,
which merges to the same events (keyed by ``event_id``, or by the whole event when it has none).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from bridgewatch.config import ApiSettings
from bridgewatch.connectors.base import (
    Connector,
    Page,
    Resource,
    field_key,
    iso_time,
    paginate,
    records_at,
    source_root,
)
from bridgewatch.connectors.http.auth import bearer
from bridgewatch.connectors.http.client import Call, ErrorPolicy
from bridgewatch.connectors.http.paginators import NextLink
from bridgewatch.connectors.pages import JsonPage


class SyncLogPolicy(ErrorPolicy):
    platform = "the sync log server"
    auth_hint = "check the token named by secrets.token"
    not_found_hint = "check base_url is the log's URL"


class SyncLogConnector(Connector):
    """A bridgewatch sync log served over HTTP → ``sync_log`` pages."""

    reader = "sync_log"
    platform = "Sync log"
    required = ("base_url",)
    resources: Mapping[str, Resource] = {
        "events": Resource("events", JsonPage("events"), field_key("event_id", "id", "log_id"),
                           iso_time("occurred_at", "timestamp"))}

    @classmethod
    def secret_roles(cls, settings: ApiSettings) -> dict[str, str]:
        return {"token": "bearer token of the log server"} if "token" in settings.secrets else {}

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        auth = bearer(self.ctx.secrets["token"]) if "token" in self.ctx.secrets else None
        client = self.cached("log", lambda: self.ctx.client(SyncLogPolicy(), auth=auth,
                                                            headers={"Accept": "application/json"}))
        params = {"since": since.strftime("%Y-%m-%dT%H:%M:%SZ")} if since else {}
        call = Call("GET", source_root(self.settings, None, self.ctx.source), params, what="sync log page 1")
        for records in paginate(client, call, NextLink("next"), records_at("events")):
            yield Page(resource, records)
