"""``bridgewatch batch`` stores each workspace's run; its result files read back from the store."""

from __future__ import annotations

import json
from pathlib import Path

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
