"""``bridgewatch batch``: many workspaces in one pass, one result file each, bad ones reported apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch import batch as batch_module
from bridgewatch.batch import compute_batch, find_workspaces, run_and_write
from bridgewatch.cli import EXIT_INPUT, app
from bridgewatch.engine import get_engine
from bridgewatch.errors import ConfigError, EngineError
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, d365, erp, sage, shopper

runner = CliRunner()
FRESH = ("2026-04-14T10:00:00Z",)
"""An order eight hours before the as-of time (fresh data: batch exits 0)."""


def _good(root: Path, name: str) -> Path:
    s = sage(id=name)
    company(s, "ABSENT", vat="GB111111111", orders=FRESH)
    company(s, "HERE", vat="GB222222222", orders=FRESH)
    erp(s, "C2", vat_number="222222222", country="GB")
    return s.write(root / name)


def _no_fx(root: Path, name: str) -> Path:
    s = d365(id=name)
    shopper(s, "CAD1", country="CA", currency="CAD")
    return s.write(root / name)


@pytest.fixture
def group(tmp_path: Path) -> Path:
    """Four workspaces: two good, one with a broken workspace.toml, one whose orders have no FX rate."""
    root = tmp_path / "group"
    _good(root, "brand-a")
    _good(root, "brand-b")
    _no_fx(root, "brand-c")
    (root / "brand-d").mkdir()
    (root / "brand-d" / "workspace.toml").write_text("[workspace]\nid = 'brand-d'\nerp = 'nope'\n")
    (root / "not-a-workspace").mkdir()
    return root


def test_a_folder_means_every_subfolder_with_a_workspace(group: Path) -> None:
    assert [p.name for p in find_workspaces(group)] == ["brand-a", "brand-b", "brand-c", "brand-d"]
    assert find_workspaces(group / "brand-a") == [group / "brand-a"]


def test_manifests_list_folders_relative_to_themselves(group: Path) -> None:
    (group / "list.toml").write_text('workspaces = ["brand-b", "brand-a"]\n')
    (group / "list.txt").write_text("# the two good ones\nbrand-a\n\nbrand-b  # trailing comment\n")
    assert [p.name for p in find_workspaces(group / "list.toml")] == ["brand-b", "brand-a"]
    assert [p.name for p in find_workspaces(group / "list.txt")] == ["brand-a", "brand-b"]


def test_nothing_to_run_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="names no workspace"):
        find_workspaces(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        find_workspaces(tmp_path / "missing")


def test_bad_workspaces_are_reported_and_the_rest_written(group: Path, tmp_path: Path) -> None:
    done = run_and_write(group, tmp_path / "out")
    status = {r.name: r.ok for r in done.runs}
    assert status == {"brand-a": True, "brand-b": True, "brand-c": False, "brand-d": False}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["batch.json", "brand-a.json", "brand-b.json"]
    [card] = json.loads((tmp_path / "out" / "brand-a.json").read_text())
    assert (card["workspace"], card["count"]) == ("brand-a", 1)
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert (summary["workspaces"], summary["failed"]) == (4, 2)
    failed = {r["workspace"]: r["error"] for r in summary["runs"] if r["status"] == "failed"}
    assert "no FX rate" in failed["brand-c"] and "erp" in failed["brand-d"]


def test_a_reused_workspace_id_is_refused_not_merged(group: Path, tmp_path: Path) -> None:
    _good(group, "brand-a-copy")
    text = (group / "brand-a-copy" / "workspace.toml").read_text().replace("brand-a-copy", "brand-a")
    (group / "brand-a-copy" / "workspace.toml").write_text(text)
    done = run_and_write(group, tmp_path / "out")
    [dup] = [r for r in done.runs if r.folder == group / "brand-a-copy"]
    assert not dup.ok and "already used" in str(dup.error)
    assert next(r for r in done.runs if r.name == "brand-a").summaries[0].count == 1


def test_a_failing_pass_is_retried_per_workspace(group: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQL failure caused by one workspace does not take the others down with it."""
    real = batch_module.compute

    def flaky(workspaces, **kwargs):  # type: ignore[no-untyped-def]
        if any(ws.id == "brand-b" for ws in workspaces):
            raise EngineError("boom", step="orders", sql="SELECT 1")
        return real(workspaces, **kwargs)

    monkeypatch.setattr(batch_module, "compute", flaky)
    workspaces = [load_workspace(group / n) for n in ("brand-a", "brand-b")]
    counts = {}

    def keep(run):  # type: ignore[no-untyped-def]
        counts[run.name] = [r.worklist.count() for r in run.results]  # read while the engine still holds it
        return run

    runs = compute_batch(workspaces, engine=get_engine("duckdb"), handle=keep)
    assert [(r.name, r.ok) for r in runs] == [("brand-a", True), ("brand-b", False)]
    assert counts == {"brand-a": [1], "brand-b": []}


