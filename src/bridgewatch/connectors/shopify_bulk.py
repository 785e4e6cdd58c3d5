"""Shopify bulk operations: one ``bulkOperationRunQuery``, polled until done, its JSONL read in pages.

For large stores (``api.bulk = true``): the mutation is not idempotent, so it is sent once; the
status is polled with ``node(id:)``; the result URL is a signed download that gets no Shopify token
and is masked in logs. Lines are saved in pages of ``BULK_PAGE`` records (JSON lines, as the
``shopify_api`` reader reads bulk results).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from bridgewatch.connectors.base import Page
from bridgewatch.connectors.http.client import Call
from bridgewatch.connectors.http.paginators import dig
from bridgewatch.errors import ConnectorError

if TYPE_CHECKING:
    from bridgewatch.connectors.shopify import ShopifyConnector

BULK_PAGE = 10_000
POLL_SECONDS = 5.0
MAX_POLLS = 2_000
RUN = ("mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } "
       "userErrors { field message } } }")
POLL = ("query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount url "
        "partialDataUrl } } }")


def bulk_pages(conn: ShopifyConnector, resource: str, since: datetime | None) -> Iterator[Page]:
    """Pages of a bulk export of ``resource`` (records changed since ``since`` when given)."""
    from bridgewatch.connectors.shopify import CONNECTIONS

    connection, fields, _ = CONNECTIONS[resource]
    args = f"(query: \"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'\")" if since else ""
    query = f"{{ {connection}{args} {{ edges {{ node {{ {conn._fields(resource, fields)} }} }} }} }}"
    started = conn.client().send(Call("POST", conn.url, json={"query": RUN, "variables": {"q": query}},
                                      idempotent=False, what=f"bulk {resource} start"), conn._body).body
    errors = dig(started, ("data", "bulkOperationRunQuery", "userErrors")) or []
    if errors:
        raise ConnectorError(f"Shopify refused the bulk {resource} export: {errors[0].get('message')}; another bulk "
                             f"query of this app may be running (wait for it), or pull without api.bulk")
    operation = str(dig(started, ("data", "bulkOperationRunQuery", "bulkOperation", "id")))
    url = _wait(conn, operation, resource)
    if url:
        yield from _download(conn, url, resource)


def _wait(conn: ShopifyConnector, operation: str, resource: str) -> str | None:
    for _ in range(MAX_POLLS):
        body = conn.client().send(Call("POST", conn.url, json={"query": POLL, "variables": {"id": operation}},
                                       what=f"bulk {resource} status"), conn._body).body
        node = dig(body, ("data", "node")) or {}
        status = node.get("status")
        if status == "COMPLETED":
            return node.get("url")  # None: nothing matched
        if status in ("FAILED", "CANCELED", "CANCELLED", "EXPIRED"):
            code = node.get("errorCode") or "no error code"
            raise ConnectorError(f"Shopify's bulk {resource} export ended {status} ({code}); pull again, or without "
                                 f"api.bulk")
        conn.ctx.sleep(POLL_SECONDS)
    raise ConnectorError(f"Shopify's bulk {resource} export did not finish after {MAX_POLLS} checks; pull again later")


def _download(conn: ShopifyConnector, url: str, resource: str) -> Iterator[Page]:
    if "?" in url:
        conn.ctx.redactor.add(url.split("?", 1)[-1])  # the signature of a signed download
    batch: list[Any] = []
    try:
        with httpx.Client(transport=conn.ctx.transport, timeout=conn.settings.timeout_seconds) as http, \
                http.stream("GET", url) as response:
            if response.status_code >= 400:
                raise ConnectorError(f"Shopify's bulk {resource} result could not be downloaded "
                                     f"({response.status_code}); the link may have expired (7 days): pull again")
            for line in response.iter_lines():
                if line.strip():
                    batch.append(json.loads(line))
                if len(batch) >= BULK_PAGE:
                    yield Page(resource, batch)
                    batch = []
    except (httpx.TransportError, json.JSONDecodeError) as exc:
        raise ConnectorError(f"Shopify's bulk {resource} result broke off while downloading ({type(exc).__name__}); "
                             f"pull again") from None
    if batch:
        yield Page(resource, batch)
