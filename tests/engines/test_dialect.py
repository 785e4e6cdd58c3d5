"""Dialects: how the card SQL's DuckDB constructs come out for Spark, and that they mean the same there."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from bridgewatch.cards.steps import local_date
from bridgewatch.engine import get_engine
from bridgewatch.engine.dialect import DUCKDB, SPARK
from bridgewatch.errors import EngineUnavailable
from bridgewatch.matching.normalise import (
    INVISIBLE,
    KEY_SQL,
    email_list_sql,
    email_sql,
    fold,
    fold_sql,
    strip_sql,
    upper_key,
    upper_sql,
    vat_country_sql,
)
from bridgewatch.model.whitespace import WHITESPACE

ASCII_BOUNDARY = "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"
"""RE2's word boundary, spelt out in Java's syntax."""


def _flat(sql: str) -> str:
    return " ".join(SPARK.translate(sql).split())


@pytest.mark.parametrize(("duckdb", "spark"), [
    ("SELECT string_agg(DISTINCT x, ', ' ORDER BY x) FROM t",
     "SELECT LISTAGG(DISTINCT x, ', ') WITHIN GROUP (ORDER BY x NULLS LAST) FROM t"),
    ("SELECT t.tag FROM o, unnest(string_split(o.tags, ',')) AS t(tag)",
     "SELECT t.tag FROM o LATERAL VIEW EXPLODE(SPLIT(o.tags, CONCAT('\\\\Q', ',', '\\\\E'))) t AS tag"),
    ("SELECT regexp_replace(v, '[^A-Z0-9]', '', 'g')", "SELECT REGEXP_REPLACE(v, '[^A-Z0-9]', '')"),
    ("SELECT regexp_matches(v, '^(GB|XI)')", "SELECT v RLIKE '^(GB|XI)'"),
    # RE2's word boundary is ASCII-only, Java 17's is not: spelt out for Java (a \\b inside a class is a backspace)
    ("SELECT regexp_extract(v, '\\b[0-9]+[\\b]', 0)",
     f"SELECT REGEXP_EXTRACT( v, '{ASCII_BOUNDARY}[0-9]+[\\\\b]', 0 )"),
    # group references: RE2's \\1 is Java's $1 (where \\1 is a literal 1); a literal $ is \\$ there
    ("SELECT regexp_replace(v, '^IE([0-9])[A-Z]([0-9]{5})', 'IE0\\2\\1')",
     "SELECT REGEXP_REPLACE(v, '^IE([0-9])[A-Z]([0-9]{5})', 'IE0$2$1')"),
    ("SELECT regexp_replace(v, 'USD', 'US$')", "SELECT REGEXP_REPLACE(v, 'USD', 'US\\\\$')"),
    ("SELECT concat(a, '/', b)", "SELECT CONCAT(COALESCE(a, ''), '/', COALESCE(b, ''))"),
    ("SELECT a FROM t ORDER BY a", "SELECT a FROM t ORDER BY a NULLS LAST"),
    ("SELECT count(*) FILTER (WHERE c) FROM t", "SELECT COUNT(*) FILTER(WHERE c) FROM t"),
    # an order's date in the workspace's zone (cards.steps.local_date): a UTC timestamp read as UTC, then shown there
    (f"SELECT {local_date('o.created_at')} FROM o",
     "SELECT CAST(FROM_UTC_TIMESTAMP(FROM_UTC_TIMESTAMP(o.created_at, 'UTC'), p.timezone) AS DATE) FROM o"),
])
def test_spark_spelling(duckdb: str, spark: str) -> None:
    assert _flat(duckdb) == spark


def test_duckdb_runs_the_card_sql_as_written() -> None:
    sql = "SELECT string_agg(x, ', ' ORDER BY x) FROM t"
    assert DUCKDB.translate(sql) is sql


def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(EngineUnavailable, match=r"bridgewatch\[spark\]"):
        get_engine("spark")


TRICKY = [
    (" GB 123 4567 89 ", "GB"), ("gb123456789", None), ("123.456.789", "GB"), ("GR-094259216", "GR"),
    ("094259216", "gr"), ("..--", "DE"), ("", "FR"), (None, "GB"), ("XI 123", None), ("ÄÖ 12", "AT"),
    ("CHE-116.281.710 MWST", None), ("116.281.710", "CH"), ("NO 123 456 789 MVA", None), ("VAT No: GB 123", None),
    ("N/A", "GB"), ("000 000", "GB"), ("123", "XI"), ("gid://shopify/Customer/42", None), ("42.0", None),
    ("  Mixed.Case@Example.COM ", None), ("c-0001 ", None),
    ("\u00a0\ufeffBuy\u200ber@Acme.COM\u2003\t", None), ("\u200b c-0001\u00a0", None), ("\u200b\u00a0", None),
    ("GB 980 7806 84 000", None), ("GB 000 0000 00 001", None), ("403.019.261", "BE"), ("8Z49289F", "IE"),
    ("IE6433435FA", None),
    # white space the two regex engines' \\s reads differently (a vertical tab) or not at all (next line, U+0085)
    ("\u200b\x0bBuyer@Acme.COM\x0b", None), ("c-0001\x85", None), ("\x0b\x0c42.0\x85", None),
    # capitals the two engines lower-case differently: a word-final sigma, a dotted capital I
    ("ΓΙΑΝΝΗΣ@Mail.GR", None), ("γιαννης@mail.gr", None), ("İlknur@Örnek.COM", None),
    # capitals the two engines upper-case differently: a sharp s, a ligature, a Greek iota subscript, a newer letter
    ("c-straße", None), ("C-STRAẞE", None), ("\ufb01n-7", None), ("ᾳ-1", None), ("\u019b-2", None),
]
"""Key values written the ways real exports write them, with the party's country."""


