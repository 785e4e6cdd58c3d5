"""The embedded default engine: DuckDB in-process."""

from __future__ import annotations

from typing import Any

import duckdb

from bridgewatch.engine.base import Engine
from bridgewatch.engine.dialect import DUCKDB


class DuckDBEngine(Engine):
    """Runs pipelines on an in-process DuckDB connection (in memory unless a path is given)."""

    dialect = DUCKDB

    def __init__(self, *, database: str = ":memory:", threads: int | None = None,
                 memory_limit: str | None = None, debug: bool = False) -> None:
        self.con = duckdb.connect(database)
        self.con.execute("SET TimeZone = 'UTC'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.debug = debug
        self._registered: set[str] = set()

    def register(self, name: str, data: Any) -> None:
        self.con.register(f"__arrow_{name}", data)
        self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "__arrow_{name}"')
        self.con.unregister(f"__arrow_{name}")
        self._registered.add(name)

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

    def close(self) -> None:
        self.con.close()
