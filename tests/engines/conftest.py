"""One SparkSession for every Spark test (starting Spark costs seconds), and the engines to run on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "1g",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}
"""Settings for tiny data, chosen for speed only (the SQL and every assertion are unchanged).

Small shuffles: every extra partition is a task to schedule. No adaptive re-planning and no
generated Java code: each of the card pipeline's many small queries would otherwise spend longer
planning and compiling than running (interpreted evaluation is Spark's own fallback for the same
expressions); measured here, a pipeline's second run took 21 s instead of 56 s. Production
sessions keep Spark's defaults (``bridgewatch.engine.spark.LOCAL_CONF``).
"""


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """The one local[2] session of the test run, shared by all Spark tests; skipped without pyspark or Java."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'bridgewatch[spark]')")
    from bridgewatch.engine.spark import build_session, java_command

    if java_command() is None:
        pytest.skip("no Java runtime (JAVA_HOME unset or wrong, no java on PATH): Spark needs Java 17+")

    session = build_session("local[2]", TEST_CONF)
    yield session
    session.stop()


@pytest.fixture
def spark_engine(spark_session: Any) -> Iterator[Any]:
    """A SparkEngine on the shared session; its views are dropped afterwards."""
    from bridgewatch.engine.spark import SparkEngine

    engine = SparkEngine(session=spark_session)
    yield engine
    engine.close()
