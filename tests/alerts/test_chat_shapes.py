"""Slack (Block Kit) and Teams (Workflows webhook, Adaptive Card) bodies, as delivered to real local servers,
validated against shapes written from the vendors' docs (tests/alerts/shapes/), with hostile names made inert."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bridgewatch.alerts.receivers.slack import escape

from .helpers import NOW, monitor, scenario
from .servers import WebhookServer

SHAPES = Path(__file__).parent / "shapes"
HOSTILE = "<!channel> *Acme* [click](http://evil.example) & <@U123> \x1b[31m=HYPERLINK(\"x\") # _x_"


def shape(name: str) -> dict[str, Any]:
    return json.loads((SHAPES / name).read_text(encoding="utf-8"))


def chat_workspace(tmp_path: Path, slack: WebhookServer, teams: WebhookServer, monkeypatch: pytest.MonkeyPatch,
                   **receiver: Any) -> Path:
    monkeypatch.setenv("BW_SLACK_URL", f"{slack.url}/services/T1/B1/secret")
    monkeypatch.setenv("BW_TEAMS_URL", f"{teams.url}/workflows/run?sig=secret")
    s = scenario(7, failed=2, alerts={
        "base_url": "https://bridgewatch.example.test/",
        "receivers": [{"name": "slack", "kind": "slack", "settings": {"url_env": "BW_SLACK_URL"}, **receiver},
                      {"name": "teams", "kind": "teams", "settings": {"url_env": "BW_TEAMS_URL"}, **receiver}]})
    s.rows["companies"][0]["name"] = HOSTILE
    s.rows["companies"][1]["name"] = "Long " * 1000
    return s.write(tmp_path / "ws")


@pytest.fixture
def chats() -> Any:
    with WebhookServer() as slack, WebhookServer() as teams:
        yield slack, teams


def run(root: Path, **options: Any) -> None:
    import os

    monitor(root, environ=dict(os.environ), **options)


def test_slack_and_teams_bodies_match_the_documented_shapes(tmp_path: Path, chats: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    slack, teams = chats
    run(chat_workspace(tmp_path, slack, teams, monkeypatch))
    [slack_body], [teams_body] = slack.bodies(), teams.bodies()
    jsonschema.validate(slack_body, shape("slack_incoming_webhook.schema.json"))
    jsonschema.validate(teams_body, shape("teams_workflow_adaptive_card.schema.json"))
    assert len(teams.requests[0].raw) <= 28 * 1024
    assert slack.requests[0].path == "/services/T1/B1/secret" and teams.requests[0].path == "/workflows/run?sig=secret"

    blocks = slack_body["blocks"]
    assert blocks[0] == {"type": "header", "text": {
        "type": "plain_text", "text": "[FIRING] UK Trade · Ecom Customers Absent from Sage Customer Master: 7 "
                                      "(alert line 2)", "emoji": False}}
    assert blocks[-2] == {"type": "actions", "elements": [{
        "type": "button", "text": {"type": "plain_text", "text": "Open the card", "emoji": False},
        "url": "https://bridgewatch.example.test/w/sage-test/cards/sage_customer_master_gap",
        "action_id": "open_card"}]}
    card = teams_body["attachments"][0]["content"]
    assert card["body"][0] == {"type": "TextBlock", "wrap": True, "size": "Medium", "weight": "Bolder",
                               "color": "Attention", "text": "\\[FIRING\\] UK Trade · Ecom Customers Absent from Sage "
                                                            "Customer Master: 7 \\(alert line 2\\)"}
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open the card",
                                "url": "https://bridgewatch.example.test/w/sage-test/cards/"
                                       "sage_customer_master_gap"}]


def test_names_from_strangers_are_inert_in_slack_and_teams(tmp_path: Path, chats: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    slack, teams = chats
    run(chat_workspace(tmp_path, slack, teams, monkeypatch))
    slack_text = json.dumps(slack.bodies()[0]["blocks"])
    assert "<!channel>" not in slack_text and "<@U123>" not in slack_text and "\\u001b" not in slack_text
    assert "&lt;!channel&gt; *Acme* [click](http://evil.example) &amp; &lt;@U123&gt;" in slack_text
    top = next(b for b in slack.bodies()[0]["blocks"] if b.get("text", {}).get("text", "").startswith("Top customers"))
    assert top["text"]["verbatim"] is True and len(top["text"]["text"]) <= 3000
    teams_text = json.dumps(teams.bodies()[0])
    assert "[click](http://evil.example)" not in teams_text and "\\u001b" not in teams_text
    assert r"\\[click\\]\\(http://evil.example\\)" in teams_text
    assert escape("<!here> & co\x1b[1m") == "&lt;!here&gt; &amp; co"  # the notification fallback `text` too


def test_daily_digests_have_the_same_shapes(tmp_path: Path, chats: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    slack, teams = chats
    root = chat_workspace(tmp_path, slack, teams, monkeypatch, digest="daily", timezone="Europe/London")
    run(root)
    assert slack.requests == [] and teams.requests == []  # held for the digest (08:00 London)
    run(root, now=NOW + timedelta(hours=12))  # 07:00 UTC = 08:00 BST
    [slack_body], [teams_body] = slack.bodies(), teams.bodies()
    jsonschema.validate(slack_body, shape("slack_incoming_webhook.schema.json"))
    jsonschema.validate(teams_body, shape("teams_workflow_adaptive_card.schema.json"))
    assert slack_body["blocks"][0]["text"]["text"] == "[DIGEST] UK Trade: 1 alert(s) changed"
    assert slack_body["blocks"][1]["text"]["text"] == (
        "1 alert(s) changed since the last digest: Ecom Customers Absent from Sage Customer Master firing.")


def test_a_teams_digest_too_big_for_one_message_lists_fewer_entries_and_says_how_many_were_left_out() -> None:
    from bridgewatch.alerts.receivers.teams import MAX_BYTES, TeamsReceiver

    def entry(n: int) -> dict[str, Any]:
        return {"kind": "alert", "event": "firing", "status": "firing", "workspace_name": "UK Trade",
                "card_title": f"Card {n:03d}", "entity": None, "card_count": 12, "threshold": 10,
                "summary": "12 customer(s) with active orders have no ERP customer record, above the alert line of 10. "
                           + "x" * 300}

    def digest(entries: int) -> dict[str, Any]:
        return {"kind": "digest", "event": "digest", "status": "firing", "workspace_name": "UK Trade",
                "summary": "many alerts changed " * 200, "entries": [entry(n) for n in range(entries)]}

    def texts(entries: int) -> tuple[int, list[str]]:
        payload = TeamsReceiver.payload(None, digest(entries))  # type: ignore[arg-type]
        size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
        return size, [b["text"] for b in payload["attachments"][0]["content"]["body"]]

    size, body = texts(3)
    assert size < MAX_BYTES and len(body) == 5 and body[-1].startswith("\\[FIRING\\] UK Trade · Card 002: 12")
    assert len(body[1]) == 1000 and body[1].endswith("…")  # the digest's own summary is cut to 1000 characters
    size, body = texts(200)
    listed = len(body) - 3
    assert MAX_BYTES - 500 < size <= MAX_BYTES and 40 < listed < 200
    assert body[-2].startswith(f"\\[FIRING\\] UK Trade · Card {listed - 1:03d}: 12")
    assert body[-1] == f"… and {200 - listed} more alert\\(s\\) not listed: a Teams message holds 28 KB."
    assert listed == 52  # (28 KB - the card's head and summary - this note) / one entry's 514 bytes (with its comma)


def test_a_teams_alert_with_a_long_top_list_keeps_under_28_kb_and_says_how_many_rows_were_left_out(
        tmp_path: Path, chats: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bridgewatch.alerts.receivers.teams import MAX_BYTES

    _, teams = chats
    monkeypatch.setenv("BW_TEAMS_URL", f"{teams.url}/workflows/run?sig=secret")
    s = scenario(50, alerts={"top": 50, "receivers": [{"name": "teams", "kind": "teams",
                                                       "settings": {"url_env": "BW_TEAMS_URL"}}]})
    for n, row in enumerate(s.rows["companies"][:50]):
        row["name"] = f"{n:02d} " + "*[Ü](x)_\\ " * 60  # every character escaped for Markdown, then for JSON
    run(s.write(tmp_path / "ws"))
    [request] = teams.requests
    texts = [b.get("text") for b in teams.bodies()[0]["attachments"][0]["content"]["body"]]
    rows = texts[texts.index("Top customers") + 1:-2]
    row = len(json.dumps(teams.bodies()[0]["attachments"][0]["content"]["body"][-4], ensure_ascii=False,
                         separators=(",", ":")).encode()) + 1
    assert MAX_BYTES - row < len(request.raw) <= MAX_BYTES  # one more row would not fit; all 50 made 43,494 bytes
    assert [r[:10] for r in rows[:2]] == ["• 1. 00 \\*", "• 2. 01 \\*"] and len(rows) == 32
    assert rows[-1].startswith("• 32. 31 \\*")
    assert texts[-2] == "… and 18 more customer\\(s\\) not listed: a Teams message holds 28 KB."
    assert texts[-1].startswith("Run ")  # the footer is kept
    jsonschema.validate(teams.bodies()[0], shape("teams_workflow_adaptive_card.schema.json"))
