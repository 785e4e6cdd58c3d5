"""Engines run the cards' SQL; they differ only through small dialect objects.

``get_engine("duckdb")`` is the embedded default; ``get_engine("spark")`` needs the ``spark`` extra
(imported only then). ``open_engine`` is the same, taking the options a command line offers.
"""

from __future__ import annotations

from typing import Any

from bridgewatch.engine.base import Engine, SqlPipeline, Step
from bridgewatch.errors import ConfigError, did_you_mean

ENGINES = ("duckdb", "spark")


def get_engine(name: str = "duckdb", **options: Any) -> Engine:
    """Build an engine by name; unknown names fail with a did-you-mean error."""
    if name == "duckdb":
        from bridgewatch.engine.duckdb import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "spark":
        from bridgewatch.engine.spark import SparkEngine

        return SparkEngine(**options)
    raise did_you_mean("engine", name, ENGINES)


def open_engine(name: str = "duckdb", *, spark_master: str | None = None) -> Engine:
    """The engine a command asked for; ``spark_master`` (a Spark master URL) only applies to Spark."""
    if spark_master and name != "spark":
        raise ConfigError(f"--spark-master only applies to --engine spark (got --engine {name}).")
    return get_engine(name, master=spark_master) if spark_master else get_engine(name)


__all__ = ["ENGINES", "Engine", "SqlPipeline", "Step", "get_engine", "open_engine"]