def _normalised(engine: Any) -> list[dict[str, Any]]:
    values = ", ".join(f"({_lit(v)}, {_lit(c)}, {i})" for i, (v, c) in enumerate(TRICKY))
    exprs = ", ".join(f"{fn('v', 'c')} AS {key}" for key, fn in KEY_SQL.items())
    vat = KEY_SQL["vat"]("v", "c")
    return engine.fetch(f"SELECT i, {exprs}, {vat_country_sql(vat)} AS vat_country "
                        f"FROM (VALUES {values}) AS t(v, c, i) ORDER BY i")


def _lit(value: str | None) -> str:
    return "CAST(NULL AS VARCHAR)" if value is None else "'" + value.replace("'", "''") + "'"


@pytest.mark.spark
def test_key_normalisation_is_the_same_on_spark(spark_engine: Any) -> None:
    duck = get_engine("duckdb")
    assert _normalised(spark_engine) == _normalised(duck)


def test_keys_are_trimmed_of_the_white_space_every_value_read_is_trimmed_of() -> None:
    """Every code point, one at a time at the edges of a key: exactly Unicode's White_Space (what the readers trim)
    and the invisible characters go; spelt as a class both RE2 and Java read alike (not ``\\s``: Java's holds the
    vertical tab, RE2's does not)."""
    duck = get_engine("duckdb")
    rows = duck.fetch(f"SELECT c FROM range(1, 1114112) AS r(c) WHERE (c < 55296 OR c > 57343) "
                      f"AND {strip_sql('chr(CAST(c AS INTEGER))')} = ''")
    invisible = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
    assert "\\x{200B}-\\x{200D}\\x{2060}\\x{FEFF}" == INVISIBLE
    assert {chr(r["c"]) for r in rows} == set(WHITESPACE) | {chr(c) for c in invisible}


