"""A backfill (``run --as-of`` a past time) that fails is stored as a failed backfill: the live alert never goes blind
for it, and never 'sees again' after it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bridgewatch.history import Store
from bridgewatch.history.schema import runs

from .helpers import scenario
from .servers import WebhookServer
from .test_cli_and_config import hook_alerts, run_cli


def _write(root: Path, url: str, absent: int, day: int) -> None:
    scenario(absent, alerts=hook_alerts(url), as_of=f"2026-04-{day:02d}T18:00:00Z",
             orders=(f"2026-04-{day:02d}T10:00:00Z",)).write(root)


def test_a_failed_backfill_never_blinds_the_live_alert(tmp_path: Path, hook: WebhookServer) -> None:
    root = tmp_path / "ws"
    _write(root, hook.url, 3, 14)
    assert run_cli("run", root).exit_code == 0  # live, as of 14 April: firing
    (root / "data" / "orders.csv").write_text("not,a,valid,orders,file\n", encoding="utf-8")
    failed = run_cli("run", root, "--as-of", "2026-04-10T18:00:00")  # a backfill of 10 April that fails
    assert failed.exit_code == 5
    assert [(b["status"], b["event"]) for b in hook.bodies()] == [("firing", "firing")]
    listed = run_cli("alerts", "list", root, "--format", "json")
    assert '"state": "firing"' in listed.stdout
    _write(root, hook.url, 3, 15)
    assert run_cli("run", root).exit_code == 0  # the next live run: still firing, nothing new to say
    assert [(b["status"], b["event"]) for b in hook.bodies()] == [("firing", "firing")]
    with Store(f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}") as store, store.engine.connect() as conn:
        assert conn.execute(select(runs.c.status, runs.c.backfill).order_by(runs.c.id)).all() == [
            ("ok", False), ("failed", True), ("ok", False)]


def test_a_failed_run_as_of_a_newer_time_is_live_and_blinds(tmp_path: Path, hook: WebhookServer) -> None:
    root = tmp_path / "ws"
    _write(root, hook.url, 3, 14)
    assert run_cli("run", root).exit_code == 0
    (root / "data" / "orders.csv").write_text("not,a,valid,orders,file\n", encoding="utf-8")
    assert run_cli("run", root, "--as-of", "2026-04-16T18:00:00").exit_code == 5  # newer than the stored run
    assert [(b["status"], b["event"]) for b in hook.bodies()] == [("firing", "firing"), ("unknown", "blind")]
