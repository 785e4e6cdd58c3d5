"""``bridgewatch batch`` stores each workspace's run; its result files read back from the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app

from .test_store import scenario

runner = CliRunner()


def test_batch_stores_each_workspace_and_writes_what_show_prints(tmp_path: Path, store_url: str) -> None:
    group = tmp_path / "group"
    for name in ("brand-a", "brand-b"):
        s = scenario()
        s.config["workspace"]["id"] = name
        s.write(group / name)
    args = ["batch", "--workspaces", str(group), "--history-url", store_url]
    first = runner.invoke(app, [*args, "--out", str(tmp_path / "one")])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, [*args, "--out", str(tmp_path / "two")])
    assert second.exit_code == 0, second.output
    a1, a2 = (json.loads((tmp_path / out / "brand-a.json").read_text())[0] for out in ("one", "two"))
    assert (a1["new"], a2["new"], a2["still_absent"], a2["previous_run_id"]) == (3, 0, 3, a1["run_id"])
    shown = runner.invoke(app, ["show", "-w", str(group / "brand-a"), "--history-url", store_url, "--run",
                                a1["run_id"], "--format", "json"])
    assert shown.stdout == (tmp_path / "one" / "brand-a.json").read_text()
    summary = json.loads((tmp_path / "two" / "batch.json").read_text())
    assert [c["run_id"] for r in summary["runs"] for c in r["cards"]] == [
        a2["run_id"], json.loads((tmp_path / "two" / "brand-b.json").read_text())[0]["run_id"]]


def test_batch_no_store_writes_without_history(tmp_path: Path) -> None:
    group = tmp_path / "group"
    scenario().write(group / "brand-a")
    done = runner.invoke(app, ["batch", "--workspaces", str(group), "--out", str(tmp_path / "o"), "--no-store"])
    assert done.exit_code == 0, done.output
    card = json.loads((tmp_path / "o" / "sage-test.json").read_text())[0]
    assert card["run_id"] is None and card["customers"][0]["first_seen"] is None
    assert not (group / "brand-a" / ".bridgewatch").exists()


def test_batch_on_stale_or_no_data_exits_6_and_says_so(tmp_path: Path) -> None:
    group = tmp_path / "group"
    for name in ("brand-a", "brand-b"):
        s = scenario()
        s.config["workspace"]["id"] = name
        s.write(group / name)
    args = ["batch", "--workspaces", str(group), "--out", str(tmp_path / "o"), "--as-of", "2026-05-14"]
    done = runner.invoke(app, args)
    assert done.exit_code == 6, done.output
    lines = done.stdout.splitlines()
    assert lines[:2] == [f"STALE   brand-{x}: sage_customer_master_gap: 0 absent, GBP 0.00 blocked (STALE: alert state "
                         f"unknown) -> {tmp_path / 'o' / f'brand-{x}.json'}" for x in "ab"]
    assert lines[-1].endswith("; 0 failed, 2 on stale or no data.")
    summary = json.loads((tmp_path / "o" / "batch.json").read_text())
    assert (summary["failed"], summary["stale"]) == (0, 2)
    assert [(r["status"], [c["freshness"] for c in r["cards"]]) for r in summary["runs"]] == [
        ("stale", ["no_data"]), ("stale", ["no_data"])]
    assert runner.invoke(app, [*args, "--allow-stale"]).exit_code == 0
    fresh = runner.invoke(app, args[:-2])
    assert fresh.exit_code == 0, fresh.output
    assert fresh.stdout.splitlines()[-1].endswith("; 0 failed, 0 on stale or no data.")


def test_one_workspace_store_problem_fails_only_that_workspace(tmp_path: Path) -> None:
    group = tmp_path / "group"
    for name in ("brand-a", "brand-b"):
        s = scenario()
        s.config["workspace"]["id"] = name
        if name == "brand-b":
            s.config["history"] = {"url": "postgresql+psycopg://bw@127.0.0.1:1/bw", "password_env": "BW_TEST_UNSET_PW"}
        s.write(group / name)
    done = runner.invoke(app, ["batch", "--workspaces", str(group), "--out", str(tmp_path / "o")],
                         env={"BW_TEST_UNSET_PW": None})
    assert done.exit_code == 5, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ok      brand-a: sage_customer_master_gap: 3 absent")
    assert lines[1] == ("FAILED  brand-b: ConfigError: [history] password_env names BW_TEST_UNSET_PW, which is not "
                        "set; export it (the database password) or remove password_env.")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["batch.json", "brand-a.json"]
    summary = json.loads((tmp_path / "o" / "batch.json").read_text())
    assert [r["status"] for r in summary["runs"]] == ["ok", "failed"]


def test_a_load_failure_is_stored_and_named_by_show_explain_and_history(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "group" / "ws")
    url = ["--history-url", store_url]
    ok = runner.invoke(app, ["run", "-w", str(root), *url, "--format", "json"])
    assert ok.exit_code == 0, ok.output
    good = json.loads(ok.stdout)[0]["run_id"]
    (root / "data" / "orders.csv").write_text("platform,order_id\nshopify,1\n")
    done = runner.invoke(app, ["batch", "--workspaces", str(tmp_path / "group"), "--out", str(tmp_path / "o"), *url])
    assert done.exit_code == 5, done.output
    history = runner.invoke(app, ["history", "-w", str(root), *url, "--format", "json"])
    [failed, card] = json.loads(history.stdout)
    assert (failed["status"], card["status"], card["run_id"]) == ("failed", "ok", good)
    assert failed["error"] == (f"Cannot load workspace 'sage-test' from {root / 'data'}: 3 problem(s). Fix these "
                               f"and run again:")
    warning = (f"warning: the latest run of workspace 'sage-test' failed: run {failed['run_id']} "
               f"({failed['started_at'][:10]} {failed['started_at'][11:19]} UTC): {failed['error'].rstrip(':')}. "
               f"Shown is the last successful run, {good}, which may be out of date; fix the failure and run again.")
    for command in (["show", "-w", str(root)], ["explain", "-w", str(root), "BIG"]):
        shown = runner.invoke(app, [*command, *url, "--format", "json"], env={"COLUMNS": "1000"})
        assert shown.exit_code == 6, shown.output
        assert shown.stderr.strip() == warning
        allowed = runner.invoke(app, [*command, *url, "--format", "json", "--allow-stale"])
        assert allowed.exit_code == 0 and allowed.stdout == shown.stdout
    picked = runner.invoke(app, ["show", "-w", str(root), *url, "--run", good, "--format", "json"])
    assert (picked.exit_code, picked.stderr) == (0, "")


def test_out_may_be_a_symlink_to_the_results_folder(tmp_path: Path) -> None:
    group = tmp_path / "group"
    scenario().write(group / "brand-a")
    real, link = tmp_path / "real", tmp_path / "link"
    args = ["batch", "--workspaces", str(group), "--no-store", "--out", str(link)]
    real.mkdir()
    link.symlink_to(real, target_is_directory=True)
    for _ in range(2):  # the second run replaces a previous batch behind the link
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
        assert link.is_symlink() and link.resolve() == real.resolve()
        assert sorted(p.name for p in real.iterdir()) == ["batch.json", "sage-test.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["group", "link", "real"]


def test_out_must_not_be_the_current_folder_or_hold_the_workspaces(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    group = tmp_path / "group"
    scenario().write(group / "brand-a")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    here = runner.invoke(app, ["batch", "--workspaces", str(group), "--no-store", "--out", "."])
    assert here.exit_code == 5, here.output
    assert " ".join(here.stderr.split()) == (
        f"error: --out . ({empty}) is the current folder or one above it; batch replaces its output folder whole, "
        f"so give it a folder of its own, e.g. --out bridgewatch-results.")
    above = runner.invoke(app, ["batch", "--workspaces", str(group), "--no-store", "--out", str(tmp_path)])
    assert above.exit_code == 5, above.output
    assert f"({tmp_path}) holds the workspace {group / 'brand-a'};" in " ".join(above.stderr.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "group"]



def test_a_workspace_id_batch_is_refused_in_its_configuration(tmp_path: Path) -> None:
    group = tmp_path / "group"
    s = scenario()
    s.config["workspace"]["id"] = "batch"
    s.write(group / "x")
    done = runner.invoke(app, ["batch", "--workspaces", str(group), "--out", str(tmp_path / "o"), "--no-store"])
    assert done.exit_code == 5, done.output
    assert done.stdout.splitlines()[:2] == [
        f"FAILED  x: ConfigError: {group / 'x' / 'workspace.toml'}: 1 problem(s) in the workspace configuration:",
        "  - workspace.id: 'batch' cannot be a workspace id: it names a folder ('.', '..') or batch's own summary "
        "(OUT/batch.json); choose another id"]
