"""Prepared steps: kept next to the staged tables, reused only while nothing they read has changed.

Also the integer account key: exact even when account hashes collide (forced here by masking the
hash to a few bits, so most accounts collide).
"""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from bridgewatch import atomic
from bridgewatch.batch import stage_workspace, staged_workspace
from bridgewatch.cards import account_key
from bridgewatch.cards.base import Card
from bridgewatch.cards.d365 import D365_CARD
from bridgewatch.cards.sage import SAGE_CARD
from bridgewatch.cards.steps import shared_steps
from bridgewatch.demo import scenarios
from bridgewatch.engine.base import Step
from bridgewatch.engine.duckdb import DuckDBEngine
from bridgewatch.engine.prepared import STEPS, STEPS_DIR, STORE_FILE, PreparedStore
from bridgewatch.results.run import CardRun, compute
from bridgewatch.workspace import load_workspace


def _tables_read(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table)} - ctes


@pytest.mark.parametrize("scoped", [(), (SAGE_CARD,), (SAGE_CARD, D365_CARD)], ids=["every account", "sage", "both"])
def test_prepared_steps_declare_every_relation_they_read(scoped: tuple[Card, ...]) -> None:
    """A prepared step's fingerprint covers its inputs only: reading anything else could reuse a stale result."""
    prepared = [s for s in shared_steps(scoped) if s.prepared]
    assert [s.name for s in prepared] == ["party_accounts", "party_keys", "erp_keys", "id_claims", "party_matches"]
    allowed_views = {"__bw__party_remap": "__bw__party_accounts"}
    for step in prepared:
        read = {allowed_views.get(t, t) for t in _tables_read(step.sql)}
        assert read == set(step.inputs), step.name
        assert "bw_params" not in read and "bw_field_map" not in read, f"{step.name} must not depend on the window"
        assert "bw_card_params" not in read, f"{step.name} must not depend on the thresholds"
    assert ("__bw__card_scope" in prepared[1].inputs) == bool(scoped)


@pytest.fixture
def staged(tmp_path: Path) -> Path:
    ws = load_workspace(scenarios()["uk-trade-sage"].write(tmp_path / "ws"))
    return stage_workspace(ws)


def _run(folder: Path, **engine: Any) -> tuple[list[dict[str, Any]], DuckDBEngine]:
    ws = staged_workspace(folder.parent)
    with DuckDBEngine(**engine) as eng:
        return _results(compute([ws], engine=eng).results), eng


def _kept(folder: Path) -> dict[str, str]:
    con = duckdb.connect(str(folder / STORE_FILE), read_only=True)
    try:
        return dict(con.execute(f"SELECT name, fingerprint FROM {STEPS.split('.', 1)[1]}").fetchall())
    finally:
        con.close()


PREPARED = {"party_accounts", "party_keys", "erp_keys", "id_claims", "party_matches"}
WINDOW = {"accounts", "counted_orders", "account_entity", "match_summary", "sage_customer_master_gap_presence",
          "sage_customer_master_gap_gap", "sage_customer_master_gap_keys_tried", "sage_customer_master_gap_by_cause"}
"""Some of the window-dependent steps a repeatable pass keeps too."""


def _saved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the steps computed into the store from now on (reused steps are not)."""
    saved: list[str] = []
    keep = PreparedStore.save

    def spy(self: PreparedStore, step: Any, sql: str, fingerprint: str) -> bool:
        saved.append(step.name)
        return keep(self, step, sql, fingerprint)

    monkeypatch.setattr(PreparedStore, "save", spy)
    return saved


def test_a_second_run_reuses_every_kept_step_and_gives_the_same_results(staged: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo workspace gives its as-of time, so the pass is repeatable: window steps are kept as well."""
    saved = _saved(monkeypatch)
    first, _ = _run(staged)
    kept = _kept(staged)
    assert PREPARED | WINDOW <= set(kept) and set(kept) == set(saved)
    saved.clear()
    again, _ = _run(staged)
    assert again == first and saved == []
    assert _kept(staged) == kept
    assert first == _run(staged, prepared=False)[0]


