"""Key normalisation, precedence, ambiguity and look-through, on the Sage card (VAT → account ref → email)."""

from __future__ import annotations

import duckdb
import pytest

from bridgewatch.matching.normalise import KEY_SQL, account_ref_sql, email_sql, held_id_sql, vat_sql

from .builders import causes, company, d365, erp, ids, sage, shopper


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("GB 123 4567 89", "GB", "GB123456789"),
    ("123.456.789", "GB", "GB123456789"),
    ("gb-123-456-789", None, "GB123456789"),
    ("123456789", None, "123456789"),
    ("094259216", "GR", "EL094259216"),
    ("GR094259216", "GR", "EL094259216"),
    ("U12345678", "AT", "ATU12345678"),
    ("DE 123 456 789", "FR", "DE123456789"),
    ("  ", "GB", None),
    (None, "GB", None),
    # Swiss UID-VAT: the MWST / TVA / IVA suffix names the language, not the number; CHE is the prefix
    ("CHE-123.456.789 MWST", "CH", "CHE123456789"),
    ("CHE-123.456.789 TVA", None, "CHE123456789"),
    ("CHE123456789 IVA", "DE", "CHE123456789"),
    ("CHE123456789", "CH", "CHE123456789"),
    ("123.456.789", "CH", "CHE123456789"),
    ("123.456.789 MWST", "CH", "CHE123456789"),
    ("CH 123 456 789", None, "CHE123456789"),
    # Norway: the organisation number with its MVA (VAT-registered) suffix
    ("NO 123 456 789 MVA", "NO", "NO123456789"),
    ("123456789MVA", "NO", "NO123456789"),
    ("NO123456789", None, "NO123456789"),
    # Northern Ireland: XI is the same VAT registration as GB (HMRC keeps one number, the prefix says NI goods)
    ("XI 123 4567 89", "GB", "GB123456789"),
    ("xi123456789", None, "GB123456789"),
    ("123456789", "XI", "GB123456789"),
    # a label typed with the number into a signup form's field
    ("VAT No: GB 123 4567 89", None, "GB123456789"),
    ("VAT Reg. 123456789", "GB", "GB123456789"),
    ("GB123456789 VAT", None, "GB123456789"),
    # placeholders a signup form or a master holds instead of a number: no VAT number (every one has digits)
    ("N/A", "GB", None),
    ("none", "GB", None),
    ("TBC", None, None),
    ("0", "GB", None),
    ("000 000 000", "GB", None),
    ("GB000000000", None, None),
    # one registration written in two forms (python-stdnum: stdnum.gb.vat, stdnum.be.vat, stdnum.ie.vat)
    ("GB 980 7806 84 000", None, "GB980780684"),
    ("980780684001", "GB", "GB980780684"),
    ("XI980780684000", None, "GB980780684"),
    ("GB98078068", None, "GB98078068"),
    ("GB9807806840", None, "GB9807806840"),
    ("GB 000 0000 00 001", None, None),
    ("BE 403.019.261", None, "BE0403019261"),
    ("403019261", "BE", "BE0403019261"),
    ("BE0403019261", None, "BE0403019261"),
    ("BE1403019261", None, "BE1403019261"),
    ("BE40301926", None, "BE40301926"),
    ("IE 8Z49289F", None, "IE0492898F"),
    ("8Z49289F", "IE", "IE0492898F"),
    ("IE0492898F", None, "IE0492898F"),
    ("IE6433435FA", None, "IE6433435FA"),
    ("IE6433435F", None, "IE6433435F"),
    ("DE8Z49289F", None, "DE8Z49289F"),
])
def test_vat_normalisation(raw: str | None, country: str | None, expected: str | None) -> None:
    got = duckdb.connect().execute(f"SELECT {vat_sql('v', 'c')} FROM (SELECT ?::VARCHAR AS v, ?::VARCHAR AS c)",
                                   [raw, country]).fetchone()
    assert got == (expected,)


@pytest.mark.parametrize(("raw", "platform", "kind", "expected"), [
    ("7210448301122", None, None, "*:*:7210448301122"),
    (" gid://shopify/Customer/7210448301122 ", None, None, "shopify:customer:7210448301122"),
    ("gid://shopify/Company/42", None, None, "shopify:company:42"),
    # the value names its platform and kind: it beats what the source's options say
    ("gid://shopify/Company/42", "bigcommerce", "customer", "shopify:company:42"),
    ("gid://shopify/CompanyContact/42", None, None, "shopify:companycontact:42"),
    ("7210448301122.0", "shopify", None, "shopify:*:7210448301122"),
    ("42", None, "company", "*:company:42"),
    ("42", "BigCommerce", "customer", "bigcommerce:customer:42"),
    ("12.5", None, None, "*:*:12.5"),
    ("C-0001", None, None, "*:*:C-0001"),
    ("  ", "shopify", "customer", None),
])
def test_external_id_normalisation(raw: str, platform: str | None, kind: str | None, expected: str | None) -> None:
    """The commerce id an ERP extension field holds, as the commerce readers key it, with the platform and kind it
    names: a Shopify GID (as GraphQL-based connectors write it) names them itself, a bare id takes its source's
    options (``*`` for what they do not say); a whole number written as a float is its digits."""
    got = duckdb.connect().execute(f"SELECT {held_id_sql('v', 'p', 'k')} FROM "
                                   "(SELECT ?::VARCHAR AS v, ?::VARCHAR AS p, ?::VARCHAR AS k)",
                                   [raw, platform, kind]).fetchone()
    assert got == (expected,)


