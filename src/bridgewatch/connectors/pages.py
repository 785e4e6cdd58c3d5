"""Page formats: how a page of records is written as the file a reader already reads, and read back.

A connector never saves a vendor's response verbatim (it may echo session ids or signed URLs): it
writes the records it received in the same envelope the vendor uses — ``{"data": {"customers":
{"nodes": [...]}}}`` for Shopify, a bare array for BigCommerce v2 orders, ``{"items": [...]}`` for
Adobe Commerce, ``{"value": [...]}`` with its ``@odata.context`` for OData, Intacct's XML — so the
readers of ``bridgewatch.sources`` map it and file/row evidence points at the page file.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from bridgewatch.connectors.http.paginators import dig


class PageFormat(ABC):
    """Writes records as one page file and reads them back (for compaction)."""

    suffix: str = ".json"

    @abstractmethod
    def render(self, records: Sequence[Any], scope: str) -> bytes:
        """The file content of a page holding ``records`` (``scope``: e.g. the company it belongs to)."""

    @abstractmethod
    def parse(self, data: bytes) -> list[Any]:
        """The records of a page written by :meth:`render`."""


class JsonPage(PageFormat):
    """Records at ``path`` inside a JSON object; ``extra(scope)`` adds page-level keys (``@odata.context``)."""

    def __init__(self, *path: str, extra: Callable[[str], dict[str, Any]] | None = None,
                 count: str | None = None) -> None:
        self.path = path
        self.extra = extra
        self.count = count
        """Page-level key holding the number of records (Adobe's ``total_count``)."""

    def render(self, records: Sequence[Any], scope: str) -> bytes:
        body: Any = list(records)
        for step in reversed(self.path):
            body = {step: body}
        if self.extra and isinstance(body, dict):
            body = {**self.extra(scope), **body}
        if self.count and isinstance(body, dict):
            body[self.count] = len(records)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def parse(self, data: bytes) -> list[Any]:
        found = dig(json.loads(data), self.path) if self.path else json.loads(data)
        return list(found or [])


class JsonLines(PageFormat):
    """One JSON record per line (Shopify bulk-operation results)."""

    suffix = ".jsonl"

    def render(self, records: Sequence[Any], scope: str) -> bytes:
        return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records).encode()

    def parse(self, data: bytes) -> list[Any]:
        return [json.loads(line) for line in data.splitlines() if line.strip()]
