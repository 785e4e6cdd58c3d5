"""Raw vendor records → canonical tables, as data: one :class:`TableMap` per (table, record kind).

A map names its source relation, one :class:`~bridgewatch.sources.shapes.Field` per canonical
column, the rows that can never be canonical rows (excluded, with a reason), and vendor rules such
as an unknown status code (quarantined). :func:`apply_maps` runs each map as one SQL query and hands
the result, file by file, to the canonical typing layer (``bridgewatch.ingest``), so vendor files
and canonical files are checked, reported and typed the same way.

:class:`VendorReader` is the base of every reader in this package: load files, map, account.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from bridgewatch.errors import ConfigError
from bridgewatch.ingest.accounting import FileAccount
from bridgewatch.ingest.canonical import CastOptions, cast_files, empty_note, plan_lightly
from bridgewatch.ingest.csvfile import BLANK_ROW
from bridgewatch.ingest.typing import Check
from bridgewatch.ingest.workbook import without_sheet
from bridgewatch.model.tables import ID_KINDS, PLATFORMS, TABLES_BY_NAME, ColumnType
from bridgewatch.model.whitespace import light_trims
from bridgewatch.sources import countries
from bridgewatch.sources.base import Option, ReadContext, Reader, ReadResult, resolve_options
from bridgewatch.sources.combine import combine
from bridgewatch.sources.raw import Session
from bridgewatch.sources.shapes import Field, const, q
from bridgewatch.sql import literal

COMMON_OPTIONS: dict[str, Option] = {
    "timezone": Option(None, "IANA zone of timestamps written without an offset in these files; "
                             "defaults to workspace.timezone."),
    "timezones": Option({}, "Zones of naive timestamps per canonical table or per file name pattern, over "
                            "timezone: e.g. {orders = 'Europe/Berlin'} or {'orders_*.csv' = 'America/New_York'} "
                            "(a file pattern beats a table)."),
}
EXTERNAL_ID_OPTIONS: dict[str, Option] = {
    "external_id_platform": Option(None, "The commerce platform whose ids the external id field holds (shopify, "
                                         "bigcommerce, adobe_commerce): a bare id (42) then names that platform's "
                                         "account only. Unset, a bare id names the one platform (and kind) whose "
                                         "accounts hold it, and none when several do (docs/cards.md).",
                                   choices=PLATFORMS, kind=str),
    "external_id_kind": Option(None, "Whether the external id field holds customer, company or company location "
                                     "ids (customer, company, location); unset, either, as external_id_platform "
                                     "explains.",
                               choices=ID_KINDS, kind=str),
}
"""What an ERP or staging source's external id field holds, for the readers of tables with an external id: the
values become the rows' ``external_id_platform`` and ``external_id_kind``."""
ID_SCOPED = ("erp_customers", "staging_records")
"""The tables whose ``external_id`` is a commerce id held by an ERP or staging record."""
NAIVE = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?$'"
"""An ISO timestamp without offset or zone: the form naive values have after the reader's parsing."""


@dataclass(frozen=True)
class RowCheck:
    """A vendor rule: rows where ``condition_sql`` holds are quarantined with ``reason``."""

    field: str
    value_sql: str
    condition_sql: str
    reason: str


@dataclass(frozen=True)
class TableMap:
    """How records of one kind become rows of one canonical table."""

    table: str
    source: str
    """FROM clause; ``{kind}`` placeholders name raw relations; the main relation is aliased ``r``."""
    columns: Mapping[str, Field]
    exclude: Sequence[tuple[str, str]] = ()
    """(SQL condition, SQL reason text) in order: the first that holds excludes the row."""
    checks: Sequence[RowCheck] = ()

    def main_kinds(self) -> set[str]:
        """The record kinds of the main relation ``r`` (those named before ``AS r`` in ``source``)."""
        head = self.source.split(" AS r", 1)[0]
        return set(re.findall(r"\{(\w+)\}", head))

    def all_checks(self) -> list[RowCheck]:
        """The map's own checks and those its fields carry."""
        return [*self.checks, *(RowCheck(f.source or name, r.value_sql, r.condition_sql, r.reason)
                                for name, f in self.columns.items() for r in f.rules)]


def unrecognised(table: str, what: str) -> TableMap:
    """Records of no known kind, in a file that also holds known ones: quarantined one by one in ``table``
    (a file holding none the reader knows is refused when it is loaded)."""
    keys = "array_to_string(json_keys(r.j)[1:8], ', ')"
    return TableMap(table, "{unknown} AS r", {}, checks=[
        RowCheck("record", keys, "TRUE", f"not a {what} record this reader knows (its keys are shown)")])


