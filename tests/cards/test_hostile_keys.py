"""Keys written the awkward ways real exports write them, on a whole card: each scenario also runs on Spark
(tests/engines/test_parity.py harvests these tests), so both engines must find the same customers present."""

from __future__ import annotations

from decimal import Decimal

from .builders import company, d365, erp, ids, sage, shopper


def test_a_key_edged_with_a_vertical_tab_or_next_line_still_matches(run_card) -> None:  # type: ignore[no-untyped-def]
    """Canonical CSVs are trimmed of spaces only, so a vertical tab or a next-line character (both Unicode white
    space, which Java's ``\\s`` and RE2's ``\\s`` read differently) reaches the keys: it is trimmed like any white
    space, on DuckDB and on Spark alike."""
    s = sage()
    company(s, "VT", email="AP@VT.test\x0b")
    erp(s, "C-VT", entity="UK01", email="ap@vt.test", status="active")
    company(s, "NEL", ref="\x85c-0042")
    erp(s, "C-0042", entity="UK01", status="active")
    company(s, "LIST")
    erp(s, "C-LIST", entity="UK01", email="someone@else.test\x0b;\x0bap@list.test", status="active")
    company(s, "ABSENT", email="ap@absent.test\x0b")
    result = run_card(s)
    assert ids(result) == ["ABSENT"]
    assert result.scope == {"present in master (matched on email)": 2, "present in master (matched on account_ref)": 1,
                            "counted: absent from master": 1}
    assert result.customers[0].keys_tried[2].values == ("ap@absent.test", "buyer@absent.test")


def test_greek_and_turkish_capitals_fold_the_same_on_every_engine(run_card) -> None:  # type: ignore[no-untyped-def]
    """A word-final capital sigma lower-cases to ``ς`` on Spark (and in Python, which reads the configured tags) but
    ``σ`` on DuckDB, a dotted capital I (``İ``) to ``i`` on DuckDB but ``i`` and a combining dot on Spark: email keys
    and tags are folded to one form, so the same customers match and route on both engines."""
    s = d365()
    s.config["entity_rules"] = [{"kind": "tag", "value": "ΚΑΝΑΔΑΣ", "entity": "CATU"}]
    shopper(s, "GREEK", email="ΓΙΑΝΝΗΣ@Mail.GR")
    erp(s, "C-GR", system="d365_fo", entity="USTI", email="γιαννης@mail.gr", status="active")
    shopper(s, "TURKISH", email="İlknur@mail.test")
    erp(s, "C-TR", system="d365_fo", entity="USTI", email="ilknur@mail.test", status="active")
    shopper(s, "TAGGED", tags="ΚΑΝΑΔΑΣ")
    erp(s, "C-TAG", system="d365_fo", entity="CATU", email="tagged@mail.test", status="active")
    shopper(s, "ABSENT", email="ΑΘΗΝΑΣ@Mail.GR")
    result = run_card(s)
    assert ids(result) == ["ABSENT"]
    assert result.scope == {"present in master (matched on email)": 3, "counted: absent from master": 1}
    assert result.customers[0].keys_tried[0].values == ("αθηνασ@mail.gr",)


def test_an_order_worth_millions_is_valued_to_the_cent(run_card) -> None:  # type: ignore[no-untyped-def]
    """A total times its rate above about 9.2 million overflowed DuckDB's 64-bit decimal product and failed the whole
    pass (Spark valued it): in the reporting currency itself (rate 1) and converted."""
    s = sage()
    company(s, "BIG", total="12345678.9999")
    company(s, "EURO", currency="EUR", total="20000000.00", country="DE")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-01", rate="0.85714286")
    company(s, "SMALL", total="0.0049")
    result = run_card(s)
    values = {c.company_id: (c.blocked_value, c.currency, c.blocked_value_reporting) for c in result.customers}
    assert values == {"EURO": (Decimal("20000000.00"), "EUR", Decimal("17142857.20")),
                      "BIG": (Decimal("12345679.00"), "GBP", Decimal("12345679.00")),
                      "SMALL": (Decimal("0.00"), "GBP", Decimal("0.00"))}
    assert ids(result) == ["EURO", "BIG", "SMALL"]
    assert result.blocked_value_reporting == Decimal("29488536.20")


def test_a_sharp_s_or_a_ligature_in_an_account_reference_matches_its_capitals(run_card) -> None:  # type: ignore[no-untyped-def]
    """DuckDB upper-cased ``ß`` to ``ẞ`` (and kept the ligature ``ﬁ``), Spark to ``SS`` (``FI``): an account
    reference typed ``c-straße`` matched the master's ``C-STRASSE`` on Spark only, and a holding customer configured
    ``GROßHANDEL`` (read in Python, ``GROSSHANDEL``) was looked through on Spark only. Both are one key now."""
    s = sage()
    s.config["holding_customers"] = [{"account": "großhandel"}]
    company(s, "SHARP", ref="c-straße")
    erp(s, "C-STRASSE", entity="UK01", status="active")
    company(s, "CAPITAL", ref="C-STRAẞE-2")
    erp(s, "c-strasse-2", entity="UK01", status="active")
    company(s, "LIGATURE", ref="\ufb01n-7")
    erp(s, "FIN-7", entity="UK01", status="active")
    company(s, "HOLDING", ref="GROẞHANDEL")
    erp(s, "GROßHANDEL", entity="UK01", status="active")
    result = run_card(s)
    assert ids(result) == ["HOLDING"]
    assert result.scope == {"present in master (matched on account_ref)": 3, "counted: absent from master": 1}
