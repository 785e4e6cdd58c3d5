"""Per alert and receiver, messages arrive in the order they were made: a message refused for now (and tried again
on a later cycle) is never overtaken by a newer message about the same alert."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bridgewatch.alerts import journal
from bridgewatch.history import Store
from bridgewatch.history.database import writing

from .helpers import NOW, monitor, scenario
from .servers import Reply, WebhookServer
from .test_delivery import hook_alerts, states


def test_a_refused_message_is_never_overtaken_by_a_newer_one_about_the_same_alert(
        tmp_path: Path, hook: WebhookServer) -> None:
    hook.script = [Reply(404, body="deploying"), Reply(404, body="deploying")]  # the receiver is being redeployed
    root = scenario(3, alerts=hook_alerts(hook.url)).write(tmp_path / "ws")
    monitor(root)  # firing: refused (not retried now; tried again next cycle)
    scenario(1, alerts=hook_alerts(hook.url)).write(root)
    _, report = monitor(root, now=NOW + timedelta(hours=1))  # resolved is made; firing is refused again
    assert [q.event for q in report.queued] == ["resolved"]
    assert hook.bodies() == [] and report.delivery.waiting == {"hook": 2}
    assert states(root) == [("hook", "pending", 2), ("hook", "pending", 0)]
    monitor(root, now=NOW + timedelta(hours=2))  # the receiver is back: firing, then resolved
    assert [(b["event"], b["count"]) for b in hook.bodies()] == [("firing", 3), ("resolved", 1)]
    assert states(root) == [("hook", "delivered", 3), ("hook", "delivered", 1)]


def test_a_refusal_holds_back_only_its_own_alert(tmp_path: Path, hook: WebhookServer) -> None:
    """Another alert's message to the same receiver still goes out (a refusal is about one message)."""
    alerts = hook_alerts(hook.url) | {"routes": [{"receivers": ["hook"], "continue": True},
                                                {"match": {"entity": ["UK01"]}, "receivers": ["hook"]}]}
    hook.script = [Reply(400, body="bad")]
    root = scenario(3, alerts=alerts).write(tmp_path / "ws")
    _, report = monitor(root)
    assert [q.dedup_key.split("/")[2] for q in report.queued] == ["*", "UK01"]
    assert [b["entity"] for b in hook.bodies()] == ["UK01"]


def test_a_message_held_until_later_keeps_newer_ones_about_its_alert_waiting(store_url: str) -> None:
    """An older message held (quiet hours that have since been removed from the configuration) is not overtaken by a
    newer one about the same alert that is due now; another alert's message is not held up."""
    now, lease = datetime(2026, 4, 14, 19, 0), timedelta(minutes=5)

    def add(conn: object, key: str, n: int, not_before: datetime) -> int:
        return journal.add(conn, workspace_id="ws", dedup_key=key, receiver="hook", role="owner", event="firing",
                           status="firing", count=3, causes="[]", templates="[]", message={"n": n},
                           idempotency_key=f"key-{n}", run_id="r1", state="pending", created_at=now,
                           not_before=not_before)

    with Store(store_url) as store:
        with writing(store.engine) as conn:
            add(conn, "ws/c/*/threshold", 1, now + timedelta(hours=1))
            add(conn, "ws/c/*/threshold", 2, now)
            other = add(conn, "ws/d/*/threshold", 3, now)
        with writing(store.engine) as conn:
            assert [p.id for p in journal.claim(conn, "ws", now, lease)] == [other]
