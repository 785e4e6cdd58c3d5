"""Text that came from strangers, made inert for the place it is written to.

Customer and company names are typed by anyone who signs up on a storefront. Three sinks need care
beyond ordinary escaping:

* **CSV opened in a spreadsheet** (OWASP "CSV injection"): a text cell starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` so the spreadsheet shows it as
  text instead of running it as a formula; so is one where such a sign (or its full-width form,
  ``＝`` ``＋`` ``－`` ``＠``, which East Asian input methods type and spreadsheets may take as the
  sign) follows leading spaces of any kind or invisible characters (an import that trims cells
  would otherwise start the formula). Numbers (int, Decimal, float) are written as numbers:
  a negative amount stays ``-40.00``. ANSI escape sequences and other C0/C1 control characters
  (ESC, BEL, OSC titles) and the bidirectional controls (U+202A-U+202E, U+2066-U+2069) are removed, so
  ``cat`` of the file can neither drive the terminal nor reverse the rest of a row; tab and
  line breaks stay, a carriage return (alone or before a newline) becoming a newline so the cell
  is quoted and stays one cell (Python's csv module quotes ``\n`` but not a bare ``\r``, which
  spreadsheets and readers take as the end of the row); a leading tab or line break is
  formula-guarded. :func:`csv_clean_sql` and :func:`csv_guard_sql` are the same cell in SQL, for
  writers that run in the engine.
* **The terminal**: control characters and ANSI escape sequences are removed (they could move the
  cursor, rewrite earlier lines or retitle the window), and so are the bidirectional embedding,
  override and isolate characters (U+202A-U+202E, U+2066-U+2069: in a terminal that lays out
  right-to-left text, a right-to-left override in a name reverses the rest of its line, amounts
  included); right-to-left letters stay. Rich markup is escaped so ``[/]`` or ``[link=...]`` prints
  literally, and very long values are cut for tables (the full value stays in JSON and CSV).
* **Web pages**: besides HTML escaping (Jinja's autoescape), every value a template prints loses the
  same bidirectional controls and the control characters but tab and line breaks (:func:`page_text`,
  the environment's ``finalize``): an override in a name would reverse the rest of the sentence or
  heading it stands in, and an escape sequence copied from the page would reach a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from rich.markup import escape
from rich.text import Text

from bridgewatch.sql import literal

_FORMULA_START = ("^(?:[\t\r\n]|[ \u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\x0b\x0c]*"
                  "[=+\\-@\uff1d\uff0b\uff0d\uff20])")
"""A cell a spreadsheet could run as a formula: a leading tab or line break, or a formula sign (ASCII or full-width)
after nothing but spaces (any kind) and invisible characters. One pattern for Python and DuckDB (RE2)."""
_FORMULA = re.compile(_FORMULA_START)

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_BIDI = "\u202a-\u202e\u2066-\u2069"
"""The bidirectional embeddings, overrides and isolates (regex class members)."""
_BIDI_CONTROLS = re.compile(f"[{_BIDI}]")
_PAGE_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
"""Characters a web page's text loses: C0 controls but tab and line breaks, DEL, C1 controls, bidirectional controls."""
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
"""Characters terminal text loses: C0/C1 controls and the bidirectional embeddings, overrides and isolates."""
_CSV_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _BIDI + "]")
"""Control characters a CSV cell loses (tab, newline and carriage return stay: the csv module quotes them), and the
bidirectional controls (an override would reverse the rest of the row where the file is shown)."""
TABLE_CELL_MAX = 60
"""Longest value shown in a terminal table cell; longer values end in an ellipsis."""


