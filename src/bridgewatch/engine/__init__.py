"""Engines run the cards' SQL; they differ only through small dialect objects.

``get_engine("duckdb")`` is the embedded default; ``get_engine("spark")`` needs the ``spark`` extra.
"""

from __future__ import annotations

from typing import Any

from bridgewatch.engine.base import Engine, SqlPipeline, Step
from bridgewatch.errors import did_you_mean

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


__all__ = ["ENGINES", "Engine", "SqlPipeline", "Step", "get_engine"]
