"""Numbers, money, dates and words as the dashboard shows them, in the workspace's locale (Babel).

Templates call these as filters; the locale comes from the page (the workspace's, e.g. ``en_GB``).
Times are stored in UTC and shown in UTC, saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_decimal

from bridgewatch.cards import CARDS
from bridgewatch.model.money import from_stored
from bridgewatch.report.result import parse_iso
from bridgewatch.report.words import ALERT_WORDS, DEFAULT_LOCALE, cause_label, money, segment_words, vat_words

CONSEQUENCES = {(card.id, c.id): c.consequence for card in CARDS.values() for c in card.causes}
"""Per (card, cause): the consequence on the next invoice batch of a customer absent for it (the seed drill's
last column; the cards word some causes differently)."""
DEFAULT_CONSEQUENCE = "No customer record in the expected entity: the next invoice cannot be coded or posted."
ALERT_SHORT = {"firing": "Firing", "quiet": "Quiet", "unknown": "Unknown", "pending": "Pending"}
FRESHNESS_WORDS = {"fresh": "Fresh", "stale": "Stale", "no_data": "No data"}
FIELD_WORDS = {
    "key_type": "Key", "key_value": "Normalised value", "key_source": "Came from", "n_sources": "Sources",
    "customer_account": "ERP account", "legal_entity": "Entity", "erp_name": "Name in ERP", "source_file": "File",
    "source_row": "Row", "ship_to_country": "Ship-to", "occurred_at": "When", "rejection_reason": "Rejection reason",
    "fx_rate": "FX rate", "fx_rate_date": "Rate dated", "value_reporting": "In reporting currency",
}


def consequence(cause: str, card: str) -> str:
    return CONSEQUENCES.get((card, cause)) or DEFAULT_CONSEQUENCE


def cause_words(card: str, cause: str | None) -> str:
    return cause_label(card, cause) if cause else ""


def card_name(card: str) -> str:
    """A card's short name for navigation, e.g. ``Absent from Sage Intacct``."""
    found = CARDS.get(card)
    return f"Absent from {found.erp_label}" if found else card


def number(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """An integer or decimal with the locale's grouping (``12,345``; ``12.345`` in de_DE)."""
    if value is None or value == "":
        return "—"
    return str(format_decimal(Decimal(str(value)), locale=locale))


def stored_money(value: int | None, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """An amount as the run store keeps it (ten-thousandths, ``blocked_e4``) as money, with the currency's own
    decimals (KWD 30.716, JPY 1,498)."""
    return money(None if value is None else from_stored(value), currency, locale)


def when(value: datetime | str | None, locale: str = DEFAULT_LOCALE) -> str:
    """A UTC timestamp (datetime or ISO text) as the locale writes it, e.g. ``13 Apr 2026, 00:00:00 UTC``."""
    ts = parse_iso(value) if isinstance(value, str) else value
    if ts is None:
        return "—"
    return f"{format_datetime(ts, 'medium', locale=locale)} UTC"


def evidence_value(name: str, value: Any, row: Mapping[str, Any], locale: str = DEFAULT_LOCALE) -> str:
    """One evidence cell in plain words: times in the locale, amounts in their currency, flags as yes/no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name.endswith("_at") and isinstance(value, str):
        return when(value, locale)
    if name == "total" and row.get("currency"):
        return money(value, str(row["currency"]), locale)
    if name == "value_reporting" and row.get("reporting_currency"):
        return money(value, str(row["reporting_currency"]), locale)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def field_words(name: str) -> str:
    return FIELD_WORDS.get(name, name.replace("_", " ").capitalize())


FILTERS: dict[str, Callable[..., str]] = {
    "money": money, "number": number, "when": when, "stored_money": stored_money, "vat": vat_words,
    "segment": segment_words, "field": field_words, "consequence": consequence,
}
WORDS = {"ALERT_WORDS": ALERT_WORDS, "ALERT_SHORT": ALERT_SHORT, "FRESHNESS_WORDS": FRESHNESS_WORDS}
