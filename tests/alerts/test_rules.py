"""The pure rules, case by case: when a receiver is told (decide), where an alert goes (routing tree),
when quiet hours end and digests fall due (receiver clocks), durations."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest

from bridgewatch.alerts.decide import Told, Want, decide, want_status
from bridgewatch.alerts.routing import Labels, Target, route
from bridgewatch.alerts.schedule import next_digest, quiet_until
from bridgewatch.config import AlertReceiver, AlertsSection, parse_duration

T0 = datetime(2026, 4, 14, 12, 0)
DAY = timedelta(hours=24)


def told(status: str, count: int | None = 10, causes: tuple[str, ...] = ("lagging",),
         templates: tuple[str, ...] = (), at: datetime = T0) -> Told:
    return Told(1, status, count, frozenset(causes), frozenset(templates), at, "owner")


def want(status: str, count: int | None = 10, causes: tuple[str, ...] = ("lagging",),
         templates: tuple[str, ...] = ()) -> Want:
    return Want(status, count, frozenset(causes), frozenset(templates))


@pytest.mark.parametrize(("now", "before", "event"), [
    (want("firing"), None, "firing"),
    (want("resolved"), None, None),
    (want("unknown"), None, "blind"),
    (want("firing"), told("firing"), None),
    (want("firing", 12), told("firing"), None),
    (want("firing", 13), told("firing"), "increase"),
    (want("firing", 4), told("firing"), None),
    (want("firing", causes=("lagging", "create_failed")), told("firing"), "new_cause"),
    (want("firing", causes=()), told("firing"), None),
    (want("firing", templates=("Missing NAME",)), told("firing"), "new_reason"),
    (want("resolved", 3), told("firing"), "resolved"),
    (want("resolved", 3), told("resolved"), None),
    (want("firing"), told("resolved"), "firing"),
    (want("unknown"), told("firing"), "blind"),
    (want("unknown"), told("resolved"), "blind"),
    (want("unknown"), told("unknown"), None),
    (want("firing"), told("unknown"), "sees_again"),
    (want("resolved"), told("unknown"), "sees_again"),
    (want("pending"), None, None),
    (want("pending"), told("unknown"), None),
    (want("pending"), told("firing"), None),
    (want("pending"), told("resolved"), None),
])
def test_a_receiver_is_told_once_per_real_change(now: Want, before: Told | None, event: str | None) -> None:
    assert decide(now, before, notify_on_increase=3, repeat_interval=DAY, now=T0 + timedelta(hours=1)) == event


def test_an_unchanged_firing_alert_is_repeated_after_the_repeat_interval() -> None:
    assert decide(want("firing"), told("firing"), notify_on_increase=3, repeat_interval=DAY,
                  now=T0 + DAY - timedelta(seconds=1)) is None
    assert decide(want("firing"), told("firing"), notify_on_increase=3, repeat_interval=DAY, now=T0 + DAY) == "repeat"


@pytest.mark.parametrize(("state", "count", "restricted", "status"), [
    ("firing", 5, False, "firing"), ("firing", 0, False, "firing"), ("firing", 0, True, "resolved"),
    ("firing", 2, True, "firing"), ("pending", 9, False, "pending"), ("pending", 0, True, "pending"),
    ("quiet", 1, False, "resolved"), ("unknown", 0, True, "unknown")])
def test_what_a_role_sees(state: str, count: int, restricted: bool, status: str) -> None:
    assert want_status(state, count, restricted) == status


def alerts(**section: Any) -> AlertsSection:
    receivers = [{"name": n, "kind": "webhook", "settings": {"url": "http://x"}} for n in ("a", "b", "c", "d")]
    return AlertsSection.model_validate({"receivers": receivers, **section})


def labels(card: str = "sage_customer_master_gap", entity: str | None = None,
           causes: tuple[str, ...] = ("lagging",), roles: tuple[str, ...] = ("owner", "finance", "operations")
           ) -> Labels:
    return Labels(card, entity, frozenset(causes), frozenset(roles))


def test_without_routes_every_receiver_gets_every_card_wide_alert() -> None:
    assert [t.receiver for t in route(alerts(), labels())] == ["a", "b", "c", "d"]
    assert route(alerts(), labels(entity="UK01")) == []


def test_the_first_matching_route_wins_unless_it_continues() -> None:
    routes = [{"match": {"cause": "create_failed"}, "receivers": ["a"]},
              {"match": {"card": "sage_customer_master_gap"}, "receivers": ["b"]},
              {"receivers": ["c"]}]
    assert route(alerts(routes=routes), labels(causes=("create_failed",))) == [Target("a", None)]
    assert route(alerts(routes=routes), labels()) == [Target("b", None)]
    routes[0]["continue"] = True
    assert route(alerts(routes=routes), labels(causes=("create_failed",))) == [Target("a", None), Target("b", None)]
    assert route(alerts(routes=routes), labels(card="d365_customer_master_gap")) == [Target("c", None)]


def test_child_routes_refine_and_fall_back_to_their_parent() -> None:
    routes = [{"match": {"card": "sage_customer_master_gap"}, "receivers": ["a"],
               "routes": [{"match": {"role": "marketing"}, "receivers": ["b"], "continue": True},
                          {"match": {"cause": "lagging"}, "receivers": ["c"]}]}]
    with_marketing = labels(causes=("create_failed", "lagging"),
                            roles=("owner", "finance", "operations", "marketing"))
    assert route(alerts(routes=routes), with_marketing) == [Target("b", "marketing"), Target("c", None)]
    assert route(alerts(routes=routes), labels(causes=("never_synced",))) == [Target("a", None)]


def test_entity_routes_get_per_entity_alerts_only() -> None:
    routes = [{"match": {"entity": ["IE01"]}, "receivers": ["a"]}, {"match": {"entity": "*"}, "receivers": ["b"]},
              {"receivers": ["c"]}]
    assert route(alerts(routes=routes), labels(entity="IE01")) == [Target("a", None)]
    assert route(alerts(routes=routes), labels(entity="UK01")) == [Target("b", None)]
    assert route(alerts(routes=routes), labels()) == [Target("c", None)]


def test_a_receiver_named_twice_is_told_once_with_the_first_role() -> None:
    routes = [{"match": {"role": "finance"}, "receivers": ["a"], "continue": True}, {"receivers": ["a", "b"]}]
    assert route(alerts(routes=routes), labels()) == [Target("a", "finance"), Target("b", None)]


def receiver(**fields: Any) -> AlertReceiver:
    return AlertReceiver.model_validate({"name": "r", "kind": "webhook", "settings": {"url": "http://x"}, **fields})


@pytest.mark.parametrize(("now", "until"), [
    (datetime(2026, 1, 10, 21, 59), None),
    (datetime(2026, 1, 10, 22, 0), datetime(2026, 1, 11, 7, 0)),
    (datetime(2026, 1, 11, 6, 59), datetime(2026, 1, 11, 7, 0)),
    (datetime(2026, 1, 11, 7, 0), None),
    (datetime(2026, 7, 10, 21, 30), datetime(2026, 7, 11, 6, 0)),  # London in summer: 22:30 BST, ends 07:00 BST
])
def test_quiet_hours_run_overnight_in_the_receivers_zone(now: datetime, until: datetime | None) -> None:
    r = receiver(timezone="Europe/London", quiet_hours={"start": "22:00", "end": "07:00"})
    assert quiet_until(r, now) == until


@pytest.mark.parametrize(("now", "until"), [
    (datetime(2026, 10, 25, 0, 10), datetime(2026, 10, 25, 0, 30)),  # 01:10 BST: ends at 01:30 BST
    (datetime(2026, 10, 25, 0, 40), None),                           # 01:40 BST
    (datetime(2026, 10, 25, 1, 10), datetime(2026, 10, 25, 1, 30)),  # clocks went back: 01:10 GMT, ends 01:30 GMT
    (datetime(2026, 3, 29, 0, 40), datetime(2026, 3, 29, 1, 30)),    # 00:40 GMT; 01:30 is skipped: ends 02:30 BST
])
def test_quiet_hours_in_an_hour_that_happens_twice_hold_messages_both_times(now: datetime,
                                                                           until: datetime | None) -> None:
    r = receiver(timezone="Europe/London", quiet_hours={"start": "00:30", "end": "01:30"})
    assert quiet_until(r, now) == until


def test_daytime_quiet_hours_and_none() -> None:
    r = receiver(quiet_hours={"start": "12:00", "end": "13:30"})
    assert quiet_until(r, datetime(2026, 1, 10, 12, 15)) == datetime(2026, 1, 10, 13, 30)
    assert quiet_until(r, datetime(2026, 1, 10, 13, 30)) is None and quiet_until(receiver(), T0) is None


def test_the_next_digest_is_the_first_digest_time_after() -> None:
    r = receiver(timezone="America/New_York", digest="daily", digest_at=time(8, 0))
    assert next_digest(r, datetime(2026, 1, 10, 12, 0)) == datetime(2026, 1, 10, 13, 0)
    assert next_digest(r, datetime(2026, 1, 10, 13, 0)) == datetime(2026, 1, 11, 13, 0)
    assert next_digest(r, datetime(2026, 7, 10, 13, 0)) == datetime(2026, 7, 11, 12, 0)


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("4h", 14400), ("1h30m", 5400), ("1d", 86400),
                                               ("0.5s", 0.5), ("250ms", 0.25), (30, 30), (" 2W ", 1209600)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "4 hours", "1h-", "-5m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_a_role_whose_part_resolved_is_not_told_the_card_is_at_or_below_its_line() -> None:
    from bridgewatch.alerts.message import summary

    msg = {"role": "marketing", "count": 0, "card_count": 5, "threshold": 2, "previous_count": 1}
    assert summary(msg | {"event": "resolved", "status": "resolved"}) == (
        "Resolved: 5 customer(s) with active orders have no ERP customer record (0 of them rejected by the ERP when "
        "created), above the alert line of 2 (was 1 at the last message).")
    assert summary(msg | {"event": "sees_again", "status": "resolved", "card_count": 2}) == (
        "The data is fresh again: 2 customer(s) with active orders have no ERP customer record (0 of them rejected "
        "by the ERP when created), at or below the alert line of 2.")
