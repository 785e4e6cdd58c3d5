"""A run stored while the host clock ran ahead (or asked for a future as-of) cannot freeze the live state, on SQLite
and PostgreSQL.

The clock the store reads (``store._clock``) is set by hand. Live run at 14 April 18:00: 3 absent. Then the host
clock jumps a day ahead and a run is stored as of 16 April 09:00, fresh and live (nothing can tell yet). The clock is
put right; one company is fixed and the run as of 15 April 09:00 (2 absent) is stored. Before the fix that run was a
backfill (older than the newest live run) that moved nothing, and "latest" stayed the run of the 16th (3 absent)
until real time caught up with it: ``show``, the alerts and the dashboard were frozen.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import bridgewatch.history.store as store_module
from bridgewatch.cli import app as cli
from bridgewatch.history import Store

from ..alerts.helpers import scenario

runner = CliRunner()


def _run(root: Path, url: str, clock: datetime, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    monkeypatch.setattr(store_module, "_clock", lambda: clock)
    result = runner.invoke(cli, ["run", "-w", str(root), "--format", "json", "--history-url", url, *args])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    return dict(card)


def _flags(url: str) -> list[tuple[str, int, bool, bool]]:
    with Store(url) as store:
        return [(s.as_of.isoformat(), s.count, s.backfill, s.ahead)
                for s in reversed(store.history("sage-test", limit=10))]


def test_a_run_stored_while_the_clock_ran_ahead_is_never_the_latest(tmp_path: Path, store_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    scenario(3).write(root)
    first = _run(root, store_url, datetime(2026, 4, 14, 18, 0), monkeypatch)
    jumped = _run(root, store_url, datetime(2026, 4, 16, 9, 0), monkeypatch, "--as-of", "2026-04-16T09:00:00")
    assert (jumped["count"], jumped["new"], jumped["cleared"]) == (3, 0, 0)  # seen as live: the clock said so
    scenario(2).write(root)
    right = _run(root, store_url, datetime(2026, 4, 15, 9, 0, 30), monkeypatch, "--as-of", "2026-04-15T09:00:00")
    assert (right["count"], right["new"], right["cleared"], right["still_absent"]) == (2, 0, 1, 2)
    assert right["previous_run_id"] == jumped["run_id"]  # the episodes follow the order stored
    assert _flags(store_url) == [("2026-04-14T18:00:00", 3, False, False), ("2026-04-16T09:00:00", 3, False, True),
                                 ("2026-04-15T09:00:00", 2, False, False)]
    with Store(store_url) as store:
        latest = store.latest("sage-test")
        assert latest is not None and latest.run_id == right["run_id"]
        assert [s.run_id for s in store.recent("sage-test", "sage_customer_master_gap")] == [
            right["run_id"], first["run_id"], jumped["run_id"]]
    shown = runner.invoke(cli, ["show", "-w", str(root), "--format", "json", "--history-url", store_url])
    assert [(c["run_id"], c["count"]) for c in json.loads(shown.stdout)] == [(right["run_id"], 2)]
    scenario(1).write(root)  # and the next run is compared with it, not with the run of the 16th
    later = _run(root, store_url, datetime(2026, 4, 15, 9, 15, 30), monkeypatch, "--as-of", "2026-04-15T09:15:00")
    assert (later["count"], later["new"], later["cleared"]) == (1, 0, 1)


def test_a_future_as_of_is_ahead_from_its_own_save(tmp_path: Path, store_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Five minutes of tolerance: a run as of 09:04 saved at 09:00 is live; one as of a day later is ahead."""
    root = tmp_path / "ws"
    scenario(3).write(root)
    now = datetime(2026, 4, 15, 9, 0)
    _run(root, store_url, now, monkeypatch, "--as-of", "2026-04-15T09:04:00")
    _run(root, store_url, now, monkeypatch, "--as-of", "2026-04-16T09:00:00")
    scenario(2).write(root)
    right = _run(root, store_url, datetime(2026, 4, 15, 9, 10), monkeypatch, "--as-of", "2026-04-15T09:10:00")
    assert (right["count"], right["cleared"]) == (2, 1)
    assert _flags(store_url) == [("2026-04-15T09:04:00", 3, False, False), ("2026-04-16T09:00:00", 3, False, True),
                                 ("2026-04-15T09:10:00", 2, False, False)]


