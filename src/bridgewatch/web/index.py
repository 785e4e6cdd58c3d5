"""A stored worklist, indexed in memory for the dashboard: filter, sort, count and page in milliseconds.

A stored run never changes (the versions valid at a card run are fixed once it is saved), so the
dashboard reads the few columns it filters and sorts on (no evidence, no worklist JSON) once per
card run into an in-memory DuckDB table, ranked exactly as the store ranks (blocked value, then
platform, kind and id by code point). Every page, count, drill and export order is then one SQL
query on that table with bound parameters; the worklist rows themselves are read from the store
by id, only for the rows shown.

Tables are kept for the least recently used runs up to a row budget (a single run larger than the
budget is still held, alone); reading a run again after it was dropped only costs the load again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import cast, func, select
from sqlalchemy.dialects import postgresql

from bridgewatch.cards.causes import CREATE_FAILED
from bridgewatch.errors import LookupFailed
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.history.database import guarded
from bridgewatch.history.schema import episode_versions, episodes
from bridgewatch.history.store import first_seen_runs
from bridgewatch.history.trends import FIX_BUCKETS
from bridgewatch.matching.reasons import reason_template_sql

log = logging.getLogger(__name__)

FILTERS = ("cause", "segment", "entity", "platform")
"""Worklist filters (``entity=ambiguous`` selects customers with no single expected entity)."""
SORTS: dict[str, tuple[str, bool]] = {
    "rank": ("rank", False), "name": ("name", False), "active_orders": ("active_orders", True),
    "blocked_value": ("blocked_e4", True), "days_absent": ("first_seen", False), "cause": ("cause", False),
    "entity": ("entity", False), "segment": ("segment", False), "platform": ("platform", False),
}
"""Sort key → (column, descending): the natural order puts what matters first (most blocked, most orders,
longest absent; names A→Z); ``reverse`` turns it round. Ties keep the worklist's rank order."""
JSON_FIELDS = ("rejection_reason", "awaiting_sync", "in_dataverse")
SCHEMA = pa.schema([
    ("vid", pa.int64()), ("blocked_e4", pa.int64()), ("cause", pa.string()), ("segment", pa.string()),
    ("entity", pa.string()), ("active_orders", pa.int64()), ("name", pa.string()), ("customer_id", pa.string()),
    ("company_id", pa.string()), ("platform", pa.string()), ("account_kind", pa.string()),
    ("account_id", pa.string()), ("first_seen", pa.timestamp("us")), ("rejection_reason", pa.string()),
    ("awaiting_sync", pa.bool_()), ("in_dataverse", pa.bool_()),
])
BOOLEAN_COLUMNS = tuple(i for i, f in enumerate(SCHEMA) if f.type == pa.bool_())


@dataclass(frozen=True)
class Ranked:
    """A worklist entry: its version id in the store and its rank in the whole worklist."""

    vid: int
    rank: int


@dataclass(frozen=True)
class Group:
    """One row of a drill: a key with its customers, active orders and blocked value (reporting currency, as the
    store keeps it: ten-thousandths, ``blocked_e4``)."""

    key: str | None
    customers: int
    active_orders: int
    blocked_e4: int
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Counts:
    customers: int
    active_orders: int
    blocked_e4: int
    awaiting_sync: int
    in_dataverse: int


DRILLS = ("cause", "segment", "entity_or", "platform")
"""The drill columns, in the order of :class:`Drills` (``entity_or``: the expected entity, or ``ambiguous``)."""
DRILL_CACHE = 256


def _split(rows: list[tuple[Any, ...]]) -> dict[str | None, tuple[Any, ...]]:
    """Grouping-set rows → {drill column: groups by customers desc, key} and {None: (the totals,)}."""
    out: dict[str | None, list[Any]] = {}
    n = len(DRILLS)
    for row in rows:
        flags, keys, counts = row[:n], row[n:2 * n], _Counts(*map(int, row[2 * n:]))
        grouped = [DRILLS[i] for i, flag in enumerate(flags) if not flag]
        if not grouped:
            out.setdefault(None, []).append(counts)
            continue
        column = grouped[0]
        out.setdefault(column, []).append(Group(keys[DRILLS.index(column)], counts.customers, counts.active_orders,
                                                counts.blocked_e4))
    return {k: tuple(v if k is None else sorted(v, key=lambda g: (-g.customers, str(g.key)))) for k, v in out.items()}


