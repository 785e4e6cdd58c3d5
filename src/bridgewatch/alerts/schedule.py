"""Receiver clocks: quiet hours (messages wait until they end) and the daily digest time, in the receiver's zone.

Store times are naive UTC; a receiver's ``quiet_hours`` and ``digest_at`` are wall-clock times in its
``timezone`` (daylight saving included). A window whose start is after its end runs overnight
(22:00–07:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bridgewatch.config import AlertReceiver


def _local(now: datetime, zone: str) -> datetime:
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def _utc(day: datetime, at: time, zone: str, *, after: datetime | None = None) -> datetime:
    """``at`` on ``day`` in ``zone``, as naive UTC. A wall-clock time that happens twice (clocks going back) is
    its first occurrence, or its second when the first is not after ``after``."""
    for fold in (0, 1):
        local = datetime.combine(day.date(), at, tzinfo=ZoneInfo(zone)).replace(fold=fold)
        found = local.astimezone(UTC).replace(tzinfo=None)
        if after is None or found > after:
            break
    return found


def quiet_until(receiver: AlertReceiver, now: datetime) -> datetime | None:
    """When the receiver's quiet hours end, if ``now`` (naive UTC) falls inside them; else None."""
    quiet = receiver.quiet_hours
    if quiet is None or quiet.start == quiet.end:
        return None
    local = _local(now, receiver.timezone)
    t = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        inside, day = quiet.start <= t < quiet.end, local
    else:
        inside = t >= quiet.start or t < quiet.end
        day = local + timedelta(days=1) if t >= quiet.start else local
    return _utc(day, quiet.end, receiver.timezone, after=now) if inside else None


def next_digest(receiver: AlertReceiver, after: datetime) -> datetime:
    """The first digest time (``digest_at`` in the receiver's zone) strictly after ``after`` (naive UTC)."""
    local = _local(after, receiver.timezone)
    candidate = _utc(local, receiver.digest_at, receiver.timezone)
    if candidate <= after:
        candidate = _utc(local + timedelta(days=1), receiver.digest_at, receiver.timezone)
    return candidate
