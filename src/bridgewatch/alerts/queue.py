"""From alert states to notifications: route each alert, decide per receiver, and queue what is news.

All of it happens in one write transaction under the workspace's lock, so two processes evaluating
the same workspace at once queue each message once. A queued notification is ``pending`` (due now,
or when the receiver's quiet hours end), ``held`` (the receiver takes a daily digest) or
``suppressed`` (a silence covers the alert: recorded, never sent).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from bridgewatch.alerts import journal
from bridgewatch.alerts.decide import Told, Want, decide, want_status
from bridgewatch.alerts.evaluate import REMOVED, AlertInstance, evaluate
from bridgewatch.alerts.facts import Facts, read_facts
from bridgewatch.alerts.message import Notice, alert_message, idempotency_key
from bridgewatch.alerts.roles import ROLE_PARTS, part
from bridgewatch.alerts.routing import Labels, route
from bridgewatch.alerts.schedule import quiet_until
from bridgewatch.alerts.schema import alert_states
from bridgewatch.alerts.silences import Silence, active
from bridgewatch.config import AlertReceiver, WorkspaceConfig
from bridgewatch.history import Store
from bridgewatch.history.database import guarded, lock_workspace, writing


@dataclass(frozen=True)
class Queued:
    """A notification made by this evaluation."""

    id: int
    dedup_key: str
    receiver: str
    role: str
    event: str
    status: str
    state: str
    """``pending``, ``held`` or ``suppressed``."""


class FactsCache:
    """Facts per (alert, causes), read from the store once."""

    def __init__(self, store: Store, top: int) -> None:
        self.store, self.top = store, top
        self._found: dict[tuple[str, tuple[str, ...] | None], Facts] = {}

    def get(self, inst: AlertInstance, causes: tuple[str, ...] | None) -> Facts:
        key = (inst.dedup_key, causes)
        if key not in self._found:
            self._found[key] = (Facts(0, 0, 0) if inst.stored is None else
                                read_facts(self.store, inst.stored, entity=inst.entity, causes=causes, top=self.top))
        return self._found[key]


def queue(store: Store, config: WorkspaceConfig, *, now: datetime) -> tuple[list[AlertInstance], list[Queued]]:
    """Evaluate the workspace's alerts, save their states and queue every notification that is news."""
    instances = evaluate(store, config)
    cache = FactsCache(store, config.alerts.top)
    out: list[Queued] = []
    with guarded(store.url, "queue alert notifications"), writing(store.engine) as conn:
        lock_workspace(conn, config.id)
        save_states(conn, instances, now)
        ctx = _Context(conn, config, now, cache)
        for inst in instances:
            out += ctx.queue(inst)
    return instances, out


class _Context:
    """What deciding one workspace's notifications needs: the log, the silences, the receivers."""

    def __init__(self, conn: Connection, config: WorkspaceConfig, now: datetime, cache: FactsCache) -> None:
        self.conn, self.config, self.now, self.cache = conn, config, now, cache
        self.receivers = {r.name: r for r in config.alerts.receivers}
        self.told = journal.told(conn, config.id)
        self.muted = journal.told(conn, config.id, (*journal.TOLD_STATES, "suppressed"))
        self.silences = active(conn, config.id, now)

    def queue(self, inst: AlertInstance) -> list[Queued]:
        silence = next((s for s in self.silences if s.covers(inst.card, inst.entity, self.now)), None)
        return [q for receiver, role in self.targets(inst).items()
                if (q := self.one(inst, receiver, role, silence)) is not None]

    def targets(self, inst: AlertInstance) -> dict[str, str]:
        """Receiver → role: the routed ones, plus receivers still told the alert is firing or unknown (so
        they hear it end even when their route no longer matches)."""
        owner = self.cache.get(inst, None)
        roles = frozenset(r for r, p in ROLE_PARTS.items() if p.causes is None or set(p.causes) & owner.cause_ids)
        found = {t.receiver: t.role or self.receivers[t.receiver].role
                 for t in route(self.config.alerts, Labels(inst.card, inst.entity, owner.cause_ids, roles))
                 if t.receiver in self.receivers}
        for (key, receiver), told in self.told.items():
            if key == inst.dedup_key and told.status != "resolved" and receiver in self.receivers:
                found.setdefault(receiver, told.role)
        return found

    def one(self, inst: AlertInstance, receiver: str, role: str, silence: Silence | None) -> Queued | None:
        causes = part(role).causes
        facts = self.cache.get(inst, causes)
        status = want_status(inst.state, facts.count, causes is not None)
        want = Want(status, facts.count if inst.stored is not None else None, facts.cause_ids, facts.templates)
        told = self.told.get((inst.dedup_key, receiver))
        base = self.muted.get((inst.dedup_key, receiver)) if silence else told
        alerts = self.config.alerts
        if inst.state == REMOVED:  # its card is no longer run: told once, if it was told the alert is open
            event = "closed" if base is not None and base.status != "resolved" else None
        else:
            event = decide(want, base, notify_on_increase=alerts.notify_on_increase,
                           repeat_interval=alerts.repeat_interval, now=self.now)
        if event is None:
            return None
        return self.add(Notice(inst, facts, role, status, event, told, receiver, self.now), want, base, silence)

    def add(self, notice: Notice, want: Want, base: Told | None, silence: Silence | None) -> Queued:
        inst, receiver = notice.instance, notice.receiver
        state, not_before = placement(self.receivers[receiver], silence, self.now)
        key = idempotency_key(inst.dedup_key, receiver, notice.event, inst.run_id, base.id if base else 0, state)
        message = alert_message(notice, self.config, key)
        new_id = journal.add(
            self.conn, workspace_id=inst.workspace, dedup_key=inst.dedup_key, receiver=receiver, role=notice.role,
            event=notice.event, status=notice.status, count=want.count, causes=json.dumps(sorted(want.causes)),
            templates=json.dumps(sorted(want.templates)), message=message, idempotency_key=key,
            run_id=inst.run_id, state=state, created_at=self.now, not_before=not_before,
            silence_id=silence.id if silence else None)
        return Queued(new_id, inst.dedup_key, receiver, notice.role, notice.event, notice.status, state)


def placement(receiver: AlertReceiver, silence: Silence | None, now: datetime) -> tuple[str, datetime]:
    """A new notification's state and when it may be sent."""
    if silence is not None:
        return "suppressed", now
    if receiver.digest:
        return "held", now
    return "pending", quiet_until(receiver, now) or now


def save_states(conn: Connection, instances: Sequence[AlertInstance], now: datetime) -> None:
    """Remember each alert's state (``since`` moves only when the state changes)."""
    s = alert_states.c
    known = {r.dedup_key: r for r in conn.execute(
        select(s.dedup_key, s.state).where(s.dedup_key.in_([i.dedup_key for i in instances]))).all()}
    for inst in instances:
        values = {"state": inst.state, "count": inst.count, "threshold": inst.threshold,
                  "card_run_id": inst.stored.id if inst.stored else None, "run_id": inst.run_id,
                  "reason": inst.reason, "evaluated_at": now}
        before = known.get(inst.dedup_key)
        if before is None:
            conn.execute(insert(alert_states).values(
                workspace_id=inst.workspace, dedup_key=inst.dedup_key, card=inst.card, entity=inst.entity,
                rule=inst.rule, since=now, **values))
        else:
            since = {} if before.state == inst.state else {"since": now}
            conn.execute(update(alert_states).where(s.dedup_key == inst.dedup_key).values(**values, **since))
