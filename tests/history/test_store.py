"""The run store, on SQLite and on a real PostgreSQL server: storage grows with changes, runs read back exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.errors import LookupFailed, StoreError
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.history.schema import card_runs, episode_versions, episodes, runs
from bridgewatch.results import compute
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp, event, sage

runner = CliRunner()
LATE = ("2026-04-14T10:00:00Z",)
"""An order eight hours before the as-of time (fresh data)."""


def scenario() -> Scenario:
    """Three B2B companies absent from Intacct (values 300, 200, 100), one present."""
    s = sage()
    company(s, "BIG", vat="GB111111111", total="300.00", orders=LATE)
    company(s, "MID", vat="GB222222222", total="200.00", orders=LATE)
    event(s, "MID", "failed", "2026-04-13T06:00:00Z", "Missing NAME")
    company(s, "LOW", vat="GB333333333", total="100.00", orders=LATE)
    company(s, "HERE", vat="GB444444444", orders=LATE)
    erp(s, "C4", vat_number="444444444", country="GB")
    return s


def save(root: Path, url: str, **options: Any) -> list[StoredCardRun]:
    with Store(url) as store, compute([load_workspace(root)], **options) as run:
        return store.save(run)


def rows(url: str, table: Any) -> int:
    with Store(url) as store, store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def worklist(url: str, stored: StoredCardRun) -> list[dict[str, Any]]:
    with Store(url) as store:
        return list(store.rows(stored))


def test_first_run_opens_one_episode_per_counted_customer(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    [first] = save(root, store_url)
    assert (first.count, first.new, first.cleared, first.returned, first.still_absent) == (3, 3, 0, 0, 0)
    assert first.summary["run_id"] == first.run_id and first.summary["previous_run_id"] is None
    assert (rows(store_url, episodes), rows(store_url, episode_versions)) == (3, 3)
    got = [(r["rank"], r["company_id"], r["blocked_value"], r["first_seen"], r["days_absent"])
           for r in worklist(store_url, first)]
    assert got == [(1, "BIG", "300.00", "2026-04-14T18:00:00Z", 0), (2, "MID", "200.00", "2026-04-14T18:00:00Z", 0),
                   (3, "LOW", "100.00", "2026-04-14T18:00:00Z", 0)]


def test_a_rerun_on_unchanged_inputs_adds_no_customer_rows(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    [first] = save(root, store_url)
    for _ in range(3):
        [again] = save(root, store_url)
    assert (again.new, again.cleared, again.returned, again.still_absent) == (0, 0, 0, 3)
    assert (rows(store_url, runs), rows(store_url, card_runs)) == (4, 4)
    assert (rows(store_url, episodes), rows(store_url, episode_versions)) == (3, 3)
    assert worklist(store_url, again) == worklist(store_url, first)


def test_a_rerun_that_changed_nothing_computes_no_evidence(tmp_path: Path, store_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Evidence is made for new and changed customers only: a rerun of the same facts does not ask for it."""
    import bridgewatch.history.save as save_module

    asked: list[str] = []
    real = save_module.explain_accounts
    monkeypatch.setattr(save_module, "explain_accounts", lambda *a, **k: asked.append("x") or real(*a, **k))
    root = scenario().write(tmp_path / "ws")
    save(root, store_url)
    assert asked == ["x"]
    [again] = save(root, store_url)
    assert asked == ["x"] and (again.new, again.still_absent) == (0, 3)
    assert rows(store_url, episode_versions) == 3


def test_a_changed_fact_adds_a_version_and_old_runs_keep_theirs(tmp_path: Path, store_url: str) -> None:
    s = scenario()
    root = s.write(tmp_path / "ws")
    [first] = save(root, store_url)
    order = next(o for o in s.rows["orders"] if o["company_id"] == "LOW")
    order["total"] = "900.00"
    s.write(root)
    [second] = save(root, store_url)
    assert (second.new, second.cleared, second.still_absent) == (0, 0, 3)
    assert (rows(store_url, episodes), rows(store_url, episode_versions)) == (3, 4)
    assert [(r["company_id"], r["blocked_value"]) for r in worklist(store_url, second)] == [
        ("LOW", "900.00"), ("BIG", "300.00"), ("MID", "200.00")]
    assert [(r["company_id"], r["blocked_value"]) for r in worklist(store_url, first)] == [
        ("BIG", "300.00"), ("MID", "200.00"), ("LOW", "100.00")]