def test_history_says_which_run_was_ahead_of_the_clock(tmp_path: Path, store_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``history`` (JSON and table) names the run ahead of the clock: without it a reader sees a run of the 16th
    stored before one of the 15th and nothing saying why the older one is the latest."""
    root = tmp_path / "ws"
    scenario(3).write(root)
    jumped = _run(root, store_url, datetime(2026, 4, 16, 9, 0), monkeypatch, "--as-of", "2026-04-16T09:00:00")
    right = _run(root, store_url, datetime(2026, 4, 15, 9, 0, 30), monkeypatch, "--as-of", "2026-04-15T09:00:00")
    listed = runner.invoke(cli, ["history", "-w", str(root), "--format", "json", "--history-url", store_url])
    assert listed.exit_code == 0, listed.output
    assert [(e["run_id"], e["as_of"], e["backfill"], e["ahead"]) for e in json.loads(listed.stdout)] == [
        (right["run_id"], "2026-04-15T09:00:00Z", False, False),
        (jumped["run_id"], "2026-04-16T09:00:00Z", False, True)]
    table = runner.invoke(cli, ["history", "-w", str(root), "--history-url", store_url], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    [line] = [ln for ln in table.stdout.splitlines() if jumped["run_id"] in ln and "2026-04-16" in ln]
    assert "fresh (ahead of the clock)" in line
    [line] = [ln for ln in table.stdout.splitlines() if right["run_id"] in ln and "2026-04-15" in ln]
    assert "ahead" not in line


def test_an_absence_a_run_ahead_of_the_clock_opened_is_first_seen_at_the_next_live_run(
        tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live as of 14 April: 2 absent. The clock jumps: a run as of 16 April 09:00 finds a third. The clock is put right
    and the run as of 15 April 09:00 still finds all three: the third's absence was first seen, as the store kept it,
    on the 16th, so it showed ``first_seen`` a day in the future and ``days_absent`` -1 until real time caught up."""
    root = tmp_path / "ws"
    scenario(2).write(root)
    _run(root, store_url, datetime(2026, 4, 14, 18, 0), monkeypatch)
    scenario(3).write(root)
    jumped = _run(root, store_url, datetime(2026, 4, 16, 9, 0), monkeypatch, "--as-of", "2026-04-16T09:00:00")
    right = _run(root, store_url, datetime(2026, 4, 15, 9, 0, 30), monkeypatch, "--as-of", "2026-04-15T09:00:00")
    assert (right["count"], right["new"], right["returned"], right["still_absent"]) == (3, 0, 0, 3)

    def rows(run_id: str) -> list[tuple[str, str, int]]:
        shown = runner.invoke(cli, ["show", "-w", str(root), "--run", run_id, "--format", "json",
                                    "--history-url", store_url, "--allow-stale"])
        assert shown.exit_code == 0, shown.output
        [card] = json.loads(shown.stdout)
        return sorted((r["company_id"] or r["customer_id"], r["first_seen"], r["days_absent"])
                      for r in card["customers"])

    assert rows(right["run_id"]) == [
        ("A01", "2026-04-14T18:00:00Z", 0), ("A02", "2026-04-14T18:00:00Z", 0),
        ("A03", "2026-04-15T09:00:00Z", 0)]  # was: A03 first seen 2026-04-16T09:00:00Z, -1 days
    assert rows(jumped["run_id"]) == [  # as it was: the run ahead saw A03 first
        ("A01", "2026-04-14T18:00:00Z", 1), ("A02", "2026-04-14T18:00:00Z", 1),
        ("A03", "2026-04-16T09:00:00Z", 0)]
    later = _run(root, store_url, datetime(2026, 4, 15, 18, 0, 30), monkeypatch, "--as-of", "2026-04-15T18:00:00")
    assert rows(later["run_id"]) == [
        ("A01", "2026-04-14T18:00:00Z", 1), ("A02", "2026-04-14T18:00:00Z", 1),
        ("A03", "2026-04-15T09:00:00Z", 0)]  # was: first seen the 16th, -1 days
    explained = runner.invoke(cli, ["explain", "-w", str(root), "A03", "--format", "json", "--history-url", store_url])
    assert explained.exit_code == 0, explained.output
    [card] = json.loads(explained.stdout)
    assert (card["customer"]["first_seen"], card["customer"]["days_absent"]) == ("2026-04-15T09:00:00Z", 0)
    assert [(e["first_seen"], e["first_run"]) for e in card["episodes"]] == [("2026-04-15T09:00:00Z", jumped["run_id"])]
    from bridgewatch.web.index import load_rows  # the dashboard's worklist (sorting by days absent) reads the same

    with Store(store_url) as store:
        [stored] = store.run("sage-test", right["run_id"])
        indexed = load_rows(store, stored)
    assert sorted(zip(indexed.column("account_id").to_pylist(),
                      [t.isoformat() for t in indexed.column("first_seen").to_pylist()], strict=True)) == [
        ("A01", "2026-04-14T18:00:00"), ("A02", "2026-04-14T18:00:00"), ("A03", "2026-04-15T09:00:00")]


def test_an_absence_a_run_ahead_opened_and_the_next_live_run_cleared_took_no_time_to_fix(
        tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live as of 14 April 18:00: 2 absent. The clock jumps: the run as of 16 April 09:00 finds a third (A03). The
    clock is put right and A03 is fixed: the run as of 15 April 09:00 clears it. Its time to fix was read from the
    run ahead: 15 April minus 16 April, -1 day, a median below zero."""
    from bridgewatch.history.trends import trend

    root = tmp_path / "ws"
    scenario(2).write(root)
    _run(root, store_url, datetime(2026, 4, 14, 18, 0), monkeypatch)
    scenario(3).write(root)
    _run(root, store_url, datetime(2026, 4, 16, 9, 0), monkeypatch, "--as-of", "2026-04-16T09:00:00")
    scenario(2).write(root)
    right = _run(root, store_url, datetime(2026, 4, 15, 9, 0, 30), monkeypatch, "--as-of", "2026-04-15T09:00:00")
    assert (right["count"], right["cleared"]) == (2, 1)
    with Store(store_url) as store:
        found = trend(store, "sage-test", "sage_customer_master_gap")
    assert found is not None
    assert (found.median_days_to_fix, found.time_to_fix["under 1 day"], sum(found.time_to_fix.values())) == (0.0, 1, 1)
