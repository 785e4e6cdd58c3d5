"""Where a CSV file's rows are: the numbers a user finds them by in a text editor or spreadsheet.

DuckDB's CSV reader skips an empty line without a trace, so the accepted rows alone would number
every row after one too low; it counts the empty line in the ``line`` of a rejected row, though, and a
spreadsheet shows it as a row. :func:`empty_rows` finds the data rows that are empty lines, so the
readers can number the others around them. The ``line`` DuckDB gives a rejected row counts a quoted
cell holding line breaks as one line; :func:`physical_lines` gives the line an editor shows instead.

A file is looked at twice only when it has an empty line between rows (a byte search says so); the
usual file is not read again.
"""

from __future__ import annotations

import gzip
import re
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb

from bridgewatch.errors import InputError
from bridgewatch.sql import literal

CHUNK = 1 << 20
EMPTY_LINE = re.compile(rb"\n\r?\n")
NEVER = "\x01\x02\x03\x04"
"""The separator the file is read with to see its lines whole (DuckDB allows up to four bytes)."""


def empty_rows(con: duckdb.DuckDBPyConnection, source: Path, delimiter: str) -> list[int]:
    """The data rows (header not counted) of ``source`` that are empty lines, in order.

    A line starts a row unless a quoted cell is still open: the quotes that may open a cell (at a line's
    start or after ``delimiter``) or close one (before ``delimiter`` or the line's end) are counted once
    each, a doubled quote (an escaped one, or an empty cell) and a quote inside an unquoted cell (``5"``)
    not; an odd count so far means the line goes on a cell. Empty lines after the last row (a file
    ending in blank lines) are not rows.
    """
    if not _has_empty_line(source):
        return []
    sep = re.escape(delimiter)
    # one match a quote: between two separators (doubled, so each quote has its own), opening, closing
    structural = f'(^|{sep})"({sep}|\\r?$)|(^|{sep})"|"({sep}|\\r?$)'
    text = f"replace(replace(l, '\"\"', ''), {literal(delimiter)}, {literal(delimiter * 2)})"
    quotes = f"CASE WHEN contains(l, '\"') THEN len(regexp_extract_all({text}, {literal(structural)})) ELSE 0 END"
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __csv_lines AS SELECT l FROM read_csv({literal(str(source))}, "
                    f"header = false, auto_detect = false, columns = {{'l': 'VARCHAR'}}, delim = {literal(NEVER)}, "
                    f"quote = '', escape = '', strict_mode = false)")
    except duckdb.Error as exc:
        raise InputError(f"{source}: its lines cannot be read to number its rows past its empty lines "
                         f"({str(exc).strip().splitlines()[0]}). Remove the empty lines, or export the file "
                         f"again.") from exc
    try:
        found = con.execute(f"""
            SELECT k - 1 FROM (
                SELECT n, empty, row_number() OVER (ORDER BY n) AS k,
                       max(n) FILTER (WHERE NOT empty) OVER () AS last
                FROM (SELECT rowid AS n, COALESCE(l, '') IN ('', chr(13)) AS empty,
                             COALESCE(sum({quotes}) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING
                                                          AND 1 PRECEDING), 0) AS before
                      FROM __csv_lines)
                WHERE before % 2 = 0)
            WHERE empty AND n < last AND k > 1 ORDER BY k""").fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS __csv_lines")
    return [int(r[0]) for r in found]


def physical_lines(source: Path, positions: Iterable[int]) -> dict[int, int]:
    """The line (1-based, as an editor counts them) each byte position of ``source`` is on."""
    todo = deque(sorted(set(positions)))
    lines: dict[int, int] = {}
    seen = newlines = 0
    for chunk in _chunks(source):
        while todo and todo[0] < seen + len(chunk):
            lines[todo[0]] = newlines + chunk.count(b"\n", 0, todo[0] - seen) + 1
            todo.popleft()
        if not todo:
            break
        newlines += chunk.count(b"\n")
        seen += len(chunk)
    return lines | {p: newlines + 1 for p in todo}


def _has_empty_line(source: Path) -> bool:
    """An empty line comes before the file's last non-blank byte."""
    carry, pending = b"", False
    for chunk in _chunks(source):
        if pending and chunk.strip():
            return True
        text = carry + chunk
        match = EMPTY_LINE.search(text)
        if match and text[match.end():].strip():
            return True
        pending = pending or match is not None
        carry = text[-2:]
    return False


def _chunks(source: Path) -> Iterator[bytes]:
    opener = gzip.open if source.name.endswith(".gz") else open
    with opener(source, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk
