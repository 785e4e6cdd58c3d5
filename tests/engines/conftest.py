"""One SparkSession for every Spark test (starting Spark costs seconds), and the engines to run on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "1g",
}
"""Small shuffles: test data is tiny, and every extra partition is a task to schedule."""


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """A local[2] session shared by all Spark tests; skipped when pyspark is not installed."""
    pytest.importorskip("pyspark")
    from bridgewatch.engine.spark import build_session

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