def test_an_erp_email_list_splits_on_any_white_space_around_a_separator() -> None:
    duck = get_engine("duckdb")
    got = duck.fetch(f"SELECT {email_list_sql('v')} AS k FROM (VALUES ('AP@Acme.test\x0b;\x85Buyer@Acme.test\x0b')) "
                     "AS t(v)")
    assert got == [{"k": ["ap@acme.test", "buyer@acme.test"]}]


def test_email_keys_and_tags_fold_capitals_one_way() -> None:
    """DuckDB's ``lower`` maps a word-final capital sigma to ``σ`` where Spark's and Python's give ``ς``, and a dotted
    capital I to ``i`` where theirs give ``i`` and a combining dot: the fold is one form on all three."""
    duck = get_engine("duckdb")
    words = ["ΓΙΑΝΝΗΣ@Mail.GR", "γιαννης@mail.gr", "İlknur@Örnek.COM", "ΚΑΝΑΔΑΣ", "Σ"]
    values = ", ".join(f"({_lit(w)}, {i})" for i, w in enumerate(words))
    rows = duck.fetch(f"SELECT {email_sql('v')} AS email, {fold_sql('v')} AS folded FROM (VALUES {values}) AS t(v, i) "
                      "ORDER BY i")
    assert [r["email"] for r in rows] == ["γιαννησ@mail.gr", "γιαννησ@mail.gr", "ilknur@örnek.com", "καναδασ", "σ"]
    assert [r["folded"] for r in rows] == [fold(w) for w in words]


def _cased(engine: Any) -> list[dict[str, Any]]:
    """Every code point (one row each) whose account-reference capital or fold is not itself, with both."""
    import pyarrow as pa

    points = [c for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    engine.register("__t_chars", pa.table({"c": points, "ch": [chr(c) for c in points]}))
    return engine.fetch(f"SELECT c, {upper_sql('ch')} AS up, {fold_sql('ch')} AS folded FROM __t_chars "
                        f"WHERE {upper_sql('ch')} <> ch OR {fold_sql('ch')} <> ch ORDER BY c")


@pytest.mark.spark
def test_every_character_upper_cases_and_folds_the_same_on_spark(spark_engine: Any) -> None:
    """Spark upper-cases with Unicode's special casing (``ß`` → ``SS``) and knows Unicode 16's letters, DuckDB maps
    each character to one it knows (``ß`` → ``ẞ``): every code point's capital and fold are one on both, and
    Python's (configured holding accounts and tags)."""
    duck = _cased(get_engine("duckdb"))
    assert _cased(spark_engine) == duck
    assert all(r["up"] == upper_key(chr(r["c"])) and r["folded"] == fold(chr(r["c"])) for r in duck)


def test_account_references_upper_case_one_way() -> None:
    """``ß`` and ``ẞ`` are ``SS``, the ligature ``ﬁ`` is ``FI``, ``ᾳ`` is ``ΑΙ`` (Unicode's special casing, Spark's and
    Python's; DuckDB's ``upper`` gave ``ẞ``, ``ﬁ`` and ``ᾼ``), a Unicode 16 letter its capital, on DuckDB as in
    Python."""
    duck = get_engine("duckdb")
    words = ["c-straße", "C-STRAẞE", "\ufb01n-7", "ᾳ-1", "\u019b-2", "\ua7dc-2", "\u0130\u03a3"]
    values = ", ".join(f"({_lit(w)}, {i})" for i, w in enumerate(words))
    rows = duck.fetch(f"SELECT {KEY_SQL['account_ref']('v', 'NULL')} AS ref, {fold_sql('v')} AS folded "
                      f"FROM (VALUES {values}) AS t(v, i) ORDER BY i")
    assert [r["ref"] for r in rows] == ["C-STRASSE", "C-STRASSE", "FIN-7", "ΑΙ-1", "\ua7dc-2", "\ua7dc-2",
                                        "\u0130\u03a3"]
    assert [r["ref"] for r in rows] == [upper_key(w) for w in words]
    assert [r["folded"] for r in rows][4:6] == ["\u019b-2", "\u019b-2"]
