"""A currency's minor units: how many decimals its amounts have (JPY none, GBP two, KWD three).

One source for every place money is rounded or written: the card SQL rounds each order's value in
reporting currency to that currency's minor unit, and JSON, CSV and the terminal write amounts with
(at least) its decimals, so a three-decimal currency never loses its third decimal and the rows a user
adds up by hand make the headline exactly. The digits are CLDR's (through Babel), the same the
terminal and the web pages format amounts with.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

from bridgewatch.sql import literal

DEFAULT_DIGITS = 2
AMOUNT_SQL = "DECIMAL(38,4)"
"""The type of a rounded amount (no currency has more than four decimals)."""
STORED_PLACES = 4
"""The run store keeps amounts as whole ten-thousandths of their currency (``blocked_e4``): exact for every currency
(none has more than four decimals), whatever the workspace reports in, so sums and orderings on the database are
exact too. A KWD 30.716 is stored 307160, a JPY 1,498 is 14980000."""


@cache
def _other_digits() -> dict[int, tuple[str, ...]]:
    """Currencies whose minor unit is not the hundredth, by their number of decimals."""
    out: dict[int, list[str]] = {}
    for code in sorted(list_currencies()):
        n = get_currency_precision(code)
        if n != DEFAULT_DIGITS:
            out.setdefault(n, []).append(code)
    return {n: tuple(codes) for n, codes in sorted(out.items())}


def digits(currency: str | None) -> int:
    """Decimals of ``currency``'s minor unit (2 for an unknown or missing code)."""
    code = (currency or "").upper()
    return next((n for n, codes in _other_digits().items() if code in codes), DEFAULT_DIGITS)


def round_sql(amount: str, currency: str) -> str:
    """SQL: ``amount`` rounded (half away from zero, on every engine) to the minor unit of the currency
    the SQL ``currency`` names."""
    def rounded(n: int) -> str:
        # One explicit type for every branch: an engine left to unify DECIMAL(38,0) with DECIMAL(38,3) may
        # settle on the scale of one branch (DuckDB cut 12.345 to 12) instead of widening.
        return f"CAST(ROUND({amount}, {n}) AS {AMOUNT_SQL})"

    branches = " ".join(f"WHEN upper({currency}) IN ({', '.join(literal(c) for c in codes)}) THEN {rounded(n)}"
                        for n, codes in _other_digits().items())
    return f"CASE {branches} ELSE {rounded(DEFAULT_DIGITS)} END"


def places(currency: str | None) -> int:
    """Decimals an amount in ``currency`` is written with: its own, never fewer than two (JSON and CSV have
    always written ``1498.00`` for a whole amount; a third decimal is never cut)."""
    return max(DEFAULT_DIGITS, digits(currency))


def text(value: Decimal | str | int, currency: str | None) -> str:
    """``value`` as exact decimal text with :func:`places` decimals (half away from zero when it has more, as the
    card SQL rounds on every engine: one order never shows two values)."""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places(currency)), ROUND_HALF_UP))


def to_stored(value: Decimal | str | int | None) -> int:
    """``value`` as the run store keeps it: whole ten-thousandths (:data:`STORED_PLACES`), exactly.

    A rounded amount never has more than four decimals; one that had would be rounded half away from zero, as
    every amount is."""
    scaled = Decimal(value or 0).scaleb(STORED_PLACES)
    return int(scaled.quantize(Decimal(1), ROUND_HALF_UP))


def from_stored(units: int) -> Decimal:
    """An amount the run store kept (:func:`to_stored`) back as the exact decimal."""
    return Decimal(int(units)).scaleb(-STORED_PLACES)


def text_sql(amount: str, currency: str) -> str:
    """SQL: what :func:`text` writes, for an ``amount`` in the currency the SQL ``currency`` names."""
    branches = " ".join(f"WHEN upper({currency}) IN ({', '.join(literal(c) for c in codes)}) "
                        f"THEN CAST(ROUND({amount}, {n}) AS VARCHAR)"
                        for n, codes in _other_digits().items() if n > DEFAULT_DIGITS)
    return f"CASE {branches} ELSE CAST(ROUND({amount}, {DEFAULT_DIGITS}) AS VARCHAR) END"