def test_commerce_ids_are_keyed_with_their_platform_and_kind() -> None:
    got = duckdb.connect().execute(f"SELECT {KEY_SQL['external_id']('v', 'p')} FROM "
                                   "(VALUES (' 42 ', 'shopify:company'), ('7.0', 'adobe_commerce:customer'), "
                                   "(NULL, 'shopify:customer')) AS t(v, p)").fetchall()
    assert got == [("shopify:company:42",), ("adobe_commerce:customer:7",), (None,)]


def test_external_id_held_as_a_shopify_gid_is_present(run_card) -> None:  # type: ignore[no-untyped-def]
    """D365 keeps the Shopify customer id in an extension field as the connector wrote it: a GID, or a float
    from a pandas export. Read as the id, the customers are present; read as written, all counted absent."""
    s = d365()
    s.config["field_map"] = {"d365_customer_master_gap": ["external_id"]}
    shopper(s, "7210448301122")
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="gid://shopify/Customer/7210448301122")
    shopper(s, "7210448301123")
    erp(s, "US-2", system="d365_fo", entity="USTI", external_id="7210448301123.0")
    shopper(s, "7210448301124")
    result = run_card(s)
    assert ids(result) == ["7210448301124"]


def test_email_and_account_ref_normalisation() -> None:
    got = duckdb.connect().execute(f"SELECT {email_sql('e')}, {account_ref_sql('r')} FROM "
                                   "(SELECT ' Buyer@Acme.COM ' AS e, ' c-0001 ' AS r)").fetchone()
    assert got == ("buyer@acme.com", "C-0001")


def test_keys_lose_unicode_spaces_at_their_ends_and_invisible_characters_anywhere() -> None:
    """A no-break space or byte-order mark around a value, or a zero-width space inside it (copy-paste,
    spreadsheets), must not stop a key from matching the same key written plainly."""
    got = duckdb.connect().execute(
        f"SELECT {email_sql('e')}, {account_ref_sql('r')}, {email_sql('blank')}, {account_ref_sql('inside')} FROM "
        "(SELECT '\u00a0\ufeffBuy\u200ber@Acme.COM\u2003\t' AS e, '\u200b c-0001\u00a0' AS r, "
        "'\u200b\u00a0 ' AS blank, 'C 0001\u2060' AS inside)").fetchone()
    assert got == ("buyer@acme.com", "C-0001", None, "C 0001")


