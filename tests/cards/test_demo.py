"""The two worked examples, computed from the generated demo workspaces, give the seeds' tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bridgewatch.demo import write_demo
from bridgewatch.report.result import CardResult
from bridgewatch.results import collect
from bridgewatch.workspace import load_workspace


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CardResult]:
    folders = write_demo(tmp_path_factory.mktemp("demo"))
    return {r.card: r for folder in folders for r in collect([load_workspace(folder)])}


def test_sage_worked_example(demo_results: dict[str, CardResult]) -> None:
    r = demo_results["sage_customer_master_gap"]
    assert (r.count, r.active_orders, r.alert.fired, r.alert.threshold) == (14, 39, True, 10)
    assert [(b.key, b.customers, b.active_orders) for b in r.by_cause if b.customers] == [
        ("merged_retired", 1, 2), ("create_failed", 4, 11), ("lagging", 3, 7), ("never_synced", 6, 19)]
    assert [(b.customers, b.active_orders) for b in r.by_rejection_reason] == [(4, 11)]
    assert [(b.key, b.customers) for b in r.by_segment] == [("b2b", 14), ("dtc", 0)]
    assert r.roles == ("owner", "finance", "marketing", "operations")


def test_d365_worked_example(demo_results: dict[str, CardResult]) -> None:
    r = demo_results["d365_customer_master_gap"]
    assert (r.count, r.alert.fired) == (17, True)
    assert [(b.key, b.customers) for b in r.by_segment] == [("b2b", 6), ("dtc", 11)]
    assert r.blocked_value_reporting == Decimal("61200.00")
    top = r.customers[0]
    assert (top.rank, top.name, top.blocked_value_reporting) == (1, "Wholesale-X", Decimal("18400.00"))
    assert r.dataverse_not_promoted == 4
    assert r.awaiting_sync == 1


def test_demo_cli_prints_both_readouts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bridgewatch.cli import app

    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    cards = {c["card"]: c for c in json.loads(result.stdout)}
    assert cards["sage_customer_master_gap"]["count"] == 14
    assert cards["d365_customer_master_gap"]["blocked_value_reporting"] == "61200.00"
    assert (tmp_path / "uk-trade-sage" / "workspace.toml").is_file()