def test_another_as_of_recomputes_the_window_steps_only(staged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = staged_workspace(staged.parent)
    later = ws.config.as_of_utc() + timedelta(days=3)  # type: ignore[operator]

    def at(as_of: datetime | None, **engine: Any) -> list[dict[str, Any]]:
        with DuckDBEngine(**engine) as eng:
            return _results(compute([ws], engine=eng, as_of=as_of).results)

    first = at(None)
    kept = _kept(staged)
    saved = _saved(monkeypatch)
    moved = at(later)
    assert moved == at(later, prepared=False) and moved != first
    assert WINDOW <= set(saved) and not PREPARED & set(saved)
    now = _kept(staged)
    assert all(now[s] == kept[s] for s in PREPARED) and all(now[s] != kept[s] for s in WINDOW)
    saved.clear()
    assert at(None) == first and WINDOW <= set(saved), "back to the first as-of: recomputed, not mixed up"


def test_an_as_of_from_the_clock_keeps_no_window_step(staged: Path) -> None:
    config = staged.parent / "workspace.toml"
    config.write_text("\n".join(line for line in config.read_text().splitlines() if not line.startswith("as_of")))
    stage_workspace(load_workspace(staged.parent))
    assert load_workspace(staged.parent).config.as_of_utc() is None
    _run(staged)
    assert set(_kept(staged)) == PREPARED


def test_a_changed_staged_table_is_prepared_again(staged: Path) -> None:
    first, _ = _run(staged)
    kept = _kept(staged)
    erp = staged / "erp_customers.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{erp}') WHERE customer_account <> 'C30000') TO '{erp}.new' "
                "(FORMAT parquet)")
    con.close()
    os.replace(f"{erp}.new", erp)
    changed, _ = _run(staged)
    now = _kept(staged)
    assert now["party_accounts"] == kept["party_accounts"], "customers did not change"
    assert now["erp_keys"] != kept["erp_keys"] and now["party_matches"] != kept["party_matches"]
    fresh, _ = _run(staged, prepared=False)
    assert changed == fresh
    assert changed != first


def test_a_changed_setting_is_prepared_again(staged: Path) -> None:
    _run(staged)
    kept = _kept(staged)
    store = (staged / STORE_FILE).read_bytes()
    stamps = {f: f.stat() for f in staged.glob("*.parquet")}
    config = staged.parent / "workspace.toml"
    config.write_text(config.read_text().replace('home_country = "GB"', 'home_country = "IE"'))
    stage_workspace(load_workspace(staged.parent))  # the staging follows its config (it refuses otherwise)...
    (staged / STORE_FILE).write_bytes(store)  # ...and the old prepared store is put back next to it
    for f, st in stamps.items():  # the same tables, as the files say: only the setting changed
        assert f.stat().st_size == st.st_size
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed, _ = _run(staged)
    now = _kept(staged)
    assert now["party_accounts"] == kept["party_accounts"], "accounts do not read the home country"
    assert now["party_keys"] != kept["party_keys"] and now["erp_keys"] != kept["erp_keys"]
    assert changed == _run(staged, prepared=False)[0]


