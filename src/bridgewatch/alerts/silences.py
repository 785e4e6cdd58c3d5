"""Silences: an alert of a workspace muted for a while, with a reason (Alertmanager's silences, by card and entity).

A silence names a card and optionally an entity; without an entity it mutes the card-wide alert and
every per-entity alert of the card. While it is active, notifications that would have gone out are
recorded as ``suppressed`` (never sent, never counted as told), so when it ends the receivers are
brought up to date with what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from bridgewatch.alerts.schema import silences
from bridgewatch.errors import LookupFailed
from bridgewatch.history import Store
from bridgewatch.history.database import guarded, lock_workspace, writing


@dataclass(frozen=True)
class Silence:
    id: int
    workspace_id: str
    card: str
    entity: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    ended_at: datetime | None = None

    def covers(self, card: str, entity: str | None, now: datetime) -> bool:
        """Whether this silence mutes the alert of ``card`` / ``entity`` at ``now``."""
        live = self.starts_at <= now < self.ends_at and (self.ended_at is None or now < self.ended_at)
        return live and self.card == card and self.entity in (None, entity)


def add_silence(store: Store, workspace_id: str, card: str, *, duration: timedelta, reason: str, created_by: str,
                now: datetime, entity: str | None = None) -> Silence:
    """Mute ``card`` (or one ``entity`` of it) for ``duration`` from ``now``."""
    with guarded(store.url, "add a silence"), writing(store.engine) as conn:
        lock_workspace(conn, workspace_id)
        values = {"workspace_id": workspace_id, "card": card, "entity": entity, "starts_at": now,
                  "ends_at": now + duration, "reason": reason, "created_by": created_by, "created_at": now}
        new_id = conn.execute(insert(silences).values(**values).returning(silences.c.id)).scalar_one()
    return Silence(int(new_id), workspace_id, card, entity, now, now + duration, reason, created_by)


def end_silence(store: Store, workspace_id: str, silence_id: int, *, now: datetime) -> Silence:
    """End a silence now (it stays in the store, ended).

    Raises:
        LookupFailed: the workspace has no active silence with that id.
    """
    with guarded(store.url, "end a silence"), writing(store.engine) as conn:
        lock_workspace(conn, workspace_id)
        found = [s for s in active(conn, workspace_id, now) if s.id == silence_id]
        if not found:
            raise LookupFailed(f"Workspace '{workspace_id}' has no active silence {silence_id}; `bridgewatch alerts "
                               f"list -w <workspace>` shows the active ones.")
        conn.execute(update(silences).where(silences.c.id == silence_id).values(ended_at=now))
    return Silence(**{**vars(found[0]), "ended_at": now})


def active(conn: Connection, workspace_id: str, now: datetime) -> list[Silence]:
    """The silences of a workspace in force at ``now``."""
    s = silences.c
    rows = conn.execute(select(silences).where(s.workspace_id == workspace_id, s.starts_at <= now, s.ends_at > now,
                                               s.ended_at.is_(None)).order_by(s.id)).all()
    return [Silence(r.id, r.workspace_id, r.card, r.entity, r.starts_at, r.ends_at, r.reason, r.created_by)
            for r in rows]


def active_silences(store: Store, workspace_id: str, now: datetime) -> list[Silence]:
    with guarded(store.url, "read the silences"), store.engine.connect() as conn:
        return active(conn, workspace_id, now)
