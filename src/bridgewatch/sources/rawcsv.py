"""Vendor CSV exports → raw relations of a :class:`~bridgewatch.sources.raw.Session`.

A file is recognised by its header (:func:`match_kind`) and read by DuckDB's CSV reader with the
dialect the header line shows, every column as text. Windows-1252 and UTF-16 files are read from
a UTF-8 copy, an Excel workbook's data sheet from a CSV copy (``bridgewatch.ingest.workbook``;
named ``<file>[<sheet>]``). A line that does not fit the header (a field too many or too few, broken
quoting) is set aside with its line number, to be quarantined in the file's table, instead of stopping the
file. A row whose every cell is empty (``,,,,`` under a spreadsheet's data) is left out and counted as
excluded ``blank row`` in the file's table. A 0-byte file or a header without rows is accounted as
such (``no orders: ...``).

For kinds whose dates are written by locale (``TabularKind.dates``), the file's own values decide
day-first or month-first (:func:`date_order`): any first number above 12 proves day-first, any
second number above 12 month-first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from bridgewatch.errors import InputError, Problem
from bridgewatch.ingest.canonical import BLANK, HEADER_ONLY
from bridgewatch.ingest.csvfile import CsvHead, blank_row_sql, is_blank, rejected_lines, row_number_sql, sniff_csv
from bridgewatch.ingest.csvlines import empty_rows
from bridgewatch.ingest.workbook import EMPTY_WORKBOOK, is_workbook, workbook_csv
from bridgewatch.sources.base import Option
from bridgewatch.sources.raw import Session, TabularKind, first_line
from bridgewatch.sources.shapes import q
from bridgewatch.sql import literal

SLASH_DATE = r"^\s*([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{2}|[0-9]{4})([^0-9]|$)"
"""A numeric date whose order depends on the locale: ``09/01/24``, ``30.10.2015``, ``1-2-2026``."""
DATE_ORDERS = {"auto": None, "day_first": "dmy", "month_first": "mdy"}
DATE_ORDER_OPTION = Option("auto", "auto (each file's values decide: a first number above 12 is a day), day_first "
                                   "or month_first, for the date_formats; a file that cannot tell has its two-way "
                                   "dates quarantined until this is set.", choices=tuple(DATE_ORDERS))
"""The readers' ``date_order`` option (one definition: every reader of locale dates offers it alike)."""


def carries(kind: TabularKind, header: Sequence[str]) -> bool:
    """``header`` has every column of ``kind``'s signature (case aside): the file is of that kind."""
    present = {h.lower() for h in header}
    return all(s.lower() in present for s in kind.signature)


def match_kind(path: Path, head: CsvHead, kinds: Sequence[TabularKind]) -> TabularKind:
    """The kind whose signature the header carries."""
    for kind in kinds:
        if carries(kind, head.header):
            return kind
    expected = "; ".join(f"{k.label or k.name}: {', '.join(k.signature)}" for k in kinds)
    raise InputError(f"{head.label(path)}: not a file this reader knows. Its header does not have the columns of any "
                     f"supported export ({expected}). Check the source's reader and path.")


def read_head(session: Session, path: Path, table: str, *, copy: Path | None = None,
              kinds: Sequence[TabularKind] = ()) -> CsvHead | None:
    """The header of ``path``, or None for a 0-byte / blank file or a workbook without a value (then accounted
    as empty in ``table``).

    An Excel workbook is written to a CSV copy in the session's scratch folder (``ingest/workbook.py``); of
    several sheets, the one whose header carries one of ``kinds`` is read. ``copy``: where the file's bytes
    are when ``path`` names it inside a package (a ZIP member)."""
    source = copy or path
    if is_blank(source):
        session.add_empty(path, BLANK, table)
        return None
    if not is_workbook(source):
        return sniff_csv(source)
    sheet = workbook_csv(source, session.scratch() / f"{session.fresh('xlsx')}.csv", label=path,
                         accepts=lambda header: any(carries(k, header) for k in kinds))
    if sheet is None:
        session.add_empty(path, EMPTY_WORKBOOK, table)
        return None
    return CsvHead("utf-8", ",", sheet.header, source=sheet.csv, sheet=sheet.sheet)


def load_export(session: Session, path: Path, kind: TabularKind, signature: Sequence[str], *,
                overrides: Mapping[str, str], date_order: str) -> CsvHead | None:
    """Read one export of ``kind`` recognised by ``signature`` (its headers as the ``columns`` option may have
    renamed them): the sheet carrying it, when ``path`` is a workbook; refused naming them when absent.

    Returns:
        The head of the file read (its header, and its label: ``path`` or ``path[sheet]``), None for an empty file.
    """
    exported = TabularKind(kind.name, tuple(signature), kind.columns, label=kind.label)
    head = read_head(session, path, kind.table or "", kinds=[exported])
    if head is None:
        return None
    match_kind(path, head, [exported])
    load_csv(session, path, kind, head, overrides=overrides, date_order=date_order)
    return head


