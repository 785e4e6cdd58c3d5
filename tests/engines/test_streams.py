"""Streams read side by side on one DuckDB engine each keep their own rows (the run store interleaves them)."""

from __future__ import annotations

import pyarrow as pa

from bridgewatch.engine.duckdb import DuckDBEngine


def test_interleaved_streams_each_read_their_own_query() -> None:
    with DuckDBEngine() as engine:
        engine.register("bw_numbers", pa.table({"n": list(range(5))}))
        outer = engine.stream("SELECT n FROM bw_numbers ORDER BY n", batch=1)
        seen = []
        for row in outer:
            inner = list(engine.stream(f"SELECT n * 10 AS m FROM bw_numbers WHERE n = {int(row['n'])}", batch=1))
            seen.append((row["n"], inner[0]["m"]))
        assert seen == [(0, 0), (1, 10), (2, 20), (3, 30), (4, 40)]
