"""``business_central_csv``: the Business Central Customers list exported to CSV, one company per source."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bridgewatch.errors import ConfigError, InputError

from .helpers import accounts, problems, read, rows

HEADER = ("No.;Name;Responsibility Center;Phone No.;Contact;Email;VAT Registration No.;Country/Region Code;"
          "Blocked;Last Date Modified;Balance (LCY)\n")


def _export(tmp_path: Path, body: str, header: str = HEADER, name: str = "Customers.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_the_list_export_gives_the_company_s_customers_with_their_blocked_state(tmp_path: Path) -> None:
    path = _export(tmp_path, (
        "10000;Adatum Corporation;;0123;Robert;robert@adatum.example;GB789456278;GB;;24/01/2026;1.234,50\n"
        "20000;Trey Research;;;;;;GB;Ship;03/02/2026;0,00\n"
        "30000;School of Fine Art;;;;art@school.example;;US;Invoice;3/02/2026;0,00\n"
        "40000;Alpine Ski House;;;;;;DE;All;13/02/2026;0,00\n"))
    result = read("business_central_csv", [path], company="CRONUS UK")
    assert rows(result, "erp_customers", "system", "legal_entity", "customer_account", "name", "email", "vat_number",
                "country", "status", "modified_at") == [
        ("business_central", "CRONUS UK", "10000", "Adatum Corporation", "robert@adatum.example", "GB789456278", "GB",
         "active", datetime(2026, 1, 24)),
        ("business_central", "CRONUS UK", "20000", "Trey Research", None, None, "GB", "on_hold", datetime(2026, 2, 3)),
        ("business_central", "CRONUS UK", "30000", "School of Fine Art", "art@school.example", None, "US", "on_hold",
         datetime(2026, 2, 3)),
        ("business_central", "CRONUS UK", "40000", "Alpine Ski House", None, None, "DE", "blocked",
         datetime(2026, 2, 13)),
    ]
    assert accounts(result)[("erp_customers", "Customers.csv")]["read"] == 4
    assert problems(result) == []


def test_an_unknown_blocked_value_and_a_bad_date_are_quarantined_with_row_and_column(tmp_path: Path) -> None:
    path = _export(tmp_path, (
        "10000;Adatum Corporation;;;;;;GB;;24/01/2026;0\n"
        "20000;Trey Research;;;;;;GB;Everything;24/01/2026;0\n"
        "30000;School of Fine Art;;;;;;GB;;yesterday;0\n"))
    result = read("business_central_csv", [path], company="CRONUS UK")
    assert rows(result, "erp_customers", "customer_account") == [("10000",)]
    assert problems(result) == [
        ("Customers.csv", 2, "Blocked", "Everything", "unknown Blocked value (known: '', _x0020_, all, invoice, ship); "
                                                      "add it to the status_map option"),
        ("Customers.csv", 3, "Last Date Modified", "yesterday", "expected a date and time such as '06/16/2026'"),
    ]


def test_translated_captions_and_the_external_id_column_are_named_in_options(tmp_path: Path) -> None:
    path = _export(tmp_path, "C-1;Müller GmbH;mueller@shop.example;DE129273398;DE;;2026-03-01;gid-77\n",
                   header="Nr.;Name;E-Mail;USt-IdNr.;Länder-/Regionscode;Gesperrt;Korrigiert am;Shop ID\n")
    result = read("business_central_csv", [path], company="CRONUS DE", external_id_field="Shop ID",
                  columns={"no": "Nr.", "vat": "USt-IdNr.", "country": "Länder-/Regionscode", "blocked": "Gesperrt",
                           "modified": "Korrigiert am", "email": "E-Mail"})
    assert rows(result, "erp_customers", "customer_account", "email", "vat_number", "country", "status",
                "external_id", "modified_at") == [
        ("C-1", "mueller@shop.example", "DE129273398", "DE", "active", "gid-77", datetime(2026, 3, 1))]


def test_without_a_company_the_source_is_a_configuration_error(tmp_path: Path) -> None:
    path = _export(tmp_path, "10000;Adatum Corporation;;;;;;GB;;24/01/2026;0\n")
    with pytest.raises(ConfigError, match=r"sources\.test\.options\.company: a Business Central customer list"):
        read("business_central_csv", [path])


def test_another_export_is_refused_naming_the_columns_looked_for(tmp_path: Path) -> None:
    path = _export(tmp_path, "1;x\n", header="Customer ID;Name\n", name="intacct.csv")
    with pytest.raises(InputError, match="Business Central customer list export") as caught:
        read("business_central_csv", [path], company="CRONUS UK")
    assert "No." in str(caught.value)


def test_a_list_exported_in_another_language_maps_its_blocked_values_with_status_map(tmp_path: Path) -> None:
    """Open in Excel writes option values in the user's language, as it writes the captions: without a way to map
    them, every held or blocked customer was quarantined and looked absent from the master."""
    path = _export(tmp_path, "10000;Adatum GmbH;;;;;;DE;Rechnung;24/01/2026;0,00\n20000;Trey AG;;;;;;DE;Alle;"
                             "03/02/2026;0,00\n30000;Fabrikam;;;;;;DE;;03/02/2026;0,00\n",
                   header=HEADER.replace("Blocked", "Gesperrt"))
    result = read("business_central_csv", [path], company="CRONUS DE", columns={"blocked": "Gesperrt"},
                  status_map={"Rechnung": "on_hold", "alle": "blocked"})
    assert rows(result, "erp_customers", "customer_account", "status") == [
        ("10000", "on_hold"), ("20000", "blocked"), ("30000", "active")]
    unmapped = read("business_central_csv", [path], company="CRONUS DE", columns={"blocked": "Gesperrt"})
    assert [p[2:] for p in problems(unmapped)] == [
        ("Gesperrt", "Rechnung", "unknown Blocked value (known: '', _x0020_, all, invoice, ship); add it to the "
                                 "status_map option"),
        ("Gesperrt", "Alle", "unknown Blocked value (known: '', _x0020_, all, invoice, ship); add it to the "
                             "status_map option")]
