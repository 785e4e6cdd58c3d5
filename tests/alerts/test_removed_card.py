"""A card taken out of the workspace's cards (workspace.toml) closes its alert: each receiver told it was firing (or
blind) gets one last message saying why, and is never left believing it still fires."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.alerts import render
from bridgewatch.alerts.receivers import teams
from bridgewatch.cli import app

from .helpers import NOW, monitor, scenario
from .servers import WebhookServer
from .test_cli_and_config import hook_alerts

BOTH = ["sage_customer_master_gap", "d365_customer_master_gap"]


def _write(root: Path, url: str, cards: list[str], **more: object) -> Path:
    s = scenario(3, alerts=hook_alerts(url, **more))
    s.config["workspace"]["cards"] = cards
    return s.write(root)


def test_a_removed_card_closes_its_alert_saying_why(tmp_path: Path, hook: WebhookServer) -> None:
    root = _write(tmp_path / "ws", hook.url, BOTH)
    _, report = monitor(root)
    assert [(i.card, i.state, i.count) for i in report.instances] == [
        ("sage_customer_master_gap", "firing", 3), ("d365_customer_master_gap", "firing", 3)]
    _write(root, hook.url, BOTH[:1])  # the D365 card is no longer run
    _, report = monitor(root, now=NOW + timedelta(hours=1))
    assert [(i.card, i.state) for i in report.instances] == [
        ("sage_customer_master_gap", "firing"), ("d365_customer_master_gap", "removed")]
    closed = hook.bodies()[-1]
    assert (closed["card"], closed["status"], closed["event"], closed["count"], closed["previous_count"]) == (
        "d365_customer_master_gap", "resolved", "closed", 3, 3)
    assert closed["summary"] == (
        "Closed: card d365_customer_master_gap is no longer run by workspace 'sage-test' (it was taken out of "
        "[workspace] cards); this alert is not evaluated any more. This is not an all-clear (the last message "
        "counted 3 customer(s) with active orders without an ERP customer record).")
    assert teams.card(closed)["body"][0]["color"] == "Default"  # not the green of an all-clear
    assert render.title(closed) == (
        "[CLOSED] UK Trade · Ecom Customers Absent from D365 Customer Master: 3 (alert line 2)")
    monitor(root, now=NOW + timedelta(days=2))  # nothing more about it, not even the repeat reminder
    assert [(b["card"], b["event"]) for b in hook.bodies()] == [
        ("sage_customer_master_gap", "firing"), ("d365_customer_master_gap", "firing"),
        ("d365_customer_master_gap", "closed"), ("sage_customer_master_gap", "repeat")]
    listed = json.loads(CliRunner().invoke(app, ["alerts", "list", "-w", str(root), "--format", "json"]).stdout)
    assert [(a["card"], a["state"]) for a in listed["alerts"]] == [
        ("d365_customer_master_gap", "removed"), ("sage_customer_master_gap", "firing")]


def test_a_removed_card_never_fired_says_nothing(tmp_path: Path, hook: WebhookServer) -> None:
    root = _write(tmp_path / "ws", hook.url, BOTH, for_runs=2)  # pending: nothing told
    monitor(root)
    _write(root, hook.url, BOTH[:1], for_runs=2)
    _, report = monitor(root, now=NOW + timedelta(hours=1))
    assert [(i.card, i.state) for i in report.instances] == [("sage_customer_master_gap", "firing")]
    assert [(b["card"], b["event"]) for b in hook.bodies()] == [("sage_customer_master_gap", "firing")]


def test_an_entity_taken_out_of_the_workspace_closes_its_alert_instead_of_resolving_it(
        tmp_path: Path, hook: WebhookServer) -> None:
    def write(entity: str) -> Path:
        s = scenario(3, alerts=hook_alerts(hook.url, routes=[{"match": {"entity": [entity]}, "receivers": ["hook"]}]))
        s.config["legal_entities"][0]["id"] = entity
        return s.write(tmp_path / "ws")

    root = write("UK01")
    monitor(root)
    root = write("GB01")  # the entity is renamed: its customers are now counted under GB01
    _, report = monitor(root, now=NOW + timedelta(hours=1))
    assert [(i.entity, i.state, i.count) for i in report.instances] == [
        (None, "firing", 3), ("GB01", "firing", 3), ("UK01", "removed", 0)]
    assert [(b["entity"], b["status"], b["event"]) for b in hook.bodies()] == [
        ("UK01", "firing", "firing"), ("GB01", "firing", "firing"), ("UK01", "resolved", "closed")]
    assert hook.bodies()[-1]["summary"].startswith(
        "Closed: entity UK01 is no longer a legal entity of workspace 'sage-test' (it was taken out of "
        "[[legal_entities]]); this alert is not evaluated any more. This is not an all-clear (the last message "
        "counted 3 customer(s)")
