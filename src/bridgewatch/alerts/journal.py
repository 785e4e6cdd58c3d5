"""The notification log in the store: what each receiver was told, what waits, and every delivery attempt."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from bridgewatch.alerts.decide import Told
from bridgewatch.alerts.schema import delivery_attempts, notifications
from bridgewatch.history.database import lock_workspace

TOLD_STATES = ("pending", "delivered", "held", "digested", "failed")
"""Notification states that count as told: sent, sure to be sent (waiting, or held for a digest), or refused for good
(``failed``: the same news is not made again; the next change, or the repeat reminder, is)."""


@dataclass(frozen=True)
class Pending:
    """A notification waiting for delivery."""

    id: int
    receiver: str
    dedup_key: str
    idempotency_key: str
    message: dict[str, Any]
    attempts: int
    claimed_at: datetime | None = None
    """The time of the delivery pass that claimed it (its ``delivered_at`` when delivered: the clock the next
    evaluation measures ``repeat_interval`` on, so a reminder is due a whole number of cycles later)."""


def told(conn: Connection, workspace_id: str, states: Iterable[str] = TOLD_STATES) -> dict[tuple[str, str], Told]:
    """The latest notification in ``states`` per (dedup key, receiver) of a workspace."""
    n = notifications.c
    latest = (select(func.max(n.id).label("id")).where(n.workspace_id == workspace_id, n.state.in_(list(states)))
              .group_by(n.dedup_key, n.receiver).subquery())
    rows = conn.execute(select(notifications).join(latest, latest.c.id == n.id)).all()
    return {(r.dedup_key, r.receiver): _told(r) for r in rows}


def _told(r: Any) -> Told:
    return Told(r.id, r.status, r.count, frozenset(json.loads(r.causes)), frozenset(json.loads(r.templates)),
                r.delivered_at or r.created_at, r.role, r.state in ("pending", "held"))


def add(conn: Connection, **values: Any) -> int:
    """Insert a notification; returns its id."""
    values = {"attempts": 0, **values, "message": json.dumps(values["message"], ensure_ascii=False)}
    return int(conn.execute(insert(notifications).values(**values).returning(notifications.c.id)).scalar_one())


def claim(conn: Connection, workspace_id: str, now: datetime, lease: timedelta) -> list[Pending]:
    """Pending notifications due at ``now`` and not claimed by another process, claimed for ``lease``.

    Under the workspace's write lock (PostgreSQL: an advisory lock; SQLite: the write transaction), so a second
    process claiming at the same time waits, then sees these claims: two processes never send the same one. A
    receiver with a message claimed by another process is left to that process: its later messages wait for the
    next cycle, so they never overtake an earlier one (a ``resolved`` arriving before the ``firing`` it follows); so
    does a message whose alert has an older message for the same receiver held until later (``not_before``)."""
    lock_workspace(conn, workspace_id)
    n = notifications.c
    busy = select(n.receiver).where(n.workspace_id == workspace_id, n.state == "pending", n.claimed_until >= now)
    older = notifications.alias()
    held = select(older.c.id).where(  # an older message about the same alert, held until later: this one waits too
        older.c.workspace_id == workspace_id, older.c.receiver == n.receiver, older.c.dedup_key == n.dedup_key,
        older.c.state == "pending", older.c.id < n.id, older.c.not_before > now)
    due = and_(n.workspace_id == workspace_id, n.state == "pending", n.not_before <= now,
               or_(n.claimed_until.is_(None), n.claimed_until < now), n.receiver.not_in(busy), ~held.exists())
    rows = conn.execute(select(notifications).where(due).order_by(n.id)).all()
    if rows:
        conn.execute(update(notifications).where(n.id.in_([r.id for r in rows])).values(claimed_until=now + lease))
    return [Pending(r.id, r.receiver, r.dedup_key, r.idempotency_key, json.loads(r.message), r.attempts, now)
            for r in rows]


def record_attempt(conn: Connection, pending: Pending, workspace_id: str, *, attempt: int, started_at: datetime,
                   duration_ms: int, outcome: str, status_code: int | None, error: str | None) -> None:
    """One delivery attempt, and the notification's attempt count and last error (or delivery)."""
    conn.execute(insert(delivery_attempts).values(
        notification_id=pending.id, workspace_id=workspace_id, receiver=pending.receiver,
        dedup_key=pending.dedup_key, attempt=attempt, started_at=started_at, duration_ms=duration_ms,
        outcome=outcome, status_code=status_code, error=error))
    values: dict[str, Any] = {"attempts": attempt, "last_error": error}
    if outcome == "delivered":
        values |= {"state": "delivered", "delivered_at": pending.claimed_at or started_at, "claimed_until": None}
    conn.execute(update(notifications).where(notifications.c.id == pending.id).values(**values))


def refused(conn: Connection, pending: Pending, error: str, limit: int) -> str | None:
    """After a refusal: once the notification has been refused ``limit`` times, mark it ``failed`` (never tried
    again) and return why; else None (it waits for the next cycle)."""
    a = delivery_attempts.c
    times = conn.execute(select(func.count()).where(a.notification_id == pending.id, a.outcome == "failed")).scalar()
    if int(times or 0) < limit:
        return None
    reason = f"refused {times} times: {error}"
    conn.execute(update(notifications).where(notifications.c.id == pending.id)
                 .values(state="failed", last_error=reason, claimed_until=None))
    return reason


def release(conn: Connection, ids: list[int]) -> None:
    """Give back the claim on notifications that were not delivered (the next cycle tries again)."""
    if ids:
        conn.execute(update(notifications).where(notifications.c.id.in_(ids), notifications.c.state == "pending")
                     .values(claimed_until=None))


def defer(conn: Connection, ids: list[int], until: datetime) -> None:
    """Give back the claim on notifications and hold them until ``until`` (a receiver's quiet hours end)."""
    if ids:
        conn.execute(update(notifications).where(notifications.c.id.in_(ids), notifications.c.state == "pending")
                     .values(claimed_until=None, not_before=until))


def cancel(conn: Connection, ids: list[int], reason: str) -> None:
    if ids:
        conn.execute(update(notifications).where(notifications.c.id.in_(ids))
                     .values(state="cancelled", last_error=reason, claimed_until=None))
