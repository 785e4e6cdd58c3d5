"""What the first bytes of a CSV file say: encoding, delimiter and header.

DuckDB's own sniffer gives up on a file whose rows disagree in length and falls back to a single
column, which would turn one bad row into a confusing header error. Reading the header ourselves
and handing DuckDB the dialect lets it reject only the bad rows, each with its line number.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bridgewatch.errors import InputError, Problem
from bridgewatch.ingest.csvlines import physical_lines
from bridgewatch.ingest.workbook import not_readable
from bridgewatch.model.whitespace import trim_sql

DELIMITERS = (",", ";", "\t", "|")
WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
"""How a ZIP archive (an .xlsx workbook, a zipped export) and an old .xls workbook begin."""


@dataclass(frozen=True)
class CsvHead:
    """What the first bytes of a CSV file tell us."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    source: Path | None = None
    """Where the CSV is when it is not the file named: a workbook's sheet written as CSV (``workbook.py``)."""
    sheet: str | None = None
    """The workbook sheet the CSV holds (None for a CSV file)."""

    def label(self, path: Path) -> Path:
        """How rows, quarantine and accounting name the file read: ``path``, or ``path[sheet]`` for a sheet."""
        return path if self.sheet is None else path.with_name(f"{path.name}[{self.sheet}]")


