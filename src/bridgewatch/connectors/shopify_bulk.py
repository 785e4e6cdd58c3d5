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

from bridgewatch.connectors.base import Page, shape
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
RUNNING = ("CREATED", "RUNNING", "CANCELING")
"""Statuses of an operation still under way: polled again after ``POLL_SECONDS``."""
ENDED = {"FAILED": "pull again", "CANCELED": "it was cancelled (by this app or the shop): pull again",
         "EXPIRED": "its result link expired (after 7 days): pull again"}
"""Statuses of an operation that ended without a result, and what to do."""
MALFORMED_TODO = "check base_url and the API version, then pull again"
POLL = ("query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount "
        "url partialDataUrl } } }")


def bulk_pages(conn: ShopifyConnector, resource: str, since: datetime | None) -> Iterator[Page]:
    """Pages of a bulk export of ``resource`` (records changed since ``since`` when given)."""
    from bridgewatch.connectors.shopify import CONNECTIONS

    connection, fields, _ = CONNECTIONS[resource]
    args = f"(query: \"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'\")" if since else ""
    query = f"{{ {connection}{args} {{ edges {{ node {{ {conn._fields(resource, fields)} }} }} }} }}"
    started = conn.client().send(Call("POST", conn.url, json={"query": RUN, "variables": {"q": query}},
                                      idempotent=False, what=f"bulk {resource} start"), conn._body).body
    url, count = _wait(conn, _operation(started, resource), resource)
    if url:
        yield from _download(conn, url, resource, count)


def _operation(started: Any, resource: str) -> str:
    """The id of the operation ``bulkOperationRunQuery`` started.

    Raises:
        ConnectorError: Shopify refused it (``userErrors``), or the answer names no operation.
    """
    errors = dig(started, ("data", "bulkOperationRunQuery", "userErrors")) or []
    if errors:
        first = errors[0] if isinstance(errors, list) else errors
        message = first.get("message") if isinstance(first, dict) else first
        raise ConnectorError(f"Shopify refused the bulk {resource} export: {str(message)[:300]}; another bulk query "
                             f"of this app may be running (wait for it), or pull without api.bulk")
    operation = dig(started, ("data", "bulkOperationRunQuery", "bulkOperation", "id"))
    if not isinstance(operation, str) or not operation:
        raise ConnectorError(f"Shopify answered bulk {resource} start without an operation id at "
                             f"data.bulkOperationRunQuery.bulkOperation.id (it sent {shape(started)}); "
                             f"{MALFORMED_TODO}")
    return operation


def _wait(conn: ShopifyConnector, operation: str, resource: str) -> tuple[str | None, int | None]:
    """The result URL once the operation completed (None: it matched nothing) and the root objects (records) it
    counted, polling while it runs."""
    for _ in range(MAX_POLLS):
        body = conn.client().send(Call("POST", conn.url, json={"query": POLL, "variables": {"id": operation}},
                                       what=f"bulk {resource} status"), conn._body).body
        node = dig(body, ("data", "node"))
        if not isinstance(node, dict):
            raise ConnectorError(f"Shopify answered bulk {resource} status without the operation at data.node (it "
                                 f"sent {shape(body)}); {MALFORMED_TODO}")
        status = node.get("status")
        if status == "COMPLETED":
            count = str(node.get("rootObjectCount"))
            return _result_url(node, resource), int(count) if count.isdigit() else None
        if status not in RUNNING:
            raise ConnectorError(_not_running(node, resource))
        conn.ctx.sleep(POLL_SECONDS)
    raise ConnectorError(f"Shopify's bulk {resource} export did not finish after {MAX_POLLS} checks; pull again later")


def _result_url(node: dict[str, Any], resource: str) -> str | None:
    """A completed operation's result URL; None only when Shopify says it matched nothing (objectCount 0)."""
    url = node.get("url")
    if isinstance(url, str) and url:
        return url
    count = node.get("objectCount")
    if str(count) == "0":
        return None  # Shopify sends no url for an empty result
    raise ConnectorError(f"Shopify's bulk {resource} export COMPLETED without a result url (objectCount "
                         f"{str(count)[:20] if count is not None else 'missing'}); nothing was taken as 'no records': "
                         f"pull again, or without api.bulk")


def _not_running(node: dict[str, Any], resource: str) -> str:
    """Why polling stops: the operation ended without a result, or its status is missing or unknown."""
    status = node.get("status")
    if status in ENDED:
        code = node.get("errorCode") or "no error code"
        return (f"Shopify's bulk {resource} export ended {status} ({str(code)[:60]}); {ENDED[status]}, or "
                f"without api.bulk")
    said = f"status {str(status)[:40]!r}" if status is not None else "no status"
    known = ", ".join((*RUNNING, "COMPLETED", *ENDED))
    return f"Shopify answered bulk {resource} status with {said} (known: {known}); not polled further: {MALFORMED_TODO}"


def _download(conn: ShopifyConnector, url: str, resource: str, count: int | None) -> Iterator[Page]:
    """Pages of the result's lines; fewer than the operation's ``rootObjectCount`` fails (a download cut short).

    Each line is one root object (the queries select no nested connection, which would add child lines).
    """
    if "?" in url:
        conn.ctx.redactor.add(url.split("?", 1)[-1])  # the signature of a signed download
    received = 0
    for page in _lines(conn, url, resource):
        conn._check_protected(resource, page.records)  # as on the paged route: names and emails came back null
        received += len(page.records)
        yield page
    if count is not None and received < count:
        raise ConnectorError(f"Shopify's bulk {resource} result held {received} record(s) but the operation counted "
                             f"{count} (rootObjectCount); the download may have been cut short, so it was not taken as "
                             f"complete: pull again")


def _lines(conn: ShopifyConnector, url: str, resource: str) -> Iterator[Page]:
    batch: list[Any] = []
    try:
        with httpx.Client(transport=conn.ctx.transport, timeout=conn.settings.timeout_seconds,
                          verify=conn.ctx.verify()) as http, \
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
    except (httpx.RequestError, json.JSONDecodeError) as exc:  # the network, or a body that is not its encoding
        raise ConnectorError(f"Shopify's bulk {resource} result broke off while downloading ({type(exc).__name__}); "
                             f"pull again") from None
    if batch:
        yield Page(resource, batch)
