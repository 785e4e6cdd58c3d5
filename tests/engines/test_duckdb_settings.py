"""The settings the DuckDB engine gives its database."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bridgewatch.engine.duckdb import DuckDBEngine

SETTING = "SELECT current_setting('checkpoint_threshold') AS v"


def test_only_an_in_memory_database_stops_checkpointing(tmp_path: Path) -> None:
    """In memory, a checkpoint stalls a step for nothing (its tables reach no file); a database file keeps the
    default, or its write-ahead log would grow with every step."""
    default = duckdb.connect().execute(SETTING).fetchone()
    with DuckDBEngine() as memory, DuckDBEngine(database=str(tmp_path / "db.duckdb")) as on_disk:
        assert on_disk.fetch(SETTING)[0]["v"] == (default[0] if default else None)
        assert memory.fetch(SETTING)[0]["v"] != on_disk.fetch(SETTING)[0]["v"]