def sniff_csv(path: Path, encoding: str | None = None) -> CsvHead:
    """Encoding, delimiter and header of a CSV file, from its first bytes only."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
    except OSError as exc:
        raise InputError(f"{path}: cannot be opened ({exc.strerror}). Check the path and permissions.") from exc
    if head.startswith(WORKBOOKS):
        if why := not_readable(path, head):
            raise InputError(why, [Problem(str(path), None, None, None, "spreadsheet bridgewatch does not read")])
        raise InputError(f"{path}: not a CSV file but a ZIP archive or Excel workbook (.xlsx, .xls). Save the sheet "
                         f"as CSV (UTF-8), or unzip the export, and point the source at the CSV file.",
                         [Problem(str(path), None, None, None, "workbook or ZIP archive, not CSV")])
    encoding = encoding or _encoding(head)
    text = head.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(DELIMITERS, key=lambda d: (first.count(d), d == ","))
    try:  # newline=None: lines may end in CR alone (Excel for Mac's "CSV (Macintosh)"), as DuckDB reads them
        header = next(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputError(f"{path}: not a CSV file this reader can read ({exc}). Check the file is the CSV export "
                         f"itself (not a PDF, a Numbers or other binary file renamed .csv), or export it again as CSV.",
                         [Problem(str(path), None, None, None, "not a CSV file")]) from exc
    return CsvHead(encoding, delimiter, tuple(h.strip() for h in header))


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if bomless := _utf16_without_bom(head):
        return bomless
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "cp1252"  # what Excel writes on Windows; a superset of Latin-1's printable characters
    return "utf-8"


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for UTF-16 text saved without a byte-order mark (PowerShell's
    ``Out-File -Encoding unicode`` piped through some tools, a .NET or Java writer told "UTF-16LE"), else None.

    Such a file is no UTF-8 text: every ASCII character (delimiters, digits, a header's letters) is a NUL byte
    beside its own, so read as UTF-8 its header is one name strewn with NULs and every column looks missing.
    Told apart by where the NULs are: in one of the two byte positions of most characters, hardly ever in the
    other; a UTF-8 or Windows-1252 file holds no NUL at all, or a stray one."""
    sample = head[:4096]
    sample = sample[:len(sample) - len(sample) % 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for encoding, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= pairs * 0.3 and others <= pairs * 0.05:
            try:
                sample.decode(encoding)
            except UnicodeDecodeError as exc:
                if exc.start < len(sample) - 4:  # a surrogate pair cut at the end of the sample is no evidence
                    continue
            return encoding
    return None


def detect_encoding(path: Path) -> str:
    """The encoding of a text file (CSV or JSON) from its first bytes: utf-8, utf-16 (with a byte-order mark, or
    utf-16-le / utf-16-be without one) or cp1252."""
    try:
        with path.open("rb") as fh:
            return _encoding(fh.read(1 << 16))
    except OSError as exc:
        raise InputError(f"{path}: cannot be opened ({exc.strerror}). Check the path and permissions.") from exc


def utf8_copy(path: Path, encoding: str, target: Path) -> Path:
    """Write ``path`` (in ``encoding``) to ``target`` as UTF-8, in 1 MB chunks; DuckDB reads UTF-8 only."""
    with path.open("r", encoding=encoding, errors="replace", newline="") as src, \
            target.open("w", encoding="utf-8", newline="") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    return target


def is_blank(path: Path) -> bool:
    """The file holds nothing but whitespace (0 bytes included)."""
    with path.open("rb") as fh:
        return not fh.read(1 << 12).strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe")


BLANK_ROW = "blank row"
"""Why a CSV row whose every cell is empty or spaces (``,,,,`` a spreadsheet leaves under its data) is excluded."""


def blank_row_sql(columns: Sequence[str]) -> str:
    """SQL: every one of ``columns`` (all of a CSV file's columns, read as text) is empty or white space."""
    quoted = ['"' + c.replace('"', '""') + '"' for c in columns]
    if not quoted:
        return "FALSE"
    every = " AND ".join(f"NULLIF({trim_sql(c)}, '') IS NULL" for c in quoted)
    # A row's first filled cell settles it for nearly every row: one trim a row, not one a cell (the
    # whole test made reading a 40-column, 1M-row file take 1.6x the CPU; this one ~1.03x).
    first_filled = trim_sql(f"COALESCE({', '.join(quoted)})")
    return f"(CASE WHEN {first_filled} <> '' THEN FALSE ELSE {every} END)"


def rejected_lines(con: duckdb.DuckDBPyConnection, path: Path, table: str, source: Path) -> list[Problem]:
    """One problem per line DuckDB's CSV reader put in rejects ``table`` (too many / too few fields, bad
    quoting), with the field count found (DuckDB logs one error per extra or missing field); ``row`` is the data row
    (DuckDB counts the header as line 1, and a quoted cell holding line breaks as one line). The reason names the
    line a text editor shows, counted in ``source`` (the file DuckDB read: ``path`` or its UTF-8 copy)."""
    rows = con.execute(f"SELECT line, any_value(error_type) AS kind, CASE WHEN kind = 'MISSING COLUMNS' THEN "
                       f"arg_min(error_message, column_idx) ELSE arg_max(error_message, column_idx) END, "
                       f"any_value(csv_line), min(line_byte_position) FROM {table} GROUP BY line ORDER BY line"
                       ).fetchall()
    lines = physical_lines(source, [r[4] for r in rows]) if rows else {}
    # DuckDB keeps the '\n' of a Windows line end ahead of the next line's text: the value is the line itself
    return [Problem(str(path), int(line) - 1, None, csv_line and csv_line.strip("\r\n"),
                    f"line {lines[at]}: {str(kind).lower()}: {message}")
            for line, kind, message, csv_line, at in rows]


def row_number_sql(con: duckdb.DuckDBPyConnection, rejected: Sequence[int], skipped: str, rowid: str) -> str:
    """SQL for the data-row number of each accepted row (``rowid`` 0-based), skipping the rows not read as
    rows (rejected lines, and the empty lines DuckDB passes over: ``csvlines.empty_rows``).

    With such rows r_1 < r_2 < ..., the i-th one has r_i - i accepted rows before it, so the
    k-th accepted row is row k + #{i : r_i - i < k}. ``skipped`` names a scratch table to create.
    """
    if not rejected:
        return f"{rowid} + 1"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {skipped} (a BIGINT)")
    con.executemany(f"INSERT INTO {skipped} VALUES (?)", [[r - i] for i, r in enumerate(sorted(set(rejected)), 1)])
    return f"{rowid} + 1 + (SELECT count(*) FROM {skipped} WHERE a < {rowid} + 1)"
