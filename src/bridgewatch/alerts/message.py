"""The message: one versioned JSON document per notification (the webhook body, and what every other
receiver renders). ``docs/alerts.md`` documents each field; ``VERSION`` changes when a field changes meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from bridgewatch.alerts.decide import EVENTS, Told
from bridgewatch.alerts.evaluate import AlertInstance
from bridgewatch.alerts.facts import Facts, Part, money
from bridgewatch.alerts.roles import part
from bridgewatch.cards import CARDS
from bridgewatch.config import WorkspaceConfig
from bridgewatch.report.result import iso
from bridgewatch.report.words import locale_for

VERSION = "1"
STATUS_WORDS = {"firing": "FIRING", "resolved": "RESOLVED", "unknown": "UNKNOWN"}


@dataclass(frozen=True)
class Notice:
    """Everything one message about one alert to one receiver is made of."""

    instance: AlertInstance
    facts: Facts
    role: str
    status: str
    event: str
    told: Told | None
    receiver: str
    created_at: datetime


def idempotency_key(*parts: object) -> str:
    """A stable key for one message (the same on every retry and in every process that makes it)."""
    return hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()[:32]


def alert_message(notice: Notice, config: WorkspaceConfig, key: str) -> dict[str, Any]:
    """The message for ``notice`` (see docs/alerts.md, "The message")."""
    inst, facts, told = notice.instance, notice.facts, notice.told
    sections = part(notice.role).sections
    stored = inst.stored
    currency = stored.summary.get("reporting_currency") if stored else config.workspace.reporting_currency
    count = facts.count if stored is not None else None
    previous = told.count if told is not None else None
    msg: dict[str, Any] = {
        "version": VERSION, "kind": "alert", "status": notice.status, "event": notice.event,
        "event_text": EVENTS[notice.event], "dedup_key": inst.dedup_key, "idempotency_key": key,
        "receiver": notice.receiver, "role": notice.role, "role_owns": part(notice.role).owns,
        "workspace": inst.workspace, "workspace_name": config.workspace.name or inst.workspace,
        "card": inst.card, "card_title": _title(inst), "entity": inst.entity,
        "count": count, "card_count": inst.count, "previous_count": previous,
        "delta": count - previous if count is not None and previous is not None else None,
        "threshold": inst.threshold, "active_orders": facts.active_orders,
        "blocked_value_reporting": money(facts.blocked_e4, currency), "reporting_currency": currency,
        "as_of": iso(stored.as_of) if stored else None, "run_id": inst.run_id,
        "causes": _parts(facts.causes, "cause", currency) if "causes" in sections else [],
        "new_causes": _new(facts.cause_ids, told, "causes", notice.status),
        "rejection_reasons": _parts(facts.reasons, "template", currency) if "reasons" in sections else [],
        "new_rejection_reasons": _new(facts.templates, told, "templates", notice.status),
        "entities": _parts(facts.entities, "entity", currency) if "entities" in sections else [],
        "top": [dict(r) for r in facts.top] if "top" in sections else [],
        "fx_warnings": list(stored.summary.get("fx_warnings") or []) if stored else [],
        "freshness": _freshness(stored.summary if stored else None), "reason": inst.reason,
        "url": dashboard_url(config, inst.card, inst.entity),
        "locale": locale_for(config.workspace.home_country, config.workspace.locale),
        "created_at": iso(notice.created_at),
    }
    msg["summary"] = summary(msg)
    return msg


def digest_message(entries: Sequence[dict[str, Any]], changes: dict[str, int], *, receiver: str,
                   config: WorkspaceConfig, key: str, created_at: datetime) -> dict[str, Any]:
    """One message gathering the latest message of each alert held for a daily digest."""
    worst = next((s for s in ("unknown", "firing", "resolved") if any(e["status"] == s for e in entries)),
                 "resolved")
    msg = {"version": VERSION, "kind": "digest", "status": worst, "event": "digest",
           "event_text": "daily digest", "dedup_key": f"{quote(config.id, safe='')}/digest",
           "idempotency_key": key, "receiver": receiver, "workspace": config.id,
           "workspace_name": config.workspace.name or config.id, "created_at": iso(created_at),
           "entries": [{**e, "changes": changes.get(e["dedup_key"], 1)} for e in entries]}
    msg["summary"] = (f"{len(entries)} alert(s) changed since the last digest: "
                      + "; ".join(f"{e['card_title']}{_entity(e)} {e['status']}" for e in entries) + ".")
    return msg


def dashboard_url(config: WorkspaceConfig, card: str, entity: str | None) -> str | None:
    """The card's page on the dashboard, when ``[alerts] base_url`` is set."""
    base = config.alerts.base_url
    if base is None:
        return None
    url = f"{base.rstrip('/')}/w/{quote(config.id, safe='')}/cards/{quote(card, safe='')}"
    return url + ("?" + urlencode({"entity": entity}) if entity else "")


