"""Shopify GraphQL Admin API: customers, orders, draft orders, companies (with locations and contacts).

Auth: the Admin API access token in ``X-Shopify-Access-Token``; the app's granted scopes are read
first (``currentAppInstallation.accessScopes``): a missing ``read_customers`` / ``read_orders`` /
``read_draft_orders`` / ``read_companies`` fails the pull naming the scope, a missing
``read_all_orders`` is a warning (orders older than 60 days are invisible without it). Paging is
Relay cursors (``first`` ≤ 250, ``after``); ``api.bulk`` runs customers and orders as bulk
operations (JSONL) for large stores. Throttling is the calculated query cost: every response's
``throttleStatus`` says what is left and how fast it refills, so the next query waits until its
requested cost is available, and a ``THROTTLED`` answer (200 or 429) waits the refill and retries.
Incremental: ``query: "updated_at:>='…'"``, ``sortKey: UPDATED_AT``. A version Shopify no longer
serves (it answers with another in ``X-Shopify-API-Version``) and protected customer data
returned as null both stop the pull with what to do.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from bridgewatch.connectors.base import (
    Connector,
    Context,
    Page,
    Resource,
    field_key,
    iso_time,
    paginate,
    records_at,
    source_root,
)
from bridgewatch.connectors.http.auth import HeaderAuth
from bridgewatch.connectors.http.client import ApiClient, Call, ErrorPolicy, Pacer
from bridgewatch.connectors.http.paginators import GraphQLCursor, dig
from bridgewatch.connectors.http.retry import SERVER, THROTTLED, Retry, retry_after
from bridgewatch.connectors.pages import JsonLines, JsonPage
from bridgewatch.errors import AuthError, ConnectorError

VERSION = "2025-10"
CUSTOMER = ("id legacyResourceId displayName firstName lastName createdAt updatedAt tags state "
            "defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } "
            "defaultAddress { company countryCodeV2 } companyContactProfiles { company { id name externalId } }")
PURCHASER = ("purchasingEntity { __typename ... on PurchasingCompany { company { id name externalId } "
             "location { id name externalId taxSettings { taxRegistrationId } billingAddress { countryCode } } "
             "contact { id customer { id } } } }")
ORDER = ("id legacyResourceId name createdAt updatedAt cancelledAt closed test displayFinancialStatus currencyCode "
         "totalPriceSet { shopMoney { amount currencyCode } } "
         "currentTotalPriceSet { shopMoney { amount currencyCode } } "
         "email tags customer { id legacyResourceId } billingAddress { countryCodeV2 } "
         "shippingAddress { countryCodeV2 } " + PURCHASER)
DRAFT = ("id name createdAt updatedAt status email tags currencyCode "
         "totalPriceSet { shopMoney { amount currencyCode } } customer { id legacyResourceId } " + PURCHASER)
COMPANY = ("id name externalId createdAt updatedAt customerSince mainContact { customer { id defaultEmailAddress "
           "{ emailAddress } } } locations(first: 50) { pageInfo { hasNextPage } nodes { id name externalId "
           "taxSettings { taxRegistrationId } billingAddress { countryCode } shippingAddress { countryCode } } } "
           "contacts(first: 50) { pageInfo { hasNextPage } nodes { id customer { id legacyResourceId displayName "
           "defaultEmailAddress { emailAddress } } } }")
NESTED = ("locations", "contacts")
"""A company's connections read 50 at a time inside the companies query (more is warned about, not read)."""
CONNECTIONS = {"customers": ("customers", CUSTOMER, "read_customers"), "orders": ("orders", ORDER, "read_orders"),
               "draft_orders": ("draftOrders", DRAFT, "read_draft_orders"),
               "companies": ("companies", COMPANY, "read_companies")}
SCOPES = "{ currentAppInstallation { accessScopes { handle } } }"
MAX_COST = re.compile(r"query cost is (\d+), which exceeds the single query max cost limit \((\d+)\)", re.I)
"""Shopify's refusal of a query requesting more points than one query may (checked before it runs)."""


def _page(connection: str) -> JsonPage:
    return JsonPage("data", connection, "nodes")


RESOURCES = {name: Resource(name, _page(conn), field_key("id"), iso_time("updatedAt"))
             for name, (conn, _, _) in CONNECTIONS.items()}
BULK = {name: Resource(name, JsonLines(), field_key("id"), iso_time("updatedAt")) for name in ("customers", "orders")}