def test_clearing_and_returning_makes_two_episodes(tmp_path: Path, store_url: str) -> None:
    s = scenario()
    root = s.write(tmp_path / "ws")
    save(root, store_url)
    erp(s, "C1", vat_number="111111111", country="GB")  # BIG is created in Intacct
    s.write(root)
    [cleared] = save(root, store_url)
    assert (cleared.count, cleared.new, cleared.cleared, cleared.still_absent) == (2, 0, 1, 2)
    s.rows["erp_customers"] = [r for r in s.rows["erp_customers"] if r["customer_account"] != "C1"]
    s.write(root)
    [back] = save(root, store_url)
    assert (back.count, back.new, back.cleared, back.returned, back.still_absent) == (3, 1, 0, 1, 2)
    with Store(store_url) as store, store.engine.connect() as conn:
        big = conn.execute(select(episodes.c.first_card_run, episodes.c.cleared_card_run, episodes.c.returned)
                           .where(episodes.c.account_id == "BIG").order_by(episodes.c.id)).all()
        [explained] = store.explain("sage-test", "BIG")
    assert [tuple(r) for r in big] == [(1, 2, False), (3, None, True)]
    assert [(e["cleared"] is not None) for e in explained.episodes] == [True, False]


def test_days_absent_counts_from_the_first_run_that_saw_it(tmp_path: Path, store_url: str) -> None:
    from datetime import datetime

    s = scenario()
    s.config["workspace"]["max_age_hours"] = 96  # three days later the data is still fresh
    root = s.write(tmp_path / "ws")
    save(root, store_url)
    [later] = save(root, store_url, as_of=datetime(2026, 4, 17, 9, 0))
    assert (later.freshness, later.new) == ("fresh", 0)
    assert {r["company_id"]: (r["first_seen"], r["days_absent"]) for r in worklist(store_url, later)} == {
        "BIG": ("2026-04-14T18:00:00Z", 2), "MID": ("2026-04-14T18:00:00Z", 2), "LOW": ("2026-04-14T18:00:00Z", 2)}


def test_stored_evidence_is_the_evidence_of_that_run(tmp_path: Path, store_url: str) -> None:
    s = scenario()
    root = s.write(tmp_path / "ws")
    [first] = save(root, store_url)
    event(s, "MID", "failed", "2026-04-14T06:00:00Z", "Duplicate VAT GB222222222")
    s.write(root)
    [second] = save(root, store_url)
    with Store(store_url) as store:
        [old] = store.explain("sage-test", "MID", run_id=first.run_id)
        [new] = store.explain("sage-test", "MID")
    assert [e["rejection_reason"] for e in old.sync_events] == ["Missing NAME"]
    assert [e["rejection_reason"] for e in new.sync_events] == ["Missing NAME", "Duplicate VAT GB222222222"]
    assert old.reason.endswith("was rejected: Missing NAME; 1 failed attempt(s) in all")
    assert new.reason.endswith("was rejected: Duplicate VAT GB222222222; 2 failed attempt(s) in all")
    assert (old.run_id, new.run_id) == (first.run_id, second.run_id)
    assert (old.customer or {})["rank"] == 2


def test_show_of_an_old_run_equals_its_original_json(tmp_path: Path, store_url: str) -> None:
    s = scenario()
    root = s.write(tmp_path / "ws")
    args = ["--history-url", store_url, "--format", "json"]
    original = runner.invoke(app, ["run", "-w", str(root), *args])
    assert original.exit_code == 0, original.output
    erp(s, "C1", vat_number="111111111", country="GB")
    s.write(root)
    assert runner.invoke(app, ["run", "-w", str(root), *args]).exit_code == 0
    run_id = json.loads(original.stdout)[0]["run_id"]
    shown = runner.invoke(app, ["show", "-w", str(root), "--run", run_id, *args])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == original.stdout
    latest = json.loads(runner.invoke(app, ["show", "-w", str(root), *args]).stdout)[0]
    assert (latest["count"], latest["previous_run_id"], latest["cleared"]) == (2, run_id, 1)


def test_history_lists_runs_newest_first(tmp_path: Path, store_url: str) -> None:
    s = scenario()
    root = s.write(tmp_path / "ws")
    [first] = save(root, store_url)
    erp(s, "C1", vat_number="111111111", country="GB")
    s.write(root)
    [second] = save(root, store_url)
    result = runner.invoke(app, ["history", "-w", str(root), "--history-url", store_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"run_id": second.run_id, "status": "ok", "card": "sage_customer_master_gap", "as_of": "2026-04-14T18:00:00Z",
         "count": 2, "alert_state": "quiet", "freshness": "fresh", "new": 0, "cleared": 1, "returned": 0,
         "backfill": False, "ahead": False},
        {"run_id": first.run_id, "status": "ok", "card": "sage_customer_master_gap", "as_of": "2026-04-14T18:00:00Z",
         "count": 3, "alert_state": "quiet", "freshness": "fresh", "new": 3, "cleared": 0, "returned": 0,
         "backfill": False, "ahead": False},
    ]


