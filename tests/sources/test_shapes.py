"""File shapes users hit: BOM, ';' and decimal comma, CRLF, quoted newlines, Latin-1, thousand separators,
leading zeros, timestamps with and without zone."""

from __future__ import annotations

import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from bridgewatch.errors import InputError
from bridgewatch.sources.shapes import Field, money, timestamp

from .helpers import accounts, problems, read, rows

LOG_HEADER = "event_id,occurred_at,customer_ref,outcome,rejection_reason"


@pytest.mark.parametrize(("text", "comma", "expected"), [
    ("1,234.50", False, "1234.50"), ("1234.5", False, "1234.5"), ("£1,234.50", False, "1234.50"),
    ("-12", False, "-12"), ("1.234,50", True, "1234.50"), ("1 234,50 €", True, "1234.50"), ("12,5", True, "12.5"),
    ("1,23,4", False, "1,23,4"), ("1.234,50", False, "1.234,50"), ("1,234.50", True, "1,234.50"),
])
def test_money_rewrites_only_the_files_own_convention(text: str, comma: bool, expected: str) -> None:
    sql = money(Field("r.v"), "TRUE" if comma else "FALSE").sql
    got = duckdb.connect().execute(f"SELECT {sql} FROM (SELECT ? AS v) AS r", [text]).fetchone()
    assert got == (expected,)


@pytest.mark.parametrize(("text", "formats", "zone", "expected"), [
    ("2025-10-02 17:09:34 -0300", ("%Y-%m-%d %H:%M:%S %z",), None, "2025-10-02 20:09:34"),
    ("2026-06-16T09:12:44Z", (), None, "2026-06-16 09:12:44"),
    ("2026-06-16 09:12:44", (), None, "2026-06-16 08:12:44"),
    ("2026-06-16 09:12:44", (), "UTC", "2026-06-16 09:12:44"),
    ("06/16/2026 09:12:44", ("%m/%d/%Y %H:%M:%S",), None, "2026-06-16 08:12:44"),
])
def test_timestamps_with_offsets_stay_exact_and_naive_ones_use_the_zone(text: str, formats: tuple[str, ...],
                                                                          zone: str | None, expected: str) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/London'")
    sql = timestamp(Field("r.v"), formats, zone=zone).sql
    got = con.execute(f"SELECT CAST(timezone('UTC', CAST({sql} AS TIMESTAMPTZ)) AS TIMESTAMP)::VARCHAR "
                      f"FROM (SELECT ? AS v) AS r", [text]).fetchone()
    assert got == (expected,)