class CostPacer(Pacer):
    """Waits until the next query's requested cost is back in the bucket (cost-based leaky bucket)."""

    def __init__(self) -> None:
        self.available: float | None = None
        self.restore = 50.0
        self.requested = 0.0
        self.at = 0.0

    def before(self, now: float) -> float:
        if self.available is None or self.requested <= 0:
            return 0.0
        have = self.available + self.restore * (now - self.at)
        return _seconds(self.requested - have, self.restore) if have < self.requested else 0.0

    def after(self, response: httpx.Response, now: float) -> None:
        cost = _cost(response)
        status = cost.get("throttleStatus") or {}
        if "currentlyAvailable" in status:
            self.available = float(status["currentlyAvailable"])
            self.restore = float(status.get("restoreRate") or self.restore)
            self.requested = float(cost.get("requestedQueryCost") or self.requested)
            self.at = now


def _cost(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return {}
    return dict(dig(body, ("extensions", "cost")) or {}) if isinstance(body, dict) else {}


class ShopifyPolicy(ErrorPolicy):
    platform = "Shopify"
    auth_hint = "check the Admin API access token of the app installed on this shop"
    permission_hint = "grant the app the read scopes listed in docs/connectors.md"
    not_found_hint = "check base_url (https://<shop>.myshopify.com) and api_version"

    def check(self, call: Call, response: httpx.Response) -> None:
        if response.status_code == 429:
            wait = _refill(response)
            raise Retry(THROTTLED, "throttled (429)", wait if wait is not None else retry_after(response.headers), 429)
        super().check(call, response)


def _refill(response: httpx.Response) -> float | None:
    cost = _cost(response)
    status = cost.get("throttleStatus") or {}
    try:
        need = float(cost.get("requestedQueryCost") or 0) - float(status["currentlyAvailable"])
        return _seconds(need, float(status["restoreRate"])) if need > 0 else 1.0
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def _seconds(points: float, rate: float) -> float:
    """Time to refill ``points`` at ``rate`` per second, rounded up to the next 10 ms (never short by a hair)."""
    return math.ceil(round(points / rate * 100, 6)) / 100


class ShopifyConnector(Connector):
    """Shopify GraphQL Admin API → ``shopify_api`` pages."""

    reader = "shopify_api"
    platform = "Shopify"
    secrets_needed = {"token": "Admin API access token"}
    required = ("base_url",)
    resources: Mapping[str, Resource] = RESOURCES


    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.page_size = min(self.page_size, 250)
        self.over_cost: tuple[int, int] | None = None
        """(requested cost, limit) when Shopify refused a first page as too costly: asked again smaller."""
        self.version = self.settings.api_version or VERSION
        self.url = f"{source_root(self.settings, None, context.source)}/admin/api/{self.version}/graphql.json"
        if self.settings.bulk:
            self.resources = {**RESOURCES, **BULK}

    def client(self) -> ApiClient:
        auth = HeaderAuth({"X-Shopify-Access-Token": self.ctx.secrets["token"]})
        return self.cached("graphql", lambda: self.ctx.client(ShopifyPolicy(), pacer=CostPacer(), auth=auth))

    def check(self) -> None:
        body = self.client().send(Call("POST", self.url, json={"query": SCOPES}, what="granted scopes"),
                                  self._body).body
        granted = {s.get("handle") for s in dig(body, ("data", "currentAppInstallation", "accessScopes")) or []}
        missing = sorted({CONNECTIONS[r][2] for r in self.selected()} - granted)
        if missing:
            raise AuthError(f"the app lacks the scope(s) {', '.join(missing)}; add them to the app's Admin API "
                            f"access scopes and reinstall it (or pull fewer resources with api.resources)")
        if "orders" in self.selected() and "read_all_orders" not in granted:
            self.ctx.warn("the app lacks read_all_orders: orders older than 60 days are not visible (the 7-day card "
                          "window is unaffected; request read_all_orders for backfills)")

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        if self.settings.bulk and resource in BULK:
            from bridgewatch.connectors.shopify_bulk import bulk_pages

            yield from bulk_pages(self, resource, since)
            return
        first = self.page_size
        while True:
            self.over_cost = None
            try:
                yield from self._connection(resource, since, first)
                return
            except ConnectorError:
                if self.over_cost is None:
                    raise
                first = _fitting(first, *self.over_cost)

    def _connection(self, resource: str, since: datetime | None, first: int) -> Iterator[Page]:
        connection, fields, _ = CONNECTIONS[resource]
        search = f"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'" if since else None
        query = (f"query($first: Int!, $after: String, $query: String) {{ {connection}(first: $first, after: $after, "
                 f"query: $query, sortKey: UPDATED_AT) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ "
                 f"{self._fields(resource, fields)} }} }} }}")
        call = Call("POST", self.url, json={"query": query, "variables": {"first": first, "query": search}},
                    what=f"{resource} page 1")
        cut: list[str] = []
        for records in paginate(self.client(), call, GraphQLCursor(connection),
                                records_at("data", connection, "nodes"), self._body):
            self._check_protected(resource, records)
            cut += [str(r.get("id")) for r in records if isinstance(r, dict) and any(
                dig(r, (name, "pageInfo", "hasNextPage")) is True for name in NESTED)]
            yield Page(resource, records)
        if cut:
            self.ctx.warn(f"{len(cut)} {'company has' if len(cut) == 1 else 'companies have'} more than 50 locations "
                          f"or contacts ({', '.join(cut[:3])}{', ...' if len(cut) > 3 else ''}); only the first 50 "
                          f"of each were read, so keys (VAT numbers, external ids) on the others are not used for "
                          f"matching")

    def _fields(self, resource: str, fields: str) -> str:
        if resource != "customers":
            return fields
        extra = " ".join(f'{alias}: metafield(namespace: "{ref.split(".", 1)[0]}", key: "{ref.split(".", 1)[-1]}") '
                         f"{{ value }}" for alias, ref in self.settings.metafields.items())
        return f"{fields} {extra}".strip()

    def _body(self, call: Call, response: httpx.Response) -> Any:
        served = response.headers.get("x-shopify-api-version")
        if served and served != self.version:
            raise ConnectorError(f"Shopify no longer serves API version {self.version} (it answered with {served}); "
                                 f"set api_version in [sources.{self.ctx.source}.api] to a supported version, "
                                 f"e.g. {served}")
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Retry(SERVER, f"{call.what} is not valid JSON ({type(exc).__name__}); the response may be torn"
                        ) from None
        self._check_errors(call, response, body)
        return body

    def _check_errors(self, call: Call, response: httpx.Response, body: Any) -> None:
        errors = body.get("errors") if isinstance(body, dict) else None
        if not errors:
            return
        first = errors[0] if isinstance(errors, list) else errors
        code = dig(first, ("extensions", "code"))
        message = str(first.get("message", "")) if isinstance(first, dict) else str(first)
        if code == "THROTTLED" or message == "Throttled":
            raise Retry(THROTTLED, "throttled (query cost)", _refill(response))
        costs = MAX_COST.search(message)
        if (code == "MAX_COST_EXCEEDED" or costs) and "page 1" in call.what:
            self.over_cost = (int(costs.group(1)), int(costs.group(2))) if costs else None
        if code == "ACCESS_DENIED" or "access denied" in message.lower():
            raise AuthError(f"Shopify denied {call.what}: {message}; grant the scope it names to the app")
        if "protected customer data" in message.lower() or "not approved to access" in message.lower():
            raise AuthError(_protected_message(message))
        raise ConnectorError(f"Shopify could not answer {call.what}: {message[:300]}")

    def _check_protected(self, resource: str, records: list[Any]) -> None:
        if resource == "customers" and records and all(isinstance(r, dict) and r.get("displayName") is None
                                                       for r in records):
            raise AuthError(_protected_message("every customer came back without name or email"))



def _fitting(first: int, cost: int, limit: int) -> int:
    """A smaller ``first`` whose page fits Shopify's single-query cost limit (the cost grows with ``first``).

    Raises:
        ConnectorError: even one record a page costs more than the limit.
    """
    if first <= 1 or cost <= limit:
        raise ConnectorError(f"Shopify refuses even {first} record(s) a page: the query costs {cost} points, over its "
                             f"single-query limit ({limit}); pull fewer metafields (api.metafields)")
    return max(1, min(first - 1, first * limit // cost))


def _protected_message(detail: str) -> str:
    return (f"Shopify returned protected customer data as null ({detail}); in the Partner Dashboard / Dev Dashboard "
            f"request protected customer data access (level 2: name, email, address) for the app, or customers "
            f"cannot be matched")
