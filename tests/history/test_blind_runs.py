"""A run that moved no absence (stale, no data, backfill) was compared with nothing: its new / cleared / came back /
still absent are unknown, never zeros, in every place they are read (run and show JSON, the card table,
``Store.history``, ``trends.changes``), on SQLite and PostgreSQL.

Scenario (test_store.scenario): 3 B2B companies absent, their orders at 10:00 on 14 April. A live run as of 14 April
18:00 counts 3 (fresh). A run as of 17 April 18:00 still counts the 3 (their orders are in its 7-day window) but
the newest order is 80 hours old: stale. Before the fix its JSON said ``new 0, cleared 0, still_absent 0`` beside
``count 3``, its table "vs previous run: 0 new, 0 cleared", and the overview's change was ``+0`` from a prior
count of 3 - 0 + 0.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.history import Store
from bridgewatch.history.trends import changes

from .test_store import scenario

runner = CliRunner()
CARD = "sage_customer_master_gap"
UNKNOWN = {"new": None, "cleared": None, "returned": None, "still_absent": None}


def _run(root: Path, url: str, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["run", "-w", str(root), "--history-url", url, "--format", "json", "--allow-stale",
                                 *args])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    return dict(card)


def test_a_stale_run_reads_as_not_compared_not_as_zero(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    live = _run(root, store_url)
    assert (live["count"], live["new"], live["still_absent"]) == (3, 3, 0)
    stale = _run(root, store_url, "--as-of", "2026-04-17T18:00:00Z")
    assert (stale["count"], stale["freshness"]["status"], stale["previous_run_id"]) == (3, "stale", live["run_id"])  # type: ignore[index]
    assert {k: stale[k] for k in UNKNOWN} == UNKNOWN
    shown = runner.invoke(app, ["show", "-w", str(root), "--history-url", store_url, "--run", str(stale["run_id"]),
                                "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert {k: json.loads(shown.stdout)[0][k] for k in UNKNOWN} == UNKNOWN
    table = runner.invoke(app, ["show", "-w", str(root), "--history-url", store_url, "--run", str(stale["run_id"])],
                          env={"COLUMNS": "300"})
    assert "vs previous run: not compared (the data is not fresh)" in table.stdout
    assert "0 new" not in table.stdout
    with Store(store_url) as store:
        [listed_stale, listed_live] = store.history("sage-test", card=CARD)
        assert (listed_stale.new, listed_stale.cleared, listed_stale.returned, listed_stale.still_absent) == (
            None, None, None, None)
        assert (listed_live.new, listed_live.cleared, listed_live.returned, listed_live.still_absent) == (3, 0, 0, 0)
        assert changes(store, listed_stale) == []
        [prior] = changes(store, listed_live)
        assert (prior.then_run_id, prior.new, prior.cleared, prior.still_absent) == (None, 3, 0, 0)


def test_a_no_data_run_after_a_count_of_three_is_no_change_of_zero(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    _run(root, store_url)
    blind = _run(root, store_url, "--as-of", "2026-05-14T18:00:00Z")
    assert (blind["count"], {k: blind[k] for k in UNKNOWN}) == (0, UNKNOWN)
    with Store(store_url) as store:
        latest = store.latest("sage-test", CARD)
        assert latest is not None and latest.run_id == blind["run_id"] and latest.freshness == "no_data"
        assert changes(store, latest) == []  # was: prior run, 0 then, 0 new, 0 cleared: "+0" on the overview


def test_the_causes_over_time_leave_a_blind_run_out(tmp_path: Path, store_url: str) -> None:
    """Trend.by_cause listed a no-data run as every cause at 0, a drop to nothing beside the live run's counts."""
    from bridgewatch.history.trends import trend

    root = scenario().write(tmp_path / "ws")
    live = _run(root, store_url)
    blind = _run(root, store_url, "--as-of", "2026-05-14T18:00:00Z")
    with Store(store_url) as store:
        found = trend(store, "sage-test", CARD)
    assert found is not None and found.latest.run_id == live["run_id"]
    assert found.by_cause == [
        {"run_id": blind["run_id"], "as_of": "2026-05-14T18:00:00Z", "freshness": "no_data", "causes": None},
        {"run_id": live["run_id"], "as_of": "2026-04-14T18:00:00Z", "freshness": "fresh",
         "causes": {"merged_retired": 0, "create_failed": 1, "synced_not_found": 0, "lagging": 0,
                    "never_synced": 2}}]


def test_history_of_a_misspelt_card_is_an_error_not_an_empty_history(tmp_path: Path, store_url: str) -> None:
    """`history --card` of a card that does not exist printed an empty table (exit 0), as if it had never run."""
    root = scenario().write(tmp_path / "ws")
    _run(root, store_url)
    result = runner.invoke(app, ["history", "-w", str(root), "--history-url", store_url, "--card",
                                 "sage_customer_master_ga", "--format", "json"])
    assert result.exit_code == 5, result.output
    assert result.stderr == ("error: Unknown card 'sage_customer_master_ga'. Did you mean sage_customer_master_gap? "
                             "Known: d365_customer_master_gap, sage_customer_master_gap.\n")