def _log(tmp_path: Path, body: str, *, encoding: str = "utf-8", name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def test_bom_crlf_and_quoted_newlines(tmp_path: Path) -> None:
    path = _log(tmp_path, "\ufeff" + LOG_HEADER + "\r\nE1,2026-06-18T11:05:00Z,00417,failed,"
                "\"line one\r\nline two\"\r\nE2,2026-06-18T11:06:00Z,00418,ok,\r\n")
    result = read("sync_log", [path])
    assert rows(result, "sync_events", "event_id", "customer_ref", "outcome", "rejection_reason", "source_row") == [
        ("E1", "00417", "failed", "line one\r\nline two", 1), ("E2", "00418", "succeeded", None, 2)]


def test_semicolon_files_read_decimal_comma(tmp_path: Path) -> None:
    header = "Name;Email;Financial Status;Currency;Total;Created at;Lineitem quantity;Id"
    path = _log(tmp_path, header + "\n#1;a@b.example;paid;EUR;1.234,50;2026-06-18 13:02:03 +0200;1;0001\n",
                name="orders_export.csv")
    result = read("shopify_csv", [path])
    assert rows(result, "orders", "order_id", "total", "created_at") == [
        ("0001", Decimal("1234.50"), datetime(2026, 6, 18, 11, 2, 3))]


def test_latin1_export_is_read(tmp_path: Path) -> None:
    path = _log(tmp_path, LOG_HEADER + "\nE1,2026-06-18T11:05:00Z,C1,failed,Adresse ungültig – Straße fehlt\n",
                encoding="cp1252")
    result = read("sync_log", [path])
    assert rows(result, "sync_events", "rejection_reason") == [("Adresse ungültig – Straße fehlt",)]


def test_a_row_with_too_many_or_too_few_fields_is_quarantined_with_its_line(tmp_path: Path) -> None:
    path = _log(tmp_path, LOG_HEADER + "\nE1,2026-06-18T11:05:00Z,C1,failed,x,extra,more"
                                       "\nE2,2026-06-18T11:06:00Z,C2,failed,y\nE3,2026-06-18T11:07:00Z\n")
    result = read("sync_log", [path])
    assert rows(result, "sync_events", "event_id", "customer_ref", "source_row") == [("E2", "C2", 2)]
    assert problems(result) == [
        ("log.csv", 1, None, "E1,2026-06-18T11:05:00Z,C1,failed,x,extra,more",
         "line 2: too many columns: Expected Number of Columns: 5 Found: 7"),
        ("log.csv", 3, None, "E3,2026-06-18T11:07:00Z",
         "line 4: missing columns: Expected Number of Columns: 5 Found: 2")]
    assert accounts(result)[("sync_events", "log.csv")] == {"read": 3, "used": 1, "excluded": {}, "quarantined": 2}


def test_a_windows_line_that_does_not_fit_is_quarantined_as_written(tmp_path: Path) -> None:
    path = _log(tmp_path, LOG_HEADER + "\r\nE1,2026-06-18T11:05:00Z,C1,failed,x,extra\r\nE2,2026-06-18T11:06:00Z,C2,"
                                       "failed,y\r\nE3,2026-06-18T11:07:00Z\r\n")
    assert problems(read("sync_log", [path])) == [
        ("log.csv", 1, None, "E1,2026-06-18T11:05:00Z,C1,failed,x,extra",
         "line 2: too many columns: Expected Number of Columns: 5 Found: 6"),
        ("log.csv", 3, None, "E3,2026-06-18T11:07:00Z",
         "line 4: missing columns: Expected Number of Columns: 5 Found: 2")]


def test_blank_header_cells_a_spreadsheet_leaves_are_read_past(tmp_path: Path) -> None:
    path = _log(tmp_path, "Customer ID,First Name,Last Name,Email,Default Address Country Code,,\r\n"
                          "'7001,Ana,Lopez,ana@shop.example,ES,,\r\n'7002,Bo,Berg,bo@shop.example,SE,,\r\n",
                name="customers_export.csv")
    result = read("shopify_csv", [path])
    assert rows(result, "commerce_customers", "customer_id", "name", "email", "country", "source_row") == [
        ("7001", "Ana Lopez", "ana@shop.example", "ES", 1), ("7002", "Bo Berg", "bo@shop.example", "SE", 2)]
    assert not problems(result)


def test_a_workbook_that_is_no_more_than_a_zip_of_parts_is_named_as_damaged(tmp_path: Path) -> None:
    workbook = tmp_path / "customers_export.xlsx"
    with zipfile.ZipFile(workbook, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError) as err:
        read("shopify_csv", [workbook])
    assert str(err.value).split("\n")[0].startswith(f"{workbook}: an Excel workbook that cannot be read (")
    assert str(err.value).split("\n")[0].endswith("): it may be cut short or damaged. Download or export it "
                                                  "again, or open it in Excel and save it again.")
    assert [(p.file, p.reason) for p in err.value.problems] == [(str(workbook), "damaged Excel workbook")]


def test_missing_timestamp_zone_option_overrides_workspace(tmp_path: Path) -> None:
    path = _log(tmp_path, LOG_HEADER + "\nE1,2026-06-18 11:05:00,C1,failed,\n")
    assert rows(read("sync_log", [path], zone="Europe/London"), "sync_events", "occurred_at") == [
        (datetime(2026, 6, 18, 10, 5),)]
    assert rows(read("sync_log", [path], zone="Europe/London", timezone="America/New_York"),
                "sync_events", "occurred_at") == [(datetime(2026, 6, 18, 15, 5),)]


def test_bad_timestamp_in_a_log_is_quarantined(tmp_path: Path) -> None:
    path = _log(tmp_path, LOG_HEADER + "\nE1,yesterday,C1,failed,\n")
    assert problems(read("sync_log", [path])) == [
        ("log.csv", 1, "occurred_at", "yesterday", "expected a date and time such as 2026-04-10T09:30:00Z")]


def test_an_empty_line_is_a_row_and_the_rows_after_it_keep_the_numbers_a_spreadsheet_shows(tmp_path: Path) -> None:
    """DuckDB skips an empty line; it is a row in a spreadsheet (header not counted), so the rows after it,
    quarantined ones included, are numbered past it. An empty line inside a quoted cell is not a row."""
    lines = [LOG_HEADER, 'E1,2026-06-18T11:05:00Z,C1,failed,"first line', "", 'third line"', "",
             "E3,2026-06-18T11:06:00Z,C3,ok,", "E4,2026-06-18T11:07:00Z", "", "",
             "E7,2026-06-18T11:08:00Z,C7,exploded,", "E8,2026-06-18T11:09:00Z,C8,ok,", "", ""]
    for newline in ("\n", "\r\n"):
        result = read("sync_log", [_log(tmp_path, newline.join(lines))])
        assert rows(result, "sync_events", "event_id", "source_row") == [("E1", 1), ("E3", 3), ("E8", 8)]
        assert sorted((p[1], p[3]) for p in problems(result)) == [(4, "E4,2026-06-18T11:07:00Z"), (7, "exploded")]
        assert accounts(result)[("sync_events", "log.csv")] == {"read": 5, "used": 3, "excluded": {},
                                                                 "quarantined": 2}


def test_a_line_that_does_not_fit_after_a_quoted_cell_with_line_breaks_is_named_by_its_editor_line(
        tmp_path: Path) -> None:
    """DuckDB's own line number counts a quoted cell holding line breaks as one line; the reason names the line
    a text editor shows, the row stays the data row."""
    body = (LOG_HEADER + '\r\nE1,2026-06-18T11:05:00Z,C1,failed,"line one\r\nline two\r\n\r\nline four"'
            "\r\nE2,2026-06-18T11:06:00Z\r\nE3,2026-06-18T11:07:00Z,C3,ok,\r\nE4,2026-06-18T11:08:00Z,C4,ok,x,y\r\n")
    result = read("sync_log", [_log(tmp_path, body)])
    assert rows(result, "sync_events", "event_id", "source_row") == [("E1", 1), ("E3", 3)]
    assert problems(result) == [
        ("log.csv", 2, None, "E2,2026-06-18T11:06:00Z",
         "line 6: missing columns: Expected Number of Columns: 5 Found: 2"),
        ("log.csv", 4, None, "E4,2026-06-18T11:08:00Z,C4,ok,x,y",
         "line 8: too many columns: Expected Number of Columns: 5 Found: 6")]


def test_a_csv_with_classic_mac_line_endings_reads_as_with_crlf(tmp_path: Path) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with CR alone: reading the header raised Python's csv.Error
    (a traceback, "new-line character seen in unquoted field") instead of reading the file."""
    header = "Order ID,Customer ID,Order Date,Order Status,Order Total (inc tax),Order Currency Code"
    body = ["1,7,06/16/2026 09:12:44,Shipped,\"$1,600.00\",USD", "2,0,06/17/2026 09:12:44,Cancelled,£12.00,GBP"]
    crlf, cr = tmp_path / "crlf" / "orders.csv", tmp_path / "cr" / "orders.csv"
    for path, end in ((crlf, "\r\n"), (cr, "\r")):
        path.parent.mkdir()
        path.write_bytes(end.join([header, *body, ""]).encode("cp1252"))
    expected = [("1", "7", "USD", Decimal("1600.0000"), False, 1), ("2", None, "GBP", Decimal("12.0000"), True, 2)]
    for path in (crlf, cr):
        result = read("bigcommerce_csv", [path])
        assert rows(result, "orders", "order_id", "customer_id", "currency", "total", "cancelled",
                    "source_row") == expected
        assert problems(result) == []


def test_a_binary_file_named_csv_is_refused_with_a_message(tmp_path: Path) -> None:
    """A file of other bytes with a .csv name (a PDF, a Numbers file): Python's csv.Error escaped as a traceback."""
    pdf = tmp_path / "orders.csv"
    pdf.write_bytes(b"%PDF-1.7\r%\xe2\xe3\xcf\xd3\r\n1 0 obj\r<</Type/Catalog\x00\x9f\"\r\x01\x02>>\nendobj\n")
    with pytest.raises(InputError, match="orders.csv: not a file this reader knows"):
        read("shopify_csv", [pdf])
    blob = tmp_path / "customers.csv"  # a quote opened and never closed: a 'cell' past the csv module's field limit
    blob.write_bytes(b'"' + b"\x8f\x01" * 100_000)
    with pytest.raises(InputError, match="customers.csv: not a CSV file this reader can read"):
        read("shopify_csv", [blob])
