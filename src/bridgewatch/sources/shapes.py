"""SQL for the value shapes vendors use: RFC-2822 and locale dates, money strings, GIDs, JSON paths.

Every helper returns SQL that yields *text* in the form the canonical typing layer reads
(``bridgewatch.ingest.typing``): ISO-8601 timestamps, plain decimals, ``true``/``false``. A value
that does not have the expected shape is passed through unchanged, so the canonical check reports
the user's own value, with the :class:`Field` hint naming the format that was expected.

Expressions refer to the raw relation as ``r``: JSON records as ``r.j``, tabular columns by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bridgewatch.model.whitespace import trim_sql
from bridgewatch.sql import literal

RFC2822 = ("%a, %d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M:%S %z")
"""BigCommerce v2 dates, e.g. ``Tue, 16 Jun 2026 09:12:44 +0000``."""
ISO_OUT = "%Y-%m-%dT%H:%M:%S.%f"


@dataclass(frozen=True)
class Field:
    """How one canonical column is read from a vendor record."""

    sql: str
    """SQL giving the value as text (NULL when absent)."""
    source: str | None = None
    """The vendor's name for the field, used in problems and documentation."""
    hint: str | None = None
    """Reason given when the value cannot be read (names the vendor's format)."""
    checked: bool = True
    """False for values the reader makes itself (constants, true/false flags): nothing to check."""
    empty: str | None = None
    """Reason given when a required value is empty (e.g. where the currency should have come from)."""
    lookup: str | None = None
    """A lookup the mapped value goes through after mapping (``country``: names and codes → alpha-2),
    done as one join per column rather than per row in the map's query."""
    rules: tuple[Rule, ...] = ()
    """Vendor rules on this value, checked with the canonical ones (e.g. a two-letter code that is no
    country, a date whose day/month order the file cannot tell)."""


@dataclass(frozen=True)
class Rule:
    """Rows where ``condition_sql`` (SQL on the raw record ``r``) holds are quarantined with ``reason``."""

    value_sql: str
    condition_sql: str
    reason: str


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def const(value: str | None) -> Field:
    """A value the reader itself supplies (valid by construction, not checked)."""
    return Field(literal(value), checked=False)


def setting(value: object) -> Field:
    """A value from the source's options: checked like data, since the user wrote it."""
    return Field(literal(None if value is None else str(value)))


def col(name: str, source: str | None = None) -> Field:
    """A column of a tabular (CSV / XML) relation, trimmed; empty = NULL."""
    return Field(blank(f"r.{q(name)}"), source or name)


def blank(expr: str) -> str:
    """``expr`` trimmed of white space (``bridgewatch.model.whitespace``: the same set on every route), with empty text
    as NULL."""
    return f"NULLIF({trim_sql(f'CAST({expr} AS VARCHAR)')}, '')"


def jpath(path: str) -> str:
    """SQL text of the JSON value at ``path`` (``$.a.b``) of record ``r.j``; NULL when absent or null."""
    return blank(f"(r.j ->> {literal(path)})")


def js(*paths: str) -> Field:
    """The first present of several JSON paths (later ones are older or alternative field names)."""
    exprs = [jpath(p) for p in paths]
    sql = exprs[0] if len(exprs) == 1 else f"COALESCE({', '.join(exprs)})"
    return Field(sql, paths[0].removeprefix("$."))


def first(*fields: Field) -> Field:
    """The first non-empty of several fields."""
    return Field(f"COALESCE({', '.join(f.sql for f in fields)})", fields[0].source, fields[0].hint)


def derive(field: Field, template: str, hint: str | None = None) -> Field:
    """A field whose SQL wraps another's (``template`` holds ``{}`` for it)."""
    return Field(template.format(field.sql), field.source, hint or field.hint)


def tail_id(field: Field) -> Field:
    """The numeric id at the end of a GID (``gid://shopify/Customer/42`` → ``42``); other ids as given."""
    return derive(field, "COALESCE(NULLIF(regexp_extract({0}, '/([0-9]+)$', 1), ''), {0})")


def lower(field: Field) -> Field:
    return derive(field, "lower({})")


