"""A sync success later than the master export: the export cannot hold the record, so the customer is not 'synced,
not found' but lagging, and says to refresh the export (seed row *Sync timing*: a customer created by a sync that
ran between two pulls is present in one and absent in the other).

Hand scenario (Sage, as of 14 April 2026 18:00 UTC, grace 15 minutes): the ERP export's newest record was created on
12 April 09:00 and none was modified later (the export was taken then, or a little after). The sync reported
creating LATE's record on 13 April 08:00, after that: the export predates it. EARLY's success (11 April 08:00)
came before the export's newest record, so its record should be there and is not: 'synced, not found' as before.
An export whose records carry no created or modified time says nothing of when it was taken: NOSTAMP stays
'synced, not found'.
"""

from __future__ import annotations

from pathlib import Path

from bridgewatch.api import explain
from bridgewatch.results.run import compute
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from .builders import causes, company, erp, event, sage


def _scenario(stamped: bool = True) -> Scenario:
    s = sage()
    stamp = {"created_at": "2026-04-12T09:00:00Z", "modified_at": "2026-04-12T08:00:00Z"} if stamped else {}
    erp(s, "C-OTHER", entity="UK01", status="active", email="other@else.test", **stamp)
    company(s, "LATE", vat="GB000000001")
    event(s, "LATE", "succeeded", "2026-04-13T08:00:00Z", operation="create")
    company(s, "EARLY", vat="GB000000002")
    event(s, "EARLY", "succeeded", "2026-04-11T08:00:00Z", operation="create")
    return s


def test_a_success_after_the_master_export_lags(run_card) -> None:  # type: ignore[no-untyped-def]
    result = run_card(_scenario())
    assert {c.company_id: c.cause for c in result.customers} == {"LATE": "lagging", "EARLY": "synced_not_found"}
    assert causes(result) == {"synced_not_found": (1, 1), "lagging": (1, 1)}


def test_an_export_without_times_says_nothing_of_when_it_was_taken(run_card) -> None:  # type: ignore[no-untyped-def]
    result = run_card(_scenario(stamped=False))
    assert causes(result) == {"synced_not_found": (2, 2)}


def test_the_explanation_says_to_refresh_the_export(tmp_path: Path) -> None:
    run = compute(load_workspace(_scenario().write(tmp_path / "ws")))
    try:
        [late] = explain(run, "LATE")
        assert (late.cause, late.reason) == (
            "lagging", "the sync reported success at 2026-04-13T08:00:00Z, after the master export was taken: created "
                       "after the master export of 2026-04-12T09:00:00Z (its newest record); refresh the export")
        [early] = explain(run, "EARLY")
        assert early.cause == "synced_not_found"
    finally:
        run.close()
