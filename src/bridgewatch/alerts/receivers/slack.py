"""``kind = "slack"``: a Slack incoming webhook, with the message laid out in Block Kit.

The webhook URL is a secret (it carries the token): ``url_env`` names the variable holding it. Text
from strangers is escaped for Slack's mrkdwn (``&``, ``<``, ``>``) and marked ``verbatim`` so nothing
in it becomes a link or a mention; every text respects Block Kit's limits (header 150 characters,
section 3000, field 2000, ten fields, fifty blocks).
"""

from __future__ import annotations

from typing import Any

from bridgewatch.alerts import render
from bridgewatch.alerts.receivers.base import HttpReceiver, SecretUrlSettings
from bridgewatch.report.safe import plain

HEADER_MAX, SECTION_MAX, FIELD_MAX, FIELDS_MAX, BLOCKS_MAX, BUTTON_MAX = 150, 3000, 2000, 10, 50, 75


class SlackSettings(SecretUrlSettings):
    """``url_env``: the variable holding the incoming-webhook URL (https://hooks.slack.com/services/…)."""

    url_name = "Slack webhook URL"


def escape(text: str) -> str:
    """Text for Slack's mrkdwn: control characters removed, the three control characters escaped."""
    return plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(escape(text), limit), "verbatim": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(plain(text), limit), "emoji": False}


def blocks(msg: dict[str, Any]) -> list[dict[str, Any]]:
    """The Block Kit blocks for a message (alert or digest)."""
    out: list[dict[str, Any]] = [{"type": "header", "text": _plain(render.title(msg), HEADER_MAX)},
                                 {"type": "section", "text": mrkdwn(msg["summary"])}]
    if msg["kind"] == "digest":
        for entry in msg["entries"][: BLOCKS_MAX - 3]:
            out.append({"type": "section", "text": mrkdwn(f"{render.title(entry)}\n{entry['summary']}")})
        return out + [_context(f"{len(msg['entries'])} alert(s) · message {msg['idempotency_key']}")]
    facts = [mrkdwn(f"{label}\n{value}", FIELD_MAX) for label, value in render.facts(msg)]
    out.append({"type": "section", "fields": facts[:FIELDS_MAX]})
    for heading, lines in render.SECTIONS:
        found = lines(msg)
        if found:
            out.append({"type": "section", "text": mrkdwn(heading + ":\n" + "\n".join(f"• {x}" for x in found))})
    if msg.get("url"):
        out.append({"type": "actions", "elements": [{"type": "button", "text": _plain("Open the card", BUTTON_MAX),
                                                     "url": msg["url"], "action_id": "open_card"}]})
    out.append(_context(render.footer(msg)[-1]))
    return out[:BLOCKS_MAX]


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text)]}


class SlackReceiver(HttpReceiver):
    kind = "slack"
    settings_model = SlackSettings

    def url(self) -> str:
        return self.secret("url_env")

    def payload(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"text": _cut(escape(f"{render.title(message)}: {message['summary']}"), SECTION_MAX),
                "blocks": blocks(message)}