def mapped_sql(m: TableMap, relations: Mapping[str, str], zone: str | None = None) -> str:
    """The query producing ``__file, __row, __exclude``, check columns and every mapped column as text.

    ``zone`` is SQL naming the zone of naive timestamps per row (from ``timezones``), or None.
    """
    whens = " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in m.exclude)
    parts = ["r.__file", "r.__row", f"CASE {whens} END AS __exclude" if whens else "CAST(NULL AS VARCHAR) AS __exclude"]
    # Excluded rows (half of a Shopify orders export) skip every conversion: DuckDB evaluates a
    # CASE branch only for the rows that take it, and __exclude is reused as a lateral alias.
    live = (lambda sql: f"CASE WHEN __exclude IS NULL THEN {sql} END") if whens else (lambda sql: sql)
    for i, c in enumerate(m.all_checks()):
        parts += [f"COALESCE({live(c.condition_sql)}, FALSE) AS __c{i}", f"CAST({c.value_sql} AS VARCHAR) AS __v{i}"]
    table = TABLES_BY_NAME[m.table]
    for name, f in m.columns.items():
        sql = f"CAST({f.sql} AS VARCHAR)"
        if zone and table.column(name).type is ColumnType.TIMESTAMP:
            sql = f"CASE WHEN regexp_full_match({sql}, {NAIVE}) AND {zone} IS NOT NULL THEN {sql} || ' ' || {zone} " \
                  f"ELSE {sql} END"
        parts.append(f"{live(sql)} AS {q(name)}")
    select, source = _extract_once(", ".join(parts), m.source)
    return f"SELECT {select} FROM {source.format(**relations)}"


JSON_TEXT = re.compile(r"r\.j ->> '((?:[^']|'')*)'")


def _extract_once(select: str, source: str) -> tuple[str, str]:
    """Read every JSON path the select list takes from the main record ``r.j`` in one call.

    A map names the same paths many times (a field, its checks, its exclusions); DuckDB plans
    each ``r.j ->> '$.path'`` on its own, so a map of a few dozen of them costs tens of
    milliseconds to plan. Here the main relation gets one ``json_extract_string(j, [paths])``
    list and the select list reads its elements.
    """
    paths = list(dict.fromkeys(JSON_TEXT.findall(select)))
    head = _main_relation(source)
    if not paths or head is None:
        return select, source
    index = {p: i for i, p in enumerate(paths, 1)}
    select = JSON_TEXT.sub(lambda m: f"r.__p[{index[m.group(1)]}]", select)
    listed = "[" + ", ".join(f"'{p}'" for p in paths) + "]"
    wrapped = f"(SELECT *, json_extract_string(j, {listed}) AS __p FROM {head} AS __main)"
    return select, wrapped + source[len(head):]


def _main_relation(source: str) -> str | None:
    """The text of the relation ``source`` aliases ``r`` (``{kind}`` or a parenthesised query), or None."""
    if source.startswith("("):
        depth = 0
        for i, ch in enumerate(source):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0:
                return source[:i + 1] if source[i + 1:].startswith(" AS r") else None
        return None
    head = source.split(" AS r", 1)[0]
    return head if re.fullmatch(r"\{\w+\}", head) else None


def apply_maps(session: Session, maps: Sequence[TableMap], context: ReadContext,
               kinds: Sequence[str], zones: Mapping[str, Any] | None = None) -> ReadResult:
    """Run every map and cast its rows file by file; one account per (table, file)."""
    relations = {k: session.relation(k) for k in kinds}
    present = session.kinds_present()
    result = ReadResult()
    for m in maps:
        if not m.main_kinds() & present:
            continue  # no record of its kind: nothing to map, nothing to account
        zone = _zone_sql(zones or {}, m.table, session.files, context)
        mapped = countries.looked_up(mapped_sql(m, relations, zone),
                                     [n for n, f in m.columns.items() if f.lookup == "country"])
        arrow, accounts = cast_files(session.con, TABLES_BY_NAME[m.table], mapped, set(m.columns),
                                     workspace_id=context.workspace_id, files=session.files,
                                     on_bad_row=context.on_bad_row, options=_cast_options(m))
        if accounts:
            result.tables.setdefault(m.table, []).append(arrow)
            result.accounts += accounts
    result.tables = {t: pa.concat_tables(parts) for t, parts in result.tables.items()}
    return result


def _zone_sql(zones: Mapping[str, Any], table: str, files: Sequence[str], context: ReadContext) -> str | None:
    """SQL of the zone of naive timestamps of ``table`` per file (``timezones`` option), or None."""
    if not zones:
        return None
    for key, zone in zones.items():
        _zone(zone, context, f"timezones.{key}")
    by_file = {f: str(z) for f in files for k, z in zones.items() if k not in TABLES_BY_NAME
               and any(fnmatch(Path(n).name, k) or fnmatch(n, k) for n in (f, without_sheet(f)))}
    whens = " ".join(f"WHEN {literal(f)} THEN {literal(z)}" for f, z in by_file.items())
    default = literal(zones[table]) if table in zones else "NULL"
    return f"CASE r.__file {whens} ELSE {default} END" if whens else (default if table in zones else None)