def load_csv(session: Session, path: Path, kind: TabularKind, head: CsvHead, *,
             overrides: Mapping[str, str] | None = None, decimal_comma: bool | None = None,
             date_order: str = "auto", copy: Path | None = None) -> None:
    """Read ``path`` with DuckDB's CSV reader into the raw relation of ``kind``.

    ``copy``: where the file's bytes are when ``path`` names it inside a package (a ZIP member); rows,
    rejects and messages still name ``path`` (a workbook's sheet: ``path[sheet]``)."""
    path = head.label(path)
    chosen = resolve_columns(path, kind, head.header, overrides or {})
    names = unique_names(head.header)
    source = head.source or copy or path
    source = source if head.encoding == "utf-8" else session.utf8(source, head.encoding, ".csv")
    table, rejects = session.fresh("csv"), session.fresh("rej")
    columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
    reader = (f"read_csv({literal(str(source))}, header = true, auto_detect = false, columns = {columns}, "
              f"delim = {literal(head.delimiter)}, quote = '\"', escape = '\"', store_rejects = true, "
              f"rejects_table = {literal(rejects)}, rejects_scan = {literal(rejects + '_scan')})")
    select = ", ".join(f"{q(names[i])} AS {q(c)}" if i is not None else f"CAST(NULL AS VARCHAR) AS {q(c)}"
                       for c, i in chosen.items())
    session.declare(kind.name, list(chosen))
    try:
        session.con.execute(f"CREATE TEMP TABLE {table} AS SELECT {select}, {blank_row_sql(names)} AS __blank "
                            f"FROM {reader}")
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot be read as CSV: {first_line(exc)}. Check the file is complete and "
                         f"exported as CSV (separator {head.delimiter!r}, encoding {head.encoding}).") from exc
    rejected = rejected_lines(session.con, path, rejects, source)
    absent = [p.row for p in rejected if p.row is not None] + empty_rows(session.con, source, head.delimiter)
    row = row_number_sql(session.con, absent, session.fresh("skip"), f"{table}.rowid")
    plain = reader.split(", store_rejects")[0] + ", ignore_errors = true)"
    order = DATE_ORDERS[date_order] or (file_date_order(session, plain, names) if kind.dates else None)
    dc = head.delimiter == ";" if decimal_comma is None else decimal_comma
    session.add_view(kind.name, path, table, decimal_comma=dc, row=row, date_order=order, where="NOT __blank")
    _note_empty(session, path, kind, table, rejected)


def _note_empty(session: Session, path: Path, kind: TabularKind, table: str, rejected: list[Problem]) -> None:
    if kind.table:
        session.tables[str(path)] = kind.table
    rows, blank = session.con.execute(f"SELECT count(*), count(*) FILTER (WHERE __blank) FROM {table}").fetchall()[0]
    if blank:
        session.blank_rows[str(path)] = int(blank)
    if rejected:
        session.rejects[str(path)] = rejected
    elif not rows:
        session.empty[str(path)] = HEADER_ONLY


def file_date_order(session: Session, reader: str, names: Sequence[str]) -> str | None:
    """``dmy`` or ``mdy`` as the file's numeric dates prove it; ``ambiguous`` when no value has a day
    above 12, ``conflict`` when values prove both; None when the file has no numeric date."""
    parts = [f"max(TRY_CAST(regexp_extract({q(n)}, {literal(SLASH_DATE)}, {g}) AS INTEGER))"
             for n in names for g in (1, 2)]
    found = session.con.execute(f"SELECT {', '.join(parts)} FROM {reader}").fetchall()[0]
    firsts = [v for v in found[0::2] if v is not None]
    seconds = [v for v in found[1::2] if v is not None]
    if not firsts:
        return None
    day_first, month_first = max(firsts) > 12, max(seconds) > 12
    if day_first and month_first:
        return "conflict"
    return "dmy" if day_first else "mdy" if month_first else "ambiguous"


def resolve_columns(path: Path, kind: TabularKind, header: Sequence[str],
                    overrides: Mapping[str, str]) -> dict[str, int | None]:
    """Internal column → position in the header (None when absent); missing required ones are an error."""
    position = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    chosen: dict[str, int | None] = {}
    problems = []
    for name, alternatives in kind.columns.items():
        wanted = (overrides[name],) if name in overrides else alternatives
        found = next((position[a.lower()] for a in wanted if a.lower() in position), None)
        chosen[name] = found
        if found is None and name in kind.required:
            problems.append(Problem(str(path), None, " or ".join(wanted), None,
                                    f"required column is missing from the header of this {kind.label or kind.name}"))
    if problems:
        raise InputError(f"{path}: header problems", problems)
    return chosen


def unique_names(header: Sequence[str]) -> list[str]:
    """Column names for DuckDB: repeats numbered (``Status``, ``Status (2)``; names DuckDB holds equal, which
    differ only in case, count as repeats: ``Status``, ``status (2)``), a blank header cell (the trailing ``,,``
    a spreadsheet leaves) named by its position, as DuckDB cannot name a column ''."""
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(header):
        h = cell or f"column{i}"
        n = seen.get(h.lower(), 0)
        seen[h.lower()] = n + 1
        out.append(h if n == 0 else f"{h} ({n + 1})")
    return out
