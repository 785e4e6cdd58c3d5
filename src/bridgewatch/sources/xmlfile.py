"""Vendor XML exports: parsed safely in one streaming pass, loaded as the tabular kinds the CSV route reads.

Some admins offer an export as XML beside CSV (BigCommerce's control-panel export, Adobe Commerce's
grid "Excel XML", D365 F&O data management's XML entity files). Their records are written as they are
read into a DuckDB table (:class:`SheetWriter`, in batches of :data:`BATCH` rows) — a header and rows of
text, as the CSV would have them — and :func:`load_sheet` puts that :class:`Sheet` into the session
exactly as ``bridgewatch.sources.rawcsv.load_csv`` puts a CSV: the same
:class:`~bridgewatch.sources.raw.TabularKind` picks the columns (one field mapping for both routes), the
file's own dates decide day/month order, a record whose every field is empty is excluded as a
``blank row``, and ``__row`` is the record's number.

The parse is incremental (:func:`elements`): expat builds each record's elements in C, the reader sees
whole records at a given depth, and each record is dropped once read, so memory holds one chunk of
the file and one batch of rows whatever the file's size. A document type declaration is refused
before any entity could be declared or expanded (a separate expat pass over the prolog stops at the
root element), so entity expansion ("billion laughs") and external entities cannot be used against the
reader; exports never carry one. Malformed XML is an :class:`~bridgewatch.errors.InputError` naming
the file and line.
"""

from __future__ import annotations

import gc
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

import pyarrow as pa

from bridgewatch.errors import InputError, Problem
from bridgewatch.model.whitespace import trim_sql
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import DATE_ORDERS, file_date_order, resolve_columns, unique_names
from bridgewatch.sources.shapes import q

CHUNK = 1 << 20
BATCH = 20_000
"""Rows handed to DuckDB at a time (one Arrow table): what memory holds of an export, whatever its size."""
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class Unexpected(Exception):  # noqa: N818 - a signal out of a reader's record checks, never raised to users
    """Raised by a reader when the document is not the export it reads (turned into an InputError)."""


class _Doctype(Exception):  # noqa: N818
    """A document type declaration: refused before its entities could be used."""


class _Root(Exception):  # noqa: N818
    """The prolog guard reached the root element: no document type can follow."""


@dataclass
class Sheet:
    """Records of an XML export as the CSV route would see them, held in a DuckDB table."""

    header: list[str] = field(default_factory=list)
    table: str = ""
    """The session's table of the rows: a column per header cell (``unique_names``) and ``__n``."""
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    """Rows that cannot be read as rows (quarantined in the file's table, as a CSV line that does not fit)."""


class SheetWriter:
    """Rows put into a session table in batches as a reader finds them; the header may grow as it goes
    (a column first seen in a later record is empty in the rows before it)."""

    def __init__(self, session: Session, batch: int | None = None) -> None:
        self.session = session
        self.batch = batch or BATCH
        self.sheet = Sheet()
        self._rows: list[list[str]] = []
        self._numbers: list[int] = []
        self._width = 0
        self.count = 0
        """Rows added so far (the next record's ordinal is ``count + 1``)."""

    def add(self, row: list[str], number: int) -> None:
        """One row (cells in header order; missing cells are empty, cells past the header dropped)."""
        self._rows.append(row)
        self._numbers.append(number)
        self.count += 1
        if len(self._rows) >= self.batch:
            self._flush()

    def finish(self) -> Sheet:
        """The sheet, every row written (its table exists even when it holds no row)."""
        self._flush()
        return self.sheet

    def _flush(self) -> None:
        names = unique_names(self.sheet.header)
        con, table = self.session.con, self.sheet.table
        if table:
            for name in names[self._width:]:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {q(name)} VARCHAR DEFAULT ''")
            self._width = len(names)
            if not self._rows:
                return
        arrow = self.session.fresh("xmlbatch")
        con.register(arrow, _arrow(names, self._rows, self._numbers))
        if table:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {arrow}")
        else:
            self.sheet.table = self.session.fresh("xml")
            con.execute(f"CREATE TEMP TABLE {self.sheet.table} AS SELECT * FROM {arrow}")
        con.unregister(arrow)
        self.sheet.rows += len(self._rows)
        self._width = len(names)
        self._rows, self._numbers = [], []


def _arrow(names: list[str], rows: list[list[str]], numbers: list[int]) -> pa.Table:
    """A batch of rows as an Arrow table of text columns ``names`` and ``__n``."""
    width = len(names)
    padded = [r if len(r) >= width else r + [""] * (width - len(r)) for r in rows]
    columns = list(zip(*padded, strict=False))[:width] if padded else [() for _ in names]
    data: dict[str, Any] = {n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)}
    data["__n"] = pa.array(numbers, pa.int64())
    return pa.table(data)


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


