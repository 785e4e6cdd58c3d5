"""The white space trimmed around values: both SQL forms of ``trim_sql`` give Python's ``strip`` for any text."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgewatch.model.whitespace import WHITESPACE, light_trims, strip, trim_sql
from bridgewatch.sql import literal

# White space, its look-alikes that are not white space (zero-width space, BOM, U+001C, the byte U+00C2 that
# starts NBSP's UTF-8), printable ASCII, accents, a currency sign and letters from other scripts.
ALPHABET = st.sampled_from(list(WHITESPACE) + list("\u200b\ufeff\x1c\xc2\x80a Z9-@é€\u0800\ua000\U0001f600"))
TEXTS = st.lists(st.text(ALPHABET, max_size=8) | st.none(), min_size=1, max_size=40)
CON = duckdb.connect()


def _trimmed(values: list[str | None], light: bool) -> list[str | None]:
    with light_trims(light):
        sql = trim_sql("v")
    listed = "[" + ", ".join("NULL" if v is None else literal(v) for v in values) + "]"
    return [r[0] for r in CON.execute(f"SELECT {sql} FROM (SELECT unnest({listed}) AS v, "
                                      f"generate_subscripts({listed}, 1) AS i) ORDER BY i").fetchall()]


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_both_forms_trim_exactly_what_python_strips(values: list[str | None]) -> None:
    expected = [None if v is None else strip(v) for v in values]
    assert _trimmed(values, light=False) == expected
    assert _trimmed(values, light=True) == expected


def test_the_light_form_holds_inside_the_block_only() -> None:
    heavy = trim_sql("x")
    with light_trims():
        assert trim_sql("x") == f"trim(x, {literal(WHITESPACE)})"
        with light_trims(False):
            assert trim_sql("x") == heavy
        assert trim_sql("x") != heavy
    assert trim_sql("x") == heavy and "regexp_replace" in heavy


def test_padding_is_trimmed_and_inner_space_kept() -> None:
    assert _trimmed(["\x0b\x85 a\u3000b\xa0\u2028", "\u200bx ", "   ", None], light=False) == ["a\u3000b", "\u200bx",
                                                                                             "", None]
    assert _trimmed(["\x0b\x85 a\u3000b\xa0\u2028", "\u200bx ", "   ", None], light=True) == ["a\u3000b", "\u200bx",
                                                                                            "", None]