def test_vat_written_differently_is_present(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", vat="GB 123 4567 89")
    erp(s, "C1", vat_number="123456789", country="GB")
    company(s, "B", vat="GB 987 6543 21")
    result = run_card(s)
    assert ids(result) == ["B"]
    assert result.scope["present in master (matched on vat)"] == 1


def test_placeholder_vat_numbers_do_not_match_each_other(run_card) -> None:  # type: ignore[no-untyped-def]
    """A trade signup's "N/A" in the VAT field and another customer's "n/a" in the master are no VAT number:
    read as one (``GBNA``), the absent company looked present, matched to a stranger's record."""
    s = sage()
    company(s, "A", vat="N/A")
    erp(s, "C1", vat_number="n/a", country="GB")
    company(s, "B", vat="000000000")
    erp(s, "C2", vat_number="GB 000 000 000", country="GB")
    company(s, "C", vat="CHE-116.281.710 MWST", country="CH", ship_to="GB")
    erp(s, "C3", vat_number="116.281.710", country="CH")
    result = run_card(s)
    assert ids(result) == ["A", "B"]
    assert result.scope["present in master (matched on vat)"] == 1


def test_northern_irish_xi_number_matches_the_same_gb_registration(run_card) -> None:  # type: ignore[no-untyped-def]
    """A Northern Irish buyer gives the storefront its XI number (goods under the NI protocol); the master holds the
    same registration as GB: one legal entity, present."""
    s = sage()
    company(s, "NI", vat="XI 980 7806 84")
    erp(s, "C1", vat_number="GB980780684", country="GB")
    company(s, "B", vat="XI 123 4567 89")
    result = run_card(s)
    assert ids(result) == ["B"]
    assert result.scope["present in master (matched on vat)"] == 1


def test_one_registration_written_in_another_form_is_present(run_card) -> None:  # type: ignore[no-untyped-def]
    """The master holds a GB branch trader's 12-digit number, an old 9-digit Belgian number and an old-style Irish
    number; the storefront has the 9-digit, 10-digit and new-style forms of the same registrations: present. A
    number that only shares the first 9 digits' shape (another registration) is not."""
    s = sage()
    company(s, "GBBR", vat="GB 980 7806 84")
    erp(s, "C1", vat_number="GB980780684000", country="GB")
    company(s, "BEOLD", vat="BE0403019261", country="BE")
    erp(s, "C2", vat_number="403.019.261", country="BE")
    company(s, "IEOLD", vat="IE0492898F", country="IE")
    erp(s, "C3", vat_number="IE 8Z49289F")
    company(s, "BENEW", vat="BE1403019261", country="BE")
    erp(s, "C4", vat_number="BE0403019261")
    result = run_card(s)
    assert ids(result) == ["BENEW"]
    assert result.scope["present in master (matched on vat)"] == 3


def test_bare_vat_of_another_country_does_not_match(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", vat="123456789", country="DE", ship_to="GB")
    erp(s, "C1", vat_number="123456789", country="GB")
    assert ids(run_card(s)) == ["A"]


def test_email_case_and_account_ref_case_are_present(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", email="AP@Acme.Test ")
    erp(s, "C1", email="ap@acme.test")
    company(s, "B", ref="c-0002")
    erp(s, "C-0002")
    company(s, "C", ref="C0003")
    erp(s, "C-0003")
    result = run_card(s)
    assert ids(result) == ["C"]
    assert result.scope["present in master (matched on email)"] == 1
    assert result.scope["present in master (matched on account_ref)"] == 1


def test_precedence_records_the_first_key_that_matches(run_card, run_cards) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", vat="GB123456789", email="ap@a.test")
    erp(s, "BYVAT", vat_number="GB123456789")
    erp(s, "BYEMAIL", email="ap@a.test")
    assert run_card(s).scope == {"present in master (matched on vat)": 1}
    s.config["field_map"] = {"sage_customer_master_gap": ["email", "vat"]}
    s.config["workspace"]["id"] = "sage-test-2"
    assert run_cards(s)[0].scope == {"present in master (matched on email)": 1}


def test_key_left_out_of_the_field_map_is_not_tried(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    s.config["field_map"] = {"sage_customer_master_gap": ["vat", "account_ref"]}
    company(s, "A", email="ap@a.test")
    erp(s, "C1", email="ap@a.test")
    result = run_card(s)
    assert ids(result) == ["A"]
    assert [(k.key, k.result) for k in result.customers[0].keys_tried] == [("vat", "no value"),
                                                                           ("account_ref", "no value")]


def test_keys_tried_show_normalised_values_and_results(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", vat="gb 111 2222 33", ref="webtrade", email="AP@A.test")
    erp(s, "WEBTRADE", email="ap@a.test")
    row = run_card(s).customers[0]
    assert [(k.key, k.values, k.result) for k in row.keys_tried] == [
        ("vat", ("GB111222233",), "no match"),
        ("account_ref", ("WEBTRADE",), "not usable"),
        ("email", ("ap@a.test", "buyer@a.test"), "not usable"),
    ]
    assert row.keys_tried[1].erp_records == "top level/WEBTRADE (holding customer, looked through)"
    assert row.join_status.startswith("vat: no match; account_ref: only top level/WEBTRADE")


def test_holding_customer_is_looked_through(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "HOLDONLY", ref="WEBTRADE")
    company(s, "HOLDANDREAL", ref="WEBTRADE", vat="GB555555555")
    erp(s, "WEBTRADE")
    erp(s, "REAL", vat_number="555555555", country="GB")
    result = run_card(s)
    assert ids(result) == ["HOLDONLY"]


def test_one_customer_two_records_is_flagged_ambiguous(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", vat="GB123456789")
    erp(s, "C1", vat_number="GB123456789")
    erp(s, "C2", vat_number="GB 123456789")
    result = run_card(s)
    assert result.count == 0
    assert result.ambiguous_matches == 1


def test_ambiguity_is_read_at_the_matched_key_only(run_card) -> None:  # type: ignore[no-untyped-def]
    # A: its VAT number (the first key) hits one record, its email two: matched on VAT, not ambiguous.
    # B: its VAT number hits two records, its email one: matched on VAT, ambiguous.
    s = sage()
    company(s, "A", vat="GB123456789", email="ap@a.test")
    erp(s, "A1", vat_number="GB123456789")
    erp(s, "A2", email="ap@a.test")
    erp(s, "A3", email="AP@a.test")
    company(s, "B", vat="GB987654321", email="ap@b.test")
    erp(s, "B1", vat_number="GB987654321")
    erp(s, "B2", vat_number="GB 987 654 321")
    erp(s, "B3", email="ap@b.test")
    result = run_card(s)
    assert result.count == 0
    assert result.ambiguous_matches == 1


def test_one_record_claimed_by_two_customers_is_flagged(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", email="ap@shared.test")
    company(s, "B", email="ap@shared.test")
    erp(s, "C1", email="ap@shared.test")
    result = run_card(s)
    assert result.count == 0
    assert result.ambiguous_matches == 2


def test_inactive_record_does_not_make_a_customer_present(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", vat="GB123456789")
    erp(s, "C1", vat_number="GB123456789", status="inactive")
    result = run_card(s)
    assert causes(result) == {"merged_retired": (1, 1)}
    assert result.customers[0].keys_tried[0].erp_records == "top level/C1 (inactive)"
