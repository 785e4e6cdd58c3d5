"""The white space trimmed around every value read, on every route: one character set, in Python and in SQL.

A vendor value padded with white space reads as the value without it, whichever route (CSV, XML, JSON, a
workbook) carried it, so a name, email, VAT number or account reference gives the same canonical row
everywhere. The set is Unicode's ``White_Space`` property (25 characters): tab, line feed, vertical tab
(U+000B), form feed, carriage return, space, next line (NEL, U+0085), no-break space (U+00A0), Ogham space
mark, the spaces U+2000–U+200A, line and paragraph separators (U+2028, U+2029), narrow no-break space
(U+202F), medium mathematical space (U+205F) and ideographic space (U+3000). Characters that are not white
space (zero-width space U+200B, the byte-order mark U+FEFF, the separators U+001C–U+001F that Python's own
``str.strip`` also removes) are kept.

Only the ends of a value are trimmed; white space inside it is the vendor's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bridgewatch.sql import literal

WHITESPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B))
              + "\u2028\u2029\u202f\u205f\u3000")
"""Unicode's White_Space characters, trimmed around every value."""

EDGES = f"^[{WHITESPACE}]+|[{WHITESPACE}]+$"
"""RE2 pattern of the white space at either end of a value: the characters themselves in the class, no ``\\x{..}``
escapes, as SQL holding braces would break the ``str.format`` templates SQL goes through (``{customers}``)."""


def strip(text: str) -> str:
    """``text`` without :data:`WHITESPACE` at either end (Python side: values parsed from XML)."""
    return text.strip(WHITESPACE)


_LIGHT: ContextVar[bool] = ContextVar("bridgewatch_light_trims", default=False)


@contextmanager
def light_trims(light: bool = True) -> Iterator[None]:
    """Within the block (this thread only), :func:`trim_sql` writes the form that is cheap to plan.

    Both forms give the same text for every value (tested). DuckDB plans an expression in time that
    grows with its function calls (about 0.1 ms each here), and the fast form's edge test repeats the
    trimmed expression four times: on a reader's few hundred rows, planning its trims cost more than
    half of reading the file. DuckDB's ``trim(x, characters)`` is one call, but it reads its character
    set again for every value (about 7x the fast form's time on a million values), so it is used only
    where the input is small (``bridgewatch.ingest.canonical.plan_lightly``).
    """
    token = _LIGHT.set(light)
    try:
        yield
    finally:
        _LIGHT.reset(token)


def trim_sql(expr: str) -> str:
    """SQL: the text ``expr`` without :data:`WHITESPACE` at either end (NULL stays NULL).

    A value whose first and last characters are printable ASCII has nothing to trim and is returned as it
    is; only the others go through the regular expression (as fast as DuckDB's ``trim`` on such values,
    which trims spaces but not tabs, vertical tabs or NEL). Inside :func:`light_trims`, one
    ``trim(expr, <the set>)`` instead (the same result, cheaper to plan, slower to run).
    """
    if _LIGHT.get():
        return f"trim({expr}, {literal(WHITESPACE)})"
    edge = f"ascii({expr}) NOT BETWEEN 33 AND 126 OR ascii(right({expr}, 1)) NOT BETWEEN 33 AND 126"
    return f"(CASE WHEN {edge} THEN regexp_replace({expr}, {literal(EDGES)}, '', 'g') ELSE {expr} END)"
