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
