"""The acceptance sequence, against a real webhook receiver and a real SMTP server on 127.0.0.1, on SQLite and
PostgreSQL: first breach; rerun unchanged (nothing); rise by 3 (one); silenced rise (nothing, recorded as
suppressed); clear (resolved); stale data (unknown); fresh again. Every message is asserted whole."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bridgewatch.alerts.schema import delivery_attempts, notifications
from bridgewatch.alerts.silences import add_silence, end_silence
from bridgewatch.history import Store

from .helpers import AS_OF, NOW, STALE_AS_OF, monitor, scenario
from .servers import SmtpServer, WebhookServer, parts

KEY = "whsec-7f3a9c1e-do-not-log"
ENV = {"BW_HOOK_KEY": KEY}
DEDUP = "sage-test/sage_customer_master_gap/*/threshold"
NEVER, FAILED = "Never synced (no create attempt)", "Sync failed (create rejected)"
ONBOARD = "Manual onboarding: credit check, tax-ID validation, payment terms."
FIX = "Fix the rejection reason, then re-run the sync."
FRESH = {"status": "fresh", "newest_order_at": "2026-04-14T10:00:00Z", "newest_erp_record_at": None,
         "newest_sync_event_at": "2026-04-13T06:00:00Z", "max_age_hours": 48, "reasons": []}
LATER_AS_OF = "2026-04-19T18:00:00Z"
STALE_REASON = ("the newest order (2026-04-14T10:00:00Z) is 104 hours before the as-of time (2026-04-18T18:00:00Z), "
                "more than max_age_hours = 48: the exports look out of date (refresh them, or pass the --as-of they "
                "describe)")


def alerts(hook: WebhookServer, smtp: SmtpServer) -> dict[str, Any]:
    return {"receivers": [
        {"name": "hook", "kind": "webhook",
         "settings": {"url": f"{hook.url}/bridgewatch", "secret_env": "BW_HOOK_KEY"}},
        {"name": "mail", "kind": "email", "settings": {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                                                       "sender": "bridgewatch@example.test",
                                                       "to": ["finance@example.test"]}}]}


def row(rank: int, n: int, failed: bool = False) -> dict[str, Any]:
    """Worklist row A0n as a message shows it (blocked value 1000 - 10n)."""
    return {"rank": rank, "name": f"A{n:02d} Ltd", "customer_id": f"A{n:02d}-U", "company_id": f"A{n:02d}",
            "platform": "bigcommerce", "segment": "b2b", "cause": "create_failed" if failed else "never_synced",
            "rejection_reason": "Missing NAME" if failed else None, "expected_entity": "UK01", "active_orders": 1,
            "blocked_value_reporting": f"{1000 - 10 * n}.00", "vat_treatment": "standard", "days_absent": 0,
            "next_action": FIX if failed else ONBOARD}


def message(**changes: Any) -> dict[str, Any]:
    """The webhook body of the first breach (three absent, A01's create rejected), with ``changes``."""
    base = {
        "version": "1", "kind": "alert", "status": "firing", "event": "firing", "event_text": "started firing",
        "dedup_key": DEDUP, "receiver": "hook", "role": "owner", "role_owns": "the whole card",
        "workspace": "sage-test", "workspace_name": "UK Trade", "card": "sage_customer_master_gap",
        "card_title": "Ecom Customers Absent from Sage Customer Master", "entity": None, "count": 3,
        "card_count": 3, "previous_count": None, "delta": None, "threshold": 2, "active_orders": 3,
        "blocked_value_reporting": "2940.00", "reporting_currency": "GBP", "as_of": "2026-04-14T18:00:00Z",
        "causes": [
            {"cause": "never_synced", "customers": 2, "active_orders": 2, "blocked_value_reporting": "1950.00",
             "label": NEVER},
            {"cause": "create_failed", "customers": 1, "active_orders": 1, "blocked_value_reporting": "990.00",
             "label": FAILED}],
        "new_causes": [],
        "rejection_reasons": [{"template": "Missing NAME", "customers": 1, "active_orders": 1,
                               "blocked_value_reporting": "990.00", "examples": ["Missing NAME"]}],
        "new_rejection_reasons": [],
        "entities": [{"entity": "UK01", "customers": 3, "active_orders": 3, "blocked_value_reporting": "2940.00"}],
        "top": [row(1, 1, failed=True), row(2, 2), row(3, 3)], "fx_warnings": [], "freshness": FRESH,
        "reason": None, "url": None,
        "locale": "en_GB", "created_at": "2026-04-14T19:00:00Z",
        "summary": "3 customer(s) with active orders have no ERP customer record, above the alert line of 2."}
    return base | changes


def received(hook: WebhookServer, before: int) -> list[dict[str, Any]]:
    """Bodies accepted since ``before`` requests, without their run-specific keys (asserted separately)."""
    out = []
    for r in hook.accepted()[before:]:
        body = dict(r.json)
        assert r.headers["Idempotency-Key"] == body.pop("idempotency_key")
        out.append(body)
    return out


def test_one_message_per_real_change(tmp_path: Path, store_url: str, hook: WebhookServer, smtp: SmtpServer) -> None:
    root = tmp_path / "ws"

    def cycle(absent: int, hours: int, as_of: str = AS_OF, **more: Any) -> tuple[str, list[dict[str, Any]]]:
        before = len(hook.accepted())
        scenario(absent, failed=1, alerts=alerts(hook, smtp), as_of=as_of, **more).write(root)
        [stored], _ = monitor(root, now=NOW + timedelta(hours=hours), environ=ENV, url=store_url)
        got = received(hook, before)
        for body in got:
            assert body.pop("run_id") == stored.run_id
        return stored.run_id, got

    # 1. first breach: one message to each receiver
    run_id, got = cycle(3, 0)
    assert got == [message()]
    [mail] = smtp.messages
    assert mail["Subject"] == "[FIRING] UK Trade · Ecom Customers Absent from Sage Customer Master: 3 (alert line 2)"
    assert mail["To"] == "finance@example.test" and mail["X-Bridgewatch-Dedup-Key"] == DEDUP
    text, html = parts(mail)
    key = mail["Message-ID"].strip("<>").removesuffix("@bridgewatch")
    assert text == FIRST_TEXT + f"\nRun {run_id} · dedup key {DEDUP} · message {key}\n"
    assert "<li>1. A01 Ltd (A01, bigcommerce) — Sync failed (create rejected) — 1 order(s), £990.00" in html

    # 2. rerun on unchanged inputs: nothing
    assert cycle(3, 1)[1] == [] and len(smtp.messages) == 1

    # 3. three more absent: one message, with the delta against the last message
    _, got = cycle(6, 2)
    assert got == [message(
        event="increase", event_text="count rose since the last message", count=6, card_count=6, previous_count=3,
        delta=3, active_orders=6, blocked_value_reporting="5790.00", created_at="2026-04-14T21:00:00Z",
        causes=[{"cause": "never_synced", "customers": 5, "active_orders": 5, "blocked_value_reporting": "4800.00",
                 "label": NEVER}, message()["causes"][1]],
        entities=[{"entity": "UK01", "customers": 6, "active_orders": 6, "blocked_value_reporting": "5790.00"}],
        top=[row(1, 1, failed=True), *(row(n, n) for n in range(2, 6))],
        summary="6 customer(s) with active orders have no ERP customer record, above the alert line of 2 (up 3 "
                "since the last message).")]
    assert smtp.messages[-1]["Subject"].endswith(": 6 (alert line 2)") and len(smtp.messages) == 2

    # 4. silenced: a further rise is recorded as suppressed, nothing is sent
    with Store(store_url) as store:
        silence = add_silence(store, "sage-test", "sage_customer_master_gap", duration=timedelta(hours=4),
                              reason="sync fix deploying", created_by="test", now=NOW + timedelta(hours=2, minutes=30))
    assert cycle(9, 3)[1] == [] and len(smtp.messages) == 2
    assert suppressed(store_url) == [("hook", "increase", 9, silence.id), ("mail", "increase", 9, silence.id)]

    # 5. silence lifted, then cleared: one resolved message, against the last message actually sent (6)
    with Store(store_url) as store:
        end_silence(store, "sage-test", silence.id, now=NOW + timedelta(hours=3, minutes=30))
    _, got = cycle(2, 4)
    cleared = dict(count=2, card_count=2, active_orders=2, blocked_value_reporting="1970.00",
                   entities=[{"entity": "UK01", "customers": 2, "active_orders": 2,
                              "blocked_value_reporting": "1970.00"}],
                   causes=[message()["causes"][1], {"cause": "never_synced", "customers": 1, "active_orders": 1,
                                                    "blocked_value_reporting": "980.00", "label": NEVER}],
                   top=[row(1, 1, failed=True), row(2, 2)])
    assert got == [message(
        status="resolved", event="resolved", event_text="resolved", previous_count=6, delta=-4,
        created_at="2026-04-14T23:00:00Z", **cleared,
        summary="Resolved: 2 customer(s) with active orders have no ERP customer record, at or below the alert line "
                "of 2 (was 6 at the last message).")]
    assert smtp.messages[-1]["Subject"].startswith("[RESOLVED] ")

    # 6. stale data: the monitor is blind, once
    _, got = cycle(2, 5, STALE_AS_OF)
    stale = {**FRESH, "status": "stale", "reasons": [STALE_REASON]}
    assert got == [message(
        status="unknown", event="blind", event_text="the monitor is blind", previous_count=2, delta=0,
        as_of="2026-04-18T18:00:00Z", freshness=stale, reason=STALE_REASON, created_at="2026-04-15T00:00:00Z",
        **(cleared | {"top": []}),  # a stale run moves no episode and keeps no rows: none offered as current
        summary=f"The monitor is blind: {STALE_REASON}. This is not an all-clear (last stored: 2 customer(s) with "
                f"active orders have no ERP customer record).")]
    assert smtp.messages[-1]["Subject"].startswith("[UNKNOWN] ")
    assert cycle(2, 6, STALE_AS_OF)[1] == []

    # 7. fresh again (new exports, as of a day after the stale run): once
    _, got = cycle(2, 7, LATER_AS_OF, orders=("2026-04-19T10:00:00Z",))
    later = [row(1, 1, failed=True) | {"days_absent": 5}, row(2, 2) | {"days_absent": 5}]
    assert got == [message(
        status="resolved", event="sees_again", event_text="the data is fresh again", previous_count=2, delta=0,
        created_at="2026-04-15T02:00:00Z", as_of=LATER_AS_OF, freshness=FRESH | {
            "newest_order_at": "2026-04-19T10:00:00Z"}, **(cleared | {"top": later}),
        summary="The data is fresh again: 2 customer(s) with active orders have no ERP customer record, at or below "
                "the alert line of 2.")]
    assert len(smtp.messages) == 5 and len(hook.accepted()) == 5 == len(hook.requests)
    assert attempts(store_url) == [("delivered", 1)] * 10


def test_webhook_messages_are_signed_with_hmac_sha256(tmp_path: Path, hook: WebhookServer, smtp: SmtpServer) -> None:
    scenario(3, failed=1, alerts=alerts(hook, smtp)).write(tmp_path / "ws")
    monitor(tmp_path / "ws", environ=ENV)
    [request] = hook.requests
    stamp = request.headers["X-Bridgewatch-Timestamp"]
    expected = hmac.new(KEY.encode(), stamp.encode() + b"." + request.raw, hashlib.sha256).hexdigest()
    assert request.headers["X-Bridgewatch-Signature"] == f"sha256={expected}"
    assert request.headers["X-Bridgewatch-Event"] == "firing/firing" and request.path == "/bridgewatch"
    assert KEY not in request.raw.decode()


FIRST_TEXT = """[FIRING] UK Trade · Ecom Customers Absent from Sage Customer Master: 3 (alert line 2)

3 customer(s) with active orders have no ERP customer record, above the alert line of 2.

Status: firing (started firing)
Count: 3
Alert line: more than 2
Active orders: 3
Blocked value: £2,940.00
As of: 2026-04-14T18:00:00Z
Data: fresh (newest order 2026-04-14T10:00:00Z, newest sync event 2026-04-13T06:00:00Z)
Role: owner: the whole card

Top causes:
  Never synced (no create attempt): 2 customer(s), 2 active order(s), £1,950.00
  Sync failed (create rejected): 1 customer(s), 1 active order(s), £990.00

Rejection reasons:
  Missing NAME — 1 customer(s), 1 active order(s), £990.00

Per entity:
  UK01: 3 customer(s), £2,940.00

Top customers:
  1. A01 Ltd (A01, bigcommerce) — Sync failed (create rejected) — 1 order(s), £990.00, VAT standard-rated, entity UK01 \
— Fix the rejection reason, then re-run the sync.
  2. A02 Ltd (A02, bigcommerce) — Never synced (no create attempt) — 1 order(s), £980.00, VAT standard-rated, entity \
UK01 — Manual onboarding: credit check, tax-ID validation, payment terms.
  3. A03 Ltd (A03, bigcommerce) — Never synced (no create attempt) — 1 order(s), £970.00, VAT standard-rated, entity \
UK01 — Manual onboarding: credit check, tax-ID validation, payment terms.
"""


def suppressed(url: str) -> list[tuple[str, str, int, int]]:
    n = notifications.c
    with Store(url) as store, store.engine.connect() as conn:
        rows = conn.execute(select(n.receiver, n.event, n.count, n.silence_id).where(n.state == "suppressed")
                            .order_by(n.receiver)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def attempts(url: str) -> list[tuple[str, int]]:
    a = delivery_attempts.c
    with Store(url) as store, store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(a.outcome, a.attempt).order_by(a.id)).all()]  # type: ignore[misc]
