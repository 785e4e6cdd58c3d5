"""Fake Microsoft cloud: an Entra token service and OData collections (F&O, Business Central, Dataverse)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx

from bridgewatch.connectors.fakes.base import FakeApi, Table, json_response, parse_time

TENANT, CLIENT_ID, CLIENT_SECRET = "7f3c2b1a-tenant", "0b5e-app", "entra-client-secret-5d2"
FILTER_TIME = re.compile(r"(\w+) ge (\S+Z)")
FILTER_NAMES = re.compile(r"workflowname eq '((?:[^']|'')*)'")


@dataclass
class FakeEntra(FakeApi):
    """OIDC discovery and the client-credentials token endpoint for one tenant and app."""

    lifetime: int = 3600
    tokens: dict[str, float] = field(default_factory=dict)
    issued: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        base = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if not path.startswith(f"/{TENANT}/"):
            tenant = path.strip("/").split("/")[0]
            return json_response({"error": "invalid_tenant", "error_description": f"AADSTS90002: Tenant '{tenant}' "
                                  f"not found. Check to make sure you have the correct tenant ID."}, 400)
        if path.endswith("/.well-known/openid-configuration"):
            return json_response({"token_endpoint": f"{base}/{TENANT}/oauth2/v2.0/token",
                                  "authorization_endpoint": f"{base}/{TENANT}/oauth2/v2.0/authorize",
                                  "issuer": f"{base}/{TENANT}/v2.0"})
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("client_id") != CLIENT_ID:
            return json_response({"error": "unauthorized_client", "error_description": f"AADSTS700016: Application "
                                  f"with identifier '{form.get('client_id')}' was not found in the directory."}, 400)
        if form.get("client_secret") != CLIENT_SECRET:
            return json_response({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client "
                                  "secret provided. Ensure the secret being sent in the request is the client secret "
                                  "value, not the client secret ID."}, 401)
        token = f"eyJ0eXAi.fake-access-{next(self._ids)}.sig"
        self.tokens[token] = self.clock() + self.lifetime
        self.issued += 1
        return json_response({"token_type": "Bearer", "expires_in": self.lifetime, "access_token": token})

    def valid(self, authorization: str | None) -> bool:
        token = (authorization or "").removeprefix("Bearer ")
        return self.tokens.get(token, 0) > self.clock()

    def expire_all(self) -> None:
        """Every token issued so far stops working (as if it expired mid-pull)."""
        self.tokens.clear()


@dataclass
class FakeOData(FakeApi):
    """OData collections by path, each a table with the name of its change-time field (or None)."""

    entra: FakeEntra = field(default_factory=FakeEntra)
    collections: dict[str, tuple[Table, str | None]] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.entra.valid(request.headers.get("authorization")):
            return json_response({"error": {"code": "401", "message": "Authorization token expired or invalid."}},
                                 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        found = self.collections.get(request.url.path)
        if found is None:
            return json_response({"error": {"code": "BadRequest_NotFound", "message": f"The request URI "
                                  f"'{request.url.path}' is not valid."}}, 404)
        table, changed = found
        return self._page(request, table, changed)

    def _page(self, request: httpx.Request, table: Table, changed: str | None) -> httpx.Response:
        p = request.url.params
        query = p.get("$filter", "")
        since = next((parse_time(v) for f, v in FILTER_TIME.findall(query) if f == changed), None)
        size = int(re.search(r"maxpagesize=(\d+)", request.headers.get("prefer", "")).group(1)  # type: ignore[union-attr]
                   if "maxpagesize" in request.headers.get("prefer", "") else 10000)
        skip = int(p.get("$skiptoken", 0))
        listing = table.listing(since)
        flows = [n.replace("''", "'") for n in FILTER_NAMES.findall(query)]
        rows = [(r, w) for r, w in listing.slice(0, len(listing)) if not flows or r.get("workflowname") in flows] \
            if flows else listing.slice(skip, skip + size)
        page = rows[skip:skip + size] if flows else rows
        total = len(rows) if flows else len(listing)
        value = [{**r, **({changed: _iso(w)} if changed else {})} for r, w in page]
        body: dict[str, object] = {"@odata.context": self.context.get(request.url.path, "$metadata#value"),
                                   "value": value}
        if skip + size < total:
            body["@odata.nextLink"] = str(request.url.copy_merge_params({"$skiptoken": str(skip + size)}))
        return json_response(body)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