def timestamp(field: Field, formats: Sequence[str] = (), *, zone: str | None = None,
              example: str | None = None) -> Field:
    """A timestamp read with ``formats`` (strptime) when it is not already ISO-8601.

    Formats with ``%z`` keep their offset; formats without are left naive, so the canonical cast
    reads them in the run's time zone. ``zone`` marks naive values as being in that zone
    (e.g. ``UTC`` for Adobe Commerce, whose API timestamps are UTC without an offset).
    """
    raw = field.sql
    parts = []
    # A parsed TIMESTAMPTZ (%z) prints with the session's offset, a naive TIMESTAMP without one: both
    # are read back exactly by the canonical cast. Formats with %z are tried one try_strptime each:
    # given a list, DuckDB rolls a day that does not exist over into the next month (2026-02-30 ... -0400
    # read as 2 March) instead of failing; the naive formats, which it checks, are tried as one list.
    parts += [f"CAST(try_strptime({raw}, {literal(f)}) AS VARCHAR)" for f in formats if "%z" in f]
    naive_formats = [f for f in formats if "%z" not in f]
    if naive_formats:
        listed = "[" + ", ".join(literal(f) for f in naive_formats) + "]"
        parts.append(f"CAST(try_strptime({raw}, {listed}) AS VARCHAR)")
    if zone:
        naive = f"CASE WHEN regexp_matches({raw}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[ T][0-9:.]+$') THEN {raw} END"
        parts.append(f"({naive}) || ' ' || {literal(zone)}")
    sql = f"COALESCE({', '.join([*parts, raw])})" if parts else raw
    shown = example or "2026-04-10T09:30:00Z"
    return Field(sql, field.source, f"expected a date and time such as {shown}")


def rfc2822(field: Field) -> Field:
    return timestamp(field, RFC2822, example="'Tue, 16 Jun 2026 09:12:44 +0000'")


EPOCH_MAX = 253402300799
"""Unix seconds of 9999-12-31T23:59:59Z, the last second a timestamp holds: a value beyond it (milliseconds,
``1e20``, ``NaN``) is no date, and converted it failed the whole read instead of its cell."""


def epoch(field: Field) -> Field:
    """Unix seconds (BigCommerce B2B Edition ``createdAt``), as number or string; a value outside 0 ..
    :data:`EPOCH_MAX` (milliseconds, say) is passed on unread, so it is quarantined."""
    seconds = "TRY_CAST({0} AS DOUBLE)"
    return derive(field, f"COALESCE(strftime(to_timestamp(CASE WHEN {seconds} BETWEEN 0 AND {EPOCH_MAX} "
                         f"THEN {seconds} END) AT TIME ZONE 'UTC', '{ISO_OUT}') || 'Z', {{0}})",
                  "expected Unix seconds such as 1739268151")


def money(field: Field, decimal_comma: str = "FALSE") -> Field:
    """An amount, with thousand separators and currency symbols removed.

    ``decimal_comma`` is SQL (per file: ``r.__dc``) saying the file writes ``1.234,50``. Only the
    two unambiguous patterns of the file's convention are rewritten; anything else is passed on
    unchanged and reported.
    """
    clean = f"regexp_replace({field.sql}, '[\\s\u00a0$€£¥]', '', 'g')"
    comma = (f"CASE WHEN regexp_full_match({clean}, '-?([0-9]+|[0-9]{{1,3}}(\\.[0-9]{{3}})+)(,[0-9]+)?') "
             f"THEN replace(replace({clean}, '.', ''), ',', '.') END")
    dot = (f"CASE WHEN regexp_full_match({clean}, '-?([0-9]+|[0-9]{{1,3}}(,[0-9]{{3}})+)(\\.[0-9]+)?') "
           f"THEN replace({clean}, ',', '') END")
    sql = f"COALESCE(CASE WHEN {decimal_comma} THEN {comma} ELSE {dot} END, {field.sql})"
    hint = ("expected an amount such as 1234.50 or 1,234.50 (1.234,50 in files separated by ';' or with "
            "the decimal_comma option)")
    return Field(sql, field.source, hint)


def less(total: Field, *given_back: Field) -> Field:
    """``total`` less the amounts the vendor records as given back (refunded, cancelled; empty = none), so a partly
    refunded order blocks what is left of it. A total that cannot be read is passed on as written (the canonical
    check reports it); an amount given back that cannot be read quarantines the row (its value is unknown)."""
    def num(f: Field) -> str:
        return f"TRY_CAST({f.sql} AS DECIMAL(38,4))"

    back = " + ".join(f"COALESCE({num(f)}, 0)" for f in given_back)
    rules = tuple(Rule(f.sql, f"{f.sql} IS NOT NULL AND {num(f)} IS NULL",
                       f"{f.source or 'the refunded amount'} cannot be read as an amount, so what is left of the "
                       "order is unknown") for f in given_back)
    return Field(f"CASE WHEN {num(total)} IS NULL THEN {total.sql} "
                 f"ELSE CAST({num(total)} - ({back}) AS VARCHAR) END", total.source, total.hint,
                 rules=(*total.rules, *rules, *(r for f in given_back for r in f.rules)))


