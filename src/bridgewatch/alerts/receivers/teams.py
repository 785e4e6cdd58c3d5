"""``kind = "teams"``: a Microsoft Teams channel through a Workflows webhook, with an Adaptive Card.

The workflow ("Post to a channel when a webhook request is received") takes a message activity whose
one attachment is the card (``application/vnd.microsoft.card.adaptive``, schema version 1.4, which
Teams renders). Its URL carries a signature, so it is a secret: ``url_env`` names the variable. Text
from strangers is escaped for the card's Markdown subset.
"""

from __future__ import annotations

import re
from typing import Any

from bridgewatch.alerts import render
from bridgewatch.alerts.receivers.base import HttpReceiver, SecretUrlSettings
from bridgewatch.report.safe import plain

CARD_VERSION = "1.4"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
COLOURS = {"firing": "Attention", "unknown": "Warning", "resolved": "Good"}
_MARKDOWN = re.compile(r"([\\`*_\[\]()#|>~<])")
"""Characters that start Markdown emphasis, code, links, headings, quotes or tables in a TextBlock."""


class TeamsSettings(SecretUrlSettings):
    """``url_env``: the variable holding the workflow's webhook URL."""

    url_name = "Teams workflow URL"


def md(text: str) -> str:
    """Text shown literally in an Adaptive Card TextBlock (Markdown characters escaped)."""
    return _MARKDOWN.sub(r"\\\1", plain(text))


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": md(text), "wrap": True, **style}


def card(msg: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card of a message (alert or digest)."""
    body: list[dict[str, Any]] = [
        _text(render.title(msg), size="Medium", weight="Bolder", color=COLOURS.get(msg["status"], "Default")),
        _text(msg["summary"])]
    if msg["kind"] == "digest":
        body += [_text(f"{render.title(e)}: {e['summary']}", separator=True) for e in msg["entries"]]
    else:
        body.append({"type": "FactSet", "facts": [{"title": md(k), "value": md(v)} for k, v in render.facts(msg)]})
        for heading, lines in render.SECTIONS:
            found = lines(msg)
            if found:
                body.append(_text(heading, weight="Bolder", separator=True))
                body += [_text(f"• {line}", spacing="None") for line in found]
        body.append(_text(render.footer(msg)[-1], size="Small", isSubtle=True, separator=True))
    content: dict[str, Any] = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": CARD_VERSION,
                               "body": body, "msteams": {"width": "Full"}}
    if msg.get("url"):
        content["actions"] = [{"type": "Action.OpenUrl", "title": "Open the card", "url": msg["url"]}]
    return content


class TeamsReceiver(HttpReceiver):
    kind = "teams"
    settings_model = TeamsSettings

    def url(self) -> str:
        return self.secret("url_env")

    def payload(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"type": "message",
                "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": card(message)}]}