def test_a_run_without_fresh_data_fixes_nobody(tmp_path: Path, store_url: str) -> None:
    from datetime import datetime

    root = scenario().write(tmp_path / "ws")
    [first] = save(root, store_url)
    [blind] = save(root, store_url, as_of=datetime(2026, 5, 14))
    assert (blind.freshness, blind.count, blind.new, blind.cleared, blind.returned, blind.still_absent) == (
        "no_data", 0, None, None, None, None)
    assert worklist(store_url, blind) == []
    [again] = save(root, store_url)
    assert (again.count, again.new, again.cleared, again.returned, again.still_absent) == (3, 0, 0, 0, 3)
    assert again.summary["previous_run_id"] == first.run_id
    with Store(store_url) as store, store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(episodes)
                            .where(episodes.c.cleared_card_run.is_not(None))).scalar_one() == 0
    [blind2] = save(root, store_url, as_of=datetime(2026, 5, 14))
    result = runner.invoke(app, ["history", "-w", str(root), "--history-url", store_url], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        f"sage_customer_master_gap: the latest run {blind2.run_id} is no data; it is left out of new and cleared "
        f"(below: as of {again.run_id})",
        "sage_customer_master_gap: 3 now vs prior run (3 in " + first.run_id + "): 0 new (0 came back), 0 cleared, "
        "3 still absent"]
    assert "cleared absence(s)" not in result.stdout
    listed = json.loads(runner.invoke(app, ["history", "-w", str(root), "--history-url", store_url,
                                            "--format", "json"]).stdout)
    assert [(e["freshness"], e["new"], e["cleared"]) for e in listed] == [
        ("no_data", None, None), ("fresh", 0, 0), ("no_data", None, None), ("fresh", 3, 0)]


