"""A message in words: the title, plain text and HTML (email), and the lines the chat renderers share.

Names and rejection reasons come from strangers (storefront sign-ups, ERP error texts): plain text is
cleaned of control characters and escape sequences, HTML is escaped; chat renderers escape for their
own markup.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bridgewatch.alerts.message import STATUS_WORDS
from bridgewatch.report.safe import plain
from bridgewatch.report.words import cause_label, money, old_rate_words, vat_words

LINE_MAX = 300
"""Longest value shown in one line of a message (names, reasons); the full value is in the JSON."""


def title(msg: dict[str, Any]) -> str:
    """``[FIRING] UK B2B merchant · Sage customer master gap: 14 (alert line 10)``."""
    special = {"test": "TEST", "closed": "CLOSED"}
    status = special.get(msg["event"]) or STATUS_WORDS.get(msg["status"], msg["status"].upper())
    if msg["kind"] == "digest":
        return plain(f"[DIGEST] {msg['workspace_name']}: {len(msg['entries'])} alert(s) changed", LINE_MAX)
    where = f"{msg['workspace_name']} · {msg['card_title']}" + (f" · {msg['entity']}" if msg["entity"] else "")
    count = "?" if msg["card_count"] is None else str(msg["card_count"])
    return plain(f"[{status}] {where}: {count} (alert line {msg['threshold']})", LINE_MAX)


def value(msg: dict[str, Any], amount: str | None) -> str:
    """An amount of the message in its reporting currency, in the workspace's locale."""
    return money(amount, msg.get("reporting_currency"), msg.get("locale") or "en_GB")


def facts(msg: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline numbers as (label, value) pairs."""
    out = [("Status", f"{msg['status']} ({msg['event_text']})"),
           ("Count", "?" if msg["count"] is None else str(msg["count"]))]
    if msg["previous_count"] is not None:
        change = f" ({msg['delta']:+d})" if msg["delta"] is not None else ""
        out.append(("At the last message", f"{msg['previous_count']}{change}"))
    out += [("Alert line", f"more than {msg['threshold']}"), ("Active orders", str(msg["active_orders"])),
            ("Blocked value", value(msg, msg["blocked_value_reporting"])), ("As of", msg["as_of"] or "—"),
            ("Data", _freshness(msg)), ("Role", f"{msg['role']}: {msg['role_owns']}")]
    return out


def _freshness(msg: dict[str, Any]) -> str:
    f = msg.get("freshness")
    if not f:
        return "no stored result"
    return (f"{f['status']} (newest order {f['newest_order_at'] or '—'}, newest sync event "
            f"{f['newest_sync_event_at'] or '—'})")


def old_rate_lines(msg: dict[str, Any]) -> list[str]:
    """The card's counted orders converted at an old FX rate (every role: each is told the blocked value)."""
    return [plain(f"OLD FX RATE: {old_rate_words(w)}") for w in msg.get("fx_warnings") or ()]


def cause_lines(msg: dict[str, Any]) -> list[str]:
    return [plain(f"{c.get('label') or c['cause']}: {c['customers']} customer(s), {c['active_orders']} active "
                  f"order(s), {value(msg, c['blocked_value_reporting'])}", LINE_MAX) for c in msg["causes"]]


def reason_lines(msg: dict[str, Any]) -> list[str]:
    return [plain(f"{r['template']} — {r['customers']} customer(s), {r['active_orders']} active order(s), "
                  f"{value(msg, r['blocked_value_reporting'])}", LINE_MAX) for r in msg["rejection_reasons"]]


def entity_lines(msg: dict[str, Any]) -> list[str]:
    return [plain(f"{e['entity']}: {e['customers']} customer(s), {value(msg, e['blocked_value_reporting'])}",
                  LINE_MAX) for e in msg["entities"]]


def top_lines(msg: dict[str, Any]) -> list[str]:
    out = []
    for r in msg["top"]:
        who = r.get("company_id") or r.get("customer_id")
        out.append(plain(f"{r['rank']}. {r.get('name') or who} ({who}, {r['platform']}) — "
                         f"{cause_label(msg['card'], r['cause'])} — {r['active_orders']} order(s), "
                         f"{value(msg, r.get('blocked_value_reporting'))}, VAT {vat_words(r.get('vat_treatment'))}, "
                         f"entity {r.get('expected_entity') or 'ambiguous'} — {r.get('next_action')}", LINE_MAX))
    return out


SECTIONS = (("Old FX rates", old_rate_lines), ("Top causes", cause_lines),
            ("Rejection reasons", reason_lines), ("Per entity", entity_lines),
            ("Top customers", top_lines))


def text(msg: dict[str, Any]) -> str:
    """The plain-text body (email)."""
    if msg["kind"] == "digest":
        return "\n\n".join([plain(msg["summary"])] + [text(e) for e in msg["entries"]]) + "\n"
    lines = [title(msg), "", plain(msg["summary"]), ""]
    lines += [f"{label}: {plain(v)}" for label, v in facts(msg)]
    for heading, render in SECTIONS:
        found = render(msg)
        if found:
            lines += ["", heading + ":", *(f"  {line}" for line in found)]
    lines += ["", *footer(msg)]
    return "\n".join(lines) + "\n"


def footer(msg: dict[str, Any]) -> list[str]:
    out = [f"Dashboard: {msg['url']}"] if msg.get("url") else []
    return out + [f"Run {msg['run_id'] or '—'} · dedup key {msg['dedup_key']} · message {msg['idempotency_key']}"]


def html(msg: dict[str, Any]) -> str:
    """The HTML body (email): the same content, every value escaped."""
    if msg["kind"] == "digest":
        return "".join([f"<p>{escape(plain(msg['summary']))}</p>"] + [html(e) + "<hr>" for e in msg["entries"]])
    rows = "".join(f"<tr><th align=\"left\">{escape(k)}</th><td>{escape(plain(v))}</td></tr>" for k, v in facts(msg))
    parts = [f"<h2>{escape(title(msg))}</h2>", f"<p>{escape(plain(msg['summary']))}</p>", f"<table>{rows}</table>"]
    for heading, render in SECTIONS:
        found = render(msg)
        if found:
            items = "".join(f"<li>{escape(line)}</li>" for line in found)
            parts.append(f"<h3>{escape(heading)}</h3><ul>{items}</ul>")
    if msg.get("url"):
        parts.append(f"<p><a href=\"{escape(msg['url'], quote=True)}\">Open the card on the dashboard</a></p>")
    parts.append(f"<p><small>{escape(footer(msg)[-1])}</small></p>")
    return "<!DOCTYPE html><html><body>" + "".join(parts) + "</body></html>"
