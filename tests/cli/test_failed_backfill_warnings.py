"""A failed backfill (``run --as-of`` a past date that failed) leaves the live state as it was: `show` and `explain`
neither warn that the latest run failed nor exit 6 for it; `history` still lists it, marked as a backfill. A live
failure still warns."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.history import Store

from ..history.test_store import scenario

runner = CliRunner()


def test_a_failed_backfill_does_not_warn_but_a_live_failure_does(tmp_path: Path) -> None:
    root = scenario().write(tmp_path / "ws")  # as of 2026-04-14 18:00 (workspace.as_of): BIG, MID, LOW absent
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    first = runner.invoke(app, ["run", "-w", str(root), "--history-url", url, "-f", "json"])
    assert first.exit_code == 0, first.output
    (root / "data" / "orders.csv").write_text("platform,order_id\nshopify,1\n")
    assert runner.invoke(app, ["run", "-w", str(root), "--history-url", url, "--as-of", "2026-04-10"]).exit_code == 5
    with Store(url) as store:
        [kept] = store.run("sage-test")
        [backfill] = store.failed_runs("sage-test")
    shown = runner.invoke(app, ["show", "-w", str(root), "--history-url", url, "-f", "json"])
    assert (shown.exit_code, shown.stderr) == (0, "")  # was: exit 6, "the latest run ... failed"
    explained = runner.invoke(app, ["explain", "-w", str(root), "BIG", "--history-url", url, "-f", "json"])
    assert (explained.exit_code, explained.stderr) == (0, "")
    assert [(e["account_id"], e["run_id"]) for e in json.loads(explained.stdout)] == [("BIG", kept.run_id)]
    listed = json.loads(runner.invoke(app, ["history", "-w", str(root), "--history-url", url, "-f", "json"]).stdout)
    assert [(e["run_id"], e["status"], e["backfill"]) for e in listed] == [
        (backfill.run_id, "failed", True), (kept.run_id, "ok", False)]
    table = " ".join(runner.invoke(app, ["history", "-w", str(root), "--history-url", url]).stdout.split())
    assert f"backfill run {backfill.run_id} failed: Cannot load workspace 'sage-test' from " in table

    assert runner.invoke(app, ["run", "-w", str(root), "--history-url", url]).exit_code == 5  # live: as configured
    with Store(url) as store:
        live, _ = store.failed_runs("sage-test")
    shown = runner.invoke(app, ["show", "-w", str(root), "--history-url", url, "-f", "json"])
    assert shown.exit_code == 6
    assert f"the latest run of workspace 'sage-test' failed: run {live.run_id} " in " ".join(shown.stderr.split())
    explained = runner.invoke(app, ["explain", "-w", str(root), "BIG", "--history-url", url, "-f", "json"])
    assert explained.exit_code == 6
    listed = json.loads(runner.invoke(app, ["history", "-w", str(root), "--history-url", url, "-f", "json"]).stdout)
    assert [(e["status"], e["backfill"]) for e in listed] == [("failed", False), ("failed", True), ("ok", False)]
