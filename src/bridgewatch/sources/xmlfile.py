"""Vendor XML exports: parsed safely in one streaming pass, loaded as the tabular kinds the CSV route reads.

Some admins offer an export as XML beside CSV (BigCommerce's control-panel export, Adobe Commerce's
grid "Excel XML"). Their records become a :class:`Sheet` — a header and rows of text, as the CSV
would have them — and :func:`load_sheet` puts it into the session exactly as
``bridgewatch.sources.rawcsv.load_csv`` puts a CSV: the same :class:`~bridgewatch.sources.raw.TabularKind`
picks the columns (one field mapping for both routes), the file's own dates decide day/month order,
a record whose every field is empty is excluded as a ``blank row``, and ``__row`` is the record's number.

The parser is expat driven through a target (no tree is built; memory holds only the rows read). A
document type declaration is refused before any entity could be declared or expanded, so entity
expansion ("billion laughs") and external entities cannot be used against the reader; exports never
carry one. Malformed XML is an :class:`~bridgewatch.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from bridgewatch.errors import InputError, Problem
from bridgewatch.model.whitespace import trim_sql
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import DATE_ORDERS, file_date_order, resolve_columns, unique_names
from bridgewatch.sources.shapes import q

CHUNK = 1 << 20
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class Unexpected(Exception):  # noqa: N818 - a signal out of the parser's callbacks, never raised to users
    """Raised by a target when the document is not the export it reads (turned into an InputError)."""


class _Doctype(Exception):  # noqa: N818
    """A document type declaration: refused before its entities could be used."""


class Target:
    """Callbacks of the streaming parser; subclasses read one export format."""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _Doctype(name)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        """An element opens (``tag`` is ``{namespace}name`` when namespaced)."""

    def end(self, tag: str) -> None:
        """An element closes."""

    def data(self, text: str) -> None:
        """Text inside the current element (may come in pieces)."""

    def close(self) -> None:
        """The document ended."""


@dataclass
class Sheet:
    """Records of an XML export as the CSV route would see them."""

    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    """Each row's number in the file's accounting (the record's position, or the spreadsheet row)."""
    problems: list[Problem] = field(default_factory=list)
    """Rows that cannot be read as rows (quarantined in the file's table, as a CSV line that does not fit)."""


def is_xml(path: Path) -> bool:
    """True when the file's first character (after a byte-order mark and white space) is ``<``."""
    with path.open("rb") as fh:
        head = fh.read(512)
    for bom in BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
            if bom != BOMS[0]:
                head = head.replace(b"\x00", b"")
            break
    return head.lstrip().startswith(b"<")


def html_hint(root: str) -> str:
    """What to add to the refusal of a document whose root is ``root`` when it is an HTML page."""
    return " (an HTML page, e.g. a login or error page saved instead of the export)" if local(root).lower() == "html" \
        else ""


def local(tag: str) -> str:
    """An element or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def parse_xml(path: Path, target: Target) -> None:
    """Feed ``path`` through ``target`` in one pass.

    Raises:
        InputError: the file is not well-formed XML (with its line and column), or declares a document type.
    """
    parser = ET.XMLParser(target=target)
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                parser.feed(chunk)
        parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(f"{path}: not valid XML (line {line}, column {column}: {exc}). The file may be truncated; "
                         f"export it again.", [Problem(str(path), line, None, None, "not valid XML")]) from exc
    except _Doctype as exc:
        raise InputError(f"{path}: the XML declares a document type (<!DOCTYPE {exc}>){html_hint(str(exc))}, which "
                         f"exports never do; it is not read (its entities could expand without limit). Export the "
                         f"file again.",
                         [Problem(str(path), None, None, f"<!DOCTYPE {exc}>", "XML with a document type")]) from exc


def load_sheet(session: Session, path: Path, kind: TabularKind, sheet: Sheet, *,
               overrides: Mapping[str, str] | None = None, decimal_comma: bool = False,
               date_order: str = "auto") -> None:
    """Put ``sheet`` into the session as records of ``kind``, as ``load_csv`` puts a CSV of the same header.

    Raises:
        InputError: a required column of ``kind`` is missing from the sheet's header.
    """
    chosen = resolve_columns(path, kind, sheet.header, overrides or {})
    names = unique_names(sheet.header)
    data: dict[str, Any] = {n: pa.array([r[i] if i < len(r) else "" for r in sheet.rows], pa.string())
                            for i, n in enumerate(names)}
    data["__n"] = pa.array(sheet.numbers, pa.int64())
    raw, table = session.fresh("xml"), session.fresh("xmltab")
    session.con.register(raw + "_arrow", pa.table(data))
    session.con.execute(f"CREATE TEMP TABLE {raw} AS SELECT * FROM {raw}_arrow")
    session.con.unregister(raw + "_arrow")
    select = ", ".join(f"{q(names[i])} AS {q(c)}" if i is not None else f"CAST(NULL AS VARCHAR) AS {q(c)}"
                       for c, i in chosen.items())
    empty = " AND ".join(f"COALESCE({trim_sql(q(n))}, '') = ''" for n in names) or "TRUE"
    session.con.execute(f"CREATE TEMP TABLE {table} AS SELECT {select}, __n, {empty} AS __blank FROM {raw}")
    session.declare(kind.name, list(chosen))
    order = DATE_ORDERS[date_order] or (file_date_order(session, raw, names) if kind.dates and names else None)
    session.add_view(kind.name, path, table, decimal_comma=decimal_comma, row="__n", date_order=order,
                     where="NOT __blank")
    _note(session, path, kind, sheet, table)


def _note(session: Session, path: Path, kind: TabularKind, sheet: Sheet, table: str) -> None:
    if kind.table:
        session.tables[str(path)] = kind.table
    if sheet.problems:
        session.rejects[str(path)] = sheet.problems
    rows, blank = session.con.execute(f"SELECT count(*), count(*) FILTER (WHERE __blank) FROM {table}").fetchall()[0]
    if blank:
        session.blank_rows[str(path)] = int(blank)
    if not rows and not sheet.problems:
        session.empty[str(path)] = "the export holds no record"


NOT_NAME = re.compile(r"[^\w:.\-]+")


def element_name(label: str) -> str:
    """The element name an export writes for a column ``label``: white space → ``_``, a leading digit
    prefixed with ``_``, other punctuation dropped (``Order Total (inc tax)`` → ``Order_Total_inc_tax``)."""
    name = re.sub(r"\s+", "_", label.strip())
    if name[:1].isdigit():
        name = "_" + name
    return NOT_NAME.sub("", name)
