"""Raw vendor records → canonical tables, as data: one :class:`TableMap` per (table, record kind).

A map names its source relation, one :class:`~bridgewatch.sources.shapes.Field` per canonical
column, the rows that can never be canonical rows (excluded, with a reason), and vendor rules such
as an unknown status code (quarantined). :func:`apply_maps` runs each map as one SQL query and hands
the result, file by file, to the canonical typing layer (``bridgewatch.ingest``), so vendor files
and canonical files are checked, reported and typed the same way.

:class:`VendorReader` is the base of every reader in this package: load files, map, account.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from bridgewatch.errors import ConfigError
from bridgewatch.ingest.accounting import FileAccount
from bridgewatch.ingest.canonical import CastOptions, cast_relation
from bridgewatch.ingest.typing import Check
from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.sources.base import Option, ReadContext, Reader, ReadResult, resolve_options
from bridgewatch.sources.combine import combine
from bridgewatch.sources.raw import Session
from bridgewatch.sources.shapes import Field, lit, q

COMMON_OPTIONS: dict[str, Option] = {
    "timezone": Option(None, "IANA zone of timestamps written without an offset in these files; "
                             "defaults to workspace.timezone."),
}


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


def unrecognised(table: str, what: str) -> TableMap:
    """Records of no known kind: counted in ``table``'s accounting, excluded with a reason."""
    return TableMap(table, "{unknown} AS r", {}, exclude=[("TRUE", lit(f"not a {what} record (unrecognised)"))])


def mapped_sql(m: TableMap, relations: Mapping[str, str]) -> str:
    """The query producing ``__file, __row, __exclude``, check columns and every mapped column as text."""
    whens = " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in m.exclude)
    parts = ["r.__file", "r.__row", f"CASE {whens} END AS __exclude" if whens else "CAST(NULL AS VARCHAR) AS __exclude"]
    # Excluded rows (half of a Shopify orders export) skip every conversion: DuckDB evaluates a
    # CASE branch only for the rows that take it, and __exclude is reused as a lateral alias.
    live = (lambda sql: f"CASE WHEN __exclude IS NULL THEN {sql} END") if whens else (lambda sql: sql)
    for i, c in enumerate(m.checks):
        parts += [f"COALESCE({live(c.condition_sql)}, FALSE) AS __c{i}", f"CAST({c.value_sql} AS VARCHAR) AS __v{i}"]
    parts += [f"{live(f'CAST({f.sql} AS VARCHAR)')} AS {q(name)}" for name, f in m.columns.items()]
    return f"SELECT {', '.join(parts)} FROM {m.source.format(**relations)}"


def apply_maps(session: Session, maps: Sequence[TableMap], context: ReadContext,
               kinds: Sequence[str]) -> ReadResult:
    """Run every map and cast its rows file by file; one account per (table, file)."""
    relations = {k: session.relation(k) for k in kinds}
    result = ReadResult()
    for m in maps:
        name = session.fresh("map")
        session.con.execute(f"CREATE TEMP TABLE {name} AS {mapped_sql(m, relations)}")
        files = [r[0] for r in session.con.execute(f"SELECT DISTINCT __file FROM {name}").fetchall()]
        for file in sorted(files, key=session.files.index):
            relation = name if len(files) == 1 else f"(SELECT * FROM {name} WHERE __file = {lit(file)})"
            arrow, account = cast_relation(session.con, TABLES_BY_NAME[m.table], relation, set(m.columns),
                                           workspace_id=context.workspace_id, file=file,
                                           on_bad_row=context.on_bad_row, options=_cast_options(m))
            result.tables.setdefault(m.table, []).append(arrow)
            result.accounts.append(account)
        session.con.execute(f"DROP TABLE {name}")
    result.tables = {t: pa.concat_tables(parts) for t, parts in result.tables.items()}
    return result


def _cast_options(m: TableMap) -> CastOptions:
    checks = [Check(c.field, f"__v{i}", f"__c{i}", c.reason) for i, c in enumerate(m.checks)]
    return CastOptions(exclude_column="__exclude", checks=checks, duplicate_reason=None,
                       hints={n: f.hint for n, f in m.columns.items() if f.hint},
                       labels={n: f.source for n, f in m.columns.items() if f.source},
                       unchecked=frozenset(n for n, f in m.columns.items() if not f.checked))


class VendorReader(Reader):
    """A reader built from raw loaders and table maps (every reader in this package)."""

    kinds: ClassVar[tuple[str, ...]] = ()
    """Raw record kinds the maps may name (``unknown`` is always available)."""

    def read(self, paths: Sequence[Path], context: ReadContext) -> ReadResult:
        options = resolve_options(type(self), context.options, context.source)
        session = Session(_zone(options.get("timezone"), context))
        try:
            for path in paths:
                self.load(session, Path(path), options)
            self.prepare(session, options)
            result = apply_maps(session, self.maps(options), context, (*self.kinds, "unknown"))
        finally:
            session.close()
        return combine([_with_empty_files(result, session.files, self.produces[0])])

    @abstractmethod
    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        """Load one file into the session's raw relations."""

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Hook run after every file is loaded (e.g. helper views joining kinds)."""

    @abstractmethod
    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        """The table maps of this reader, given its resolved options."""


def _zone(option: object, context: ReadContext) -> str:
    zone = str(option or context.timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"sources.{context.source}.options.timezone: unknown time zone {zone!r} "
                          f"(use an IANA name such as 'Europe/London')") from exc
    return zone


def _with_empty_files(result: ReadResult, files: Sequence[str], table: str) -> ReadResult:
    """A file that yielded no record (an empty page) still appears in the accounting, with 0 read."""
    seen = {a.file for a in result.accounts}
    result.accounts += [FileAccount(table, f) for f in dict.fromkeys(files) if f not in seen]
    return result
