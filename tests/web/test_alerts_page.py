"""The Alerts page reads alert routing through the alerts package: states, messages with delivery, silences."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.alerts.deliver import utcnow
from bridgewatch.alerts.notify import notify
from bridgewatch.alerts.silences import add_silence
from bridgewatch.cli import app as cli
from bridgewatch.config import load_config
from bridgewatch.history import Store, store_url
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces

from .conftest import D365, D365_CARD, FAST_HASHER, SCRIPT_NAME, Demo
from .pagetext import table, text

RECEIVER = """
[alerts]

[[alerts.receivers]]
name = "finance-hook"
kind = "webhook"

[alerts.receivers.settings]
url = "http://127.0.0.1:9/bridgewatch"
"""


def test_the_alerts_page_lists_states_messages_and_silences(demo: Demo, tmp_path: Path) -> None:
    folder = tmp_path / D365
    shutil.copytree(demo.folders[D365], folder, ignore=shutil.ignore_patterns(".bridgewatch"))
    (folder / "workspace.toml").write_text((folder / "workspace.toml").read_text() + RECEIVER)
    result = CliRunner().invoke(cli, ["run", "-w", str(folder), "--no-alerts", "-f", "json"])
    assert result.exit_code == 0, result.output
    config = load_config(folder)
    with Store(store_url(config)) as store:
        notify(store, config, environ={}, send=False)
        add_silence(store, D365, D365_CARD, duration=timedelta(hours=4), reason=f"month-end {SCRIPT_NAME}",
                    created_by="ana@example.com", now=utcnow())
    settings = WebSettings(served_workspaces([folder], environ={}), f"sqlite:///{tmp_path / 'u.sqlite'}",
                           allow_anonymous=True)
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        html = client.get(f"/w/{D365}/alerts").text
    states = table(html, "Each alert, card-wide and per entity, as alert routing last evaluated it")
    assert [r[:3] + r[4:6] for r in states[1:]] == [["Absent from Dynamics 365", "card-wide", "Firing", "17", "10"]]
    messages = table(html, "The newest messages, with their delivery")
    assert [(r[1], r[3], r[4], r[5]) for r in messages[1:]] == [("finance-hook", "firing (firing)", "17", "pending")]
    silences = table(html, "Silences in force")
    assert silences[1][1:2] + silences[1][4:] == ["every entity", f"month-end {SCRIPT_NAME}", "ana@example.com"]
    assert "&lt;script&gt;" in html and SCRIPT_NAME not in html
    assert "Alerts are not configured" not in text(html)