def test_cli_batch_exit_code_and_summary(group: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", "--workspaces", str(group), "--out", str(tmp_path / "o"),
                                 "--format", "csv"])
    assert result.exit_code == EXIT_INPUT, result.output
    assert "2 of 4 workspace(s) computed on duckdb" in result.stdout
    assert "FAILED  brand-c" in result.stdout and (tmp_path / "o" / "brand-a.csv").is_file()
    (group / "ok.txt").write_text("brand-a\nbrand-b\n")
    ok = runner.invoke(app, ["batch", "--workspaces", str(group / "ok.txt"), "--out", str(tmp_path / "p")])
    assert ok.exit_code == 0, ok.output


def test_cli_rejects_a_spark_master_for_duckdb(group: Path) -> None:
    result = runner.invoke(app, ["run", "-w", str(group / "brand-a"), "--spark-master", "local[1]"])
    assert result.exit_code == EXIT_INPUT
    assert "--spark-master only applies to --engine spark" in result.output


def test_cli_rejects_an_unknown_engine(group: Path) -> None:
    result = runner.invoke(app, ["run", "-w", str(group / "brand-a"), "--engine", "sprak"])
    assert result.exit_code == EXIT_INPUT
    assert "Did you mean spark?" in result.output


@pytest.mark.spark
def test_cli_run_on_spark_matches_duckdb(group: Path, spark_session: object) -> None:
    """``run --engine spark`` reuses the active session (the test's) and prints the same JSON."""
    args = ["run", "-w", str(group / "brand-a"), "--format", "json", "--no-store", "--allow-stale"]
    on_duckdb = runner.invoke(app, args)
    on_spark = runner.invoke(app, [*args, "--engine", "spark"])
    assert on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout) == json.loads(on_duckdb.stdout)


@pytest.mark.parametrize("command", [
    ["run", "-w", "{ws}"], ["explain", "-w", "{ws}", "ABSENT", "--recompute"],
    ["batch", "--workspaces", "{group}", "--out", "{out}"], ["watch", "-w", "{ws}", "--cycles", "1", "--no-pull"],
])
def test_every_computing_command_gives_duckdb_its_memory_limit(group: Path, tmp_path: Path,
                                                               command: list[str]) -> None:
    """A limit DuckDB cannot use reaches the engine from every command that computes, and stops it up front."""
    args = [a.format(ws=group / "brand-a", group=group, out=tmp_path / "o") for a in command]
    result = runner.invoke(app, [*args, "--memory-limit", "10MB"])
    assert result.exit_code == EXIT_INPUT, result.output
    assert "DuckDB memory limit '10MB' (--memory-limit) is too small for DuckDB to work in (64MB at least)" in \
        " ".join(result.output.split())
    assert not (tmp_path / "o").exists()


def test_run_within_a_memory_limit_and_one_thread_gives_the_same_answer(group: Path) -> None:
    args = ["run", "-w", str(group / "brand-a"), "--no-store", "--format", "json"]
    default = runner.invoke(app, args)
    limited = runner.invoke(app, [*args, "--memory-limit", "256MB", "--threads", "1"])
    assert default.exit_code == limited.exit_code == 0, limited.output
    cards = [{k: v for k, v in card.items() if k != "run_id"} for card in json.loads(limited.stdout)]
    assert [(c["card"], c["count"]) for c in cards] == [("sage_customer_master_gap", 1)]
    assert cards == [{k: v for k, v in card.items() if k != "run_id"} for card in json.loads(default.stdout)]


def test_batch_amounts_keep_their_reporting_currencys_decimals(tmp_path: Path) -> None:
    """batch.json and the summary line wrote the blocked value with two decimals whatever the reporting currency:
    a KWD workspace's 12.345 became 12.35 (12.34 in batch.json, rounded half to even)."""
    s = d365(id="kwd", reporting_currency="KWD", as_of="2026-04-14T18:00:00Z")
    shopper(s, "KW", country="KW", currency="KWD", total="12.345", orders=FRESH)
    s.write(tmp_path / "group" / "kwd")
    done = run_and_write(tmp_path / "group", tmp_path / "out")
    [run] = json.loads((tmp_path / "out" / "batch.json").read_text())["runs"]
    assert [c["blocked_value_reporting"] for c in run["cards"]] == ["12.345"]
    assert "1 absent, KWD 12.345 blocked" in batch_module.summary_lines(done)[0]
