"""One meaning of "the latest run" everywhere: the newest as-of, ties by the order stored.

A live run as of 14 April (3 absent customers) is stored, then a backfill as of 10 April (5 absent, stored
later). `show`, `explain`, the `history` trend, the alerts and every dashboard page name the live run; the
backfill is kept and listed, and `show --run` still prints it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.alerts.evaluate import evaluate
from bridgewatch.cli import app as cli
from bridgewatch.config import load_config
from bridgewatch.history import Store
from bridgewatch.web import pages
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces

from ..alerts.helpers import scenario
from .conftest import FAST_HASHER
from .pagetext import table, text

runner = CliRunner()
CARD = "sage_customer_master_gap"
LIVE_AS_OF, BACKFILL_AS_OF = "2026-04-14T18:00:00Z", "2026-04-10T18:00:00Z"


@dataclass(frozen=True)
class Stored:
    root: Path
    url: str
    live: str
    backfill: str


def _run(root: Path, *args: str) -> str:
    """`bridgewatch run` (stored); returns the run id."""
    result = runner.invoke(cli, ["run", "-w", str(root), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    return str(card["run_id"])


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    root = tmp_path_factory.mktemp("latest") / "ws"
    scenario(3).write(root)
    live = _run(root)
    scenario(5, orders=("2026-04-10T10:00:00Z",)).write(root)
    backfill = _run(root, "--as-of", BACKFILL_AS_OF.replace("Z", ""))
    return Stored(root, f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}", live, backfill)


def test_the_backfill_is_stored_after_the_live_run_and_kept(stored: Stored) -> None:
    with Store(stored.url) as store:
        assert [(r.run_id, r.as_of.isoformat(), r.count) for r in store.history("sage-test")] == [
            (stored.backfill, "2026-04-10T18:00:00", 5), (stored.live, "2026-04-14T18:00:00", 3)]
        assert store.latest("sage-test", CARD).run_id == stored.live  # type: ignore[union-attr]
        assert [r.run_id for r in store.recent("sage-test", CARD)] == [stored.live, stored.backfill]


def test_show_and_explain_read_the_live_run(stored: Stored) -> None:
    shown = runner.invoke(cli, ["show", "-w", str(stored.root), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    [card] = json.loads(shown.stdout)
    assert (card["run_id"], card["as_of"], card["count"]) == (stored.live, LIVE_AS_OF, 3)
    explained = runner.invoke(cli, ["explain", "-w", str(stored.root), "A01", "--format", "json"])
    assert explained.exit_code == 0, explained.output
    [evidence] = json.loads(explained.stdout)
    assert (evidence["run_id"], evidence["as_of"], evidence["verdict"]) == (stored.live, LIVE_AS_OF, "counted")
    again = runner.invoke(cli, ["show", "-w", str(stored.root), "--run", stored.backfill, "--format", "json"])
    assert [(c["run_id"], c["count"]) for c in json.loads(again.stdout)] == [(stored.backfill, 5)]


def test_the_history_trend_is_the_live_runs(stored: Stored) -> None:
    listed = runner.invoke(cli, ["history", "-w", str(stored.root)], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert f"{CARD}: 3 now vs prior run (no earlier run): 3 new (0 came back), 0 cleared, 0 still absent" in (
        listed.stdout.splitlines())


def test_the_alerts_read_the_live_run(stored: Stored) -> None:
    with Store(stored.url) as store:
        [alert] = evaluate(store, load_config(stored.root))
    assert (alert.stored.run_id, alert.count, alert.state) == (stored.live, 3, "firing")  # type: ignore[union-attr]


def test_every_dashboard_page_shows_the_live_run(stored: Stored, tmp_path: Path) -> None:
    [ws] = served_workspaces([stored.root], environ={})
    with Store(stored.url) as store:
        assert [t.latest.run_id for t in pages.tiles(store, ws)] == [stored.live]  # type: ignore[union-attr]
        assert [t.latest.run_id for t in pages.states(store, ws)] == [stored.live]  # type: ignore[union-attr]
        assert pages.stored_run(store, ws, pages.card_of(ws, CARD), None).run_id == stored.live  # type: ignore[union-attr]
    settings = WebSettings((ws,), f"sqlite:///{tmp_path / 'users.sqlite'}", allow_anonymous=True)
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        overview = table(client.get("/").text, "Every card of every workspace you can see, from its latest stored run")
        card_page = text(client.get(f"/w/sage-test/cards/{CARD}").text)
        history_page = client.get(f"/w/sage-test/cards/{CARD}/history").text
        alerts_page = table(client.get("/w/sage-test/alerts").text, "Alert state per card, from the latest stored run")
    live = "14 Apr 2026, 18:00:00 UTC"
    assert [(r[2], r[6], r[-1]) for r in overview[1:]] == [
        ("3", "Customers absent per run: 2 runs, oldest first: 5 (backfill), 3; lowest 3, highest 5", live)]
    assert (f"Stored run {live} · 3 absent · {stored.live} 10 Apr 2026, 18:00:00 UTC · 5 absent · {stored.backfill} "
            f"Show run") in card_page
    assert "3 customers with active orders absent from the master 3 active orders behind them" in card_page
    assert [r[:3] for r in table(history_page, "Customers per cause over the runs shown")[1:]][-1] == [
        "Never synced (no create attempt)", "Never synced (no create attempt): 2 runs, oldest first: 5 (backfill), 3; "
                                            "lowest 3, highest 5", "3"]
    assert (f"Customers absent per stored run, oldest first {stored.backfill}: 5 (backfill) {stored.live}: 3"
            in text(history_page))
    assert [r[1:3] + r[-1:] for r in alerts_page[1:]] == [["Firing ALERT: above the alert line", "3", live]]

