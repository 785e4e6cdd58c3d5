"""Issue 13 item 3: countries written as names, ISO-3 codes and common variants read as ISO 3166 alpha-2,
with one lookup for every reader; an unknown country is quarantined with its value."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bridgewatch.sources import countries

from .helpers import problems, read, rows


@pytest.mark.parametrize(("value", "code"), [
    ("GB", "GB"), ("gb", "GB"), ("GBR", "GB"), ("United Kingdom", "GB"), ("UK", "GB"), ("U.K.", "GB"),
    ("Great Britain", "GB"), ("England", "GB"), ("USA", "US"), ("United States", "US"),
    ("United States of America", "US"), ("Republic of Ireland", "IE"), ("Ireland", "IE"), ("IRL", "IE"),
    ("The Netherlands", "NL"), ("Holland", "NL"), ("Deutschland", "DE"), ("Royaume-Uni", "GB"), ("España", "ES"),
    ("Espana", "ES"), ("  czech republic ", "CZ"), ("Czechia", "CZ"), ("Korea, Republic of", "KR"),
    ("South Korea", "KR"), ("Türkiye", "TR"), ("Turkey", "TR"), ("Côte d'Ivoire", "CI"), ("Kosovo", "XK"),
    ("Atlantis", "Atlantis"), ("", None), (None, None),
])
def test_the_shared_lookup(value: str | None, code: str | None) -> None:
    con = duckdb.connect()
    countries.register(con)
    assert con.execute(f"SELECT {countries.country_sql('v')} FROM (SELECT CAST(? AS VARCHAR) AS v)",
                       [value]).fetchall() == [(code,)]


def test_intacct_country_names_give_the_prefix_of_bare_vat_numbers_and_unknown_ones_are_quarantined(
        tmp_path: Path) -> None:
    page = tmp_path / "customers.xml"
    records = [("C-1", "Ireland", "6388047V"), ("C-2", "United Kingdom", "980780684"), ("C-3", "Atlantis", "1"),
               ("C-4", "ZZ", "2"), ("C-5", "", "3")]
    body = "".join(f"<customer><CUSTOMERID>{a}</CUSTOMERID><TAXID>{t}</TAXID><DISPLAYCONTACT><MAILADDRESS>"
                   f"<COUNTRY>{c}</COUNTRY></MAILADDRESS></DISPLAYCONTACT></customer>" for a, c, t in records)
    page.write_text(f"<response><operation><result><status>success</status><data>{body}</data></result>"
                    f"</operation></response>")
    result = read("sage_intacct_xml", [page])
    assert rows(result, "erp_customers", "customer_account", "country") == [("C-1", "IE"), ("C-2", "GB"),
                                                                            ("C-5", None)]
    assert problems(result) == [
        ("customers.xml", 3, "DISPLAYCONTACT.MAILADDRESS.COUNTRY", "Atlantis", countries.HINT),
        ("customers.xml", 4, "DISPLAYCONTACT.MAILADDRESS.COUNTRY", "ZZ", countries.HINT)]


def test_bigcommerce_csv_and_api_country_names(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("Order ID,Customer ID,Order Date,Order Status,Order Total (inc tax),Order Currency Code,"
                      "Shipping Country,Billing Country\n"
                      "1,0,06/16/2026 09:12:44,Shipped,£10.00,GBP,United Kingdom,\n"
                      "2,0,06/16/2026 09:12:44,Shipped,€10.00,EUR,,Ireland\n"
                      "3,0,06/16/2026 09:12:44,Shipped,€10.00,EUR,Republic of Ireland,\n")
    assert rows(read("bigcommerce_csv", [orders]), "orders", "order_id", "ship_to_country") == [
        ("1", "GB"), ("2", "IE"), ("3", "IE")]


@pytest.mark.parametrize(("value", "code"), [
    ("Bosnia & Herzegovina", "BA"), ("Trinidad & Tobago", "TT"), ("Antigua & Barbuda", "AG"),
    ("St Kitts & Nevis", "KN"), ("St Kitts and Nevis", "KN"), ("St. Kitts and Nevis", "KN"), ("St Lucia", "LC"),
    ("St Vincent and the Grenadines", "VC"), ("St Helena", "SH"), ("Saint Helena", "SH"), ("UAE", "AE"),
    ("U.S. Virgin Islands", "VI"), ("US Virgin Islands", "VI"), ("Sint Maarten", "SX"), ("East Timor", "TL"),
    ("Palestine", "PS"), ("Democratic Republic of the Congo", "CD"), ("DR Congo", "CD"),
    ("Republic of the Congo", "CG"), ("Netherlands, The", "NL"), ("Bahamas, The", "BS"), ("Gambia, The", "GM"),
    ("Ivory Coast", "CI"), ("Czech Republic", "CZ"), ("Macedonia", "MK"), ("North Macedonia", "MK"),
    ("Swaziland", "SZ"), ("Burma", "MM"), ("South Korea", "KR"), ("North Korea", "KP"), ("Russia", "RU"),
    ("Vietnam", "VN"), ("Laos", "LA"), ("Iran", "IR"), ("Syria", "SY"), ("Bolivia", "BO"), ("Venezuela", "VE"),
    ("Tanzania", "TZ"), ("Moldova", "MD"), ("Vatican", "VA"), ("Holy See", "VA"), ("Micronesia", "FM"),
    ("Cape Verde", "CV"), ("Turkey", "TR"), ("Türkiye", "TR"), ("Brunei", "BN"), ("Falkland Islands", "FK"),
    ("Libyan Arab Jamahiriya", "LY"), ("Korea, South", "KR"), ("Korea, North", "KP"), ("Congo-Kinshasa", "CD"),
    ("Congo (Kinshasa)", "CD"), ("Congo-Brazzaville", "CG"), ("Congo (Brazzaville)", "CG"), ("Zaire", "CD"),
    ("Zaïre", "CD"), ("Caribbean Netherlands", "BQ"), ("Bonaire", "BQ"), ("Bosnia-Herzegovina", "BA"),
    ("St Maarten", "SX"), ("St. Vincent", "VC"), ("Ceylon", "LK"), ("West Germany", "DE"), ("Suomi", "FI"),
    # Not countries, or not one country: left as they are (quarantined), never guessed.
    ("Netherlands Antilles", "Netherlands Antilles"), ("St", "ST"), ("Saint", "Saint"), ("&", "&"),
    ("Virgin Islands", "Virgin Islands"), ("St Martin", "St Martin"), ("Yugoslavia", "Yugoslavia"),
    ("Czechoslovakia", "Czechoslovakia"), ("USSR", "USSR"), ("Channel Islands", "Channel Islands"),
])
def test_names_real_exports_use(value: str, code: str) -> None:
    con = duckdb.connect()
    countries.register(con)
    assert con.execute(f"SELECT {countries.country_sql('v')} FROM (SELECT CAST(? AS VARCHAR) AS v)",
                       [value]).fetchall() == [(code,)]


def test_every_iso_name_and_code_still_reads_as_its_own_country() -> None:
    """The '&', 'St' and ', The' rules make no ISO name or code read as another country (or none)."""
    import pycountry
    pairs = [(n, c.alpha_2) for c in pycountry.countries for n in (c.alpha_2, c.alpha_3, c.name)]
    con = duckdb.connect()
    countries.register(con)
    con.execute("CREATE TABLE t (v VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", pairs)
    assert con.execute(f"SELECT v, code, {countries.country_sql('v')} FROM t "
                       f"WHERE {countries.country_sql('v')} IS DISTINCT FROM code").fetchall() == []


def test_a_retired_country_split_in_several_is_quarantined_with_its_reason(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("Order ID,Customer ID,Order Date,Order Status,Order Total (inc tax),Order Currency Code,"
                      "Shipping Country,Billing Country\n"
                      "1,0,06/16/2026 09:12:44,Shipped,$10.00,USD,Netherlands Antilles,\n"
                      "2,0,06/16/2026 09:12:44,Shipped,$10.00,USD,Trinidad & Tobago,\n"
                      "3,0,06/16/2026 09:12:44,Shipped,$10.00,USD,\"Bahamas, The\",\n"
                      "4,0,06/16/2026 09:12:44,Shipped,$10.00,USD,AN,\n"
                      "5,0,06/16/2026 09:12:44,Shipped,$10.00,USD,Atlantis,\n"
                      "6,0,06/16/2026 09:12:44,Shipped,$10.00,USD,St. Martin,\n"
                      "7,0,06/16/2026 09:12:44,Shipped,$10.00,USD,Czechoslovakia,\n"
                      "8,0,06/16/2026 09:12:44,Shipped,$10.00,USD,Zaire,\n")
    result = read("bigcommerce_csv", [orders])
    assert rows(result, "orders", "order_id", "ship_to_country") == [("2", "TT"), ("3", "BS"), ("8", "CD")]
    retired = countries.RETIRED["Netherlands Antilles"]
    assert retired.startswith("the Netherlands Antilles were dissolved in 2010")
    assert problems(result) == [("orders.csv", 1, "Shipping Country", "Netherlands Antilles", retired),
                                ("orders.csv", 4, "Shipping Country", "AN", retired),
                                ("orders.csv", 5, "Shipping Country", "Atlantis", countries.HINT),
                                ("orders.csv", 6, "Shipping Country", "St. Martin", countries.RETIRED["St Martin"]),
                                ("orders.csv", 7, "Shipping Country", "Czechoslovakia",
                                 countries.RETIRED["Czechoslovakia"])]
    assert countries.RETIRED["St Martin"].startswith("the island of Saint Martin is two countries")


def test_each_retired_key_has_one_reason_and_the_lookup_never_finds_it() -> None:
    """The retired reasons are joined on the value's key beside the lookup (one row per key, or a value would be
    read twice); a retired name the lookup also knew would be replaced by a code and never quarantined."""
    keys = countries.retired_table().column("key").to_pylist()
    assert len(keys) == len(set(keys)) == 15  # sixteen names; "St Martin" and "Saint Martin" share a key
    assert set(keys) & set(countries.lookup_table().column("key").to_pylist()) == set()


def test_shopify_codes_for_ascension_and_tristan_da_cunha_are_saint_helena(tmp_path: Path) -> None:
    """Shopify's country list has AC (Ascension Island) and TA (Tristan da Cunha), codes ISO 3166 reserves for
    parts of Saint Helena, Ascension and Tristan da Cunha (SH): an order shipped there was quarantined as an
    unknown country (the order lost from the count); it reads as SH on every route."""
    (tmp_path / "orders_export.csv").write_text(
        "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Id,Shipping Country\n"
        "#1,a@example.com,paid,GBP,1.00,2026-04-05 21:06:21 +0100,1,11,AC\n"
        "#2,a@example.com,paid,GBP,2.00,2026-04-05 21:06:21 +0100,1,12,TA\n"
        "#3,a@example.com,paid,GBP,3.00,2026-04-05 21:06:21 +0100,1,13,Tristan da Cunha\n", encoding="utf-8")
    result = read("shopify_csv", [tmp_path / "orders_export.csv"])
    assert rows(result, "orders", "order_id", "ship_to_country") == [("11", "SH"), ("12", "SH"), ("13", "SH")]
    assert not problems(result)