def csv_cell(value: object) -> object:
    """One CSV cell: formula-looking text neutralised, numbers kept numeric, None as empty, bools spelled."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    text = clean_text(str(value))
    return "'" + text if _FORMULA.match(text) else text


def clean_text(text: str) -> str:
    """The cleaning half of :func:`csv_cell`: escape sequences, control characters (tab and line breaks kept) and
    bidirectional controls removed, carriage returns made newlines; no formula guard (an XLSX string cell is text
    whatever it starts with)."""
    return _CSV_CONTROL.sub("", _ANSI.sub("", text)).replace("\r\n", "\n").replace("\r", "\n")


def csv_clean_sql(expr: str) -> str:
    """SQL (DuckDB) for the cleaning half of :func:`csv_cell` on a text expression: escapes and controls
    removed, carriage returns made newlines. :func:`csv_guard_sql` over its result is the whole cell."""
    # One pass: at an ESC the escape sequence is tried before the lone control character, which is what
    # removing the sequences first and the controls after gives (the tests check it on arbitrary text).
    cleaned = f"regexp_replace(CAST({expr} AS VARCHAR), {literal(_ANSI.pattern + '|' + _CSV_CONTROL.pattern)}, '', 'g')"
    return f"replace(replace({cleaned}, chr(13) || chr(10), chr(10)), chr(13), chr(10))"


_CSV_CHANGED = "[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]"
"""Text holding none of these characters (controls other than tab and newline, bidirectional controls) is left as it
is by the cleaning."""


def csv_changed_sql(columns: Sequence[str]) -> str:
    """SQL: true when the cleaning of :func:`csv_clean_sql` could change one of the text ``columns`` (one regexp
    test over them all, so rows without control characters, nearly all, skip the cleaning)."""
    return f"regexp_matches(concat_ws('', {', '.join(columns)}), {literal(_CSV_CHANGED)})"


def csv_guard_sql(column: str) -> str:
    """SQL for the formula guard of :func:`csv_cell` on a cleaned text ``column``.

    NULL and the empty string both give NULL: an engine's CSV writer writes NULL as an empty cell,
    as the csv module writes ``""``. The tests check the SQL pair against :func:`csv_cell` on
    arbitrary text.
    """
    return (f"CASE WHEN {column} = '' THEN NULL WHEN regexp_matches({column}, {literal(_FORMULA_START)}) "
            f"THEN chr(39) || {column} ELSE {column} END")


def write_csv_rows(fh: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``header`` and ``rows`` (each cell through :func:`csv_cell`); returns the number of rows."""
    counted = [0]

    def each() -> Iterator[Sequence[Any]]:
        for row in rows:
            counted[0] += 1
            yield row

    for chunk in csv_chunks(header, each()):
        fh.write(chunk)
    return counted[0]


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, size: int = 64 * 1024) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows`` (each cell through :func:`csv_cell`), about ``size`` characters
    at a time as the rows arrive (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        if buffer.tell() >= size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def page_text(text: str) -> str:
    """``text`` as a web page prints it: without control characters (tab and line breaks stay) and without
    bidirectional embeddings, overrides and isolates; right-to-left letters stay. A name holding an escape
    sequence, a bell or a C1 CSI (U+009B) would otherwise be copied from the page with them and drive the
    terminal it is pasted into; the printable rest of a sequence stays, as text."""
    return _PAGE_CONTROL.sub("", text)


_JSON_INERT = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029]")
"""Characters :func:`json_text` writes as ``\\u`` escapes (json escapes the C0 controls itself)."""


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON with non-ASCII letters kept, but DEL, the C1 controls (U+009B is a CSI to terminals that
    honour 8-bit controls), the bidirectional controls and the line/paragraph separators written as ``\\uXXXX``
    escapes: printed to a terminal they do nothing, and a JSON parser reads the very same text."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _JSON_INERT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def plain(value: object, limit: int | None = None) -> str:
    """``value`` as one clean line of text: ANSI escapes and control characters removed, cut to ``limit``."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", _ANSI.sub("", text.replace("\n", " ").replace("\t", " ")))
    if limit is not None and len(text) > limit:
        return text[: max(limit - 1, 0)] + "…"
    return text


class InertFormatter(logging.Formatter):
    """Log lines as the terminal may print them: every line of a formatted record :func:`plain` (a receiver's
    answer, a vendor's error text or a file name quoted in a warning cannot move the cursor, retitle the window
    or reverse the line), its line breaks kept."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(plain(line) for line in super().format(record).split("\n"))


def markup(value: object, limit: int | None = None) -> str:
    """``value`` cleaned (see :func:`plain`) and escaped for rich markup strings."""
    return escape(plain(value, limit))


def cell(value: object, limit: int | None = TABLE_CELL_MAX) -> Text:
    """A terminal table cell that never interprets markup: a rich ``Text`` of the cleaned value."""
    return Text(plain(value, limit))
