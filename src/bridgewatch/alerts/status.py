"""Readouts for people: each alert's state and last messages, the silences, the log; and a test message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from bridgewatch.alerts.deliver import utcnow
from bridgewatch.alerts.message import VERSION, idempotency_key
from bridgewatch.alerts.receivers import DeliveryFailed, build
from bridgewatch.alerts.redact import redacting_logs, redactor
from bridgewatch.alerts.schema import alert_states, delivery_attempts, notifications
from bridgewatch.alerts.silences import Silence, active
from bridgewatch.config import WorkspaceConfig
from bridgewatch.errors import LookupFailed
from bridgewatch.history import Store
from bridgewatch.history.database import guarded
from bridgewatch.report.result import iso


@dataclass
class AlertList:
    """``bridgewatch alerts list``: states, the last notification per alert and receiver, silences, what waits."""

    states: list[dict[str, Any]] = field(default_factory=list)
    last: list[dict[str, Any]] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)
    waiting: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"alerts": self.states, "last_notifications": self.last, "waiting": self.waiting,
                "silences": [silence_dict(s) for s in self.silences]}


def silence_dict(s: Silence) -> dict[str, Any]:
    return {"id": s.id, "card": s.card, "entity": s.entity, "starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at),
            "reason": s.reason, "created_by": s.created_by}


def alert_list(store: Store, config: WorkspaceConfig, *, now: datetime | None = None) -> AlertList:
    now = now or utcnow()
    s, n = alert_states.c, notifications.c
    out = AlertList()
    with guarded(store.url, "read the alerts"), store.engine.connect() as conn:
        for r in conn.execute(select(alert_states).where(s.workspace_id == config.id).order_by(s.card, s.id)):
            out.states.append({"dedup_key": r.dedup_key, "card": r.card, "entity": r.entity, "state": r.state,
                               "since": iso(r.since), "count": r.count, "threshold": r.threshold,
                               "run_id": r.run_id, "reason": r.reason, "evaluated_at": iso(r.evaluated_at)})
        latest = {}
        for r in conn.execute(select(notifications).where(n.workspace_id == config.id).order_by(n.id)):
            latest[(r.dedup_key, r.receiver)] = r
            out.waiting += r.state in ("pending", "held")
        out.last = [_notification(r) for r in latest.values()]
        out.silences = active(conn, config.id, now)
    return out


def _notification(r: Any) -> dict[str, Any]:
    return {"id": r.id, "dedup_key": r.dedup_key, "receiver": r.receiver, "role": r.role, "event": r.event,
            "status": r.status, "count": r.count, "state": r.state, "created_at": iso(r.created_at),
            "delivered_at": iso(r.delivered_at), "attempts": r.attempts, "last_error": r.last_error}


def alert_log(store: Store, config: WorkspaceConfig, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest notifications with every delivery attempt of each (``bridgewatch alerts log``)."""
    n, a = notifications.c, delivery_attempts.c
    with guarded(store.url, "read the notification log"), store.engine.connect() as conn:
        rows = conn.execute(select(notifications).where(n.workspace_id == config.id).order_by(n.id.desc())
                            .limit(limit)).all()
        attempts: dict[int, list[dict[str, Any]]] = {}
        for t in conn.execute(select(delivery_attempts).where(a.notification_id.in_([r.id for r in rows]))
                              .order_by(a.id)):
            attempts.setdefault(t.notification_id, []).append(
                {"attempt": t.attempt, "started_at": iso(t.started_at), "duration_ms": t.duration_ms,
                 "outcome": t.outcome, "status_code": t.status_code, "error": t.error})
    return [{**_notification(r), "attempt_log": attempts.get(r.id, [])} for r in rows]


def send_test(config: WorkspaceConfig, receiver: str, *, environ: Mapping[str, str],
              client: httpx.Client | None = None) -> str | None:
    """Send a test message to one receiver now (not recorded); returns None when it arrived, else the error (or,
    for an email accepted for only some of its recipients, which were refused).

    Raises:
        LookupFailed: no receiver of that name.
    """
    specs = {r.name: r for r in config.alerts.receivers}
    if receiver not in specs:
        raise LookupFailed(f"No receiver '{receiver}' in [alerts] of workspace '{config.id}'; receivers: "
                           f"{', '.join(specs) or 'none'}.")
    target = build(specs[receiver], environ, client)
    redact = redactor(target.secrets())
    try:
        with redacting_logs(redact):
            target.send(probe_message(config, receiver), config.alerts.delivery.timeout.total_seconds())
    except DeliveryFailed as exc:
        return redact.text(exc.error)
    except Exception as exc:  # noqa: BLE001 - any other failure is reported as delivery does: masked, no traceback
        return redact.text(f"{type(exc).__name__}: {exc}")
    return redact.text(target.partly) if target.partly else None


def probe_message(config: WorkspaceConfig, receiver: str) -> dict[str, Any]:
    """A message in the documented shape that says it is a test."""
    now = utcnow()
    return {"version": VERSION, "kind": "alert", "status": "resolved", "event": "test", "event_text": "test message",
            "dedup_key": f"{config.id}/test", "idempotency_key": idempotency_key("test", config.id, receiver, now),
            "receiver": receiver, "role": "owner", "role_owns": "the whole card", "workspace": config.id,
            "workspace_name": config.workspace.name or config.id, "card": "test", "card_title": "Test message",
            "entity": None, "count": 0, "card_count": 0, "previous_count": None, "delta": None,
            "threshold": config.workspace.alert_threshold, "active_orders": 0, "blocked_value_reporting": "0.00",
            "reporting_currency": config.workspace.reporting_currency, "as_of": None, "run_id": None, "causes": [],
            "new_causes": [], "rejection_reasons": [], "new_rejection_reasons": [], "entities": [], "top": [],
            "freshness": None, "reason": None, "url": None, "locale": config.workspace.locale or "en_GB",
            "created_at": iso(now),
            "summary": f"A test message from bridgewatch for receiver '{receiver}': delivery works."}


def unknown_card(config: WorkspaceConfig, card: str) -> LookupFailed:
    return LookupFailed(f"Workspace '{config.id}' has no card '{card}'; its cards: {', '.join(config.cards)}.")


def unknown_entity(config: WorkspaceConfig, entity: str) -> LookupFailed | None:
    """None when ``entity`` is one of the workspace's legal entities or ``ambiguous``, else the error naming them."""
    from bridgewatch.alerts.facts import AMBIGUOUS

    known = [e.id for e in config.legal_entities]
    if entity in (*known, AMBIGUOUS):
        return None
    return LookupFailed(f"Workspace '{config.id}' has no entity '{entity}'; its entities: "
                        f"{', '.join([*known, AMBIGUOUS])} (customers with no single expected entity).")
