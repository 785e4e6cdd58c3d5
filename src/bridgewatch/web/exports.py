"""The worklist as a download, filtered and sorted as on the page, streamed a batch at a time.

* CSV: the columns and cells of ``bridgewatch run --format csv`` (``report.csv_out``), each text cell
  made formula-safe by ``report.safe.csv_cell``; written to the response as the rows are read.
* XLSX: the same columns, written by xlsxwriter in constant-memory mode to a temporary file that is
  then streamed and deleted. Text is always written as a string cell (never a formula, never a link), cleaned as
  the CSV's cells are (escape sequences, control and bidirectional characters removed), amounts and counts as
  numbers, each amount shown with its currency's decimals.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from bridgewatch.model.money import digits
from bridgewatch.report.csv_out import WORKLIST_COLUMNS, cells
from bridgewatch.report.safe import clean_text, csv_chunks

NUMBER_COLUMNS = ("rank", "active_orders", "days_absent")
MONEY_COLUMNS = {"blocked_value": "currency", "blocked_value_reporting": "reporting_currency"}
"""Amount columns, with the column naming each one's currency."""
CHUNK = 64 * 1024


def csv_stream(meta: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The CSV text, header first, in chunks as rows arrive."""
    return csv_chunks(WORKLIST_COLUMNS, cells(meta, rows), size=CHUNK)


def xlsx_stream(meta: Mapping[str, Any], rows: Iterable[Mapping[str, Any]], *, title: str) -> Iterator[bytes]:
    """The workbook's bytes: built in constant memory in a temporary file before this returns (so an error
    reading the rows comes before the response starts), then read out and deleted as it is sent."""
    handle, path = tempfile.mkstemp(prefix="bridgewatch-", suffix=".xlsx")
    os.close(handle)
    try:
        _write_xlsx(path, meta, rows, title)
    except BaseException:
        os.unlink(path)
        raise
    return _read_out(path)


def _read_out(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _write_xlsx(path: str, meta: Mapping[str, Any], rows: Iterable[Mapping[str, Any]], title: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(_sheet_name(title))
    bold = book.add_format({"bold": True})
    formats: dict[int, Any] = {}

    def amount(currency: Any) -> Any:
        """The number format of an amount in ``currency``: its own decimals (JPY none, KWD three)."""
        n = digits(str(currency) if currency else None)
        if n not in formats:
            formats[n] = book.add_format({"num_format": "#,##0" + ("." + "0" * n if n else "")})
        return formats[n]

    for col, name in enumerate(WORKLIST_COLUMNS):
        sheet.write_string(0, col, name, bold)
    currency_at = {name: WORKLIST_COLUMNS.index(of) for name, of in MONEY_COLUMNS.items()}
    for r, line in enumerate(cells(meta, rows), start=1):
        for col, (name, value) in enumerate(zip(WORKLIST_COLUMNS, line, strict=True)):
            _cell(sheet, r, col, name, value, amount(line[currency_at[name]]) if name in currency_at else None)
    sheet.freeze_panes(1, 0)
    book.close()


def _cell(sheet: Any, row: int, col: int, name: str, value: Any, amount: Any) -> None:
    if value is None or value == "":
        return
    if name in MONEY_COLUMNS:
        sheet.write_number(row, col, float(Decimal(str(value))), amount)
    elif name in NUMBER_COLUMNS and isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    else:
        sheet.write_string(row, col, clean_text(str(value)))


def _sheet_name(title: str) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\'")
    return (clean or "Worklist")[:31]


def filename(workspace: str, card: str, run_id: str, extension: str) -> str:
    """A download name made only of safe characters."""
    raw = f"{workspace}_{card}_{run_id}.{extension}"
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in raw)
