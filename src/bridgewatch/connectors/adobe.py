"""Adobe Commerce (Magento 2) REST: customers, orders, B2B companies and negotiable quotes.

Auth: an integration or admin token as ``Authorization: Bearer`` (``api.auth = "token"``), or the
integration's four OAuth 1.0a credentials signing each request (``api.auth = "oauth1"``, needed
where bearer use of integration tokens is disabled, the default since 2.4.4). Paging:
``searchCriteria[pageSize]`` / ``[currentPage]`` sorted by id, stopping when
``current_page * page_size >= total_count``; a page past the end repeats the last page, so a page
equal to the previous one also stops the list. Incremental: a ``updated_at gteq`` filter (UTC,
``YYYY-MM-DD HH:MM:SS``); companies have no change time and are re-read. Core Magento has no rate
limit on reads, but Adobe Commerce Cloud's CDN answers 429/503 when busy: those are retried.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from bridgewatch.config import ApiSettings
from bridgewatch.connectors.base import Connector, Context, Page, Resource, field_key, paginate, records_at, source_root
from bridgewatch.connectors.http.auth import OAuth1Auth, bearer
from bridgewatch.connectors.http.client import ApiClient, Call, ErrorPolicy
from bridgewatch.connectors.http.paginators import SearchCriteria
from bridgewatch.connectors.pages import JsonPage

TIME = "%Y-%m-%d %H:%M:%S"
PATHS = {"customers": "customers/search", "orders": "orders", "companies": "company/", "negotiable_quotes":
         "negotiableQuote"}
SORT = {"customers": "entity_id", "orders": "entity_id", "companies": "entity_id", "negotiable_quotes": "entity_id"}


def utc_time(*paths: str) -> Any:
    """Adobe's ``2026-05-18 16:47:44`` (UTC, no offset)."""
    key = field_key(*paths)

    def parse(record: Any) -> datetime | None:
        value = key(record)
        try:
            return datetime.strptime(value[:19], TIME).replace(tzinfo=UTC) if value else None
        except ValueError:
            return None
    return parse


SEARCH = JsonPage("items", extra=lambda scope: {"search_criteria": {"filter_groups": []}}, count="total_count")
"""A search result: ``items`` with ``search_criteria`` and ``total_count`` (an order's own ``items`` has neither)."""
RESOURCES = {
    "customers": Resource("customers", SEARCH, field_key("id"), utc_time("updated_at")),
    "orders": Resource("orders", SEARCH, field_key("entity_id", "increment_id"), utc_time("updated_at")),
    "companies": Resource("companies", SEARCH, field_key("id"), None, b2b=True),
    "negotiable_quotes": Resource("negotiable_quotes", SEARCH, field_key("id"), utc_time("updated_at"), b2b=True),
}


class AdobePolicy(ErrorPolicy):
    platform = "Adobe Commerce"
    auth_hint = ("check the token (an integration token used as a bearer needs 'Allow OAuth Access Tokens to be "
                 "used as standalone Bearer tokens', else set api.auth = \"oauth1\" with the four integration keys)")
    permission_hint = "give the integration the Customers, Sales and (B2B) Companies / Negotiable Quotes resources"
    not_found_hint = "check base_url (https://<host>/rest/<store code>) and that B2B is installed for B2B objects"


class AdobeCommerceConnector(Connector):
    """Adobe Commerce REST → ``adobe_commerce_api`` pages."""

    reader = "adobe_commerce_api"
    platform = "Adobe Commerce"
    required = ("base_url",)
    resources: Mapping[str, Resource] = RESOURCES
    default_page_size = 300

    @classmethod
    def secret_roles(cls, settings: ApiSettings) -> dict[str, str]:
        if settings.auth == "oauth1":
            return {"consumer_key": "integration consumer key", "consumer_secret": "integration consumer secret",
                    "access_token": "integration access token", "access_token_secret": "integration access token "
                                                                                       "secret"}
        return {"token": "integration or admin access token"}

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.page_size = min(self.page_size, 300)

    def client(self) -> ApiClient:
        s = self.ctx.secrets
        auth = (OAuth1Auth(s["consumer_key"], s["consumer_secret"], s["access_token"], s["access_token_secret"])
                if self.settings.auth == "oauth1" else bearer(s["token"]))
        return self.cached("api", lambda: self.ctx.client(AdobePolicy(), auth=auth,
                                                          headers={"Accept": "application/json"}))

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        url = f"{source_root(self.settings, None, self.ctx.source)}/V1/{PATHS[resource]}"
        params: dict[str, Any] = {"searchCriteria[pageSize]": self.page_size, "searchCriteria[currentPage]": 1,
                                  "searchCriteria[sortOrders][0][field]": SORT[resource],
                                  "searchCriteria[sortOrders][0][direction]": "ASC"}
        if since:
            f = "searchCriteria[filter_groups][0][filters][0]"
            params |= {f"{f}[field]": "updated_at", f"{f}[value]": since.astimezone(UTC).strftime(TIME),
                       f"{f}[condition_type]": "gteq"}
        paginator = SearchCriteria(self.page_size, self.resources[resource].key)
        for records in paginate(self.client(), Call("GET", url, params, what=f"{resource} page 1"), paginator,
                                records_at("items")):
            yield Page(resource, records)
