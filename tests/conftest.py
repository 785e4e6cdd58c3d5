"""Shared fixtures: build a scenario on disk, load it, compute its cards; Spark tests skip without Java."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from bridgewatch.cards.compute import compute
from bridgewatch.report.result import CardResult
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

Runner = Callable[..., list[CardResult]]


@pytest.fixture
def run_cards(tmp_path: Path, request: pytest.FixtureRequest) -> Runner:
    """Write a scenario under tmp_path, load it and compute its cards on DuckDB.

    A card test's scenarios are recorded for the engine parity run (tests/cards/registry.py), so
    that run need not compute the card tests a second time.
    """
    from .cards.registry import card_test_name, record

    name = card_test_name(request.node.module.__name__, request.node.function) if request.node.module else None

    def go(scenario: Scenario, *, cards: Sequence[str] | None = None, **kwargs: object) -> list[CardResult]:
        if name is not None:
            record(name, scenario, cards=cards, as_of=kwargs.get("as_of"))  # type: ignore[arg-type]
        root = scenario.write(tmp_path / str(scenario.config["workspace"]["id"]))  # type: ignore[index]
        return compute([load_workspace(root)], cards=cards, **kwargs)  # type: ignore[arg-type]

    return go


@pytest.fixture
def run_card(run_cards: Runner) -> Callable[..., CardResult]:
    """Like run_cards, for a scenario with exactly one card."""

    def go(scenario: Scenario, **kwargs: object) -> CardResult:
        results = run_cards(scenario, **kwargs)
        assert len(results) == 1
        return results[0]

    return go


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Spark tests need pyspark and a Java runtime; without either they are skipped, saying which."""
    reason = _no_spark_reason()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.skip(reason=reason))


def _no_spark_reason() -> str | None:
    try:
        from bridgewatch.engine.spark import java_command
    except ImportError:  # pragma: no cover - the engine module itself has no hard pyspark import
        return "bridgewatch.engine.spark cannot be imported"
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'bridgewatch[spark]')"
    if java_command() is None:
        return "no Java runtime (JAVA_HOME unset or wrong, no java on PATH): Spark needs Java 17+"
    return None
