"""A failed backfill (``run --as-of`` a past date that failed) leaves the live state as it was: no dashboard page
warns that the latest run failed, and the alert state stays the stored run's. A live failure after it still warns."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.history import Store
from bridgewatch.web import pages
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces

from ..alerts.helpers import scenario
from .conftest import FAST_HASHER
from .pagetext import text

runner = CliRunner()
CARD = "sage_customer_master_gap"
WARNING = "latest run failed, so the state is unknown"


def _pages(ws: object, tmp_path: Path) -> list[str]:
    settings = WebSettings((ws,), f"sqlite:///{tmp_path / 'users.sqlite'}", allow_anonymous=True)  # type: ignore[arg-type]
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        card = f"/w/sage-test/cards/{CARD}"
        return [text(client.get(p).text) for p in ("/", card, f"{card}/history", f"{card}/worklist",
                                                   "/w/sage-test/alerts")]


def test_a_failed_backfill_is_no_warning_on_any_page(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    scenario(3).write(root)  # as of 14 April 18:00: A01-A03 absent, over the alert line of 2
    assert runner.invoke(cli, ["run", "-w", str(root)]).exit_code == 0
    (root / "data" / "orders.csv").write_text("not,a,valid,orders,file\n", encoding="utf-8")
    assert runner.invoke(cli, ["run", "-w", str(root), "--as-of", "2026-04-10T18:00:00"]).exit_code == 5
    [ws] = served_workspaces([root], environ={})
    url = f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}"
    with Store(url) as store:
        assert [(t.failed, t.state) for t in pages.tiles(store, ws)] == [(None, "firing")]  # was: the backfill, unknown
        assert [(t.failed, t.state) for t in pages.states(store, ws)] == [(None, "firing")]
    assert [WARNING in page for page in _pages(ws, tmp_path)] == [False] * 5

    assert runner.invoke(cli, ["run", "-w", str(root)]).exit_code == 5  # live (the configured as-of): blind
    with Store(url) as store:
        live, _ = store.failed_runs("sage-test")
        assert [(t.failed.run_id, t.state) for t in pages.tiles(store, ws)] == [(live.run_id, "unknown")]  # type: ignore[union-attr]
        assert [(t.failed.run_id, t.state) for t in pages.states(store, ws)] == [(live.run_id, "unknown")]  # type: ignore[union-attr]
    assert [WARNING in page for page in _pages(ws, tmp_path)] == [True] * 5
