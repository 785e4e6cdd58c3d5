"""Shared fixtures: build a scenario on disk, load it, compute its cards; one SparkSession for every Spark test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bridgewatch.report.result import CardResult
from bridgewatch.results import collect
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

Runner = Callable[..., list[CardResult]]


@pytest.fixture
def run_cards(tmp_path: Path) -> Runner:
    """Write a scenario under tmp_path, load it and compute its cards on DuckDB."""

    def go(scenario: Scenario, *, cards: Sequence[str] | None = None, **kwargs: object) -> list[CardResult]:
        root = scenario.write(tmp_path / str(scenario.config["workspace"]["id"]))  # type: ignore[index]
        return collect([load_workspace(root)], cards=cards, **kwargs)  # type: ignore[arg-type]

    return go


@pytest.fixture
def run_card(run_cards: Runner) -> Callable[..., CardResult]:
    """Like run_cards, for a scenario with exactly one card."""

    def go(scenario: Scenario, **kwargs: object) -> CardResult:
        results = run_cards(scenario, **kwargs)
        assert len(results) == 1
        return results[0]

    return go


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
