"""``kind = "teams"``: a Microsoft Teams channel through a Workflows webhook, with an Adaptive Card.

The workflow ("Post to a channel when a webhook request is received") takes a message activity whose
one attachment is the card (``application/vnd.microsoft.card.adaptive``, schema version 1.4, which
Teams renders). Its URL carries a signature, so it is a secret: ``url_env`` names the variable. Text
from strangers is escaped for the card's Markdown subset. Teams refuses a message over 28 KB: a digest
lists as many alerts as fit and says how many were left out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bridgewatch.alerts import render
from bridgewatch.alerts.receivers.base import HttpReceiver, SecretUrlSettings
from bridgewatch.report.safe import plain

CARD_VERSION = "1.4"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
COLOURS = {"firing": "Attention", "unknown": "Warning", "resolved": "Good"}
MAX_BYTES = 28 * 1024
"""The largest message a Teams webhook accepts (the whole JSON body)."""
SUMMARY_MAX = 1000
"""Characters of a digest's one-sentence summary shown (it names every alert)."""
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
    digest = msg["kind"] == "digest"
    body: list[dict[str, Any]] = [
        _text(render.title(msg), size="Medium", weight="Bolder", color=COLOURS.get(msg["status"], "Default")),
        _text(_cut(msg["summary"], SUMMARY_MAX) if digest else msg["summary"])]
    if not digest:
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
    if digest:
        body += _entries(msg["entries"], MAX_BYTES - size(payload(content)))
    return content


def _entries(entries: list[dict[str, Any]], room: int) -> list[dict[str, Any]]:
    """A digest's entries, as many as fit in ``room`` bytes, then how many were left out."""
    blocks = [_text(f"{render.title(e)}: {e['summary']}", separator=True) for e in entries]
    note = _text(f"… and {len(blocks)} more alert(s) not listed: a Teams message holds 28 KB.", separator=True)
    room -= size(note) + 1
    for n, block in enumerate(blocks):
        room -= size(block) + 1
        if room < 0:
            left = _text(f"… and {len(blocks) - n} more alert(s) not listed: a Teams message holds 28 KB.",
                         separator=True)
            return [*blocks[:n], left]
    return blocks


def size(value: Any) -> int:
    """Bytes of ``value`` as the receiver sends it (compact UTF-8 JSON)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def payload(content: dict[str, Any]) -> dict[str, Any]:
    """The message activity carrying one Adaptive Card."""
    return {"type": "message", "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": content}]}


class TeamsReceiver(HttpReceiver):
    kind = "teams"
    settings_model = TeamsSettings

    def url(self) -> str:
        return self.secret("url_env")

    def payload(self, message: dict[str, Any]) -> dict[str, Any]:
        return payload(card(message))
