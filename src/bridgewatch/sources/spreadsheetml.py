"""Excel XML (SpreadsheetML 2003) workbooks, as admin grids export them ("Excel XML").

Adobe Commerce writes a grid's export as ``<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">``
with one ``<Worksheet>`` whose ``<Table>`` holds a ``<Row>`` of the grid's column labels, then one
``<Row>`` per record, each value a ``<Cell><Data ss:Type="String|Number">`` (the CSV export of the same
grid has the same header and values). A workbook saved again by Excel may also skip cells and rows
(``ss:Index``, 1-based), span cells (``ss:MergeAcross``: the value is the first column's, the others are
empty), leave cells without ``<Data>`` (empty), write ``ss:Type="DateTime"`` values
(``2026-06-16T09:12:44.000`` → ``2026-06-16 09:12:44``), wrap text in HTML formatting inside ``<Data>``
(its text is the value) and attach ``<Comment>``s (ignored).

The first worksheet is read: its first row with a value is the header, and each later row is numbered
as the spreadsheet numbers it, minus the header's row (the CSV route's data row). A workbook whose
other worksheets hold rows is refused (which sheet is the export cannot be told).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from bridgewatch.errors import InputError, Problem
from bridgewatch.sources.raw import Session
from bridgewatch.sources.xmlfile import Sheet, SheetWriter, Unexpected, elements, html_hint, local

SS = "urn:schemas-microsoft-com:office:spreadsheet"
"""The SpreadsheetML namespace (elements and ``ss:`` attributes)."""
DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?$")


NAMES = {f"{{{SS}}}{n}": n for n in ("Workbook", "Worksheet", "Row", "Cell", "Data")}
"""Qualified names of the elements read → their local names (looked up once per element)."""
INDEX, MERGE, TYPE = (f"{{{SS}}}{a}" for a in ("Index", "MergeAcross", "Type"))
CELL, DATA = f"{{{SS}}}Cell", f"{{{SS}}}Data"
ROW_LEVEL = 4
"""Workbook → Worksheet → Table → Row: the rows are read one at a time at this depth."""
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384
"""A worksheet's last row and column in Excel: an ``ss:Index`` beyond them is damage, never spread into cells."""


class _Damaged(Exception):
    """An ``ss:Index`` or ``ss:MergeAcross`` no spreadsheet writes: not a whole number, or out of its range."""


def _ordinal(value: str, name: str, low: int, high: int) -> int:
    """``value`` as a whole number in ``low``–``high``.

    Raises:
        _Damaged: anything else (saying what was found and what was expected).
    """
    try:
        number = int(value.strip())
    except ValueError:
        raise _Damaged(f"ss:{name}=\"{value}\" is not a whole number") from None
    if not low <= number <= high:
        raise _Damaged(f"ss:{name}=\"{value}\" is outside {low}–{high}")
    return number


