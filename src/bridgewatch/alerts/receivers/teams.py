"""``kind = "teams"``: a Microsoft Teams channel through a Workflows webhook, with an Adaptive Card.

The workflow ("Post to a channel when a webhook request is received") takes a message activity whose
one attachment is the card (``application/vnd.microsoft.card.adaptive``, schema version 1.4, which
Teams renders). Its URL carries a signature, so it is a secret: ``url_env`` names the variable. Text
from strangers is escaped for the card's Markdown subset. Teams refuses a message over 28 KB: a digest
lists as many alerts as fit, an alert as many lines of its sections (causes, rejection reasons,
entities, then the top customers) as fit, each saying how many were left out.
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
"""Characters of a message's one-sentence summary shown (a digest's names every alert)."""
LEFT_OUT = {"Old FX rates": "old-rate line(s)", "Top causes": "cause(s)",
            "Rejection reasons": "rejection reason(s)", "Per entity": "entity line(s)",
            "Top customers": "customer(s)"}
"""What the lines of each section of ``render.SECTIONS`` are, for the note saying how many did not fit."""
_MARKDOWN = re.compile(r"([\\`*_\[\]()#|>~<])")
"""Characters that start Markdown emphasis, code, links, headings, quotes or tables in a TextBlock."""


class TeamsSettings(SecretUrlSettings):
    """``url_env``: the variable holding the workflow's webhook URL."""

    url_name = "Teams workflow URL"


def md(text: str) -> str:
    """Text shown literally in an Adaptive Card TextBlock (Markdown characters escaped)."""
    return _MARKDOWN.sub(r"\\\1", plain(text))


def _colour(msg: dict[str, Any]) -> str:
    """The title's colour by status; a ``closed`` alert (its card no longer run) is no all-clear: not green."""
    return "Default" if msg.get("event") == "closed" else COLOURS.get(msg["status"], "Default")


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": md(text), "wrap": True, **style}


def card(msg: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card of a message (alert or digest), at most ``MAX_BYTES`` as sent."""
    body: list[dict[str, Any]] = [
        _text(render.title(msg), size="Medium", weight="Bolder", color=_colour(msg)),
        _text(_cut(msg["summary"], SUMMARY_MAX))]
    content: dict[str, Any] = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": CARD_VERSION,
                               "body": body, "msteams": {"width": "Full"}}
    if msg.get("url"):
        content["actions"] = [{"type": "Action.OpenUrl", "title": "Open the card", "url": msg["url"]}]
    if msg["kind"] == "digest":
        entries = [_text(f"{render.title(e)}: {e['summary']}", separator=True) for e in msg["entries"]]
        body += _fit(entries, MAX_BYTES - size(payload(content)), "alert(s)", separator=True)
        return content
    body.append({"type": "FactSet", "facts": [{"title": md(k), "value": md(v)} for k, v in render.facts(msg)]})
    sections = [(heading, found) for heading, lines in render.SECTIONS if (found := lines(msg))]
    headings = [_text(heading, weight="Bolder", separator=True) for heading, _ in sections]
    footer = _text(render.footer(msg)[-1], size="Small", isSubtle=True, separator=True)
    content["body"] = [*body, *headings, footer]
    room = MAX_BYTES - size(payload(content))
    for (heading, found), block in zip(sections, headings, strict=True):
        kept = _fit([_text(f"• {line}", spacing="None") for line in found], room, LEFT_OUT.get(heading, "line(s)"),
                    spacing="None")
        room -= sum(size(b) + 1 for b in kept)
        body += [block, *kept]
    content["body"] = [*body, footer]
    return content


def _fit(blocks: list[dict[str, Any]], room: int, what: str, **style: Any) -> list[dict[str, Any]]:
    """As many of ``blocks`` as fit in ``room`` bytes (each with its comma), then how many ``what`` were left out."""
    def left_out(n: int) -> dict[str, Any]:
        return _text(f"… and {n} more {what} not listed: a Teams message holds 28 KB.", **style)

    room -= size(left_out(len(blocks))) + 1
    for n, block in enumerate(blocks):
        room -= size(block) + 1
        if room < 0:
            return [*blocks[:n], left_out(len(blocks) - n)]
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
