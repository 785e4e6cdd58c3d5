"""Turn an all-text relation into a canonical table: typed values, or a problem per bad cell.

Everything here is SQL run by DuckDB over the whole file at once: one query finds every bad
cell (with its row and field), another casts the good rows. No Python loop touches a row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from bridgewatch.errors import Problem
from bridgewatch.model.tables import Column, ColumnType, Table
from bridgewatch.sql import literal

_TRUE = "('true','t','1','yes','y')"
_FALSE = "('false','f','0','no','n')"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(col: Column) -> str:
    """The cell as trimmed text, NULL when empty, with the column default applied."""
    expr = f"NULLIF(TRIM({_q(col.name)}), '')"
    if col.default is not None:
        expr = f"COALESCE({expr}, '{col.default}')"
    return expr


def _dated(raw: str) -> str:
    """``raw`` when it starts with a digit (as every written date does), else NULL: DuckDB casts the words
    ``infinity``, ``-infinity`` and ``epoch`` to 9999-12-31, 0001-01-01 and 1970-01-01, which would put such a
    cell silently after the as-of time or before the window instead of reporting it."""
    return f"CASE WHEN left({raw}, 1) BETWEEN '0' AND '9' THEN {raw} END"


def typed_sql(col: Column) -> str:
    """SQL that yields the typed value of a raw text column (NULL when it cannot be read)."""
    raw = _text(col)
    match col.type:
        case ColumnType.BOOLEAN:
            return (f"CASE WHEN lower({raw}) IN {_TRUE} THEN TRUE "
                    f"WHEN lower({raw}) IN {_FALSE} THEN FALSE END")
        case ColumnType.TIMESTAMP:
            return f"CAST(timezone('UTC', TRY_CAST({_dated(raw)} AS TIMESTAMPTZ)) AS TIMESTAMP)"
        case ColumnType.DATE:
            return f"TRY_CAST({_dated(raw)} AS DATE)"
        case ColumnType.MONEY | ColumnType.RATE:
            return f"TRY_CAST({raw} AS {col.type.sql})"
        case _:
            if col.allowed:
                return f"lower({raw})"
            if col.name in ("country", "ship_to_country", "currency"):
                return f"upper({raw})"
            return raw


def _valid_sql(col: Column) -> str:
    """SQL that is NULL exactly when :func:`typed_sql` is, without its (costly) time-zone conversion."""
    if col.type is ColumnType.TIMESTAMP:
        return f"TRY_CAST({_dated(_text(col))} AS TIMESTAMPTZ)"
    return typed_sql(col)


_HINTS = {
    ColumnType.BOOLEAN: "expected true/false (also 1/0, yes/no)",
    ColumnType.TIMESTAMP: "expected an ISO-8601 timestamp such as 2026-04-10T09:30:00Z",
    ColumnType.DATE: "expected a date such as 2026-04-10",
    ColumnType.MONEY: "expected a plain decimal amount such as 1234.50",
    ColumnType.RATE: "expected a plain decimal rate such as 1.2734",
}


def checks(col: Column, hint: str | None = None, empty: str | None = None) -> list[tuple[str, str]]:
    """(SQL condition that a cell is unusable, reason) pairs for one column.

    ``hint`` replaces the type's default reason (or, for an enumerated text column, the list of
    allowed values), for readers whose source field has another format (e.g. an RFC-2822 date or
    vendor status words) so the message names what the user actually has; ``empty`` replaces the
    reason for an empty required value (e.g. saying where the currency should have come from).
    """
    raw = _text(col)
    out = []
    if col.required:
        out.append((f"{raw} IS NULL", empty or "required value is empty"))
    if col.type in _HINTS:
        out.append((f"{raw} IS NOT NULL AND ({_valid_sql(col)}) IS NULL", hint or _HINTS[col.type]))
    if col.allowed:
        values = ", ".join(f"'{v}'" for v in col.allowed)
        out.append((f"{raw} IS NOT NULL AND lower({raw}) NOT IN ({values})",
                    (col.type not in _HINTS and hint) or f"expected one of {', '.join(col.allowed)}"))
    if col.type is ColumnType.RATE:
        out.append((f"{raw} IS NOT NULL AND ({_valid_sql(col)}) <= 0",
                    "a rate must be greater than 0 (units of reporting currency per one unit of the currency): "
                    "0 would value the orders at nothing"))
    if col.name == "currency":
        out.append((f"{raw} IS NOT NULL AND NOT regexp_matches(upper({raw}), '^[A-Z]{{3}}$')",
                    "expected a 3-letter ISO 4217 currency code"))
    if col.name in ("country", "ship_to_country"):
        out.append((f"{raw} IS NOT NULL AND NOT regexp_matches(upper({raw}), '^[A-Z]{{2}}$')",
                    hint or "expected a 2-letter ISO 3166 country code"))
    return out


@dataclass(frozen=True)
class Check:
    """An extra rule a reader adds to the canonical checks (e.g. an unknown vendor status code)."""

    field: str
    """Name reported in the problem (usually the vendor's field name)."""
    value_sql: str
    """SQL giving the offending value, shown in the problem."""
    condition_sql: str
    """SQL that is true when the row is unusable."""
    reason: str


@dataclass(frozen=True)
class CheckedRelation:
    """The outcome of checking one raw relation: the bad cells and the SQL of the good rows."""

    problems: tuple[Problem, ...]
    bad_rows: frozenset[tuple[str, int]]
    """(file, row) of every row holding a problem."""


Rule = tuple[str, str, str, str]
"""(field reported, SQL of the value shown, SQL condition that the cell is unusable, reason)."""


def rules_for(table: Table, present: set[str], *, extra: Sequence[Check] = (), hints: Mapping[str, str] | None = None,
              labels: Mapping[str, str] | None = None, empty: Mapping[str, str] | None = None) -> list[Rule]:
    """Every rule a relation of ``table`` with columns ``present`` is checked by.

    Args:
        extra: reader-specific rules checked alongside the canonical ones.
        hints: per column, the reason to give when a value cannot be read (see :func:`checks`).
        labels: per column, the field name to report (the vendor's name for it).
        empty: per required column, the reason to give when it is empty.
    """
    hints, labels, empty = hints or {}, labels or {}, empty or {}
    rules = [(labels.get(col.name, col.name), _q(col.name), cond, reason)
             for col in table.columns if col.name in present
             for cond, reason in checks(col, hints.get(col.name), empty.get(col.name))]
    return rules + [(c.field, c.value_sql, c.condition_sql, c.reason) for c in extra]


def any_bad_sql(rules: Sequence[Rule]) -> str:
    """SQL: some rule finds the row unusable (one pass over a relation finds the suspect rows)."""
    return " OR ".join(f"COALESCE({cond}, FALSE)" for _, _, cond, _ in rules) or "FALSE"


def problem_rows(con: duckdb.DuckDBPyConnection, suspects: str, rules: Sequence[Rule],
                 file_sql: str) -> tuple[Problem, ...]:
    """The problems of the rows of ``suspects`` (rows some rule finds unusable), one per unusable cell,
    by file, row and field; ``file_sql`` gives each row's file."""
    selects = [f"SELECT {file_sql} AS __f, __row, {literal(field)} AS field, CAST({value} AS VARCHAR) AS value, "
               f"{literal(reason)} AS reason FROM {suspects} WHERE {cond}" for field, value, cond, reason in rules]
    rows = con.execute(" UNION ALL ".join(selects) + " ORDER BY 1, 2, 3").fetchall()
    return tuple(Problem(r[0], int(r[1]), r[2], r[3], r[4]) for r in rows)


def find_problems(con: duckdb.DuckDBPyConnection, relation: str, table: Table, file: str,
                  present: set[str], *, extra: Sequence[Check] = (), hints: Mapping[str, str] | None = None,
                  labels: Mapping[str, str] | None = None, empty: Mapping[str, str] | None = None,
                  file_sql: str | None = None) -> CheckedRelation:
    """Every unusable cell of ``relation`` (a view with all-text columns plus ``__row``).

    ``file`` is the file the rows come from, or, with ``file_sql``, SQL giving each row's file (a
    relation holding the rows of several files). See :func:`rules_for` for the other arguments.
    """
    rules = rules_for(table, present, extra=extra, hints=hints, labels=labels, empty=empty)
    if not rules:
        return CheckedRelation((), frozenset())
    # One pass over the whole relation finds the suspect rows; the per-rule detail is then read
    # from those rows only, so a clean million-row file is scanned once, not once per rule.
    con.execute(f"CREATE OR REPLACE TEMP TABLE __suspect AS SELECT * FROM {relation} WHERE {any_bad_sql(rules)}")
    problems = problem_rows(con, "__suspect", rules, file_sql or literal(file))
    return CheckedRelation(problems, frozenset((p.file, p.row) for p in problems if p.row is not None))


def duplicate_rows(con: duckdb.DuckDBPyConnection, relation: str, table: Table, file: str,
                       present: set[str]) -> tuple[Problem, ...]:
    """Rows whose key repeats an earlier row's key: excluded as duplicates, the first one is kept."""
    if not table.key or not set(table.key) <= present:
        return ()
    key = ", ".join(typed_sql(table.column(k)) for k in table.key)
    keyless = table.keyless_sql(lambda k: typed_sql(table.column(k)))
    apart = f", CASE WHEN {keyless} THEN __row END" if keyless else ""  # a row without a key repeats none
    rows = con.execute(
        f"SELECT __row, k, first_row FROM (SELECT __row, concat_ws(' / ', {key}) AS k, "
        f"min(__row) OVER (PARTITION BY {key}{apart}) AS first_row FROM {relation}) WHERE __row > first_row "
        f"ORDER BY __row").fetchall()
    field = "+".join(table.key)
    return tuple(Problem(file, int(r[0]), field, r[1], f"duplicate of row {r[2]}; the first row is kept")
                 for r in rows)
