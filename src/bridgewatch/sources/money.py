"""Amounts written with a currency symbol (``€3,101.00``, ``CA$12.50``): the symbol sets or checks the
row's currency.

Admin CSV exports print totals the way the admin screen shows them. A symbol that names one
currency (``€``, ``£``, ``CA$``) gives the row its currency, also in a file read with the source's
``currency`` option (a store selling in several currencies writes ``€`` and ``$`` rows in one grid:
the option is the currency of the rows whose symbol does not name one); when the file has a currency
column, the symbol is checked against it and a mismatch is quarantined. A symbol several currencies
share (``$``, ``¥``, ``kr``) needs a currency from the file or the option, and must be one of them.
"""

from __future__ import annotations

from bridgewatch.sources.shapes import Field, Rule, lookup_sql, money
from bridgewatch.sql import literal

SYMBOLS = {"€": "EUR", "£": "GBP", "US$": "USD", "CA$": "CAD", "C$": "CAD", "A$": "AUD", "AU$": "AUD",
           "NZ$": "NZD", "HK$": "HKD", "S$": "SGD", "R$": "BRL", "MX$": "MXN", "₹": "INR", "₩": "KRW",
           "₽": "RUB", "₺": "TRY", "₪": "ILS", "zł": "PLN", "CHF": "CHF"}
"""Symbols that name one currency (as admin screens print them in English locales)."""
SHARED = {"$": ("USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"), "¥": ("JPY", "CNY"),
          "kr": ("SEK", "NOK", "DKK", "ISK")}
"""Symbols several currencies print."""
NO_CURRENCY = ("no currency: the file has no currency column, and the amount no currency symbol or one several "
               "currencies use ($, ¥, kr); set the source's currency option")
_ORDER = sorted([*SYMBOLS, *SHARED], key=len, reverse=True)
PATTERN = "(" + "|".join(s.replace("$", "\\$").replace(".", "\\.") for s in _ORDER) + ")"


def symbol_sql(amount: str) -> str:
    """SQL: the currency symbol written in ``amount`` (NULL when none)."""
    return f"NULLIF(regexp_extract({amount}, {literal(PATTERN)}, 1), '')"




def priced(total: Field, column: Field, decimal_comma: str = "FALSE",
           option: Field | None = None) -> tuple[Field, Field]:
    """The amount, and the row's currency: the one its symbol names, else the currency ``column``, else the
    source's ``option``; rules quarantine a symbol that disagrees with the column, or a shared symbol
    (``$``) that is none of its currencies."""
    symbol = symbol_sql(total.sql)
    named = lookup_sql(symbol, SYMBOLS)
    currency = Field(f"COALESCE({column.sql}, {option.sql})", column.source, column.hint) if option else column
    shared = " ".join(f"WHEN {literal(s)} THEN upper({currency.sql}) IN ({', '.join(literal(c) for c in cs)})"
                      for s, cs in SHARED.items())
    rules = (
        Rule(total.sql, f"{named} IS NOT NULL AND {column.sql} IS NOT NULL AND {named} <> upper(trim({column.sql}))",
             "the amount's currency symbol names another currency than the row's currency column"),
        Rule(total.sql, f"{symbol} IN ({', '.join(literal(s) for s in SHARED)}) AND NOT COALESCE(CASE {symbol} "
                        f"{shared} END, TRUE)",
             "the amount's currency symbol does not fit the row's currency"),
    )
    stripped = money(Field(f"regexp_replace({total.sql}, {literal(PATTERN)}, '', 'g')", total.source, total.hint),
                     decimal_comma)
    amount = Field(stripped.sql, stripped.source, stripped.hint, rules=rules)
    currency_field = Field(f"COALESCE({named}, {currency.sql})", currency.source or total.source, currency.hint,
                           empty=NO_CURRENCY)
    return amount, currency_field


def given_back(amount: Field, currency: Field, decimal_comma: str = "FALSE") -> Field:
    """An amount given back on an order (an admin export's refund column), written as its total is (``€15.00``):
    the symbol stripped, for :func:`~bridgewatch.sources.shapes.less`; a symbol naming another currency than the
    row's (``currency``: the field :func:`priced` gives) quarantines the row, as what is left of it is unknown."""
    symbol = symbol_sql(amount.sql)
    named = lookup_sql(symbol, SYMBOLS)
    other = f"{named} IS NOT NULL AND {currency.sql} IS NOT NULL AND {named} <> upper(trim({currency.sql}))"
    rule = Rule(amount.sql, other,
                f"{amount.source or 'the refunded amount'}'s currency symbol names another currency than the order's "
                "total, so what is left of the order is unknown")
    stripped = money(Field(f"regexp_replace({amount.sql}, {literal(PATTERN)}, '', 'g')", amount.source, amount.hint),
                     decimal_comma)
    return Field(stripped.sql, stripped.source, stripped.hint, rules=(rule,))
