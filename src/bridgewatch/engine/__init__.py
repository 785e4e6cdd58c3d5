"""Engines run the cards' SQL; they differ only through small dialect objects.

``get_engine("duckdb")`` is the embedded default; ``get_engine("spark")`` needs the ``spark`` extra
(imported only then). ``open_engine`` is the same, taking the options a command line offers
(:class:`EngineChoice`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class EngineChoice:
    """The engine a command asked for, with the options a command line offers.

    ``memory_limit`` (a size DuckDB reads, such as ``1.2GB``; beyond it DuckDB spills to disk),
    ``threads`` and ``prepared`` (False: keep no prepared store next to staged tables) apply to
    DuckDB; ``spark_master`` (a Spark master URL) to Spark. Unset, DuckDB keeps its own defaults
    (80% of the machine's memory, one thread per core).
    """

    name: str = "duckdb"
    spark_master: str | None = None
    memory_limit: str | None = None
    threads: int | None = None
    prepared: bool = True

    def options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`get_engine`, refusing an option the engine does not take."""
        if self.spark_master and self.name != "spark":
            raise ConfigError(f"--spark-master only applies to --engine spark (got --engine {self.name}).")
        duckdb_only = [flag for flag, value in (("--memory-limit", self.memory_limit), ("--threads", self.threads),
                                                ("--no-prepared-store", None if self.prepared else True))
                       if value is not None]
        if duckdb_only and self.name != "duckdb":
            verb = "applies" if len(duckdb_only) == 1 else "apply"
            raise ConfigError(f"{' and '.join(duckdb_only)} only {verb} to --engine duckdb (got --engine "
                              f"{self.name}); size Spark with its own settings (spark.driver.memory, the "
                              "master's cores).")
        if self.threads is not None and self.threads < 1:
            raise ConfigError(f"--threads must be 1 or more (got {self.threads}).")
        options: dict[str, Any] = {"master": self.spark_master} if self.spark_master else {}
        if self.memory_limit is not None:
            from bridgewatch.engine.duckdb import checked_memory_limit

            options["memory_limit"] = checked_memory_limit(self.memory_limit)
        if self.threads is not None:
            options["threads"] = self.threads
        if not self.prepared:
            options["prepared"] = False
        return options


def open_engine(choice: str | EngineChoice = "duckdb", *, spark_master: str | None = None) -> Engine:
    """The engine a command asked for: a name or an :class:`EngineChoice` with its options.

    ``spark_master`` only applies to Spark; given beside a choice that names no master it is the
    choice's master, beside one that names another it is refused (never silently dropped).

    Raises:
        ConfigError: an option the engine does not take, or two different Spark masters.
    """
    if isinstance(choice, str):
        choice = EngineChoice(choice, spark_master=spark_master)
    elif spark_master is not None and spark_master != choice.spark_master:
        if choice.spark_master is not None:
            raise ConfigError(f"Two Spark masters were given ({choice.spark_master!r} in the engine choice, "
                              f"{spark_master!r} beside it); give one.")
        choice = replace(choice, spark_master=spark_master)
    return get_engine(choice.name, **choice.options())


__all__ = ["ENGINES", "Engine", "EngineChoice", "SqlPipeline", "Step", "get_engine", "open_engine"]
