"""The embedded default engine: DuckDB in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb

from bridgewatch.engine.base import Engine, parquet_paths
from bridgewatch.engine.dialect import DUCKDB
from bridgewatch.sql import literal


class DuckDBEngine(Engine):
    """Runs pipelines on an in-process DuckDB connection (in memory unless a path is given)."""

    dialect = DUCKDB

    def __init__(self, *, database: str = ":memory:", threads: int | None = None,
                 memory_limit: str | None = None, temp_directory: str | None = None, debug: bool = False) -> None:
        """``memory_limit`` caps DuckDB's memory; beyond it, work spills to ``temp_directory``."""
        self.con = duckdb.connect(database)
        self.con.execute("SET TimeZone = 'UTC'")
        # Steps are materialised in full and every read orders its rows, so DuckDB need not keep
        # insertion order: big CREATE TABLE AS steps then run in parallel with less memory.
        self.con.execute("SET preserve_insertion_order = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {literal(memory_limit)}")
        if temp_directory:
            self.con.execute(f"SET temp_directory = {literal(temp_directory)}")
        self.debug = debug
        self._registered: set[str] = set()

    def register(self, name: str, data: Any) -> None:
        """Copy an Arrow table in, or put a view over Parquet file(s) (scanned in place, never loaded whole)."""
        paths = parquet_paths(data)
        if paths is not None:
            listed = ", ".join(literal(p) for p in paths)
            self._drop(name)
            self.con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{listed}], '
                             f"union_by_name = true)")
            self._registered.add(name)
            return
        self._drop(name)
        self.con.register(f"__arrow_{name}", data)
        self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "__arrow_{name}"')
        self.con.unregister(f"__arrow_{name}")
        self._registered.add(name)

    def _drop(self, name: str) -> None:
        """Drop whatever ``name`` is (a table or a view): DuckDB refuses DROP VIEW on a table and vice versa."""
        found = self.con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?",
                                 [name]).fetchone()
        if found:
            self.con.execute(f'DROP {"VIEW" if found[0] == "VIEW" else "TABLE"} "{name}"')

    def _execute(self, name: str, sql: str) -> None:
        self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')

    def exists(self, name: str) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
        return bool(found and found[0])

    def _fetch(self, sql: str) -> list[dict[str, Any]]:
        cur = self.con.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def _stream(self, sql: str, batch: int) -> Iterator[dict[str, Any]]:
        cur = self.con.execute(sql)
        cols = [d[0] for d in cur.description]
        while rows := cur.fetchmany(batch):
            for row in rows:
                yield dict(zip(cols, row, strict=True))

    def _write_parquet(self, sql: str, path: str) -> None:
        self.con.execute(f"COPY ({sql}) TO {literal(path)} (FORMAT parquet)")

    def close(self) -> None:
        self.con.close()
