"""``Store.save`` of a run computed with ``on_error="collect"`` stores a workspace the run could not compute as a
failed run (before: it was skipped, so the store still showed that workspace's last good run as its present, with
no warning), on SQLite and PostgreSQL.

Two workspaces in one pass: ``sage-test`` (three companies absent) and ``sage-two`` (one company absent, GBP).
Stored once; then ``sage-two``'s order turns to EUR with no FX rate into GBP, which the pass reports as that
workspace's error, and the run is stored again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.history import Store
from bridgewatch.results import compute
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, sage
from .test_store import scenario

runner = CliRunner()


def _two(currency: str) -> Scenario:
    s = sage(id="sage-two")
    company(s, "ONE", vat="GB999999999", total="50.00", currency=currency, orders=("2026-04-14T10:00:00Z",))
    return s


def test_a_workspace_the_run_could_not_compute_is_stored_as_failed(tmp_path: Path, store_url: str) -> None:
    good = scenario().write(tmp_path / "good")
    two = _two("GBP")
    bad = two.write(tmp_path / "two")
    with Store(store_url) as store:
        with compute([load_workspace(good), load_workspace(bad)], on_error="collect") as run:
            stored = store.save(run)
            assert [(s.workspace_id, s.count) for s in stored] == [("sage-test", 3), ("sage-two", 1)]
            kept = stored[1]
        two = _two("EUR")
        two.write(bad)
        with compute([load_workspace(good), load_workspace(bad)], on_error="collect") as run:
            assert list(run.errors) == ["sage-two"]
            assert [(s.workspace_id, s.count) for s in store.save(run)] == [("sage-test", 3)]
            started = run.started_at
        [failed] = store.failed_runs("sage-two")
        assert (failed.at, failed.first_line) == (
            started, "Workspace 'sage-two': cannot value blocked orders in reporting currency.")
        assert store.failed_runs("sage-test") == []
    shown = runner.invoke(app, ["show", "-w", str(bad), "--history-url", store_url, "--format", "json"])
    assert shown.exit_code == 6, shown.output
    assert " ".join(shown.stderr.split()) == (
        f"warning: the latest run of workspace 'sage-two' failed: run {failed.run_id} ({started:%Y-%m-%d %H:%M:%S} "
        f"UTC): Workspace 'sage-two': cannot value blocked orders in reporting currency. Shown is the last successful "
        f"run, {kept.run_id}, which may be out of date; fix the failure and run again.")
    by_id = runner.invoke(app, ["show", "-w", str(bad), "--history-url", store_url, "--run", failed.run_id])
    assert by_id.exit_code == 5, by_id.output
    assert " ".join(by_id.stderr.split()) == (  # was: "No stored run '<id>'", though `history` lists it
        f"error: Run '{failed.run_id}' of workspace 'sage-two' failed ({started:%Y-%m-%d %H:%M:%S} UTC): Workspace "
        f"'sage-two': cannot value blocked orders in reporting currency. It stored no cards to show; `bridgewatch "
        f"history -w <workspace>` lists the runs that did.")


def test_a_failed_workspace_of_a_collected_backfill_is_a_failed_backfill(tmp_path: Path, store_url: str) -> None:
    """Before: ``Store.save`` recorded the failure without the as-of asked, so a failed workspace of a backfill (here
    as of 2026-04-14 12:00, older than its live run as of 2026-04-14 18:00) was a live failure: the live alert went
    blind."""
    from sqlalchemy import select

    from bridgewatch.history.schema import runs
    from bridgewatch.history.store import latest_failed

    good = scenario().write(tmp_path / "good")
    bad = _two("GBP").write(tmp_path / "two")
    with Store(store_url) as store:
        with compute([load_workspace(good), load_workspace(bad)], on_error="collect") as run:
            store.save(run)
        _two("EUR").write(bad)
        with compute([load_workspace(good), load_workspace(bad)], on_error="collect",
                     as_of=datetime(2026, 4, 14, 12)) as run:
            assert run.as_of == {"sage-test": datetime(2026, 4, 14, 12), "sage-two": datetime(2026, 4, 14, 12)}
            assert [(s.workspace_id, s.backfill) for s in store.save(run)] == [("sage-test", True)]
        with compute([load_workspace(bad)], on_error="collect") as run:  # its configured as-of: live
            assert run.as_of == {"sage-two": datetime(2026, 4, 14, 18)}
            assert store.save(run) == []
        with store.engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(select(runs.c.status, runs.c.backfill).where(
                runs.c.workspace_id == "sage-two").order_by(runs.c.id))] == [
                ("ok", False), ("failed", True), ("failed", False)]
            live = latest_failed(conn, "sage-two", live_only=True)
            assert live is not None and [f.pk for f in store.failed_runs("sage-two")][0] == live.pk
