"""When a receiver is told something: once per real change (Alertmanager's notification log, per receiver).

For each alert and receiver, what the receiver should know now (:class:`Want`) is compared with the
last message it was sent or has waiting (:class:`Told`). A message goes out when:

* the alert starts firing (``firing``), or stops (``resolved``, only to receivers told it was firing);
* while firing, the count rose by at least ``notify_on_increase`` since the last message
  (``increase``), a cause appeared (``new_cause``) or a rejection-reason template appeared
  (``new_reason``); otherwise, once ``repeat_interval`` has passed since the receiver got the last message
  (``repeat``; never while that message still waits, so a receiver that was down gets no backlog of reminders);
* the monitor goes blind (``blind``: stale data, no data or a failed run) and when it sees again
  (``sees_again``, with the state it then finds).

When the workspace stops running a card, each receiver still told its alert is firing or unknown gets one
``closed`` message (status ``resolved``; its words say it is not an all-clear), decided in ``queue``.

A count that falls while still firing, or a cause that disappears, is not news until the alert resolves.
A ``pending`` alert (above the line, not yet for ``for_runs`` fresh runs) is never news: it is neither
firing nor resolved, so nothing is said until it settles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

EVENTS = {
    "firing": "started firing",
    "increase": "count rose since the last message",
    "new_cause": "a new cause appeared",
    "new_reason": "a new rejection reason appeared",
    "repeat": "still firing (repeat reminder)",
    "resolved": "resolved",
    "blind": "the monitor is blind",
    "sees_again": "the data is fresh again",
    "closed": "the card is no longer run: alert closed",
    "test": "test message",
}
"""Every event a message can report, with its words."""


@dataclass(frozen=True)
class Want:
    """What a receiver should know about an alert now."""

    status: str
    """``firing``, ``pending``, ``resolved`` or ``unknown``."""
    count: int | None
    causes: frozenset[str]
    templates: frozenset[str]


@dataclass(frozen=True)
class Told:
    """The last message a receiver was sent (or has waiting) about an alert."""

    id: int
    status: str
    count: int | None
    causes: frozenset[str]
    templates: frozenset[str]
    at: datetime
    """When the receiver got it (when it was made, while it waits or if it was never delivered)."""
    role: str
    waiting: bool = False
    """Not delivered yet (pending, or held for a digest): no reminder is made behind it."""


def want_status(state: str, part_count: int, restricted: bool) -> str:
    """The status a receiver should see for an alert in ``state``; a role restricted to some causes sees
    ``resolved`` once its part is empty."""
    if state in ("unknown", "pending"):
        return state
    if state == "firing" and not (restricted and part_count == 0):
        return "firing"
    return "resolved"


def decide(want: Want, told: Told | None, *, notify_on_increase: int, repeat_interval: timedelta,
           now: datetime) -> str | None:
    """The event to notify, or None when the receiver already knows (or there is nothing settled to say)."""
    if want.status == "pending":
        return None
    if told is None:
        return {"firing": "firing", "unknown": "blind"}.get(want.status)
    if want.status == "unknown":
        return None if told.status == "unknown" else "blind"
    if told.status == "unknown":
        return "sees_again"
    if want.status == "resolved":
        return "resolved" if told.status == "firing" else None
    if told.status != "firing":
        return "firing"
    return _while_firing(want, told, notify_on_increase, repeat_interval, now)


def _while_firing(want: Want, told: Told, rise: int, repeat: timedelta, now: datetime) -> str | None:
    if want.count is not None and told.count is not None and want.count - told.count >= rise:
        return "increase"
    if want.causes - told.causes:
        return "new_cause"
    if want.templates - told.templates:
        return "new_reason"
    return "repeat" if not told.waiting and now - told.at >= repeat else None
