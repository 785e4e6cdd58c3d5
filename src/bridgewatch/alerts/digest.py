"""Daily digests: a receiver with ``digest = "daily"`` gets one message a day gathering what changed.

Its notifications are queued ``held``. At the first delivery after ``digest_at`` (in the receiver's
zone) following its previous digest, the held ones become one digest message (the latest message of
each alert, with how many changes it had) and are marked ``digested``; the digest is then delivered
like any message (quiet hours and retries included).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from bridgewatch.alerts import journal
from bridgewatch.alerts.message import digest_message, idempotency_key
from bridgewatch.alerts.queue import placement
from bridgewatch.alerts.schedule import next_digest
from bridgewatch.alerts.schema import notifications
from bridgewatch.config import AlertReceiver, WorkspaceConfig
from bridgewatch.history import Store
from bridgewatch.history.database import guarded, lock_workspace, writing


def make_digests(store: Store, config: WorkspaceConfig, now: datetime) -> list[int]:
    """Turn due held notifications into one digest per receiver; returns the digests' notification ids."""
    made = []
    for receiver in config.alerts.receivers:
        if receiver.digest is None:
            _release_held(store, config, receiver, now)
            continue
        with guarded(store.url, "make a digest"), writing(store.engine) as conn:
            lock_workspace(conn, config.id)
            found = _digest(conn, config, receiver, now)
        if found is not None:
            made.append(found)
    return made


def _digest(conn: Connection, config: WorkspaceConfig, receiver: AlertReceiver, now: datetime) -> int | None:
    n = notifications.c
    mine = (n.workspace_id == config.id, n.receiver == receiver.name)
    held = conn.execute(select(n.id, n.dedup_key, n.message, n.created_at).where(*mine, n.state == "held")
                        .order_by(n.id)).all()
    if not held:
        return None
    last = conn.execute(select(func.max(n.created_at)).where(*mine, n.event == "digest")).scalar()
    if now < next_digest(receiver, last or held[0].created_at):
        return None
    latest: dict[str, dict[str, object]] = {}
    changes: dict[str, int] = {}
    for row in held:
        latest[row.dedup_key] = json.loads(row.message)
        changes[row.dedup_key] = changes.get(row.dedup_key, 0) + 1
    key = idempotency_key("digest", config.id, receiver.name, held[0].id, held[-1].id)
    message = digest_message(list(latest.values()), changes, receiver=receiver.name, config=config, key=key,
                             created_at=now)
    state, not_before = placement(receiver.model_copy(update={"digest": None}), None, now)
    digest_id = journal.add(
        conn, workspace_id=config.id, dedup_key=message["dedup_key"], receiver=receiver.name, role=receiver.role,
        event="digest", status=message["status"], count=None, causes="[]", templates="[]", message=message,
        idempotency_key=key, run_id=None, state=state, created_at=now, not_before=not_before)
    conn.execute(update(notifications).where(n.id.in_([r.id for r in held])).values(state="digested",
                                                                                    digest_id=digest_id))
    return digest_id


def _release_held(store: Store, config: WorkspaceConfig, receiver: AlertReceiver, now: datetime) -> None:
    """A receiver that no longer takes a digest gets the messages still held for one, each on its own (in order,
    quiet hours included): they were told to it, so nothing else would ever send them."""
    n = notifications.c
    mine = (n.workspace_id == config.id, n.receiver == receiver.name, n.state == "held")
    with guarded(store.url, "release held notifications"), store.engine.connect() as conn:
        if conn.execute(select(func.count()).where(*mine)).scalar() == 0:
            return
    state, not_before = placement(receiver, None, now)
    with guarded(store.url, "release held notifications"), writing(store.engine) as conn:
        lock_workspace(conn, config.id)
        conn.execute(update(notifications).where(*mine).values(state=state, not_before=not_before))