def number(field: Field) -> Field:
    """A JSON number or numeric string, as a plain decimal."""
    return Field(field.sql, field.source, "expected a number such as 1190.50")


def flag(condition: str) -> Field:
    """``true``/``false`` from a SQL condition (NULL counts as false)."""
    return Field(f"CASE WHEN {condition} THEN 'true' ELSE 'false' END", checked=False)


def json_list(path: str) -> Field:
    """A JSON array of strings (e.g. Shopify ``tags``) as comma-separated text."""
    return Field(f"NULLIF(array_to_string(from_json(r.j -> {literal(path)}, '[\"VARCHAR\"]'), ','), '')",
                 path.removeprefix("$."))


def json_pick(array_path: str, key: str, wanted: str, value: str) -> str:
    """SQL: ``value`` of the first element of a JSON array whose ``key`` equals ``wanted`` (any case).

    Used for custom fields kept as name/value pairs (BigCommerce ``form_fields``, Adobe
    ``custom_attributes``).
    """
    items = f"json_extract(r.j, {literal(array_path + '[*]')})"
    match = f"list_filter({items}, lambda x: lower(x ->> {literal('$.' + key)}) = lower({literal(wanted)}))"
    return blank(f"({match})[1] ->> {literal('$.' + value)}")


def full_name(first_sql: str, last_sql: str) -> Field:
    """First and last name, each trimmed, joined by a space (NULL when both are empty)."""
    return Field(f"NULLIF(concat_ws(' ', {blank(first_sql)}, {blank(last_sql)}), '')")


def has_tag(tags_sql: str, tag: str | None) -> str:
    """SQL: the comma-separated ``tags_sql`` contains ``tag`` (any case); FALSE when no tag is set."""
    if not tag:
        return "FALSE"
    items = f"list_transform(string_split(lower({tags_sql}), ','), lambda x: trim(x))"
    return f"COALESCE(list_contains({items}, {literal(tag.lower())}), FALSE)"


def case_map(field: Field, mapping: dict[str, str], *, lower_input: bool = True) -> str:
    """SQL: ``mapping[value]`` (NULL for an unmapped value).

    Written as a lookup in two list literals, not a ``CASE`` of one branch per key: DuckDB plans a
    25-branch CASE in ~10 ms, the lists in a fraction of that, and maps are planned on every load.
    """
    return lookup_sql(f"lower({field.sql})" if lower_input else field.sql,
                      {(k.lower() if lower_input else k): v for k, v in mapping.items()})


def lookup_sql(key: str, mapping: Mapping[str, str]) -> str:
    """SQL: ``mapping[key]`` for the SQL ``key`` (NULL when absent), as list lookups."""
    if not mapping:
        return "NULL"
    keys = "[" + ", ".join(literal(k) for k in mapping) + "]"
    values = "[" + ", ".join(literal(v) for v in mapping.values()) + "]"
    return f"({values}[list_position({keys}, {key})])"


def translate(field: Field, mapping: dict[str, str], what: str, *, default: str | None = None,
              advice: str = "") -> Field:
    """A vendor code translated through ``mapping`` (any case); an unknown code is passed through,
    so the canonical check rejects it with a reason listing the known codes.

    ``default`` is used when the vendor field is empty.
    """
    fallback = f"{literal(default)}" if default is not None else "NULL"
    sql = f"COALESCE({case_map(field, mapping)}, CASE WHEN {field.sql} IS NULL THEN {fallback} ELSE {field.sql} END)"
    known = ", ".join(sorted({repr(k) if k.strip() != k or not k else k for k in mapping}))
    return Field(sql, field.source, f"unknown {what} (known: {known}){advice}")


def in_list(expr: str, values: Sequence[object], *, lower_input: bool = True) -> str:
    """SQL: ``expr`` is one of ``values`` (compared as lower-case text)."""
    if not values:
        return "FALSE"
    items = ", ".join(literal(str(v).lower() if lower_input else str(v)) for v in values)
    key = f"lower({expr})" if lower_input else expr
    return f"COALESCE({key} IN ({items}), FALSE)"
