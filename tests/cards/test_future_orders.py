"""An order stamped later than now means the inputs' times are misread: the result is stale, never a quiet count.

Hand scenario, relative to the real clock: the exports' order times are written without an offset in Sydney wall
time (an Intacct company or a storefront zone east of UTC) while the workspace reads naive times as UTC. Company
A01 ordered two hours ago: its Sydney wall time, read as UTC, lies 8 or 9 hours in the future (AEST or AEDT).
Company A02 ordered 30 hours ago. Before, A01's order was silently "placed at or after the as-of time" and the
result fresh with one customer (A02): every order of the last ~10 hours was missing and the window's start shifted
as much. Now the result is stale with the reason; with workspace.timezone = Australia/Sydney the same files are
fresh with both. A backfill (as-of a day ago) whose orders after it are in the past is not affected.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bridgewatch.scenario import Scenario

from .builders import company, ids, sage

SYDNEY = ZoneInfo("Australia/Sydney")


def _wall(t: datetime) -> str:
    return t.replace(tzinfo=UTC).astimezone(SYDNEY).strftime("%Y-%m-%d %H:%M:%S")


def _scenario(now: datetime, **workspace: str) -> Scenario:
    s = sage(**workspace)
    s.config["workspace"] = {k: v for k, v in s.config["workspace"].items() if v is not None}
    company(s, "A01", vat="GB000000001", orders=(_wall(now - timedelta(hours=2)),))
    company(s, "A02", vat="GB000000002", orders=(_wall(now - timedelta(hours=30)),))
    return s


def _at(t: datetime) -> str:
    """``t`` as a workspace as-of: the runs pin the clock's moment instead of leaving the as-of to each engine's own
    reading of the clock (the parity run computes the scenario again on Spark, seconds later)."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def test_orders_read_in_the_wrong_zone_land_in_the_future_and_make_the_result_stale(run_card) -> None:  # type: ignore[no-untyped-def]
    now = _now()
    result = run_card(_scenario(now, as_of=_at(now)))
    stamp = datetime.strptime(_wall(now - timedelta(hours=2)), "%Y-%m-%d %H:%M:%S")
    assert ids(result) == ["A02"]
    assert result.orders["placed at or after the as-of time"] == 1
    assert (result.freshness.status, result.alert.state) == ("stale", "unknown")
    [reason] = result.freshness.reasons
    assert reason == (f"an order is stamped {stamp.isoformat()}Z, later than the clock when the run was made: "
                      "the orders' times are misread (a timestamp without an offset read in the wrong zone: "
                      "set the source's timezone option, or workspace.timezone), so the window's edges are off as well")


def test_read_in_their_own_zone_the_same_orders_are_fresh(run_card) -> None:  # type: ignore[no-untyped-def]
    now = _now()
    result = run_card(_scenario(now, as_of=_at(now), timezone="Australia/Sydney"))
    assert sorted(ids(result)) == ["A01", "A02"]
    assert (result.freshness.status, result.freshness.reasons) == ("fresh", ())


def test_a_backfill_before_orders_that_are_in_the_past_is_not_affected(run_card) -> None:  # type: ignore[no-untyped-def]
    now = _now()
    as_of = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run_card(_scenario(now, as_of=as_of, timezone="Australia/Sydney"))
    assert ids(result) == ["A02"]
    assert result.orders["placed at or after the as-of time"] == 1
    assert (result.freshness.status, result.freshness.reasons) == ("fresh", ())
