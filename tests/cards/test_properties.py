"""Properties that must hold for any input, checked with generated data (hypothesis)."""

from __future__ import annotations

import re

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgewatch.matching.normalise import email_list_sql, email_sql, vat_sql

_CON = duckdb.connect()

digits = st.text(alphabet="0123456789", min_size=8, max_size=12).filter(lambda d: d.strip("0"))
"""A VAT number's digits; not all zeros (``000000000`` is a placeholder, no number: it normalises to NULL)."""
separators = st.lists(st.sampled_from([" ", ".", "-", "", "  "]), min_size=12, max_size=12)


def _normal(expr: str, value: object, country: object = None) -> object:
    sql = f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v, ?::VARCHAR AS c)"
    return _CON.execute(sql, [value, country]).fetchone()[0]  # type: ignore[index]


@given(number=digits, seps=separators, prefixed=st.booleans(), lower=st.booleans())
@settings(max_examples=150, deadline=None)
def test_vat_formatting_never_changes_the_normalised_number(number: str, seps: list[str], prefixed: bool,
                                                            lower: bool) -> None:
    typed = "".join(d + s for d, s in zip(number, seps, strict=False))
    if prefixed:
        typed = ("gb" if lower else "GB") + seps[0] + typed
    registration = number[:9] if len(number) == 12 else number  # 12 digits: a branch of the first 9's registration
    assert _normal(vat_sql("v", "c"), typed, "GB") == ("GB" + registration if registration.strip("0") else None)


@given(local=st.from_regex(r"[A-Za-z0-9._]{1,12}", fullmatch=True), pad=st.text(alphabet=" \t", max_size=3))
@settings(max_examples=100, deadline=None)
def test_email_normalisation_is_idempotent_and_case_blind(local: str, pad: str) -> None:
    raw = f"{pad}{local}@Example.COM{pad}"
    once = _normal(email_sql("v"), raw)
    assert once == f"{local.lower()}@example.com"
    assert _normal(email_sql("v"), once) == once


@given(parts=st.lists(st.text(alphabet="aB@x.é \t\u00a0\u200b\ufeff\u2003", max_size=8), max_size=5),
       seps=st.lists(st.sampled_from([";", ",", " ; ", ",\u00a0", "\t;"]), min_size=5, max_size=5))
@settings(max_examples=200, deadline=None)
def test_an_email_list_gives_each_address_as_normalising_it_alone_does(parts: list[str], seps: list[str]) -> None:
    """The field is normalised whole and then split (one regular expression per field): each address must come out
    exactly as normalising it alone would, empty items dropped."""
    field = "".join(p + s for p, s in zip(parts, seps, strict=False))[:-1] if parts else ""
    got = _CON.execute(f"SELECT list_filter({email_list_sql('v')}, lambda x: x <> '') FROM (SELECT ?::VARCHAR AS v)",
                       [field]).fetchone()[0]  # type: ignore[index]
    alone = [_normal(email_sql("v"), p) for p in re.split("[;,]", field)]
    assert (got or []) == [a for a in alone if a is not None]