def _cast_options(m: TableMap) -> CastOptions:
    checks = [Check(c.field, f"__v{i}", f"__c{i}", c.reason) for i, c in enumerate(m.all_checks())]
    # A looked-up country column is checked by the lookup's own rules (which know retired countries)
    # instead of the canonical two-letter rule.
    looked = {n: f for n, f in m.columns.items() if f.lookup == "country"}
    checks += [c for n, f in looked.items() for c in countries.checks(f.source or n, n)]
    return CastOptions(exclude_column="__exclude", checks=checks, duplicate_reason=None,
                       hints={n: f.hint for n, f in m.columns.items() if f.hint},
                       labels={n: f.source for n, f in m.columns.items() if f.source},
                       unchecked=frozenset(n for n, f in m.columns.items() if not f.checked or n in looked),
                       empty={n: f.empty for n, f in m.columns.items() if f.empty})


class VendorReader(Reader):
    """A reader built from raw loaders and table maps (every reader in this package)."""

    kinds: ClassVar[tuple[str, ...]] = ()
    """Raw record kinds the maps may name (``unknown`` is always available)."""

    def read(self, paths: Sequence[Path], context: ReadContext) -> ReadResult:
        options = resolve_options(type(self), context.options, context.source)
        session = Session(_zone(options.get("timezone"), context, "timezone"), context.source)
        try:
            with light_trims(plan_lightly(session.con, paths)):
                self.load_all(session, [Path(p) for p in paths], options)
                self.prepare(session, options)
                self.check(session, options, context)
                maps = with_id_scope(self.maps(options), options)
                result = apply_maps(session, maps, context, (*self.kinds, "unknown"), options.get("timezones"))
        finally:
            session.close()
        result.warnings += session.warnings
        return combine([_complete(result, session, self.produces[0])], newest_first=True)

    @abstractmethod
    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        """Load one file into the session's raw relations."""

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        """Load every file of the source (JSON readers read them all in one scan)."""
        for path in paths:
            self.load(session, path, options)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Hook run after every file is loaded (e.g. helper views joining kinds)."""

    def check(self, session: Session, options: Mapping[str, Any], context: ReadContext) -> None:
        """Hook run once every file is loaded and prepared, before any record is mapped: refuse a source that
        cannot be read right in this workspace (raises :class:`~bridgewatch.errors.InputError`)."""

    @abstractmethod
    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        """The table maps of this reader, given its resolved options."""


def with_id_scope(maps: Sequence[TableMap], options: Mapping[str, Any]) -> list[TableMap]:
    """``maps`` with the ``external_id_platform`` and ``external_id_kind`` options (when the reader has them) as the
    columns of its ERP and staging rows that say what their external id holds."""
    scope = {k: const(options[k]) for k in EXTERNAL_ID_OPTIONS if k in options}
    return [replace(m, columns={**m.columns, **scope}) if scope and m.table in ID_SCOPED and m.columns else m
            for m in maps]


def _zone(option: object, context: ReadContext, key: str) -> str:
    zone = str(option or context.timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"sources.{context.source}.options.{key}: unknown time zone {zone!r} "
                          f"(use an IANA name such as 'Europe/London')") from exc
    return zone


def _complete(result: ReadResult, session: Session, table: str) -> ReadResult:
    """Every file in the accounting: lines that could not be read are quarantined in the file's table,
    blank rows excluded there, a file that yielded no record says why (``no orders: the file is empty``), and
    what the reader noted about a file (``Session.note``) is among its notes.
    Quarantine rows name fields as their file does (``Session.field_names``)."""
    by_key = {(a.table, a.file): a for a in result.accounts}

    def account_of(file: str) -> FileAccount:
        own = session.tables.get(file, table)
        if (own, file) not in by_key:
            by_key[(own, file)] = FileAccount(own, file)
            result.accounts.append(by_key[(own, file)])
        return by_key[(own, file)]

    for file, problems in session.rejects.items():
        account = account_of(file)
        account.read += len(problems)
        account.quarantined.extend(problems)
    for file, blank in session.blank_rows.items():
        account = account_of(file)
        account.read += blank
        account.excluded[BLANK_ROW] += blank
    for account in result.accounts:
        rename = session.field_names.get(account.file)
        if rename:
            account.quarantined = [replace(p, field=rename(p.field)) if p.field else p for p in account.quarantined]
    seen = {a.file for a in result.accounts}
    for file in dict.fromkeys(session.files):
        if file not in seen:
            account = account_of(file)
            account.notes.append(empty_note(account.table, session.empty.get(file, "no records in the file")))
    for file, notes in session.file_notes.items():
        account_of(file).notes.extend(notes)
    return result