def text(element: ET.Element) -> str:
    """An element's own text as a streaming parser would see it at its end: its text when it has no child
    elements, else what follows its last child."""
    return (element[-1].tail if len(element) else element.text) or ""


class _Prolog:
    """Reads the bytes before the root element with expat: refuses a document type, learns the root's name."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._root
        self.root: str | None = None
        self.done = False

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        try:
            self.parser.Parse(chunk, False)
        except _Root:
            self.done = True
        except expat.ExpatError:  # the main parser meets the same error and reports it
            self.done = True

    def _doctype(self, name: str, *_: Any) -> None:
        raise _Doctype(name)

    def _root(self, name: str, _: Any) -> None:
        self.root = "{" + name if "}" in name else name
        raise _Root(name)


def elements(path: Path, depth: int, *, label: Path | None = None,
             on_root: Callable[[str], None] | None = None) -> Iterator[tuple[int, ET.Element]]:
    """The elements of ``path`` in document order, as ``(level, element)`` (the root is level 1): each element
    above ``depth`` as soon as it opens (its attributes read, its children not yet), and each element at
    ``depth`` once it is complete. Elements are dropped from the tree once handed out, so a reader keeps
    only what it copies. ``on_root`` sees the root's tag (``{namespace}name``) before anything else is read.

    Raises:
        InputError: the file is not well-formed XML (with its line and column), or declares a document type
            (``label`` names the file in messages, when it is a copy of a package member).
    """
    name = label or path
    try:
        with _collector_paused():
            yield from _walk(path, depth, on_root)
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(f"{name}: not valid XML (line {line}, column {column}: {exc}). The file may be truncated; "
                         f"export it again.", [Problem(str(name), line, None, None, "not valid XML")]) from exc
    except _Doctype as exc:
        raise InputError(f"{name}: the XML declares a document type (<!DOCTYPE {exc}>){html_hint(str(exc))}, which "
                         f"exports never do; it is not read (its entities could expand without limit). Export the "
                         f"file again.",
                         [Problem(str(name), None, None, f"<!DOCTYPE {exc}>", "XML with a document type")]) from exc


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a file is parsed: the parse makes millions of short-lived
    elements, freed by reference counting (they form no cycles), and the collector's passes over them
    cost about as much as the parse itself. Back on (when it was on) once the file is read or refused."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _walk(path: Path, depth: int, on_root: Callable[[str], None] | None) -> Iterator[tuple[int, ET.Element]]:
    guard, tree = _Prolog(), _Tree(depth)
    parser = ET.XMLParser(target=ET.TreeBuilder())
    started: list[tuple[str, ET.Element]] = []
    # The C parser's own event hook (what XMLPullParser uses; not in the stubs): a start event until the root is
    # known, then none, so no Python code runs per element.
    setevents: Callable[[list[tuple[str, ET.Element]], tuple[str, ...]], None] = parser._setevents  # type: ignore[attr-defined]
    setevents(started, ("start",))
    root: ET.Element | None = None
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            guard.feed(chunk)
            if guard.root is not None and on_root is not None:
                on_root(guard.root)
                on_root = None
            parser.feed(chunk)
            if root is None and started:
                root = started[0][1]
                setevents(started, ())  # no event per element from here on: records are taken from the tree
            if root is not None:
                yield from tree.drain(root, 1, complete=False)
        parser.close()
    if root is not None:
        yield from tree.drain(root, 1, complete=True)


class _Tree:
    """Hands out the elements the parser has built so far, and drops those handed out that are complete."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.opened: dict[int, ET.Element] = {}

    def drain(self, node: ET.Element, level: int, *, complete: bool) -> Iterator[tuple[int, ET.Element]]:
        """Below ``node`` (at ``level``): its last child may still be open unless ``node`` is ``complete``."""
        kids = list(node)
        done = len(kids) if complete else max(len(kids) - 1, 0)
        if level + 1 == self.depth:
            for kid in kids[:done]:
                yield level + 1, kid
        else:
            for i, kid in enumerate(kids):
                if self.opened.get(level + 1) is not kid:
                    self.opened[level + 1] = kid
                    yield level + 1, kid
                yield from self.drain(kid, level + 1, complete=complete or i < done)
        del node[:done]


def load_sheet(session: Session, path: Path, kind: TabularKind, sheet: Sheet, *,
               overrides: Mapping[str, str] | None = None, decimal_comma: bool = False,
               date_order: str = "auto") -> None:
    """Put ``sheet`` into the session as records of ``kind``, as ``load_csv`` puts a CSV of the same header.

    Raises:
        InputError: a required column of ``kind`` is missing from the sheet's header.
    """
    chosen = resolve_columns(path, kind, sheet.header, overrides or {})
    names = unique_names(sheet.header)
    raw, table = sheet.table, session.fresh("xmltab")
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
