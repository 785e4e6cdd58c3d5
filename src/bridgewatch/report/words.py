"""Plain words for a finance lead: labels for cause ids, VAT treatments and segments, and money as money.

Ids stay in JSON and CSV (they are the contract); people reading the terminal or a page see these.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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


def old_rate_words(w: Mapping[str, Any]) -> str:
    """One ``fx_warnings`` entry of a card summary in plain words (terminal, docs/output.md)."""
    when = (w["first_order_date"] if w["first_order_date"] == w["last_order_date"]
            else f"{w['first_order_date']} to {w['last_order_date']}")
    return (f"{w['orders']} order(s) of {w['customers']} customer(s) placed {when} are converted from "
            f"{w['currency']} into {w['reporting_currency']} at the rate dated {w['rate_date']}, {w['age_days']} days "
            f"before the latest of them (more than fx_max_age_days = {w['max_age_days']}): the blocked value in "
            f"{w['reporting_currency']} uses that rate (add newer {w['currency']} rates to fx_rates, or raise "
            f"fx_max_age_days)")
