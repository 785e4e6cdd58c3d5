"""Read what a person reads on a page: tables as rows of cell text, headings, links (stdlib HTML parser)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, object]] = []
        self._table: dict[str, object] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = {"caption": "", "rows": []}
            self.tables.append(self._table)
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._table is not None and self._caption is not None:
            self._table["caption"] = _clean("".join(self._caption))
            self._caption = None
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(_clean("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row is not None:
            self._table["rows"].append(self._row)  # type: ignore[attr-defined]
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def tables(html: str) -> list[dict[str, object]]:
    """Every table: ``{"caption": text, "rows": [[cell text, ...], ...]}`` (header row first)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table(html: str, caption: str) -> list[list[str]]:
    """The rows of the table whose caption is ``caption``."""
    found = [t for t in tables(html) if t["caption"] == caption]
    assert found, f"no table captioned {caption!r}; captions: {[t['caption'] for t in tables(html)]}"
    return found[0]["rows"]  # type: ignore[return-value]


def text(html: str) -> str:
    """The page's text, tags removed and whitespace collapsed."""
    return _clean(unescape(re.sub(r"<[^>]+>", " ", html)))
