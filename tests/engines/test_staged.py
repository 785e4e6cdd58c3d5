"""Staged workspaces: sources read once into canonical Parquet, then scanned in place by the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.batch import run_and_write, stage_many, staged_workspace
from bridgewatch.cli import EXIT_INPUT, app
from bridgewatch.demo import write_demo
from bridgewatch.errors import ConfigError, InputError
from bridgewatch.model.tables import TABLES

from .test_batch import _good

runner = CliRunner()


@pytest.fixture(scope="module")
def vendor_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two worked examples as vendor files (Intacct XML, BigCommerce/Adobe JSON, F&O JSON, ...)."""
    root = tmp_path_factory.mktemp("vendor-demo")
    write_demo(root)
    return root


def _cards(out: Path) -> dict[str, list[dict[str, object]]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json")) if p.name != "batch.json"}


def test_staged_batch_gives_the_same_results_as_reading_the_sources(vendor_demo: Path, tmp_path: Path) -> None:
    staged = stage_many(vendor_demo, str(tmp_path / "tables"))
    assert sorted(w for w, _ in staged) == ["uk-trade-sage", "us-distributor-d365"]
    for _, path in staged:
        assert sorted(p.name for p in path.glob("*.parquet")) == sorted(f"{t.name}.parquet" for t in TABLES)
    run_and_write(vendor_demo, tmp_path / "direct")
    done = run_and_write(vendor_demo, tmp_path / "staged", staged=True, tables_root=str(tmp_path / "tables"))
    assert not done.failed
    direct, from_parquet = _cards(tmp_path / "direct"), _cards(tmp_path / "staged")
    assert from_parquet == direct
    assert [c["count"] for c in from_parquet["uk-trade-sage"]] == [14]
    assert [c["count"] for c in from_parquet["us-distributor-d365"]] == [17]


def test_staging_keeps_the_ingest_accounting(vendor_demo: Path, tmp_path: Path) -> None:
    [(_, path)] = [s for s in stage_many(vendor_demo, str(tmp_path)) if s[0] == "uk-trade-sage"]
    record = json.loads((path / "ingest.json").read_text())
    assert record["workspace"] == "uk-trade-sage"
    assert record["files"] and all(f["read"] == f["used"] + sum(f["excluded"].values()) + f["quarantined"]
                                   for f in record["files"])


def test_an_unstaged_workspace_is_reported_not_guessed(tmp_path: Path) -> None:
    group = tmp_path / "group"
    _good(group, "brand-a")
    stage_many(group / "brand-a")
    _good(group, "brand-b")
    done = run_and_write(group, tmp_path / "out", staged=True)
    status = {r.name: (r.ok, str(r.error or "")) for r in done.runs}
    assert status["brand-a"] == (True, "")
    assert not status["brand-b"][0] and "is not staged: missing" in status["brand-b"][1]
    assert "commerce_customers.parquet" in status["brand-b"][1]


def test_stage_refuses_to_write_to_object_storage(tmp_path: Path) -> None:
    _good(tmp_path, "brand-a")
    with pytest.raises(ConfigError, match="stage writes local folders, not s3a://bucket/bw"):
        stage_many(tmp_path / "brand-a", "s3a://bucket/bw")


def test_cli_stage_then_batch_staged(tmp_path: Path) -> None:
    group = tmp_path / "group"
    _good(group, "brand-a")
    _good(group, "brand-b")
    staged = runner.invoke(app, ["stage", "--workspaces", str(group)])
    assert staged.exit_code == 0, staged.output
    assert f"staged brand-a -> {group / 'brand-a' / 'canonical'}" in staged.stdout
    done = runner.invoke(app, ["batch", "--workspaces", str(group), "--staged", "--out", str(tmp_path / "o")])
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "o" / "brand-b.json").read_text())[0]["count"] == 1
    missing = runner.invoke(app, ["stage", "-w", str(tmp_path / "nowhere")])
    assert missing.exit_code == EXIT_INPUT and "does not exist" in missing.output


@pytest.mark.spark
def test_spark_scans_staged_parquet_and_agrees(tmp_path: Path, spark_engine: object) -> None:
    group = tmp_path / "group"
    _good(group, "brand-a")
    stage_many(group)
    from bridgewatch.engine.duckdb import DuckDBEngine
    from bridgewatch.results import collect

    ws = staged_workspace(group / "brand-a")
    assert all(isinstance(v, str) and v.endswith(".parquet") for v in ws.tables.values())
    on_spark = collect([ws], engine=spark_engine)
    on_duckdb = collect([ws], engine=DuckDBEngine())
    assert [r.to_dict() for r in on_spark] == [r.to_dict() for r in on_duckdb]
    assert on_spark[0].count == 1


def test_tables_staged_under_another_workspace_id_are_refused(tmp_path: Path) -> None:
    """Staged rows carry the workspace id they were staged with; a renamed workspace would match none."""
    folder = _good(tmp_path, "brand-a")
    stage_many(folder)
    config = folder / "workspace.toml"
    config.write_text(config.read_text().replace('id = "brand-a"', 'id = "brand-z"'))
    with pytest.raises(InputError, match="was staged for workspace 'brand-a', but workspace.toml now says "
                                         "'brand-z'"):
        staged_workspace(folder)