def test_a_step_computed_outside_the_store_is_never_taken_for_its_earlier_kept_version(
        staged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On one engine: run, change the customers, and let keeping ``party_keys`` fail on the second run.

    ``party_keys`` is then computed in memory; ``party_matches``, which reads it, must not be fingerprinted
    with the first run's ``party_keys`` (that would reuse the first run's matches: a stale count).
    """
    with DuckDBEngine() as eng:
        _results(compute([staged_workspace(staged.parent)], engine=eng).results)
        customers = staged / "commerce_customers.parquet"
        con = duckdb.connect()
        con.execute(f"COPY (SELECT * REPLACE (NULL AS vat_number, NULL AS account_ref, "
                    f"'nobody+' || customer_id || '@example.invalid' AS email) FROM read_parquet('{customers}')) "
                    f"TO '{customers}.new' (FORMAT parquet)")
        con.close()
        os.replace(f"{customers}.new", customers)
        keep = PreparedStore.save
        monkeypatch.setattr(PreparedStore, "save", lambda self, step, sql, fp: step.name != "party_keys"
                            and keep(self, step, sql, fp))
        got = _results(compute([staged_workspace(staged.parent)], engine=eng).results)
    assert got == _run(staged, prepared=False)[0]


def test_a_store_in_use_is_skipped_with_a_warning(staged: Path, caplog: pytest.LogCaptureFixture) -> None:
    expected, _ = _run(staged, prepared=False)
    holder = duckdb.connect(str(staged / STORE_FILE))
    try:
        with caplog.at_level(logging.WARNING):
            got, _ = _run(staged)
    finally:
        holder.close()
    assert got == expected
    assert "not used" in caplog.text


def _results(results: list[CardRun]) -> list[dict[str, Any]]:
    return [r.collect().to_dict() for r in results]


@pytest.mark.parametrize("demo", ["uk-trade-sage", "us-distributor-d365"])
def test_colliding_account_keys_change_nothing(demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the account hash cut to two bits nearly every account collides; every result must stay the same."""
    ws = load_workspace(scenarios()[demo].write(tmp_path / "ws"))
    with compute([ws]) as run:
        expected = _results(run.results)
    monkeypatch.setattr(account_key, "KEY_MASK", 3)
    with compute([ws]) as run:
        assert _results(run.results) == expected


def test_one_engine_over_two_staged_workspaces_keeps_each_store_with_its_tables(tmp_path: Path) -> None:
    folders = [stage_workspace(load_workspace(scenarios()[name].write(tmp_path / name)))
               for name in ("uk-trade-sage", "us-distributor-d365")]
    expected = [_run(folder, prepared=False)[0] for folder in folders]
    with DuckDBEngine() as eng:
        got = [_results(compute([staged_workspace(folder.parent)], engine=eng).results) for folder in folders]
    assert got == expected
    shared = {"accounts", "counted_orders", "account_entity", "match_summary"}
    assert [PREPARED | shared <= set(_kept(folder)) for folder in folders] == [True, True]
    assert "sage_customer_master_gap_gap" in _kept(folders[0]) and "d365_customer_master_gap_gap" in _kept(folders[1])
    assert _kept(folders[0]) != _kept(folders[1])


