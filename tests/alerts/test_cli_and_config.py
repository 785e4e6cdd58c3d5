"""The alerts configuration is checked when workspace.toml is read; the `alerts` commands, `run --no-alerts`,
a failed run making the monitor blind, quiet hours, `for_runs` damping and a new cause, end to end."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bridgewatch.config import parse_config
from bridgewatch.errors import ConfigError

from .helpers import NOW, monitor, scenario
from .servers import WebhookServer

runner = CliRunner()


def hook_alerts(url: str, **more: Any) -> dict[str, Any]:
    return {"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": url}}], **more}


def test_every_alerts_problem_is_reported_at_once_with_its_path() -> None:
    raw = scenario(1).config | {"alerts": {
        "receivers": [
            {"name": "chat", "kind": "slack", "settings": {"url": "https://hooks.slack.com/services/T/B/x"}},
            {"name": "mail", "kind": "email", "timezone": "Mars/Olympus",
             "settings": {"host": "smtp.example.test", "security": "none", "username": "bw", "password_env": "PW",
                          "sender": "bw@example.test", "to": ["a@example.test"]}},
            {"name": "mail", "kind": "webhook", "settings": {"url": "http://x"},
             "quiet_hours": {"start": "22:00", "end": "22:00"}}],
        "routes": [{"match": {"cause": "late", "entity": "XX"}, "receivers": ["nobody"]}],
        "repeat_interval": "soon"}}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).splitlines()[1:] == [
        "  - alerts.repeat_interval: not a duration: 'soon' (use e.g. 30s, 15m, 4h, 1d, 1h30m)"]
    raw["alerts"].pop("repeat_interval")
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).splitlines()[1:] == [
        "  - alerts.receivers[0].settings: the Slack webhook URL is a secret: put it in an environment variable and "
        "name that variable in url_env",
        "  - alerts.receivers[1].settings: a password would cross the network in clear text: use security = "
        "\"starttls\" or \"tls\" (\"none\" is for a relay on this machine)",
        "  - alerts.receivers[1].timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as "
        "'Europe/London')",
        "  - alerts.receivers[2].name: duplicate receiver name 'mail'",
        "  - alerts.receivers[2].quiet_hours: start and end are the same time (22:00:00)",
        "  - alerts.routes[0].receivers: unknown receiver 'nobody'; receivers: chat, mail",
        "  - alerts.routes[0].match.cause: unknown cause 'late'; causes: create_failed, lagging, merged_retired, "
        "never_synced, synced_not_found",
        "  - alerts.routes[0].match.entity: unknown entity 'XX'; entities: *, UK01, ambiguous"]


def test_silence_list_unsilence_and_the_log(tmp_path: Path, hook: WebhookServer) -> None:
    root = scenario(3, alerts=hook_alerts(hook.url)).write(tmp_path / "ws")
    assert run_cli("run", root).exit_code == 0
    made = run_cli("alerts", "silence", root, "--card", "sage_customer_master_gap", "--for", "4h",
                                  "--reason", "sync fix deploying", "--by", "ana")
    assert made.exit_code == 0 and made.stdout.startswith("silence 1: sage_customer_master_gap until ")
    listed = json.loads(run_cli("alerts", "list", root, "--format", "json").stdout)
    assert [(s["id"], s["card"], s["entity"], s["reason"], s["created_by"]) for s in listed["silences"]] == [
        (1, "sage_customer_master_gap", None, "sync fix deploying", "ana")]
    assert [(a["dedup_key"], a["state"], a["count"], a["threshold"]) for a in listed["alerts"]] == [
        ("sage-test/sage_customer_master_gap/*/threshold", "firing", 3, 2)]
    assert [(n["receiver"], n["event"], n["state"], n["attempts"]) for n in listed["last_notifications"]] == [
        ("hook", "firing", "delivered", 1)]
    log = json.loads(run_cli("alerts", "log", root, "--format", "json").stdout)
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in log[0]["attempt_log"]] == [(1, "delivered", 200)]
    assert run_cli("alerts", "unsilence", root, "1").stdout == "silence 1 ended\n"
    again = run_cli("alerts", "unsilence", root, "1")
    assert again.exit_code == 5 and "no active silence 1" in again.stderr
    wrong = run_cli("alerts", "silence", root, "--card", "nope", "--for", "1h", "--reason", "x")
    assert wrong.exit_code == 5 and "has no card 'nope'" in wrong.stderr
    bad = run_cli("alerts", "silence", root, "--card", "sage_customer_master_gap", "--for", "soon",
                                 "--reason", "x")
    assert bad.exit_code == 2
    table = run_cli("alerts", "list", root)
    assert table.exit_code == 0 and "0 message(s) waiting" in table.stdout
    assert run_cli("alerts", "test", root, "--receiver", "hook").exit_code == 0
    assert hook.bodies()[-1]["event"] == "test"


def app_args(*args: Any) -> list[str]:
    out: list[str] = []
    for a in args:
        out += ["-w", str(a)] if isinstance(a, Path) else [a]
    return out


def run_cli(*args: Any) -> Any:
    from bridgewatch.cli import app

    return runner.invoke(app, app_args(*args))


def test_run_no_alerts_stores_without_delivering_and_send_catches_up(tmp_path: Path, hook: WebhookServer) -> None:
    root = scenario(3, alerts=hook_alerts(hook.url)).write(tmp_path / "ws")
    assert run_cli("run", root, "--no-alerts").exit_code == 0 and hook.requests == []
    sent = run_cli("alerts", "send", root)
    assert sent.stdout == "alerts: 1 queued, 1 delivered\n" and hook.bodies()[0]["event"] == "firing"


def test_a_failed_run_makes_the_monitor_blind_until_a_run_succeeds(tmp_path: Path, hook: WebhookServer) -> None:
    root = scenario(3, alerts=hook_alerts(hook.url)).write(tmp_path / "ws")
    assert run_cli("run", root).exit_code == 0
    (root / "data" / "orders.csv").write_text("not,a,valid,orders,file\n", encoding="utf-8")
    failed = run_cli("run", root)
    assert failed.exit_code == 5 and "alerts: 1 queued, 1 delivered" in failed.stderr
    blind = hook.bodies()[-1]
    assert (blind["status"], blind["event"], blind["count"], blind["previous_count"]) == ("unknown", "blind", 3, 3)
    assert blind["reason"].startswith(f"the latest run ({blind['run_id']}, ") and " failed: " in blind["reason"]
    scenario(3, alerts=hook_alerts(hook.url)).write(root)
    assert run_cli("run", root).exit_code == 0
    assert [(b["status"], b["event"]) for b in hook.bodies()] == [("firing", "firing"), ("unknown", "blind"),
                                                                 ("firing", "sees_again")]


def test_quiet_hours_hold_messages_until_they_end(tmp_path: Path, hook: WebhookServer) -> None:
    alerts = {"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": hook.url},
                             "quiet_hours": {"start": "18:30", "end": "20:00"}}]}
    root = scenario(3, alerts=alerts).write(tmp_path / "ws")
    _, report = monitor(root, now=NOW)  # 19:00 UTC: quiet
    assert [q.state for q in report.queued] == ["pending"] and hook.requests == []
    _, report = monitor(root, now=NOW + timedelta(minutes=61))
    assert report.queued == [] and [(b["event"], b["created_at"]) for b in hook.bodies()] == [
        ("firing", "2026-04-14T19:00:00Z")]


def test_for_runs_damps_a_first_breach_and_a_new_cause_renotifies(tmp_path: Path, hook: WebhookServer) -> None:
    root = scenario(3, alerts=hook_alerts(hook.url, for_runs=2)).write(tmp_path / "ws")
    _, report = monitor(root)
    assert [i.state for i in report.instances] == ["pending"] and hook.requests == []
    monitor(root, now=NOW + timedelta(hours=1))
    scenario(3, failed=1, alerts=hook_alerts(hook.url, for_runs=2)).write(root)
    monitor(root, now=NOW + timedelta(hours=2))
    got = [(b["event"], b["new_causes"], b["new_rejection_reasons"], b["summary"]) for b in hook.bodies()]
    assert got == [
        ("firing", [], [], "3 customer(s) with active orders have no ERP customer record, above the alert line of 2."),
        ("new_cause", ["create_failed"], ["Missing NAME"],
         "3 customer(s) with active orders have no ERP customer record, above the alert line of 2 (new cause: Sync "
         "failed (create rejected)).")]



def test_after_a_blind_spell_an_alert_still_above_its_line_is_never_called_at_or_below(
        tmp_path: Path, hook: WebhookServer) -> None:
    def cycle(absent: int, day: int, *, stale: bool = False) -> list[str]:
        """A run as of ``day`` (April 2026), on orders of that day, or of four days before when ``stale``."""
        before = len(hook.bodies())
        orders = (f"2026-04-{day - 4 if stale else day:02d}T10:00:00Z",)
        scenario(absent, alerts=hook_alerts(hook.url, for_runs=2), as_of=f"2026-04-{day:02d}T18:00:00Z",
                 orders=orders).write(tmp_path / "ws")
        _, report = monitor(tmp_path / "ws", now=NOW + timedelta(days=day - 14))
        return [i.state for i in report.instances] + [f"{b['event']}: {b['summary']}" for b in hook.bodies()[before:]]

    above = "3 customer(s) with active orders have no ERP customer record, above the alert line of 2"
    assert cycle(3, 14) == ["pending"]
    assert cycle(3, 15) == ["firing", f"firing: {above}."]
    assert cycle(3, 19, stale=True)[:1] == ["unknown"]
    # the stale run says nothing about the count: the streak of fresh runs above the line goes on
    assert cycle(3, 20) == ["firing", f"sees_again: The data is fresh again: {above}."]
    assert cycle(1, 21) == ["quiet", "resolved: Resolved: 1 customer(s) with active orders have no ERP customer "
                                     "record, at or below the alert line of 2 (was 3 at the last message)."]
    assert cycle(1, 25, stale=True)[:1] == ["unknown"]
    # quiet before the blind spell, above once after it: pending, and nothing is said until it settles
    assert cycle(3, 26) == ["pending"]
    assert cycle(3, 27) == ["firing", f"sees_again: The data is fresh again: {above}."]


def test_a_backfilled_older_run_never_changes_the_live_alert(tmp_path: Path, hook: WebhookServer) -> None:
    def run(absent: int, day: int, hour: int) -> list[tuple[str, int | None, str | None]]:
        scenario(absent, alerts=hook_alerts(hook.url), as_of=f"2026-04-{day:02d}T18:00:00Z",
                 orders=(f"2026-04-{day:02d}T10:00:00Z",)).write(tmp_path / "ws")
        [stored], report = monitor(tmp_path / "ws", now=NOW + timedelta(hours=hour))
        return [(i.state, i.count, i.stored.as_of.isoformat() if i.stored else None) for i in report.instances]

    live = [("firing", 3, "2026-04-14T18:00:00")]
    assert run(3, 14, 0) == live
    assert run(1, 10, 1) == live  # a backfill of 10 April, below the line: the alert stays firing
    assert run(9, 12, 2) == live  # a backfill above it: no rise is reported
    assert [(b["event"], b["count"], b["as_of"]) for b in hook.bodies()] == [("firing", 3, "2026-04-14T18:00:00Z")]
    assert run(1, 15, 3) == [("quiet", 1, "2026-04-15T18:00:00")]  # the next live run decides
    assert [b["event"] for b in hook.bodies()] == ["firing", "resolved"]


def test_a_backfilled_older_run_never_completes_a_for_runs_streak(tmp_path: Path, hook: WebhookServer) -> None:
    def run(absent: int, day: int, hour: int) -> list[str]:
        scenario(absent, alerts=hook_alerts(hook.url, for_runs=2), as_of=f"2026-04-{day:02d}T18:00:00Z",
                 orders=(f"2026-04-{day:02d}T10:00:00Z",)).write(tmp_path / "ws")
        _, report = monitor(tmp_path / "ws", now=NOW + timedelta(hours=hour))
        return [i.state for i in report.instances]

    assert run(1, 12, 0) == ["quiet"]
    assert run(3, 14, 1) == ["pending"]  # above once: not yet for two fresh runs
    assert run(3, 13, 2) == ["pending"]  # a backfill of 13 April above the line is history, not a second live run
    assert hook.requests == []
    assert run(3, 15, 3) == ["firing"]  # the next live run completes the streak
    assert [b["event"] for b in hook.bodies()] == ["firing"]


@pytest.mark.parametrize(("given", "reason"), [
    ("https://", "'https://' is not a web address (it has no host); write base_url = \"https://<host>\""),
    ("dash.example.test", "'dash.example.test' is not a web address (no http:// or https:// in front); write "
                          "base_url = \"https://dash.example.test\""),
])
def test_the_dashboard_address_must_be_one(given: str, reason: str) -> None:
    """``[alerts] base_url`` is checked as the connectors' addresses are (``https://`` alone passed before)."""
    with pytest.raises(ConfigError) as caught:
        parse_config(scenario(1).config | {"alerts": {"base_url": given}})
    assert reason in str(caught.value)
    assert parse_config(scenario(1).config | {"alerts": {"base_url": "https://dash.example.test/bw"}})
