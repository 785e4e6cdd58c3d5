"""The settings the DuckDB engine gives its database."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from bridgewatch.engine import EngineChoice, Step, open_engine
from bridgewatch.engine.duckdb import DuckDBEngine
from bridgewatch.errors import ConfigError, EnvironmentProblem

SETTING = "SELECT current_setting('checkpoint_threshold') AS v"


def test_only_an_in_memory_database_stops_checkpointing(tmp_path: Path) -> None:
    """In memory, a checkpoint stalls a step for nothing (its tables reach no file); a database file keeps the
    default, or its write-ahead log would grow with every step."""
    default = duckdb.connect().execute(SETTING).fetchone()
    with DuckDBEngine() as memory, DuckDBEngine(database=str(tmp_path / "db.duckdb")) as on_disk:
        assert on_disk.fetch(SETTING)[0]["v"] == (default[0] if default else None)
        assert memory.fetch(SETTING)[0]["v"] != on_disk.fetch(SETTING)[0]["v"]


@pytest.mark.parametrize(("given", "shown"), [("512MB", "488.2 MiB"), ("1GiB", "1.0 GiB"), (" 800 mb ", "762.9 MiB")])
def test_a_memory_limit_and_threads_are_given_to_duckdb(given: str, shown: str) -> None:
    with DuckDBEngine(memory_limit=given, threads=1) as engine:
        row = engine.fetch("SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t")[0]
    assert (row["m"], row["t"]) == (shown, 1)


@pytest.mark.parametrize(("given", "why"), [
    ("lots", "is not a memory size"), ("-1GB", "is not a memory size"), ("150%", "is not a memory size"),
    ("100B", "is too small for DuckDB to work in (64MB at least)"), ("10MB", "is too small"),
])
def test_a_memory_limit_duckdb_cannot_use_is_refused_saying_what_to_give(given: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        DuckDBEngine(memory_limit=given)
    assert str(caught.value).startswith(f"DuckDB memory limit {given!r} (--memory-limit) {why}")
    assert "such as 1.2GB, 800MB or 2GiB, or a share of the machine's memory such as 50%" in str(caught.value)


def test_running_out_of_memory_is_the_machine_not_a_failed_query() -> None:
    """A list of 30M integers (240 MB) cannot be spilled: under a 64MB limit DuckDB runs out of memory."""
    with DuckDBEngine(memory_limit="64MB", threads=1) as engine, pytest.raises(EnvironmentProblem) as caught:
        engine.run([Step("big", "SELECT list(i) AS l FROM range(30000000) AS t(i)")])
    assert str(caught.value).startswith("SQL step 'big' ran out of memory on DuckDB (memory limit 61.0 MiB). "
                                        "To fix: raise --memory-limit")
    assert caught.value.exit_code == 8


@pytest.mark.parametrize(("choice", "message"), [
    (EngineChoice("spark", memory_limit="1GB"), "--memory-limit only applies to --engine duckdb (got --engine spark)"),
    (EngineChoice("spark", threads=2), "--threads only applies to --engine duckdb"),
    (EngineChoice("spark", memory_limit="1GB", threads=2),
     "--memory-limit and --threads only apply to --engine duckdb"),
    (EngineChoice("duckdb", spark_master="local[1]"), "--spark-master only applies to --engine spark"),
    (EngineChoice("duckdb", threads=0), "--threads must be 1 or more (got 0)"),
])
def test_an_option_the_engine_does_not_take_is_refused(choice: EngineChoice, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        open_engine(choice)


def test_a_spark_master_beside_a_choice_is_used_or_refused_never_dropped() -> None:
    with pytest.raises(ConfigError, match=re.escape("--spark-master only applies to --engine spark")):
        open_engine(EngineChoice("duckdb"), spark_master="local[1]")  # was silently ignored
    with pytest.raises(ConfigError, match=re.escape("Two Spark masters were given ('local[1]' in the engine "
                                                    "choice, 'local[2]' beside it)")):
        open_engine(EngineChoice("spark", spark_master="local[1]"), spark_master="local[2]")
