"""Delivery is reliable, bounded and recorded: retried with backoff (and Retry-After) on 429/5xx/timeouts,
a receiver that is down never fails or slows a run beyond the budget and gets its messages next cycle,
every attempt is in the store, and no secret is in any log, error or stored row."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bridgewatch.alerts.schema import delivery_attempts, notifications
from bridgewatch.cli import app
from bridgewatch.history import Store

from .helpers import monitor, scenario
from .servers import Reply, SmtpServer, WebhookServer, free_port, iter_rows

FAST = {"timeout": "2s", "attempts": 4, "backoff": "0.01s", "max_backoff": "0.05s", "budget": "10s"}


def hook_alerts(url: str, **delivery: Any) -> dict[str, Any]:
    return {"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": url}}],
            "delivery": FAST | delivery}


def store_of(root: Path) -> str:
    return f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}"


def attempts(root: Path) -> list[tuple[str, str, int, str, int | None, str | None]]:
    a = delivery_attempts.c
    with Store(store_of(root)) as store, store.engine.connect() as conn:
        rows = conn.execute(select(a.receiver, a.dedup_key, a.attempt, a.outcome, a.status_code, a.error)
                            .order_by(a.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def states(root: Path) -> list[tuple[str, str, int]]:
    n = notifications.c
    with Store(store_of(root)) as store, store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(n.receiver, n.state, n.attempts).order_by(n.id)).all()]  # type: ignore[misc]


DEDUP = "sage-test/sage_customer_master_gap/*/threshold"


def test_a_receiver_that_fails_three_times_then_succeeds_gets_the_message_once(tmp_path: Path,
                                                                                hook: WebhookServer) -> None:
    hook.script = [Reply(500), Reply(503, body="busy"), Reply(429, headers={"Retry-After": "1"})]
    root = scenario(3, alerts=hook_alerts(hook.url)).write(tmp_path / "ws")
    _, report = monitor(root)
    assert [r.status for r in hook.requests] == [500, 503, 429, 200]
    assert len({r.headers["Idempotency-Key"] for r in hook.requests}) == 1 and len(hook.accepted()) == 1
    assert hook.requests[3].at - hook.requests[2].at >= 0.95, "Retry-After: 1 is honoured"
    assert attempts(root) == [
        ("hook", DEDUP, 1, "retry", 500, "HTTP 500 Internal Server Error: ok"),
        ("hook", DEDUP, 2, "retry", 503, "HTTP 503 Service Unavailable: busy"),
        ("hook", DEDUP, 3, "retry", 429, "HTTP 429 Too Many Requests: ok"),
        ("hook", DEDUP, 4, "delivered", 200, None)]
    assert states(root) == [("hook", "delivered", 4)] and report.sent == 1


def test_a_receiver_that_is_down_is_recorded_the_run_succeeds_and_it_gets_the_message_next_cycle(
        tmp_path: Path) -> None:
    port = free_port()
    root = scenario(3, alerts=hook_alerts(f"http://127.0.0.1:{port}/in", attempts=2)).write(tmp_path / "ws")
    result = CliRunner().invoke(app, ["run", "-w", str(root), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "alerts: 1 queued, 0 delivered, 1 waiting (could not connect: ConnectError" in result.stderr
    assert [(a[2], a[3], a[4]) for a in attempts(root)] == [(1, "retry", None), (2, "retry", None)]
    assert attempts(root)[0][5].startswith("could not connect: ConnectError: ")  # type: ignore[union-attr]
    assert states(root) == [("hook", "pending", 2)]
    with WebhookServer(port=port) as back:
        result = CliRunner().invoke(app, ["run", "-w", str(root), "--format", "json"])
        assert result.exit_code == 0 and "alerts: 0 queued, 1 delivered" in result.stderr
        [body] = back.bodies()
    assert (body["event"], body["count"]) == ("firing", 3)
    assert states(root) == [("hook", "delivered", 3)] and attempts(root)[-1][2:4] == (3, "delivered")


def test_a_message_not_delivered_before_quiet_hours_waits_for_their_end(tmp_path: Path,
                                                                         hook: WebhookServer) -> None:
    from datetime import timedelta

    from .helpers import NOW

    hook.script = [Reply(503)]
    alerts = hook_alerts(hook.url, attempts=1) | {"receivers": [
        {"name": "hook", "kind": "webhook", "settings": {"url": hook.url},
         "quiet_hours": {"start": "19:30", "end": "20:00"}}]}
    root = scenario(3, alerts=alerts).write(tmp_path / "ws")
    monitor(root, now=NOW)  # 19:00 UTC, before the quiet hours: the receiver is down
    assert len(hook.requests) == 1 and states(root) == [("hook", "pending", 1)]
    _, report = monitor(root, now=NOW + timedelta(minutes=40))  # 19:40: quiet, it waits
    assert len(hook.requests) == 1 and report.delivery.delivered == []
    monitor(root, now=NOW + timedelta(minutes=61))
    assert len(hook.requests) == 2 and states(root) == [("hook", "delivered", 2)]


def test_messages_held_for_a_digest_go_out_when_the_receiver_stops_taking_digests(tmp_path: Path,
                                                                                   hook: WebhookServer) -> None:
    from datetime import timedelta

    from .helpers import NOW

    receiver = {"name": "hook", "kind": "webhook", "settings": {"url": hook.url}}
    root = scenario(3, alerts=hook_alerts(hook.url) | {"receivers": [receiver | {"digest": "daily"}]}).write(
        tmp_path / "ws")
    monitor(root, now=NOW)
    assert hook.requests == [] and states(root) == [("hook", "held", 0)]
    scenario(3, alerts=hook_alerts(hook.url)).write(root)  # digest = "daily" taken out: nothing new to say
    _, report = monitor(root, now=NOW + timedelta(hours=1))
    assert report.queued == [] and [(b["event"], b["count"]) for b in hook.bodies()] == [("firing", 3)]
    assert states(root) == [("hook", "delivered", 1)]


def test_a_slow_receiver_is_bounded_and_does_not_hold_up_the_others(tmp_path: Path, hook: WebhookServer) -> None:
    with WebhookServer() as slow:
        # Timeouts wide enough for a loaded machine (the suite runs beside the Spark pass); the budget still cuts
        # the slow receiver off long before its 6 s reply, and the fast one is not held up behind it.
        slow.default = Reply(delay=6)
        alerts = {"receivers": [{"name": "slow", "kind": "webhook", "settings": {"url": slow.url}},
                                {"name": "fast", "kind": "webhook", "settings": {"url": hook.url}}],
                  "delivery": FAST | {"timeout": "0.8s", "attempts": 10, "budget": "3s"}}
        root = scenario(3, alerts=alerts).write(tmp_path / "ws")
        _, report = monitor(root)
    assert report.delivery.seconds < 5, report.delivery.seconds
    assert len(hook.accepted()) == 1 and report.delivery.waiting == {"slow": 1}
    slow_attempts = [a for a in attempts(root) if a[0] == "slow"]
    assert 2 <= len(slow_attempts) <= 4 and {a[5] for a in slow_attempts} <= {
        f"no answer within {t / 10:.1f} s (timed out)" for t in range(1, 9)}
    assert states(root) == [("slow", "pending", len(slow_attempts)), ("fast", "delivered", 1)]


def test_a_refusal_is_not_retried_now_but_waits_for_the_next_cycle(tmp_path: Path, hook: WebhookServer) -> None:
    hook.script = [Reply(404, body="no such hook")]
    root = scenario(3, alerts=hook_alerts(hook.url)).write(tmp_path / "ws")
    monitor(root)
    assert [a[2:] for a in attempts(root)] == [(1, "failed", 404, "HTTP 404 Not Found: no such hook")]
    monitor(root)
    assert [r.status for r in hook.requests] == [404, 200] and states(root) == [("hook", "delivered", 2)]


SECRETS = {"BW_HOOK_URL": "http://127.0.0.1:{port}/hooks/T0ken-Sekr1t-path", "BW_HOOK_KEY": "hmac-k3y-never-shown",
           "BW_SLACK_URL": "{slack}/services/T00000000/B00000000/XXXXslacktokenXXXX",
           "BW_SMTP_PASSWORD": "smtp-pa55word-never-shown", "BW_TEAMS_URL": "{teams}/workflows/abc?sig=TeamsSig123456"}


def test_no_secret_in_any_log_error_or_stored_row(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.smtp import AuthResult

    caplog.set_level(logging.DEBUG)
    with WebhookServer(echo_path=True) as slack, WebhookServer(echo_path=True) as teams, SmtpServer(
            authenticator=lambda *a: AuthResult(success=False, handled=False), auth_require_tls=False) as smtp:
        slack.default = teams.default = Reply(500)
        env = {k: v.format(port=free_port(), slack=slack.url, teams=teams.url) for k, v in SECRETS.items()}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        alerts = {"receivers": [
            {"name": "hook", "kind": "webhook", "settings": {"url_env": "BW_HOOK_URL", "secret_env": "BW_HOOK_KEY"}},
            {"name": "slack", "kind": "slack", "settings": {"url_env": "BW_SLACK_URL"}},
            {"name": "teams", "kind": "teams", "settings": {"url_env": "BW_TEAMS_URL"}},
            {"name": "mail", "kind": "email", "settings": {
                "host": "127.0.0.1", "port": smtp.port, "security": "none", "username": "bw",
                "password_env": "BW_SMTP_PASSWORD", "sender": "bw@example.test", "to": ["ops@example.test"]}}],
            "delivery": FAST | {"attempts": 2}}
        root = scenario(3, alerts=alerts).write(tmp_path / "ws")
        runner = CliRunner()
        shown = [runner.invoke(app, ["-v", "run", "-w", str(root)]),
                 runner.invoke(app, ["alerts", "send", "-w", str(root)]),
                 runner.invoke(app, ["alerts", "list", "-w", str(root), "--format", "json"]),
                 runner.invoke(app, ["alerts", "log", "-w", str(root), "--format", "json"]),
                 runner.invoke(app, ["alerts", "test", "-w", str(root), "--receiver", "slack"])]
        assert slack.requests and teams.requests and not smtp.messages
    assert shown[-1].exit_code == 5 and "HTTP 500 Internal Server Error: ***" in shown[-1].stderr
    errors = {a[0]: a[5] for a in attempts(root)}
    assert errors["slack"] == "HTTP 500 Internal Server Error: ***"  # the body quoted the URL's path back
    assert errors["teams"] == "HTTP 500 Internal Server Error: ***?***"  # path and signature both hidden
    assert errors["mail"].startswith("SMTP 535: ") and errors["hook"].startswith("could not connect")
    texts = [r.stdout + r.stderr for r in shown] + [caplog.text] + [str(v) for _, v in iter_rows(store_of(root))]
    texts += [json.dumps(json.loads(shown[3].stdout))]
    for name, secret in env.items():
        for part in (secret, secret.split("/")[-1], secret.split("?")[-1]):
            leaks = [t for t in texts if part in t]
            assert not leaks, f"{name} ({part}) leaked: {leaks[0][:300]}"


def test_a_missing_secret_is_recorded_and_the_run_still_succeeds(tmp_path: Path) -> None:
    alerts = {"receivers": [{"name": "slack", "kind": "slack", "settings": {"url_env": "BW_NOT_SET_ANYWHERE"}}]}
    root = scenario(3, alerts=alerts).write(tmp_path / "ws")
    result = CliRunner().invoke(app, ["run", "-w", str(root)])
    assert result.exit_code == 0
    assert [a[2:] for a in attempts(root)] == [
        (1, "failed", None, "environment variable BW_NOT_SET_ANYWHERE (named by settings.url_env of receiver 'slack') "
                            "is not set; export it where bridgewatch runs")]


def _queue_two(store: Store, workspace: str, now: datetime) -> list[int]:
    from bridgewatch.alerts import journal
    from bridgewatch.history.database import writing

    with writing(store.engine) as conn:
        return [journal.add(conn, workspace_id=workspace, dedup_key=f"{workspace}/c/*/threshold", receiver="hook",
                            role="owner", event="firing", status="firing", count=3, causes="[]", templates="[]",
                            message={"n": n}, idempotency_key=f"key-{n}", run_id="r1", state="pending",
                            created_at=now, not_before=now) for n in (1, 2)]


def test_two_processes_claiming_at_once_never_take_the_same_notification(store_url: str) -> None:
    import threading
    from datetime import timedelta

    from bridgewatch.alerts import journal
    from bridgewatch.history.database import writing

    now, lease = datetime(2026, 4, 14, 19, 0), timedelta(minutes=5)
    with Store(store_url) as store:
        ids = _queue_two(store, "ws", now)
        other: list[list[int]] = []

        def second() -> None:
            with writing(store.engine) as conn:
                other.append([p.id for p in journal.claim(conn, "ws", now, lease)])

        with writing(store.engine) as conn:
            first = [p.id for p in journal.claim(conn, "ws", now, lease)]
            thread = threading.Thread(target=second)
            thread.start()
            thread.join(0.5)  # the second claimer is inside its claim while the first has not committed yet
        thread.join()
    assert first == ids and other == [[]]


def test_a_receiver_being_served_by_another_process_gets_no_later_message_before_its_earlier_ones(
        store_url: str) -> None:
    from datetime import timedelta

    from bridgewatch.alerts import journal
    from bridgewatch.history.database import writing

    now, lease = datetime(2026, 4, 14, 19, 0), timedelta(minutes=5)
    with Store(store_url) as store:
        first = _queue_two(store, "ws", now)
        with writing(store.engine) as conn:  # process A claims both and is still sending (a slow receiver)
            assert [p.id for p in journal.claim(conn, "ws", now, lease)] == first
        with writing(store.engine) as conn:  # meanwhile process B queues the next message, and one for another
            later = [journal.add(conn, workspace_id="ws", dedup_key="ws/c/*/threshold", receiver=name, role="owner",
                                 event="resolved", status="resolved", count=0, causes="[]", templates="[]",
                                 message={"n": 3}, idempotency_key=f"key-3-{name}", run_id="r2", state="pending",
                                 created_at=now, not_before=now) for name in ("hook", "other")]
        with writing(store.engine) as conn:
            claimed = [p.id for p in journal.claim(conn, "ws", now + timedelta(minutes=1), lease)]
        assert claimed == [later[1]]  # 'hook' waits for A: its resolved must not overtake A's firing
        with writing(store.engine) as conn:
            journal.release(conn, first)
            assert [p.id for p in journal.claim(conn, "ws", now + timedelta(minutes=2), lease)] == [*first, later[0]]


def test_a_message_refused_for_good_is_marked_failed_and_the_receivers_later_messages_still_go_out(
        tmp_path: Path, hook: WebhookServer) -> None:
    from datetime import timedelta

    from .helpers import NOW

    too_big = "HTTP 413 Request Entity Too Large: payload too large"
    hook.script = [Reply(413, body="payload too large")] * 2
    alerts = hook_alerts(hook.url, refusals=2)
    root = scenario(3, alerts=alerts).write(tmp_path / "ws")
    monitor(root)
    assert states(root) == [("hook", "pending", 1)]
    scenario(6, alerts=alerts).write(root)
    _, report = monitor(root, now=NOW + timedelta(hours=1))
    assert [(b["event"], b["count"]) for b in hook.bodies()] == [("increase", 6)]
    assert states(root) == [("hook", "failed", 2), ("hook", "delivered", 1)]
    assert [a[2:] for a in attempts(root)] == [(1, "failed", 413, too_big), (2, "failed", 413, too_big),
                                               (1, "delivered", 200, None)]
    assert report.line() == f"alerts: 1 queued, 1 delivered, 1 failed for good (refused 2 times: {too_big})"
    monitor(root, now=NOW + timedelta(hours=2))  # unchanged: the failed message is not made again
    assert len(hook.requests) == 3
    shown = CliRunner().invoke(app, ["alerts", "log", "-w", str(root), "--format", "json"])
    assert [(n["event"], n["state"], n["last_error"]) for n in json.loads(shown.stdout)] == [
        ("increase", "delivered", None), ("firing", "failed", f"refused 2 times: {too_big}")]


def test_retry_after_in_seconds_with_a_fraction_or_as_a_date_is_honoured() -> None:
    import httpx

    from bridgewatch.alerts.receivers import DeliveryFailed
    from bridgewatch.alerts.receivers.base import check

    def wait(value: str) -> float | None:
        with pytest.raises(DeliveryFailed) as caught:
            check(httpx.Response(429, headers={"Retry-After": value}))
        return caught.value.retry_after

    assert wait("1.5") == 1.5 and wait("7") == 7.0 and wait("soon") is None
    assert wait("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: at once


def test_secrets_are_masked_in_every_logger_while_delivering_and_in_every_form(
        caplog: pytest.LogCaptureFixture) -> None:
    from bridgewatch.alerts.redact import redacting_logs, redactor

    redact = redactor(["https://user:pa55word@hooks.example/services/T0ken-Sekr1t?sig=Abc123"])
    assert redact.text("POST https://hooks.example/services/T0ken-Sekr1t?sig=Abc123 refused") == (
        "POST https://hooks.example***?*** refused")
    quoted = "https%3A%2F%2Fuser%3Apa55word%40hooks.example%2Fservices%2FT0ken-Sekr1t%3Fsig%3DAbc123"
    assert redact.text(f"callback={quoted}") == "callback=***"
    assert redact.text("login pa55word failed; services/T0ken-Sekr1t") == "login *** failed; ***"
    caplog.set_level(logging.DEBUG)
    with redacting_logs(redact):
        logging.getLogger("urllib3.connectionpool").debug("GET /services/T0ken-Sekr1t?sig=Abc123")
        logging.getLogger("bridgewatch.alerts").warning("answer quoted pa55word")
    assert [r.getMessage() for r in caplog.records] == ["GET ***?***", "answer quoted ***"]
