"""The charts never draw a run that was not counted (stale or no data) as a 0 that reads as an all-clear: it is a
gap, said as "not counted: ..."; a backfill is marked as one. The overview says a stale latest run was "not
compared" (and why), not that there was "no earlier run".

Runs of one workspace, as stored: live as of 14 April (A01-A03 absent), a backfill as of 10 April (A01-A05, orders
of 10 April), a run as of 20 April on the 14 April orders (stale: the newest order is 6 days old), then one as of
1 September (no data: no order in the window; count 0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.history import Store
from bridgewatch.web import pages
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces

from ..alerts.helpers import scenario
from .conftest import FAST_HASHER
from .pagetext import table, text

runner = CliRunner()
CARD = "sage_customer_master_gap"
OVERVIEW = "Every card of every workspace you can see, from its latest stored run"
CAUSES = "Customers per cause over the runs shown"


def _run(root: Path, code: int, *args: str) -> str:
    result = runner.invoke(cli, ["run", "-w", str(root), "--format", "json", *args])
    assert result.exit_code == code, result.output
    return str(json.loads(result.stdout)[0]["run_id"])


def _get(ws: object, tmp_path: Path, path: str) -> str:
    settings = WebSettings((ws,), f"sqlite:///{tmp_path / 'users.sqlite'}", allow_anonymous=True)  # type: ignore[arg-type]
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        return client.get(path).text


def test_stale_and_no_data_runs_are_gaps_and_a_backfill_is_marked(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    scenario(3).write(root)
    live = _run(root, 0)
    scenario(5, orders=("2026-04-10T10:00:00Z",)).write(root)
    backfill = _run(root, 0, "--as-of", "2026-04-10T18:00:00")
    scenario(3).write(root)
    stale = _run(root, 6, "--as-of", "2026-04-20T18:00:00")  # stored count 3: not to be believed
    [ws] = served_workspaces([root], environ={})
    url = f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}"
    with Store(url) as store:
        [tile] = pages.tiles(store, ws)
    assert (tile.latest.run_id, tile.changes, tile.not_compared) == (stale, (), "the data is stale")  # type: ignore[union-attr]
    assert (tile.spark.values, tile.spark.last, len(tile.spark.segments)) == ((5, 3, None), None, 1)  # was: 5, 3, 3
    [row] = table(_get(ws, tmp_path, "/"), OVERVIEW)[1:]
    assert row[4:7] == ["not compared: the data is stale", "not compared: the data is stale",  # was: no earlier run
                        "Customers absent per run: 3 runs, oldest first: 5 (backfill), 3, not counted: stale data; "
                        "lowest 3, highest 5"]

    no_data = _run(root, 6, "--as-of", "2026-09-01T18:00:00")  # stored count 0: no all-clear
    history = _get(ws, tmp_path, f"/w/sage-test/cards/{CARD}/history")
    assert (f"Customers absent per stored run, oldest first {backfill}: 5 (backfill) {live}: 3 {stale}: not counted: "
            f"stale data {no_data}: not counted: no data") in text(history)  # was: ... {stale}: 3 {no_data}: 0
    assert history.count('<rect class="gap"') == 2 and history.count('<rect class="marked"') == 1
    assert [(r[0], r[2], r[4]) for r in table(history, "Stored runs, last stored first")[1:]] == [
        (no_data, "0", "No data"), (stale, "3", "Stale"), (backfill, "5", "Fresh (backfill)"), (live, "3", "Fresh")]
    causes = {r[0]: r[1:] for r in table(history, CAUSES)[1:]}
    assert causes["Never synced (no create attempt)"] == [
        "Never synced (no create attempt): 4 runs, oldest first: 5 (backfill), 3, not counted: stale data, not "
        "counted: no data; lowest 3, highest 5", "not counted: no data"]  # was: ..., 3, 0; lowest 0 ... and 0
    assert causes["Merged or retired reference"] == [
        "Merged or retired reference: 4 runs, oldest first: 0 (backfill), 0, not counted: stale data, not counted: "
        "no data; lowest 0, highest 0", "not counted: no data"]
    [row] = table(_get(ws, tmp_path, "/"), OVERVIEW)[1:]
    assert row[4:6] == ["not compared: no data in the window"] * 2


def test_a_tile_with_a_prior_run_but_none_a_week_back_says_so(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    scenario(3).write(root)  # as of 14 April
    _run(root, 0)
    scenario(4, as_of="2026-04-15T18:00:00Z", orders=("2026-04-15T10:00:00Z",)).write(root)
    _run(root, 0)
    [ws] = served_workspaces([root], environ={})
    [row] = table(_get(ws, tmp_path, "/"), OVERVIEW)[1:]
    assert row[4:6] == ["+1 (1 new, 0 cleared)", "no run 7 days earlier"]  # was: "no earlier run", beside a prior run


def test_a_run_ahead_of_the_clock_is_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run stored while the host clock said 13 April, as of 14 April 18:00: the history table and the chart say it
    was ahead of the clock (it is never the latest once a run on the right clock is stored: docs/history.md)."""
    from datetime import datetime

    import bridgewatch.history.store as store_module

    monkeypatch.setattr(store_module, "_clock", lambda: datetime(2026, 4, 13, 9, 0))
    root = tmp_path / "ws"
    scenario(3).write(root)
    ahead = _run(root, 0)
    [ws] = served_workspaces([root], environ={})
    history = _get(ws, tmp_path, f"/w/sage-test/cards/{CARD}/history")
    assert [(r[0], r[2], r[4]) for r in table(history, "Stored runs, last stored first")[1:]] == [
        (ahead, "3", "Fresh (ahead of the clock)")]
    assert f"Customers absent per stored run, oldest first {ahead}: 3 (ahead of the clock)" in text(history)