class _Workbook:
    """Writes the rows of the first worksheet: the first row with a value is the header, each later row is
    numbered as the spreadsheet numbers it minus the header's row; a value past the header is a problem."""

    def __init__(self, path: Path, writer: SheetWriter) -> None:
        self.path = path
        self.writer = writer
        self.sheets = 0
        self.other_rows = 0
        self.row_index = 0
        self.top: int | None = None

    def check_root(self, tag: str) -> None:
        if NAMES.get(tag) != "Workbook":
            raise Unexpected(tag)

    def add(self, level: int, element: ET.Element) -> None:
        name = NAMES.get(element.tag, "")
        if level == 2 and name == "Worksheet":
            self.sheets += 1
        elif level == ROW_LEVEL and name == "Row":
            if self.sheets > 1:
                self.other_rows += 1
            elif self.sheets == 1:
                self._row(element)

    def _row(self, row: ET.Element) -> None:
        index = row.get(INDEX)
        try:
            self.row_index = _ordinal(index, "Index", self.row_index + 1, MAX_ROWS) if index else self.row_index + 1
        except _Damaged as exc:  # every later row's number would be unknown: the file cannot be read
            raise InputError(f"{self.path}: the row after spreadsheet row {self.row_index} has {exc} (rows are "
                             f"numbered upwards from 1); the workbook is damaged or was not written by a "
                             f"spreadsheet. Export the grid again.",
                             [Problem(str(self.path), None, None, index, str(exc))]) from None
        try:
            cells = _cells(row)
        except _Damaged as exc:
            self._damaged_cells(exc)
            return
        if self.top is None:
            if any(c.strip() for c in cells):
                self.top = self.row_index
                self.writer.sheet.header = [h.strip() for h in cells]
            return
        if self.row_index <= self.top:
            return
        width = len(self.writer.sheet.header)
        extra = [(i, c) for i, c in enumerate(cells[width:], width + 1) if c.strip()]
        if extra:
            self.writer.sheet.problems.append(Problem(
                str(self.path), self.row_index - self.top, None, extra[0][1],
                f"a value in column {extra[0][0]}, right of the header's last column ({width})"))
            return
        self.writer.add(cells[:width], self.row_index - self.top)

    def _damaged_cells(self, exc: _Damaged) -> None:
        """A row whose cells cannot be placed: the header stops the read, a data row is quarantined."""
        if self.top is None:
            raise InputError(f"{self.path}: the header row (spreadsheet row {self.row_index}) has a cell with {exc}; "
                             f"the workbook is damaged or was not written by a spreadsheet. Export the grid again.",
                             [Problem(str(self.path), None, None, None, str(exc))])
        if self.row_index > self.top:
            self.writer.sheet.problems.append(Problem(
                str(self.path), self.row_index - self.top, None, None,
                f"a cell with {exc}: its values cannot be put in their columns"))


def _cells(row: ET.Element) -> list[str]:
    """A row's values by column (``ss:Index`` skips, ``ss:MergeAcross`` spans: the others stay empty), up to its
    last value.

    Raises:
        _Damaged: an ``ss:Index`` that is not a column number, or a span past the last column.
    """
    cells: list[str] = []
    column = 0
    for cell in row:
        if cell.tag != CELL:
            continue
        index, merge = cell.get(INDEX), cell.get(MERGE)
        position = _ordinal(index, "Index", 1, MAX_COLUMNS) if index else column + 1
        column = position + _ordinal(merge, "MergeAcross", 0, MAX_COLUMNS - position) if merge else position
        for data in cell:
            if data.tag == DATA:
                if position > len(cells):
                    cells.extend([""] * (position - len(cells)))
                cells[position - 1] = _data(data)
    return cells


def _data(data: ET.Element) -> str:
    """A ``<Data>`` element's value (its text, HTML formatting inside it included)."""
    text = "".join(data.itertext()) if len(data) else data.text or ""
    kind = data.get(TYPE)
    return _value(text, kind) if kind == "DateTime" else text


def _value(text: str, kind: str) -> str:
    """A cell's text as the CSV export writes it (a DateTime ``2026-06-16T09:12:44.000`` → ``2026-06-16 09:12:44``)."""
    found = DATETIME.match(text.strip()) if kind == "DateTime" else None
    return f"{found.group(1)} {found.group(2)}" if found else text


def read_workbook(session: Session, path: Path) -> Sheet:
    """The first worksheet of an Excel XML workbook: its header row and data rows.

    Raises:
        InputError: malformed XML (file and line); a document that is not a SpreadsheetML workbook (an
            HTML error page, another XML); a workbook whose other worksheets hold rows.
    """
    workbook = _Workbook(path, SheetWriter(session))
    try:
        for level, element in elements(path, ROW_LEVEL, on_root=workbook.check_root):
            workbook.add(level, element)
    except Unexpected as exc:
        root = local(str(exc))
        raise InputError(f"{path}: not an Excel XML (SpreadsheetML 2003) workbook: the document is <{root}>"
                         f"{html_hint(root)}. "
                         f"Export the grid again with Export → Excel XML, or as CSV.",
                         [Problem(str(path), None, None, str(exc), "not an Excel XML workbook")]) from exc
    if workbook.other_rows:
        raise InputError(f"{path}: the workbook has {workbook.sheets} worksheets with rows; an export has one. Save "
                         f"the worksheet holding the export as a file of its own (or export the grid again).",
                         [Problem(str(path), None, None, None, "several worksheets")])
    return workbook.writer.finish()
