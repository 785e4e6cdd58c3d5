"""The one way a value becomes SQL text: :func:`literal`.

Card SQL is written once in DuckDB's dialect and transpiled for other engines, so values (ids,
labels, dates) cannot always travel as bound parameters. Every value that is put into SQL text
goes through :func:`literal`, which writes a DuckDB literal that sqlglot re-spells correctly for
each engine (Spark treats a backslash as an escape; DuckDB does not). Ids taken from URLs or
files are therefore always inert, whatever quotes or backslashes they hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

Value = str | int | float | Decimal | bool | date | datetime | None


def literal(value: Value) -> str:
    """``value`` as a DuckDB-dialect SQL literal.

    Strings are single-quoted with quotes doubled; timestamps and dates are typed literals;
    ``None`` is ``NULL``. Booleans and numbers are written as such.

    Raises:
        TypeError: a value of another type (never silently ``str()``-ed into SQL).
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot write a {type(value).__name__} as an SQL literal")


def literal_list(values: Iterable[Value]) -> str:
    """``(v1, v2, ...)`` for an ``IN`` list; ``(NULL)`` when empty, so ``x IN (NULL)`` matches nothing."""
    items = [literal(v) for v in values]
    return "(" + (", ".join(items) if items else "NULL") + ")"


def equals(column: str, value: Value) -> str:
    """``column = <literal>`` (``column IS NULL`` for ``None``)."""
    return f"{column} IS NULL" if value is None else f"{column} = {literal(value)}"
