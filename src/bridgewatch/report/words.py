"""Plain words for a finance lead: labels for cause ids, VAT treatments and segments, and money as money.

Ids stay in JSON and CSV (they are the contract); people reading the terminal or a page see these.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency

from bridgewatch.cards import CARDS
from bridgewatch.model.money import digits

VAT_WORDS = {
    "standard": "standard-rated",
    "zero_rated": "zero-rated",
    "reverse_charge": "reverse charge",
    "unknown": "unknown (no country known)",
    "not_applicable": "n/a (no VAT)",
}
SEGMENT_WORDS = {"b2b": "B2B", "dtc": "DTC"}
ALERT_WORDS = {
    "firing": "ALERT: above the alert line",
    "quiet": "below the alert line",
    "unknown": "alert state UNKNOWN (the data is not fresh: this is not an all-clear)",
}
DEFAULT_LOCALE = "en_GB"


def locale_for(home_country: str, configured: str | None = None) -> str:
    """The locale to show a workspace's numbers in: the configured one, else ``en_<home_country>`` when known."""
    from babel import Locale, UnknownLocaleError

    for candidate in (configured, f"en_{home_country}"):
        if not candidate:
            continue
        try:
            Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
        return candidate
    return DEFAULT_LOCALE


def cause_label(card: str, cause: str) -> str:
    """The label of ``cause`` on ``card`` (the id itself for an unknown pair)."""
    found = CARDS.get(card)
    return next((c.label for c in found.causes if c.id == cause), cause) if found else cause


def vat_words(treatment: str | None) -> str:
    return VAT_WORDS.get(treatment or "unknown", treatment or "")


def segment_words(segment: str) -> str:
    return SEGMENT_WORDS.get(segment, segment)


def money(value: Decimal | str | None, currency: str | None, locale: str = DEFAULT_LOCALE) -> str:
    """``value`` in ``currency`` with that currency's own decimals (JPY none, BHD three; half away from zero, as
    every amount is rounded), e.g. ``US$18,400.00``.

    ``None`` reads as an em dash; an unknown or mixed currency is shown as a plain number with its code.
    """
    if value is None:
        return "—"
    amount = Decimal(value)
    if not currency or len(currency) != 3 or not currency.isalpha():
        return f"{amount:,.2f} {currency or ''}".strip()
    places = Decimal(1).scaleb(-digits(currency))
    return format_currency(amount.quantize(places, ROUND_HALF_UP), currency, locale=locale)
