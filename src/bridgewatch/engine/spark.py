"""Apache Spark engine: the same card SQL, transpiled by the Spark dialect, for data beyond one machine.

Spark is the ``spark`` extra and is imported only when this engine is built. Locally it starts
a ``local[2]`` session; on a cluster pass ``master`` or an existing ``session``.

Each materialised step is an eager ``localCheckpoint``: later steps and the many small result
reads then scan the step's blocks instead of re-running its whole lineage, and the lineage (and
so the planning time) stays one step deep. Checkpoint blocks live in executor memory and spill
to local disk, so a step larger than memory still completes. A view step is a temp view over its
(lazy) query, planned into whatever reads it.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from bridgewatch.engine.base import Engine, Step, parquet_paths
from bridgewatch.engine.dialect import SPARK, split_materialized
from bridgewatch.errors import EngineUnavailable, EnvironmentProblem

log = logging.getLogger(__name__)

DEFAULT_MASTER = "local[2]"

SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.ansi.enabled": "false",
}
"""Settings the card SQL relies on, applied to any session (also one passed in).

UTC so naive UTC timestamps round-trip unchanged; non-ANSI so casts and arithmetic behave like
DuckDB's (NULL on a bad cast rather than an error, which the typed inputs never trigger anyway).
"""

LOCAL_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "2g",
}
"""Defaults for a session this engine starts itself (a cluster's own defaults are left alone)."""


def _session_class() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineUnavailable("The Spark engine needs pyspark: pip install 'bridgewatch[spark]' "
                                "(and a Java 17+ runtime).") from exc
    return SparkSession


JAVA_FIX = ("install a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install "
            "openjdk@17) and put it on PATH or set JAVA_HOME, or run with --engine duckdb")


def java_command() -> str | None:
    """The ``java`` Spark would start: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def check_java() -> None:
    """Fail with the fix before Spark tries to start a JVM that is not there.

    Raises:
        EnvironmentProblem: no java executable (JAVA_HOME wrong, or none on PATH).
    """
    if java_command() is not None:
        return
    home = os.environ.get("JAVA_HOME")
    where = f"JAVA_HOME={home} has no bin/java" if home else "no java on PATH and JAVA_HOME is not set"
    raise EnvironmentProblem(f"--engine spark needs Java, and none was found ({where}). To fix: {JAVA_FIX}.")


def _jvm_running() -> bool:
    from pyspark import SparkContext

    return SparkContext._active_spark_context is not None or submitted()


def submitted() -> bool:
    """True inside a driver launched by ``spark-submit`` (its JVM is already up and owns the master)."""
    return bool(os.environ.get("PYSPARK_GATEWAY_PORT"))


def build_session(master: str | None = DEFAULT_MASTER, conf: dict[str, str] | None = None) -> Any:
    """Get or create a quiet SparkSession for bridgewatch; ``conf`` adds or overrides settings.

    ``master=None`` leaves the master to whoever launched the driver (``spark-submit --master``).

    Raises:
        EngineUnavailable: pyspark is not installed.
        EnvironmentProblem: no Java runtime, or the JVM would not start.
    """
    builder = _session_class().builder.appName("bridgewatch")
    if master is not None:
        builder = builder.master(master)
    defaults = LOCAL_CONF if master is not None and master.startswith("local") else {}
    for key, value in {**defaults, **SESSION_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    if not _jvm_running():
        check_java()
    try:
        session = builder.getOrCreate()
    except (RuntimeError, OSError) as exc:  # pyspark's PySparkRuntimeError: the Java gateway did not start
        java_home = os.environ.get("JAVA_HOME", "not set")
        raise EnvironmentProblem(f"Spark could not start its Java process: {str(exc).rstrip('.')}. To fix: check "
                                 f"that `java -version` shows 17 or later (JAVA_HOME={java_home}), or run with "
                                 f"--engine duckdb.") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine(Engine):
    """Runs pipelines on a SparkSession: Arrow tables in, checkpointed temp views per step, rows out."""

    dialect = SPARK

    def __init__(self, *, session: Any = None, master: str | None = None, conf: dict[str, str] | None = None,
                 debug: bool = False) -> None:
        """Use ``session`` when given, else get or create one on ``master``.

        Without ``master`` or ``conf``, an active session is used as it is configured (its
        settings are not overwritten); otherwise the session is ``local[2]``, except under
        ``spark-submit``, whose ``--master`` (a cluster) is then used.
        """
        if session is None and master is None and conf is None:
            session = _session_class().getActiveSession()  # someone else's: used as configured
        self.owns_session = session is None
        if session is None:
            session = build_session(master or (None if submitted() else DEFAULT_MASTER), conf)
        self.spark = session
        for key, value in SESSION_CONF.items():
            self.spark.conf.set(key, value)
        self.debug = debug
        self._frames: dict[str, Any] = {}

    def register(self, name: str, data: Any) -> None:
        """Register ``data`` as temp view ``name``: an Arrow table, a Spark DataFrame or a Parquet path.

        Arrow tables are cached so the card steps do not re-ship them from the driver; Parquet
        paths (local, ``s3a://``, ``abfss://``, ``gs://``) are read where they lie.
        """
        paths = parquet_paths(data)
        if paths is not None:
            frame = self.spark.read.option("mergeSchema", "true").parquet(*paths)
        elif isinstance(data, pa.Table):
            frame = self.spark.createDataFrame(data).cache()
        else:
            frame = data
        self._replace(name, frame)

    def _execute(self, name: str, sql: str, view: bool = False) -> None:
        frame = self.spark.sql(sql)
        self._replace(name, frame if view else frame.localCheckpoint(eager=True))

    def _execute_step(self, step: Step, sql: str) -> None:
        """A step's ``AS MATERIALIZED`` CTEs are checkpointed first: Spark would recompute a CTE at each reference."""
        lifted, rest = split_materialized(step.sql, f"{step.table}__")
        if not lifted:
            self._execute(step.table, sql, step.view)
            return
        for name, query in lifted:
            self._execute(f"{step.table}__{name}", self.dialect.translate(query))
        self._execute(step.table, self.dialect.translate(rest), step.view)

    def _replace(self, name: str, frame: Any) -> None:
        old = self._frames.pop(name, None)
        frame.createOrReplaceTempView(name)
        self._frames[name] = frame
        if old is not None:
            old.unpersist()

    def exists(self, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(name))

    def _fetch(self, sql: str) -> list[dict[str, Any]]:
        return [_python_row(row) for row in self.spark.sql(sql).toArrow().to_pylist()]

    def _stream(self, sql: str, batch: int) -> Iterator[dict[str, Any]]:
        """Rows a partition at a time (``toLocalIterator``): the driver never holds the whole result."""
        for row in self.spark.sql(sql).toLocalIterator(prefetchPartitions=True):
            yield _local_row(row.asDict(recursive=True))

    def _write_parquet(self, sql: str, path: str) -> None:
        self.spark.sql(sql).write.mode("overwrite").parquet(path)

    def close(self) -> None:
        """Drop this engine's views and cached data; stop the session only if this engine started it."""
        for name, frame in self._frames.items():
            self.spark.catalog.dropTempView(name)
            frame.unpersist()
        self._frames.clear()
        if self.owns_session:
            self.spark.stop()


def _python_row(row: dict[str, Any]) -> dict[str, Any]:
    """Rows with the Python types DuckDB returns (Spark's Arrow timestamps come back UTC-aware)."""
    return {k: _naive_utc(v) if isinstance(v, datetime) else v for k, v in row.items()}


def _naive_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _local_row(row: dict[str, Any]) -> dict[str, Any]:
    """Rows from ``toLocalIterator``: PySpark builds naive datetimes in the driver's local zone; make them UTC."""
    return {k: v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v for k, v in row.items()}
