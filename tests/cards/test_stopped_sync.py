"""A customer created after the last successful sync run lags only while the sync runs; after a sync log silent for
longer than max_age_hours it is never synced, not "will clear on the next run".

Hand scenario (Sage, as of 14 April 2026 18:00 UTC, max_age_hours 48, so a sync is running when its last success
is at or after 12 April 18:00): the sync log's last success is OTHER's, on 8 April 06:00 (156 hours before).
Company N1 was created on 12 April 10:00 and ordered on 14 April 10:00; it has no sync event of its own. Before,
N1 was "Sync lagging (will clear on next run)": the bucket the seed says to ignore, while the sync had not run
for six days (or its log's export was that old). Now it is "never synced". Created on 13 April 10:00 after a
last success on 13 April 06:00 (36 hours before the as-of), or exactly 48 hours before, it still lags.
"""

from __future__ import annotations

from pathlib import Path

from bridgewatch.api import explain
from bridgewatch.results.run import compute
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from .builders import causes, company, event, sage


def _scenario(last_success: str, created: str = "2026-04-12T10:00:00Z") -> Scenario:
    s = sage()
    event(s, "OTHER", "succeeded", last_success)
    company(s, "N1", vat="GB000000001", created=created, orders=("2026-04-14T10:00:00Z",))
    return s


def test_a_customer_created_after_a_sync_silent_too_long_is_never_synced(run_card) -> None:  # type: ignore[no-untyped-def]
    result = run_card(_scenario("2026-04-08T06:00:00Z"))
    assert causes(result) == {"never_synced": (1, 1)}


def test_a_customer_created_after_a_recent_sync_run_lags(run_card) -> None:  # type: ignore[no-untyped-def]
    created = "2026-04-13T10:00:00Z"
    assert causes(run_card(_scenario("2026-04-13T06:00:00Z", created))) == {"lagging": (1, 1)}
    assert causes(run_card(_scenario("2026-04-12T18:00:00Z", created))) == {"lagging": (1, 1)}  # exactly 48 hours
    assert causes(run_card(_scenario("2026-04-12T17:59:59Z", created))) == {"never_synced": (1, 1)}


def test_the_explanation_agrees(tmp_path: Path) -> None:
    ws = load_workspace(_scenario("2026-04-08T06:00:00Z").write(tmp_path / "ws"))
    run = compute(ws)
    try:
        [why] = explain(run, "N1")
        assert (why.cause, why.reason) == (
            "never_synced", "no create attempt in the sync log (created 2026-04-12T10:00:00Z; last successful sync "
                            "run 2026-04-08T06:00:00Z)")
    finally:
        run.close()