def test_a_pass_without_a_store_fingerprints_nothing(staged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain reads every registered relation (up to 10,001 rows of each in-memory table): only a pass that can
    keep its steps pays for it; a pass from vendor files or with the store turned off does not."""
    from bridgewatch.engine.prepared import Fingerprints

    calls: list[str] = []
    real = Fingerprints.of_pass
    monkeypatch.setattr(Fingerprints, "of_pass", lambda self, names: calls.append("pass") or real(self, names))
    _run(staged, prepared=False)
    with compute([load_workspace(staged.parent)]) as run:  # the exports, not the staged tables: no store
        assert run.results
    assert calls == []
    _run(staged)
    assert calls == ["pass"]


def test_each_step_is_one_parquet_file_and_a_missing_file_is_computed_again(staged: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = _run(staged)
    kept = _kept(staged)
    files = sorted(p.name for p in (staged / STEPS_DIR).iterdir())
    assert files == sorted(f"{name}-{fp[:32]}.parquet" for name, fp in kept.items()), "one file per kept step"
    (staged / STEPS_DIR / f"party_keys-{kept['party_keys'][:32]}.parquet").unlink()
    saved = _saved(monkeypatch)
    assert _run(staged)[0] == first
    assert saved == ["party_keys"], "only the step whose file is gone is computed (same inputs, same fingerprint)"


def test_a_kept_file_cut_short_is_computed_again(staged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = _run(staged)
    kept = (staged / STEPS_DIR / f"erp_keys-{_kept(staged)['erp_keys'][:32]}.parquet")
    kept.write_bytes(kept.read_bytes()[:-100])  # a power loss after the rename: the footer never reached the disk
    saved = _saved(monkeypatch)
    assert _run(staged)[0] == first
    assert saved == ["erp_keys"]


def test_a_kept_file_is_synced_to_disk_before_it_is_renamed_into_place_and_the_folder_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A power loss after the rename must not leave a renamed file whose data never reached the disk."""
    con = duckdb.connect()
    store = PreparedStore(con.execute, tmp_path / STORE_FILE)
    events: list[tuple[object, ...]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        events.append(("fsync", st.st_ino, "folder" if stat.S_ISDIR(st.st_mode) else st.st_size))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append(("replace", Path(src).name, Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(atomic, "DURABLE", True)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    step = Step("numbers", "SELECT range AS n FROM range(1000)")
    assert store.save(step, step.sql, "ab" * 32)
    kept = store.file(step, "ab" * 32)
    [(_, written, _)] = [e for e in events if e[0] == "replace"]
    assert str(written).startswith(f".{kept.name}{atomic.TEMP_MARK}{os.getpid()}-")
    assert events == [("fsync", kept.stat().st_ino, kept.stat().st_size), ("replace", written, kept.name),
                      ("fsync", kept.parent.stat().st_ino, "folder")]
    assert con.execute(f"SELECT count(*), sum(n) FROM {store.table(step, 'ab' * 32)}").fetchall() == [(1000, 499500)]
    store.close()
    con.close()


def test_a_killed_runs_half_written_file_is_removed_when_the_store_is_next_opened(tmp_path: Path) -> None:
    """A run killed while writing a step leaves its temporary file; the next store removes it (its writer is dead)
    and leaves a live writer's alone."""
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    folder = tmp_path / STEPS_DIR
    folder.mkdir()
    killed = folder / f".party_keys-{'ab' * 16}.parquet{atomic.TEMP_MARK}{dead}-0a1b2c3d"
    live = folder / f".erp_keys-{'cd' * 16}.parquet{atomic.TEMP_MARK}{os.getpid()}-0a1b2c3d"
    kept = folder / f"erp_keys-{'cd' * 16}.parquet"
    for path in (killed, live, kept):
        path.write_bytes(b"PAR1")
    con = duckdb.connect()
    store = PreparedStore(con.execute, tmp_path / STORE_FILE)
    assert sorted(p.name for p in folder.iterdir()) == sorted([live.name, kept.name])
    store.close()
    con.close()


def test_another_as_of_replaces_the_window_files_instead_of_adding_to_them(staged: Path) -> None:
    ws = staged_workspace(staged.parent)
    with DuckDBEngine() as eng:
        compute([ws], engine=eng)
    before = len(list((staged / STEPS_DIR).iterdir()))
    with DuckDBEngine() as eng:
        compute([ws], engine=eng, as_of=ws.config.as_of_utc() + timedelta(days=1))  # type: ignore[operator]
    names = [p.name.rsplit("-", 1)[0] for p in (staged / STEPS_DIR).iterdir()]
    assert len(names) == before and len(set(names)) == len(names)
    assert not list(staged.glob(f"{STEPS_DIR}/.*")), "no partial file left behind"


def test_step_tables_an_earlier_version_kept_in_the_manifest_are_dropped(staged: Path) -> None:
    con = duckdb.connect(str(staged / STORE_FILE))
    con.execute("CREATE TABLE party_keys AS SELECT 1 AS stale")
    con.execute("CREATE TABLE bw_prepared_steps (name VARCHAR PRIMARY KEY, fingerprint VARCHAR)")
    con.close()
    assert _run(staged)[0] == _run(staged, prepared=False)[0]
    con = duckdb.connect(str(staged / STORE_FILE), read_only=True)
    try:
        assert [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()] == ["bw_prepared_steps"]
    finally:
        con.close()


def test_a_second_run_writes_the_worklist_csv_from_kept_cells(staged: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def csvs(name: str, **engine: Any) -> list[bytes]:
        with DuckDBEngine(**engine) as eng:
            run = compute([staged_workspace(staged.parent)], engine=eng)
            paths = [tmp_path / f"{name}-{r.summary.card}.csv" for r in run.results]
            for result, path in zip(run.results, paths, strict=True):
                assert result.worklist.to_csv(path, meta={"as_of": "=1+1"}) == result.summary.count
            return [p.read_bytes() for p in paths]

    first = csvs("first")
    assert any(name.startswith("sage_customer_master_gap_csv_") for name in _kept(staged)), "the cells are kept"
    saved = _saved(monkeypatch)
    assert csvs("again") == first and saved == [], "read from the store, not made again"
    assert csvs("fresh", prepared=False) == first
    assert b",'=1+1," in first[0].splitlines()[1], "the meta cells are formula-guarded as before"


def test_with_no_store_to_keep_them_the_worklist_cells_are_a_view(staged: Path, tmp_path: Path) -> None:
    """A repeatable pass with nothing to keep its steps in: the cells are read once, so never made a table."""
    for prepared in (False, None):
        with DuckDBEngine(prepared=prepared) as eng:
            run = compute([staged_workspace(staged.parent)], engine=eng)
            assert eng.repeatable and eng.keeps_steps is (prepared is None)
            result = run.results[0]
            assert result.worklist.to_csv(tmp_path / "w.csv") == result.summary.count
            step = result.worklist.cells_step().table
            found = eng.con.execute("SELECT view_name, sql FROM duckdb_views() WHERE view_name = ?",
                                    [step]).fetchall()
            assert len(found) == 1, "a view either way: of the cells' SQL, or of the file the store keeps"
            assert ("read_parquet" in found[0][1]) is (prepared is None)


def test_batch_keeps_the_store_unless_told_not_to(staged: Path, tmp_path: Path) -> None:
    """``batch --staged`` of one workspace keeps its steps next to the staged tables; ``--no-prepared-store``
    writes nothing there and gives the same answer."""
    from typer.testing import CliRunner

    from bridgewatch.cli import app

    runner = CliRunner()
    base = ["batch", "--workspaces", str(staged.parent), "--staged", "--no-store", "--allow-stale"]
    without = runner.invoke(app, [*base, "--out", str(tmp_path / "a"), "--no-prepared-store"])
    assert without.exit_code == 0, without.output
    assert not (staged / STORE_FILE).exists() and not (staged / STEPS_DIR).exists()
    kept = runner.invoke(app, [*base, "--out", str(tmp_path / "b")])
    assert kept.exit_code == 0, kept.output
    assert PREPARED <= set(_kept(staged))
    answers = [json.loads(p.read_text()) for p in (tmp_path / "a" / "uk-trade-sage.json",
                                                   tmp_path / "b" / "uk-trade-sage.json")]
    assert [[(c["card"], c["count"]) for c in a] for a in answers] == [[("sage_customer_master_gap", 14)]] * 2
    spark = runner.invoke(app, [*base, "--out", str(tmp_path / "c"), "--no-prepared-store", "--engine", "spark"])
    assert spark.exit_code == 5 and "--no-prepared-store only applies to --engine duckdb" in spark.output


def test_another_card_set_rekeys_the_accounts_it_adds(staged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Party keys kept for the Sage card alone (B2B accounts) are not reused when the D365 card (every account)
    joins the pass; back to the Sage card alone, they are keyed again for it. Results equal store-less runs."""
    ws = staged_workspace(staged.parent)
    sage_only, both = ["sage_customer_master_gap"], ["sage_customer_master_gap", "d365_customer_master_gap"]

    def run(cards: list[str], **engine: Any) -> list[dict[str, Any]]:
        with DuckDBEngine(**engine) as eng:
            return _results(compute([ws], engine=eng, cards=cards).results)

    saved = _saved(monkeypatch)
    run(sage_only)
    assert "party_keys" in saved
    sage_keys = _kept(staged)["party_keys"]
    saved.clear()
    assert run(both) == run(both, prepared=False)
    assert "party_keys" in saved and _kept(staged)["party_keys"] != sage_keys
    saved.clear()
    assert run(sage_only) == run(sage_only, prepared=False)
    assert "party_keys" in saved and _kept(staged)["party_keys"] == sage_keys
