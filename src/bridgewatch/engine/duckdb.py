"""The embedded default engine: DuckDB in-process.

When the canonical tables are staged Parquet files in one folder, the window-independent steps
are kept in a prepared store next to them and reused by later runs while nothing they depend on
changed (see :mod:`bridgewatch.engine.prepared`); ``prepared=False`` turns that off, a path puts
the store elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import duckdb

from bridgewatch.engine.base import Engine, Step, parquet_paths
from bridgewatch.engine.dialect import DUCKDB
from bridgewatch.engine.prepared import Fingerprints, PreparedStore, chained, store_for
from bridgewatch.errors import BridgewatchError, ConfigError, EngineError, EnvironmentProblem
from bridgewatch.sql import literal

IN_MEMORY_CHECKPOINT = "1TB"
"""How much an in-memory database writes before it checkpoints: never, in practice (see ``DuckDBEngine``)."""


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_UNIT = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
         "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
SMALLEST_LIMIT = 64 * 10**6
"""The smallest memory limit accepted: below it DuckDB cannot hold even a small workspace's steps."""


def checked_memory_limit(value: str) -> str:
    """``value`` if DuckDB can work within it (a size such as ``1.2GB`` or ``800MiB``, or a share such as
    ``50%`` of the machine's memory); a :class:`ConfigError` saying what to give otherwise."""
    size, share = _SIZE.match(value), _SHARE.match(value)
    if share and 0 < float(share.group(1)) <= 100:
        return value.strip()
    if size and float(size.group(1)) * _UNIT[size.group(2).upper()] >= SMALLEST_LIMIT:
        return value.strip()
    what = "is too small for DuckDB to work in (64MB at least)" if size else "is not a memory size"
    raise ConfigError(f"DuckDB memory limit {value!r} (--memory-limit) {what}: give a number and a unit such as "
                      "1.2GB, 800MB or 2GiB, or a share of the machine's memory such as 50%.")


