"""A backfill (a fresh run whose as-of is older than one already stored) moves no episode, on SQLite and PostgreSQL.

Live run as of 14 April: 3 absent. Backfill as of 10 April, stored after it: 5 absent. Before the fix the
backfill was compared with the live run and moved the episodes, so the next live run was compared with the
backfill (2 cleared); now it is compared with the live run: nothing new, nothing cleared, first seen kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bridgewatch.cli import app as cli

from ..alerts.helpers import scenario

runner = CliRunner()
LIVE_AS_OF, BACKFILL_AS_OF = "2026-04-14T18:00:00Z", "2026-04-10T18:00:00"


def _run(root: Path, url: str, *args: str) -> dict[str, Any]:
    result = runner.invoke(cli, ["run", "-w", str(root), "--format", "json", "--history-url", url, *args])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    return dict(card)


def test_a_backfill_moves_no_episode(tmp_path: Path, store_url: str) -> None:
    root = tmp_path / "ws"
    scenario(3).write(root)
    live = _run(root, store_url)["run_id"]
    scenario(5, orders=("2026-04-10T10:00:00Z",)).write(root)
    backfill = _run(root, store_url, "--as-of", BACKFILL_AS_OF)
    assert (backfill["count"], backfill["new"], backfill["cleared"]) == (5, None, None)
    scenario(3).write(root)
    card = _run(root, store_url, "--as-of", "2026-04-15T18:00:00")
    assert (card["previous_run_id"], card["new"], card["cleared"], card["count"]) == (live, 0, 0, 3)
    assert {c["first_seen"] for c in card["customers"]} == {LIVE_AS_OF}
    listed = runner.invoke(cli, ["history", "-w", str(root), "--format", "json", "--history-url", store_url])
    entries = {e["run_id"]: e for e in json.loads(listed.stdout)}
    assert (entries[backfill["run_id"]]["backfill"], entries[backfill["run_id"]]["new"]) == (True, None)
    assert (entries[live]["backfill"], entries[live]["new"]) == (False, 3)
    shown = runner.invoke(cli, ["show", "-w", str(root), "--run", backfill["run_id"], "--format", "json",
                                "--history-url", store_url])
    assert [(c["count"], c["customers"]) for c in json.loads(shown.stdout)] == [(5, [])]


def test_a_backfill_is_never_the_run_seven_days_earlier(tmp_path: Path, store_url: str) -> None:
    """Live 10 April (3 absent), backfill 5 April stored after it (5 absent), live 14 April: no live run lies 7 days
    before the 14th, so there is no week-earlier comparison (the backfill's id would mark the episodes of the
    10th, not of the 5th)."""
    from bridgewatch.history import Store
    from bridgewatch.history.trends import trend

    root = tmp_path / "ws"
    scenario(3, orders=("2026-04-10T10:00:00Z",)).write(root)
    _run(root, store_url, "--as-of", "2026-04-10T18:00:00")
    scenario(5, orders=("2026-04-05T10:00:00Z",)).write(root)
    assert _run(root, store_url, "--as-of", "2026-04-05T18:00:00")["count"] == 5
    scenario(3).write(root)
    latest = _run(root, store_url, "--as-of", "2026-04-14T18:00:00")
    with Store(store_url) as store:
        found = trend(store, "sage-test", "sage_customer_master_gap")
    assert found is not None and found.latest.run_id == latest["run_id"]
    assert [c.since for c in found.changes] == ["prior run"]
