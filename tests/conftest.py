"""Shared fixtures: build a scenario on disk, load it, compute its cards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

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
