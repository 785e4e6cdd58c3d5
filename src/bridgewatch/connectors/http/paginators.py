"""Paginators: how to get from one page of a vendor's list to the next (in the manner of dlt).

A paginator sees each response with the records extracted from it and returns the next
:class:`~bridgewatch.connectors.http.client.Call`, or ``None`` when the list is done. Each vendor's
rule is one small class: Shopify GraphQL cursors, page numbers (BigCommerce v3 ``meta.pagination``
and v2 until an empty page or ``204``), offsets (BigCommerce B2B Edition), Adobe Commerce
``searchCriteria`` (stop on ``total_count``: a page past the end repeats the last one), and OData
``@odata.nextLink``. Intacct's ``readMore`` lives with its XML in ``connectors.intacct``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import httpx

from bridgewatch.connectors.http.client import Call
from bridgewatch.errors import ConnectorError


def dig(body: Any, path: Sequence[str]) -> Any:
    """``body[path[0]][path[1]]...`` or None when any step is missing."""
    for step in path:
        if not isinstance(body, dict):
            return None
        body = body.get(step)
    return body


def _count(value: Any) -> int | None:
    """A number of records as a body gives it (an int, never true/false)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Paginator(ABC):
    """Decides the call after each page."""

    @abstractmethod
    def next_call(self, call: Call, response: httpx.Response, body: Any, records: list[Any]) -> Call | None:
        """The call for the next page, or None when this was the last."""

    def list_total(self, body: Any) -> int | None:
        """How many records the whole list holds, as this page says (None: the vendor does not say)."""
        return None


class GraphQLCursor(Paginator):
    """Relay cursors: ``pageInfo { hasNextPage endCursor }`` → ``variables.after``."""

    def __init__(self, connection: str) -> None:
        self.connection = connection

    def next_call(self, call: Call, response: httpx.Response, body: Any, records: list[Any]) -> Call | None:
        info = dig(body, ("data", self.connection, "pageInfo")) or {}
        if not info.get("hasNextPage"):
            return None
        if not info.get("endCursor"):
            raise ConnectorError(f"Shopify answered {call.what} with pageInfo.hasNextPage true but no endCursor, so "
                                 f"the next page cannot be asked for; the list was not taken as complete: pull again")
        payload = dict(call.json or {})
        payload["variables"] = {**payload.get("variables", {}), "after": info["endCursor"]}
        return replace(call, json=payload)


class PageNumber(Paginator):
    """``page=1, 2, ...``: until ``total_pages`` when the body says it, else until a short or empty page."""

    def __init__(self, limit: int, param: str = "page", total_pages: Sequence[str] = (),
                 total: Sequence[str] = ()) -> None:
        self.limit, self.param, self.total_pages, self.total = limit, param, tuple(total_pages), tuple(total)

    def list_total(self, body: Any) -> int | None:
        return _count(dig(body, self.total)) if self.total else None

    def next_call(self, call: Call, response: httpx.Response, body: Any, records: list[Any]) -> Call | None:
        page = int((call.params or {}).get(self.param, 1))
        total = dig(body, self.total_pages) if self.total_pages else None
        if isinstance(total, int) and page >= total:
            return None
        if total is None and len(records) < self.limit:
            return None  # v2: a short page, an empty array or 204 No Content ends the list
        return call.with_params(**{self.param: page + 1})


class Offset(Paginator):
    """``offset += records received`` until ``totalCount`` (a server serving fewer than ``limit`` skips nothing)."""

    def __init__(self, limit: int, *totals: Sequence[str]) -> None:
        self.limit, self.totals = limit, [tuple(t) for t in totals]
        """Where the body may say the total (the first present is taken)."""

    def list_total(self, body: Any) -> int | None:
        return next((t for t in (_count(dig(body, path)) for path in self.totals) if t is not None), None)

    def next_call(self, call: Call, response: httpx.Response, body: Any, records: list[Any]) -> Call | None:
        offset = int((call.params or {}).get("offset", 0)) + len(records)
        total = self.list_total(body)
        if not records or (isinstance(total, int) and offset >= total):
            return None
        return call.with_params(offset=offset)


class SearchCriteria(Paginator):
    """Adobe Commerce ``searchCriteria[currentPage]``: stop on ``total_count`` or a repeated page.

    Magento answers a page past the end with the last page again (magento2 #3787, #8099): besides
    ``current_page * page_size >= total_count``, a page whose records are exactly the previous
    page's ends the list (its records are not counted twice).
    """

    PAGE = "searchCriteria[currentPage]"

    def __init__(self, page_size: int, key: Callable[[Any], str | None]) -> None:
        self.page_size, self.key = page_size, key
        self._previous: list[str | None] | None = None

    def list_total(self, body: Any) -> int | None:
        return _count(body.get("total_count")) if isinstance(body, dict) else None

    def next_call(self, call: Call, response: httpx.Response, body: Any, records: list[Any]) -> Call | None:
        page = int((call.params or {}).get(self.PAGE, 1))
        total = body.get("total_count") if isinstance(body, dict) else None
        self._previous = [self.key(r) for r in records]
        if not records or (isinstance(total, int) and page * self.page_size >= total):
            return None
        return call.with_params(**{self.PAGE: page + 1})

    def is_repeat(self, records: list[Any]) -> bool:
        """True when ``records`` are the previous page again (Magento's past-the-end answer)."""
        return bool(records) and [self.key(r) for r in records] == self._previous


class NextLink(Paginator):
    """OData: follow ``@odata.nextLink`` verbatim (it carries ``$skiptoken``)."""

    def __init__(self, field: str = "@odata.nextLink") -> None:
        self.field = field

    def next_call(self, call: Call, response: httpx.Response, body: Any, records: list[Any]) -> Call | None:
        link = body.get(self.field) if isinstance(body, dict) else None
        if not link:
            return None
        return replace(call, url=str(response.request.url.join(str(link))), params=None)