def test_a_failed_run_is_recorded(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    (root / "data" / "orders.csv").write_text("platform,order_id\nshopify,1\n")
    result = runner.invoke(app, ["run", "-w", str(root), "--history-url", store_url])
    assert result.exit_code == 5
    with Store(store_url) as store, store.engine.connect() as conn:
        [(status, error)] = conn.execute(select(runs.c.status, runs.c.error)).all()
    assert status == "failed" and "orders" in error


def test_run_opens_its_store_beside_the_loading_and_stores_alike(tmp_path: Path, store_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`bridgewatch run` opens the store on a thread of its own while the workspace loads (docs/performance.md);
    the run stored is the same, and the store is closed at the end."""
    import importlib
    import threading

    cli_app, cli_cards = (importlib.import_module(f"bridgewatch.cli.{name}") for name in ("app", "cards"))

    opened: list[str] = []

    def opening(config: Any, url: str | None) -> Store:
        store = cli_app.open_cli_store(config, url)
        opened.append(threading.current_thread().name)
        close = store.close
        store.close = lambda: (opened.append("closed"), close())  # type: ignore[method-assign]
        return store

    monkeypatch.setattr(cli_cards, "open_cli_store", opening)
    root = scenario().write(tmp_path / "ws")
    result = runner.invoke(app, ["run", "-w", str(root), "--history-url", store_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    [thread, closed] = opened
    assert thread.startswith("bridgewatch-open") and closed == "closed"
    assert [(c["count"], c["new"]) for c in json.loads(result.stdout)] == [(3, 3)]
    assert (rows(store_url, runs), rows(store_url, episodes)) == (1, 3)


def test_a_store_that_cannot_open_is_the_error_shown_even_when_the_load_fails_too(tmp_path: Path) -> None:
    """As when the store was opened before the loading: its problem is the one named (exit 7), not the load's."""
    root = scenario().write(tmp_path / "ws")
    (root / "data" / "orders.csv").write_text("platform,order_id\nshopify,1\n")
    result = runner.invoke(app, ["run", "-w", str(root), "--history-url", "mysql://bw:s3cret-pw@db/bw"])
    assert result.exit_code == 7, result.output
    assert " ".join(result.stderr.split()).startswith("error: history URL 'mysql://bw:***@db/bw': the run store "
                                                      "supports sqlite and postgresql databases")
    assert "s3cret-pw" not in result.output


def test_unknown_runs_and_cards_are_named(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    with Store(store_url) as store:
        with pytest.raises(LookupFailed, match="No stored run for workspace 'sage-test'"):
            store.run("sage-test")
    [first] = save(root, store_url)
    with Store(store_url) as store:
        with pytest.raises(LookupFailed, match="No stored run 'nope'"):
            store.run("sage-test", "nope")
        with pytest.raises(LookupFailed, match="has no card 'd365_customer_master_gap'"):
            store.run("sage-test", first.run_id, card="d365_customer_master_gap")


def test_an_unreachable_store_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql+psycopg://bw:s3cret-pw@127.0.0.1:1/nowhere")
    message = str(caught.value)
    assert "s3cret-pw" not in message and "postgresql+psycopg://bw:***@127.0.0.1:1/nowhere" in message
    assert "--no-store" in message


def test_an_unsupported_database_is_named_without_the_password(tmp_path: Path) -> None:
    root = scenario().write(tmp_path / "ws")
    result = runner.invoke(app, ["run", "-w", str(root), "--history-url", "mysql://bw:s3cret-pw@db/bw"])
    assert result.exit_code == 7, result.output
    assert " ".join(result.stderr.split()) == (
        "error: history URL 'mysql://bw:***@db/bw': the run store supports sqlite and postgresql databases, not "
        "mysql; use e.g. sqlite:///path/history.sqlite or postgresql+psycopg://user@host/db.")
    with pytest.raises(StoreError, match=r"'postgresql\+nodriver://bw:\*\*\*@db/bw': cannot open it \(") as caught:
        Store("postgresql+nodriver://bw:s3cret-pw@db/bw")
    assert "s3cret-pw" not in str(caught.value)


def test_migrations_create_exactly_the_schema(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bridgewatch.history.schema import metadata

    with Store(store_url) as store, store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_a_stored_worklist_pages_filters_and_sorts_on_the_database(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    [stored] = save(root, store_url)
    with Store(store_url) as store:
        first, total = store.page(stored, limit=2)
        assert ([r["company_id"] for r in first], total) == (["BIG", "MID"], 3)
        rest, _ = store.page(stored, limit=2, offset=2)
        assert [(r["rank"], r["company_id"]) for r in rest] == [(3, "LOW")]
        failed, n = store.page(stored, filters={"cause": "create_failed"})
        assert ([(r["rank"], r["company_id"]) for r in failed], n) == ([(2, "MID")], 1)
        assert store.page(stored, filters={"entity": "ambiguous"})[1] == 0
        assert [r["company_id"] for r in store.page(stored, sort="blocked_value", reverse=True)[0]] == [
            "LOW", "MID", "BIG"]
        assert [r["company_id"] for r in store.page(stored, sort="name")[0]] == ["BIG", "LOW", "MID"]
        with pytest.raises(LookupFailed, match="Unknown worklist sort 'nope'"):
            store.page(stored, sort="nope")


def test_run_on_stale_data_still_prints_its_worklist(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    result = runner.invoke(app, ["run", "-w", str(root), "--history-url", store_url, "--format", "json",
                                 "--as-of", "2026-04-17", "--allow-stale"])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    assert (card["freshness"]["status"], card["count"], card["new"], card["cleared"]) == ("stale", 3, None, None)
    assert [r["company_id"] for r in card["customers"]] == ["BIG", "MID", "LOW"]


def test_explain_on_a_stale_stored_run_says_it_keeps_no_customers(tmp_path: Path, store_url: str) -> None:
    """A stale run keeps its count but no customers: `explain` of one of the customers it counted says it cannot
    tell, instead of calling the customer one the run did not count."""
    root = scenario().write(tmp_path / "ws")
    stale = runner.invoke(app, ["run", "-w", str(root), "--history-url", store_url, "--as-of", "2026-04-20",
                                "--format", "json", "--allow-stale"])
    assert stale.exit_code == 0, stale.output
    [card] = json.loads(stale.stdout)
    assert (card["freshness"]["status"], card["count"]) == ("stale", 3)
    explained = runner.invoke(app, ["explain", "-w", str(root), "BIG", "--history-url", store_url, "--format",
                                    "json"])
    assert explained.exit_code == 0, explained.output
    [found] = json.loads(explained.stdout)
    assert (found["verdict"], found["reason"]) == (
        "not kept by this run",
        f"run {card['run_id']} was stale (3 customers counted): such a run keeps its count but no customers, so it "
        "cannot tell whether 'BIG' was among them. `bridgewatch explain --recompute` shows why from the current "
        "inputs; --run names another run.")