class DuckDBEngine(Engine):
    """Runs pipelines on an in-process DuckDB connection (in memory unless a path is given)."""

    dialect = DUCKDB
    writes_csv = True

    def __init__(self, *, database: str = ":memory:", threads: int | None = None,
                 memory_limit: str | None = None, temp_directory: str | None = None, debug: bool = False,
                 prepared: str | Path | Literal[False] | None = None) -> None:
        """``memory_limit`` caps DuckDB's memory; beyond it, work spills to ``temp_directory``.

        ``prepared``: where prepared steps are kept (a DuckDB file); None (the default) keeps them
        next to staged tables read from one local folder, False never keeps them.
        """
        self.con = duckdb.connect(database)
        self.con.execute("SET TimeZone = 'UTC'")
        # Steps are materialised in full and every read orders its rows, so DuckDB need not keep
        # insertion order: big CREATE TABLE AS steps then run in parallel with less memory.
        self.con.execute("SET preserve_insertion_order = false")
        if database == ":memory:":
            # An in-memory database checkpoints (compresses its tables) whenever enough has been written,
            # stalling whichever step crosses the line (1.0-1.4 s twice at 1M); its tables never reach a
            # file, so only a database file keeps DuckDB's default.
            self.con.execute(f"SET checkpoint_threshold = {literal(IN_MEMORY_CHECKPOINT)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {literal(checked_memory_limit(memory_limit))}")
        if temp_directory:
            self.con.execute(f"SET temp_directory = {literal(temp_directory)}")
        self.debug = debug
        self._registered: set[str] = set()
        self._kinds: dict[str, str] = {name: "VIEW" if kind == "VIEW" else "TABLE" for name, kind in self.con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_catalog = current_database()").fetchall()}
        """What each name in the database is, ``VIEW`` or ``TABLE`` (kept up to date, so no catalog query per step)."""
        self._prepared_at = prepared
        self._store: PreparedStore | None = None
        self._store_failed: set[Path] = set()
        self._prints = Fingerprints(lambda sql: self.con.execute(sql).fetchall(), duckdb.__version__)
        self._chain: str | None = None
        """Digest of the registered relations and every step run on them so far (None: not kept)."""
        self._chain_from_scratch = True

    def register(self, name: str, data: Any) -> None:
        """Copy an Arrow table in, or put a view over Parquet file(s) (scanned in place, never loaded whole)."""
        paths = parquet_paths(data)
        self._prints.parquet.pop(name, None)
        self._chain_from_scratch = True
        if paths is not None:
            self._prints.parquet[name] = paths
            listed = ", ".join(literal(p) for p in paths)
            self._replace(name, f"SELECT * FROM read_parquet([{listed}], union_by_name = true)", view=True)
            self._registered.add(name)
            return
        self._drop(name)
        self.con.register(f"__arrow_{name}", data)
        self.con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "__arrow_{name}"')
        self.con.unregister(f"__arrow_{name}")
        self._kinds[name] = "TABLE"
        self._registered.add(name)

    def _execute(self, name: str, sql: str, view: bool = False) -> None:
        self._replace(name, sql, view)

    def _execute_step(self, step: Step, sql: str) -> None:
        """A materialised step is read from the store when kept there under its fingerprint, else computed into it.

        A prepared step's fingerprint is that of its own inputs; any other step's is the pass's chain
        (every registered relation and every step run on them so far), so it is reused only by a run
        on the same data, settings, as-of time and steps, and kept only when the pass is
        ``repeatable`` (an as-of time read from the clock never comes again: keeping would cost a
        write for nothing).
        """
        self._prints.steps.pop(step.table, None)  # until kept again, an earlier run's fingerprint says nothing
        store = self._prepared_store()
        window = self._pass_chain(step, sql) if store and self.repeatable else None  # views too: they are read
        if store is None or step.view:
            self._execute(step.table, sql, step.view)
            return
        fingerprint = self._prints.of_step(step, sql) if step.prepared else window
        if fingerprint and (store.holds(step, fingerprint) or store.save(step, sql, fingerprint)):
            self._replace(step.table, f"SELECT * FROM {store.table(step, fingerprint)}", view=True)
            self._prints.steps[step.table] = fingerprint
            return
        self._execute(step.table, sql, step.view)

    @property
    def keeps_steps(self) -> bool:
        return self.repeatable and self._prepared_store() is not None

    def _pass_chain(self, step: Step, sql: str) -> str | None:
        """The pass's chain after ``step`` (started from the registered relations at the pass's first step)."""
        if self._chain_from_scratch:
            self._chain = self._prints.of_pass(self._registered)
            self._chain_from_scratch = False
        self._chain = chained(self._chain, step, sql)
        return self._chain

    def _prepared_store(self) -> PreparedStore | None:
        """The store for the tables registered now (re-chosen when another workspace's tables are registered)."""
        setting = self._prepared_at
        path = store_for(self._prints.parquet) if setting is None else None if setting is False else Path(setting)
        if self._store and self._store.path != path:
            self._store.close()
            self._store = None
        if path and (self._store is None or self._store.path != path) and path not in self._store_failed:
            self._store = PreparedStore.open(self.con.execute, path)
            if self._store is None:
                self._store_failed.add(path)
        return self._store

    def _replace(self, name: str, sql: str, view: bool) -> None:
        """(Re)define ``name`` as a table or view of ``sql``, whichever kind it was before."""
        self._drop(name)
        kind = "VIEW" if view else "TABLE"
        self.con.execute(f'CREATE {kind} "{name}" AS {sql}')
        self._kinds[name] = kind

    def _drop(self, name: str) -> None:
        """Drop whatever ``name`` is (a table or a view): DuckDB refuses DROP VIEW on a table and vice versa."""
        kind = self._kinds.pop(name, None)
        if kind:
            self.con.execute(f'DROP {kind} IF EXISTS "{name}"')

    def exists(self, name: str) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
        return bool(found and found[0])

    def _fetch(self, sql: str) -> list[dict[str, Any]]:
        cur = self.con.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def _stream(self, sql: str, batch: int) -> Iterator[dict[str, Any]]:
        # Each stream on its own cursor: a query run on the connection while a stream is being read (the
        # run store reads evidence while it walks the accounts to write) would otherwise replace its result.
        cur = self.con.cursor()
        try:
            cur.execute("SET TimeZone = 'UTC'")
            cur.execute(sql)
            cols = [d[0] for d in cur.description]
            while rows := cur.fetchmany(batch):
                for row in rows:
                    yield dict(zip(cols, row, strict=True))
        finally:
            cur.close()

    def _write_parquet(self, sql: str, path: str) -> None:
        self.con.execute(f"COPY ({sql}) TO {literal(path)} (FORMAT parquet)")

    def _failed(self, doing: str, exc: Exception, *, sql: str, step: str | None = None) -> BridgewatchError:
        """Running out of memory is the machine's limit, not a failed query: said so, with what to change."""
        if isinstance(exc, duckdb.OutOfMemoryException):
            limit = self.con.execute("SELECT current_setting('memory_limit')").fetchone()
            return EnvironmentProblem(
                f"{doing} ran out of memory on DuckDB (memory limit {limit[0] if limit else 'unknown'}). To fix: "
                "raise --memory-limit (or free memory on the machine), or lower --threads (each thread holds its "
                "own working memory); what does not fit is spilled to DuckDB's temporary directory, which needs "
                "free disk space.")
        return super()._failed(doing, exc, sql=sql, step=step)

    def write_csv(self, sql: str, path: str) -> int:
        # COMMENT '' so a cell starting with '#' is not quoted (the csv module does not quote it either).
        try:
            written = self.con.execute(f"COPY ({sql}) TO {literal(path)} (FORMAT csv, HEADER, DELIMITER ',', "
                                       "QUOTE '\"', ESCAPE '\"', COMMENT '', NEW_LINE '\\n')").fetchone()
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"Writing CSV to {path} failed on DuckDB: {exc}", sql=sql) from exc
        return int(written[0]) if written else 0

    def close(self) -> None:
        if self._store:
            self._store.close()
        self.con.close()
