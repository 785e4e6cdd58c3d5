"""A failed run remembers whether it was a backfill (asked for an as-of older than the newest live run stored), on
SQLite and PostgreSQL; a store made before it knew this upgrades with every failed run counted live."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text
from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.history import Store
from bridgewatch.history.migrations import HEAD
from bridgewatch.history.schema import runs
from bridgewatch.history.store import latest_failed

from .test_store import scenario

runner = CliRunner()


def _runs(url: str) -> list[tuple[str, bool]]:
    with Store(url) as store, store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(runs.c.status, runs.c.backfill).order_by(runs.c.id))]


def test_batch_and_run_store_a_failed_backfill_as_one(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "group" / "ws")  # as of 2026-04-14 18:00 (workspace.as_of)
    url = ["--history-url", store_url]
    assert runner.invoke(app, ["run", "-w", str(root), *url]).exit_code == 0
    (root / "data" / "orders.csv").write_text("platform,order_id\nshopify,1\n")
    batch = ["batch", "--workspaces", str(tmp_path / "group"), *url]
    assert runner.invoke(app, [*batch, "--out", str(tmp_path / "a"), "--as-of", "2026-04-10"]).exit_code == 5
    assert runner.invoke(app, ["run", "-w", str(root), *url, "--as-of", "2026-04-12T08:00:00"]).exit_code == 5
    assert runner.invoke(app, [*batch, "--out", str(tmp_path / "b")]).exit_code == 5  # the configured as-of: live
    assert runner.invoke(app, ["run", "-w", str(root), *url, "--as-of", "2026-04-14T18:00:00"]).exit_code == 5
    assert _runs(store_url) == [("ok", False), ("failed", True), ("failed", True), ("failed", False),
                                ("failed", False)]
    with Store(store_url) as store, store.engine.connect() as conn:
        newest, live = latest_failed(conn, "sage-test"), latest_failed(conn, "sage-test", live_only=True)
        assert newest is not None and live is not None and newest.pk == live.pk


def test_a_store_from_before_the_flag_upgrades_its_failed_runs_as_live(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    url = ["--history-url", store_url]
    assert runner.invoke(app, ["run", "-w", str(root), *url]).exit_code == 0
    (root / "data" / "orders.csv").write_text("platform,order_id\nshopify,1\n")
    assert runner.invoke(app, ["run", "-w", str(root), *url, "--as-of", "2026-04-10"]).exit_code == 5
    with Store(store_url) as store, store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE runs DROP COLUMN backfill"))  # what revision 0006 added, undone by hand
        conn.execute(text("ALTER TABLE card_runs DROP COLUMN ahead"))  # and what 0007 added
        conn.execute(text("ALTER TABLE card_runs RENAME COLUMN blocked_e4 TO blocked_cents"))  # and what 0008 renamed
        conn.execute(text("ALTER TABLE episode_versions RENAME COLUMN blocked_e4 TO blocked_cents"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    assert _runs(store_url) == [("ok", False), ("failed", False)]  # unknown before 0006: counted live, as before
    with Store(store_url) as store, store.engine.connect() as conn:
        assert list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [HEAD] == ["0008"]
