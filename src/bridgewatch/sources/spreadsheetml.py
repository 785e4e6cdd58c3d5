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
from pathlib import Path

from bridgewatch.errors import InputError, Problem
from bridgewatch.sources.xmlfile import Sheet, Target, Unexpected, html_hint, local, parse_xml

SS = "urn:schemas-microsoft-com:office:spreadsheet"
"""The SpreadsheetML namespace (elements and ``ss:`` attributes)."""
DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?$")


NAMES = {f"{{{SS}}}{n}": n for n in ("Workbook", "Worksheet", "Row", "Cell", "Comment", "Data")}
"""Qualified names of the elements read → their local names (looked up once per element)."""
INDEX, MERGE, TYPE = (f"{{{SS}}}{a}" for a in ("Index", "MergeAcross", "Type"))


class _Workbook(Target):
    """Collects the rows of the first worksheet as (spreadsheet row number, cells)."""

    def __init__(self) -> None:
        self.started = False
        self.sheets = 0
        self.other_rows = 0
        self.rows: list[tuple[int, list[str]]] = []
        self.row: dict[int, str] = {}
        self.row_index = 0
        self.column = 0
        self.cell: int | None = None
        self.text: list[str] | None = None
        self.kind = ""
        self.comment = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if not self.started:
            self.started = True
            if NAMES.get(tag) != "Workbook":
                raise Unexpected(tag)
        name = NAMES.get(tag, "")
        if name == "Worksheet":
            self.sheets += 1
        elif self.sheets > 1:
            self.other_rows += name == "Row"
        elif name == "Row":
            self._start_row(attrib)
        elif name == "Cell":
            self._start_cell(attrib)
        elif name == "Comment" or self.comment:
            self.comment += 1
        elif name == "Data" and self.cell is not None:
            self.text, self.kind = [], attrib.get(TYPE) or "String"

    def _start_row(self, attrib: dict[str, str]) -> None:
        index = attrib.get(INDEX)
        self.row_index = int(index) if index else self.row_index + 1
        self.row, self.column = {}, 0

    def _start_cell(self, attrib: dict[str, str]) -> None:
        index = attrib.get(INDEX)
        self.cell = int(index) if index else self.column + 1
        self.column = self.cell + int(attrib.get(MERGE) or 0)

    def data(self, text: str) -> None:
        if self.text is not None and not self.comment:
            self.text.append(text)

    def end(self, tag: str) -> None:
        name = NAMES.get(tag, "")
        if self.comment:
            self.comment -= 1
        elif name == "Data" and self.text is not None and self.cell is not None:
            self.row[self.cell] = _value("".join(self.text), self.kind)
            self.text = None
        elif name == "Cell":
            self.cell = None
        elif name == "Row" and self.sheets == 1:
            width = max(self.row, default=0)
            self.rows.append((self.row_index, [self.row.get(i, "") for i in range(1, width + 1)]))


def _value(text: str, kind: str) -> str:
    """A cell's text as the CSV export writes it (a DateTime ``2026-06-16T09:12:44.000`` → ``2026-06-16 09:12:44``)."""
    found = DATETIME.match(text.strip()) if kind == "DateTime" else None
    return f"{found.group(1)} {found.group(2)}" if found else text


def read_workbook(path: Path) -> Sheet:
    """The first worksheet of an Excel XML workbook: its header row and data rows.

    Raises:
        InputError: malformed XML (file and line); a document that is not a SpreadsheetML workbook (an
            HTML error page, another XML); a workbook whose other worksheets hold rows.
    """
    target = _Workbook()
    try:
        parse_xml(path, target)
    except Unexpected as exc:
        root = local(str(exc))
        raise InputError(f"{path}: not an Excel XML (SpreadsheetML 2003) workbook: the document is <{root}>"
                         f"{html_hint(root)}. "
                         f"Export the grid again with Export → Excel XML, or as CSV.",
                         [Problem(str(path), None, None, str(exc), "not an Excel XML workbook")]) from exc
    if target.other_rows:
        raise InputError(f"{path}: the workbook has {target.sheets} worksheets with rows; an export has one. Save "
                         f"the worksheet holding the export as a file of its own (or export the grid again).",
                         [Problem(str(path), None, None, None, "several worksheets")])
    return _sheet(path, target.rows)


def _sheet(path: Path, rows: list[tuple[int, list[str]]]) -> Sheet:
    """Header and data rows; a row with a value right of the header's last column is set aside as a problem
    (the CSV route quarantines a line with a field too many)."""
    filled = [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]
    if not filled:
        return Sheet()
    top, header = filled[0]
    sheet = Sheet([h.strip() for h in header])
    for n, cells in rows:
        extra = [(i, c) for i, c in enumerate(cells[len(header):], len(header) + 1) if c.strip()]
        if n <= top:
            continue
        if extra:
            sheet.problems.append(Problem(str(path), n - top, None, extra[0][1], f"a value in column {extra[0][0]}, "
                                          f"right of the header's last column ({len(header)})"))
            continue
        sheet.rows.append(cells)
        sheet.numbers.append(n - top)
    return sheet
