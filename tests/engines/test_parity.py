"""Parity: every card scenario gives identical results on DuckDB and on Spark.

All scenarios (the demo, the registry's own and those harvested from the card tests) are
computed as one multi-workspace batch per engine, exactly as ``bridgewatch batch`` does, then
compared workspace by workspace: every field of ``CardResult.to_dict()``, so per-customer rows
and money to the cent, and the same workspaces failing with the same message.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bridgewatch.batch import WorkspaceRun, compute_batch
from bridgewatch.engine import get_engine
from bridgewatch.workspace import Workspace, load_workspace

from ..cards.registry import Factory, all_scenarios

pytestmark = pytest.mark.spark


@cache
def scenarios() -> dict[str, Factory]:
    return all_scenarios()


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> list[Workspace]:
    root = tmp_path_factory.mktemp("parity")
    return [load_workspace(factory().write(root / name)) for name, factory in scenarios().items()]


@pytest.fixture(scope="module")
def on_duckdb(workspaces: list[Workspace]) -> dict[str, Any]:
    engine = get_engine("duckdb")
    try:
        return _by_workspace(workspaces, engine)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def on_spark(workspaces: list[Workspace], spark_session: Any) -> dict[str, Any]:
    from bridgewatch.engine.spark import SparkEngine

    engine = SparkEngine(session=spark_session)
    try:
        return _by_workspace(workspaces, engine)
    finally:
        engine.close()


def _by_workspace(workspaces: list[Workspace], engine: Any) -> dict[str, Any]:
    """Per workspace: its results as JSON-ready dicts (read while the pass holds them), or its error."""
    out: dict[str, Any] = {}

    def keep(run: WorkspaceRun) -> WorkspaceRun:
        if run.error is not None:
            out[run.name] = (type(run.error).__name__, str(run.error))
        for result in run.results:
            out.setdefault(run.name, {})[result.card.id] = result.collect().to_dict()
        return run

    compute_batch(workspaces, engine=engine, handle=keep)
    return out


def test_every_scenario_is_in_the_batch(on_duckdb: dict[str, Any]) -> None:
    assert set(on_duckdb) == set(scenarios())
    assert len(scenarios()) >= 40, "the card tests should have been harvested"


@pytest.mark.parametrize("name", list(scenarios()))
def test_same_results_on_both_engines(name: str, on_duckdb: dict[str, Any], on_spark: dict[str, Any]) -> None:
    expected, got = on_duckdb[name], on_spark.get(name)
    if isinstance(expected, dict) and isinstance(got, dict):
        for card, result in expected.items():
            _assert_same(result, got.get(card), path=card)
    assert got == expected


def _assert_same(expected: Any, got: Any, path: str) -> None:
    """Descend to the first differing field so a failure names it (e.g. customers[3].blocked_value)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in expected.keys() | got.keys():
            _assert_same(expected.get(key), got.get(key), f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            _assert_same(e, g, f"{path}[{i}]")
    else:
        assert got == expected, f"{path} differs: DuckDB {expected!r}, Spark {got!r}"


def test_written_scenarios_load_from_disk(tmp_path: Path) -> None:
    """The registry's factories return fresh scenarios (mutating one leaves the next untouched)."""
    factory = next(iter(scenarios().values()))
    first = factory()
    first.rows.clear()
    assert factory().rows