def summary(msg: dict[str, Any]) -> str:
    """The message in one sentence of plain words."""
    whole = (f"{msg['card_count']} customer(s) with active orders have no ERP customer record"
             if msg["card_count"] is not None else "no stored result yet")
    if msg["role"] == "marketing" and msg["count"] is not None:
        whole += f" ({msg['count']} of them rejected by the ERP when created)"
    line = f"the alert line of {msg['threshold']}"
    event = msg["event"]
    if event == "closed":
        last = (f"the last message counted {msg['previous_count']} customer(s) with active orders without an ERP "
                f"customer record" if msg["previous_count"] is not None else "the last message had no count")
        return f"Closed: {msg['reason']}. This is not an all-clear ({last})."
    if event == "blind":
        return f"The monitor is blind: {msg['reason']}. This is not an all-clear (last stored: {whole})."
    if event == "sees_again":
        return f"The data is fresh again: {whole}, {_side(msg)} {line}."
    if event == "resolved":
        return f"Resolved: {whole}, {_side(msg)} {line}{_was(msg)}."
    extra = {"increase": f" (up {msg['delta']} since the last message)",
             "new_cause": " (new cause: " + ", ".join(_cause_words(msg, c) for c in msg["new_causes"]) + ")",
             "new_reason": " (new rejection reason: " + "; ".join(msg["new_rejection_reasons"]) + ")",
             "repeat": " (still firing)"}.get(event, "")
    return f"{whole}, above {line}{extra}."


def _side(msg: dict[str, Any]) -> str:
    """Where the count stands against the line, from the numbers (a role's part can resolve while the card is
    still above it)."""
    above = msg["card_count"] is not None and msg["card_count"] > msg["threshold"]
    return "above" if above else "at or below"


def _cause_words(msg: dict[str, Any], cause: str) -> str:
    labels = {c["cause"]: c.get("label") for c in msg["causes"]}
    return str(labels.get(cause) or cause)


def _was(msg: dict[str, Any]) -> str:
    return f" (was {msg['previous_count']} at the last message)" if msg["previous_count"] is not None else ""


def _entity(msg: dict[str, Any]) -> str:
    return f" ({msg['entity']})" if msg.get("entity") else ""


def _title(inst: AlertInstance) -> str:
    if inst.stored is not None and inst.stored.summary.get("title"):
        return str(inst.stored.summary["title"])
    card = CARDS.get(inst.card)
    return card.title if card else inst.card


def _parts(parts: Sequence[Part], name: str, currency: str | None) -> list[dict[str, Any]]:
    out = []
    for p in parts:
        if not p.customers:
            continue
        item: dict[str, Any] = {name: p.key, "customers": p.customers, "active_orders": p.active_orders,
                                "blocked_value_reporting": money(p.blocked_e4, currency)}
        if p.label is not None:
            item["label"] = p.label
        if name == "template":
            item["examples"] = list(p.examples)
        out.append(item)
    return out


def _new(now: frozenset[str], told: Told | None, field: str, status: str) -> list[str]:
    if told is None or status != "firing" or told.status != "firing":
        return []
    return sorted(now - getattr(told, field))


def _freshness(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    f = summary.get("freshness") or {}
    keys = ("status", "newest_order_at", "newest_erp_record_at", "newest_sync_event_at", "max_age_hours", "reasons")
    return {k: f.get(k) for k in keys}