@dataclass(frozen=True)
class Drills:
    """Every drill of a (filtered) stored worklist."""

    total: Group
    by_cause: tuple[Group, ...]
    by_segment: tuple[Group, ...]
    by_entity: tuple[Group, ...]
    by_platform: tuple[Group, ...]
    by_reason: tuple[Group, ...]
    awaiting_sync: int
    in_dataverse: int


class WorklistIndex:
    """In-memory DuckDB tables of stored worklists, one per card run, least recently used dropped first."""

    def __init__(self, *, max_rows: int = 2_000_000) -> None:
        self.max_rows = max_rows
        self._db = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, int], threading.Lock] = {}
        self._tables: OrderedDict[tuple[str, int], tuple[str, int]] = OrderedDict()
        self._drills: OrderedDict[tuple[str, str, tuple[Any, ...]], Drills] = OrderedDict()
        self._serial = 0

    def close(self) -> None:
        self._db.close()

    # -- queries -------------------------------------------------------------------------------------

    def page(self, store: Store, stored: StoredCardRun, *, filters: Mapping[str, str | None] | None = None,
             sort: str = "rank", reverse: bool = False, limit: int = 50, offset: int = 0) -> tuple[list[Ranked], int]:
        """One page of the worklist (filtered, sorted) and how many rows match the filters."""
        table = self.table(store, stored)
        where, params = where_sql(filters or {})
        order = order_sql(sort, reverse)
        rows = self._fetch(f"SELECT vid, rank FROM {table} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                           [*params, limit, offset])
        total = self._fetch(f"SELECT count(*) FROM {table} WHERE {where}", params)[0][0]
        return [Ranked(int(v), int(r)) for v, r in rows], int(total)

    def ordered(self, store: Store, stored: StoredCardRun, *, filters: Mapping[str, str | None] | None = None,
                sort: str = "rank", reverse: bool = False, batch: int = 1_000) -> Iterator[list[Ranked]]:
        """Every matching entry in page order, a batch at a time (for downloads): one query, streamed on its
        own cursor so other requests are not held up while a download is written.

        The filters and sort are checked, the worklist loaded and the query run before this returns,
        so a bad request fails here, before a response has started; only the reading is deferred.

        Raises:
            LookupFailed: an unknown filter or sort key.
        """
        where, params = where_sql(filters or {})
        order = order_sql(sort, reverse)
        table = self.table(store, stored)
        with self._lock:
            cursor = self._db.cursor()
        try:
            cursor.execute(f"SELECT vid, rank FROM {table} WHERE {where} ORDER BY {order}", params)
        except BaseException:
            cursor.close()
            raise
        return _batches(cursor, batch)

    def locate(self, store: Store, stored: StoredCardRun, customer_id: str) -> list[Ranked]:
        """The entries whose account, customer or company id is ``customer_id``, in rank order."""
        table = self.table(store, stored)
        rows = self._fetch(f"SELECT vid, rank FROM {table} WHERE account_id = ? OR customer_id = ? OR company_id = ? "
                           f"ORDER BY rank", [customer_id] * 3)
        return [Ranked(int(v), int(r)) for v, r in rows]

    def drills(self, store: Store, stored: StoredCardRun, filters: Mapping[str, str | None] | None = None) -> Drills:
        """Customers, active orders and blocked value by cause, segment, entity, platform and rejection reason.

        One scan for the four drills and the totals (grouping sets), one for the rejection reasons;
        remembered per run and filters (a stored run never changes).
        """
        table = self.table(store, stored)
        where, params = where_sql(filters or {})
        key = (table, where, tuple(params))
        with self._lock:
            if key in self._drills:
                return self._drills[key]
        rows = self._fetch(f"SELECT {', '.join(f'GROUPING({k})' for k in DRILLS)}, {', '.join(DRILLS)}, count(*), "
                           f"COALESCE(sum(active_orders), 0), COALESCE(sum(blocked_e4), 0), "
                           f"count(*) FILTER (WHERE awaiting_sync), count(*) FILTER (WHERE in_dataverse) "
                           f"FROM (SELECT *, COALESCE(entity, 'ambiguous') AS entity_or FROM {table} WHERE {where}) "
                           f"GROUP BY GROUPING SETS ({', '.join(f'({k})' for k in DRILLS)}, ())", params)
        found = _split(rows)
        total = found.pop(None)[0]
        cause, segment, entity, platform = (found.get(k, ()) for k in DRILLS)
        drills = Drills(Group(None, total.customers, total.active_orders, total.blocked_e4), cause, segment, entity,
                        platform, self._reasons(table, where, params), total.awaiting_sync, total.in_dataverse)
        with self._lock:
            self._drills[key] = drills
            while len(self._drills) > DRILL_CACHE:
                self._drills.popitem(last=False)
        return drills

    def ageing(self, store: Store, stored: StoredCardRun) -> list[tuple[str, int]]:
        """Customers still absent by how long they have been absent (the time-to-fix buckets)."""
        table = self.table(store, stored)
        cases: list[str] = []
        params: list[Any] = []
        for bound, label in FIX_BUCKETS:
            cases.append("WHEN d < ? THEN ?" if bound is not None else "ELSE ?")
            params += [bound, label] if bound is not None else [label]
        days = f"SELECT date_diff('second', first_seen, ?::TIMESTAMP) / 86400.0 AS d FROM {table}"
        found: dict[str, int] = dict(self._fetch(f"SELECT CASE {' '.join(cases)} END AS b, count(*) FROM ({days}) "
                                                 f"GROUP BY b", [*params, stored.as_of]))
        return [(label, int(found.get(label, 0))) for _, label in FIX_BUCKETS]

    def _reasons(self, table: str, where: str, params: list[Any]) -> tuple[Group, ...]:
        """Create failures by rejection-reason template: the cards' own template SQL (``matching.reasons``)."""
        template = reason_template_sql("rejection_reason")
        rows = self._fetch(f"SELECT {template} AS k, count(*) AS n, sum(active_orders), sum(blocked_e4), "
                           f"min(rejection_reason), max(rejection_reason) FROM {table} "
                           f"WHERE {where} AND cause = ? AND rejection_reason IS NOT NULL "
                           f"GROUP BY k ORDER BY n DESC, k", [*params, CREATE_FAILED])
        return tuple(Group(k, int(n), int(o), int(c), tuple(dict.fromkeys((a, b)))) for k, n, o, c, a, b in rows)

    def _fetch(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- loading -------------------------------------------------------------------------------------

    def table(self, store: Store, stored: StoredCardRun) -> str:
        """The DuckDB table holding ``stored``'s worklist, loaded from the store on first use."""
        key = (store.url, stored.id)
        with self._lock:
            if key in self._tables:
                self._tables.move_to_end(key)
                return self._tables[key][0]
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            with self._lock:
                if key in self._tables:
                    return self._tables[key][0]
            data = load_rows(store, stored)
            with self._lock:
                self._serial += 1
                name = f"wl_{self._serial}"
                self._db.register("incoming", data)
                self._db.execute(f"CREATE TABLE {name} AS SELECT *, row_number() OVER (ORDER BY blocked_e4 DESC, "
                                 f"platform, account_kind, account_id) AS rank FROM incoming")
                self._db.unregister("incoming")
                self._tables[key] = (name, data.num_rows)
                self._loading.pop(key, None)
                self._evict()
                return name

    def _evict(self) -> None:
        """Drop the least recently used tables until the rows held fit ``max_rows``; the table just loaded
        is always kept, so a single run larger than the budget is still held (alone)."""
        while len(self._tables) > 1 and sum(n for _, n in self._tables.values()) > self.max_rows:
            _, (name, _) = self._tables.popitem(last=False)
            self._db.execute(f"DROP TABLE {name}")
            for key in [k for k in self._drills if k[0] == name]:
                del self._drills[key]


def load_rows(store: Store, stored: StoredCardRun, *, batch: int = 10_000) -> pa.Table:
    """The indexed columns of every worklist row of ``stored`` (one query on the store, bound parameters),
    turned into Arrow ``batch`` rows at a time: Python holds one batch, never the whole worklist."""
    started = time.perf_counter()
    v, e, first = episode_versions.c, episodes.c, first_seen_runs(stored.workspace_id, stored.card, stored.id)
    dialect = store.engine.dialect.name
    extra = [json_field(v.row, name, dialect) for name in JSON_FIELDS]
    query = (select(v.id, v.blocked_e4, v.cause, v.segment, v.expected_entity, v.active_orders, v.name,
                    v.customer_id, v.company_id, e.platform, e.account_kind, e.account_id, first.c.as_of, *extra)
             .join(episodes, e.id == v.episode_id).join(first, first.c.id == e.first_card_run)
             .where(v.workspace_id == stored.workspace_id, v.card == stored.card, v.valid_from <= stored.id,
                    (v.valid_to.is_(None)) | (v.valid_to > stored.id)))
    with guarded(store.url, "index a stored worklist"), store.engine.connect() as conn:
        parts = conn.execute(query.execution_options(yield_per=batch)).partitions()
        table = pa.Table.from_batches([_record_batch(rows) for rows in parts], schema=SCHEMA)
    log.info("indexed %s rows of card run %s in %.2f s", table.num_rows, stored.id, time.perf_counter() - started)
    return table


def _record_batch(rows: Any) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    arrays = [pa.array([truthy(x) for x in values] if i in BOOLEAN_COLUMNS else values, type=f.type)
              for i, (values, f) in enumerate(zip(columns, SCHEMA, strict=True))]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def json_field(column: Any, name: str, dialect: str) -> Any:
    """One top-level field of a JSON text column, as text (SQLite ``json_extract``, PostgreSQL ``->>``)."""
    if dialect == "postgresql":
        return cast(column, postgresql.JSONB)[name].astext
    return func.json_extract(column, f"$.{name}")


def truthy(value: Any) -> bool:
    """A JSON boolean read back as SQLite (1/0) or PostgreSQL (``'true'``/``'false'``) text."""
    return value in (True, 1, "1", "true")


def _batches(cursor: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[Ranked]]:
    try:
        while rows := cursor.fetchmany(size):
            yield [Ranked(int(v), int(r)) for v, r in rows]
    finally:
        cursor.close()


def where_sql(filters: Mapping[str, str | None]) -> tuple[str, list[Any]]:
    """The WHERE clause for worklist filters (values bound, never spliced).

    Raises:
        LookupFailed: an unknown filter.
    """
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise LookupFailed(f"Unknown worklist filter {unknown[0]!r}; filters: {', '.join(FILTERS)}.")
    parts, params = ["TRUE"], []
    for key in FILTERS:
        value = filters.get(key)
        if not value:
            continue
        if key == "entity" and value == "ambiguous":
            parts.append("entity IS NULL")
        else:
            parts.append(f"{key} = ?")
            params.append(value)
    return " AND ".join(parts), params


def order_sql(sort: str, reverse: bool) -> str:
    """ORDER BY for a sort key (NULLs sort as the smallest value, as in the store); ties by rank.

    Raises:
        LookupFailed: an unknown sort key.
    """
    if sort not in SORTS:
        raise LookupFailed(f"Unknown worklist sort {sort!r}; sorts: {', '.join(SORTS)}.")
    column, descending = SORTS[sort]
    desc = descending != reverse
    return f"{column} {'DESC NULLS LAST' if desc else 'ASC NULLS FIRST'}, rank"

