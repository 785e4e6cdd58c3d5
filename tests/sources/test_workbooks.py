"""Excel workbooks (.xlsx) read by every CSV reader: the same export via CSV and via Excel gives the same rows."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bridgewatch.errors import InputError
from bridgewatch.fingerprint import input_fingerprint
from bridgewatch.ingest.workbook import cell_text, shared_strings, workbook_csv

from .helpers import FIXTURES, accounts, problems, read, rows

Rows = Sequence[Sequence[Any]]


def book(path: Path, sheets: Mapping[str, Rows], *, hidden: Sequence[str] = (),
         formats: Mapping[tuple[str, str], str] | None = None) -> Path:
    """A workbook with ``sheets`` (name → rows, in order), ``hidden`` sheets hidden, and number formats by
    (sheet, cell)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, data in sheets.items():
        ws = wb.create_sheet(name)
        for r, values in enumerate(data, 1):
            for c, value in enumerate(values, 1):
                if value is not None:
                    ws.cell(r, c, value)
        if name in hidden:
            ws.sheet_state = "hidden"
    for (sheet, cell), fmt in (formats or {}).items():
        wb[sheet][cell].number_format = fmt
    wb.save(path)
    return path


def csv_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=delimiter))


def same_rows(a: Any, b: Any, table: str) -> None:
    """The canonical rows of two reads are identical but for the file they name."""
    columns = [c for c in a.tables[table].column_names if c != "source_file"]
    assert rows(a, table, *columns) == rows(b, table, *columns)
    assert a.tables[table].num_rows > 0


# -- cells ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "fmt", "text"), [
    ("00417", None, "00417"),
    (6829875249222, None, "6829875249222"),
    (6829875249222.0, None, "6829875249222"),
    (12.1, None, "12.1"),
    (1840.5, "#,##0.00", "1840.5"),
    (0.1 + 0.2, None, "0.30000000000000004"),
    (1e-05, None, "0.00001"),
    (-3.0, None, "-3"),
    (417, "00000", "00417"),
    (True, None, "TRUE"),
    (False, None, "FALSE"),
    (datetime(2026, 6, 16), "yyyy-mm-dd", "2026-06-16"),
    (datetime(2026, 6, 16), "mm/dd/yyyy hh:mm", "2026-06-16 00:00:00"),
    (datetime(2026, 6, 16, 9, 12, 44), "yyyy-mm-dd h:mm:ss", "2026-06-16 09:12:44"),
    (datetime(2026, 6, 16, 9, 12, 43, 999999), "General", "2026-06-16 09:12:44"),
    (datetime(2026, 6, 16, 9, 12, 44, 250000), "hh:mm:ss.000", "2026-06-16 09:12:44.250"),
    (date(2026, 6, 16), None, "2026-06-16"),
    (time(9, 12, 44), None, "09:12:44"),
    ("#N/A", None, "#N/A"),
    (None, None, ""),
])
def test_a_cell_becomes_the_text_a_vendor_csv_holds(value: object, fmt: str | None, text: str) -> None:
    assert cell_text(value, fmt) == text


def test_shared_strings_read_as_excel_shows_them() -> None:
    """Plain, rich text (runs), phonetic hints left out, escaped characters (``_x000D_``) and an empty string."""
    part = ('<?xml version="1.0" encoding="UTF-8"?><x:sst xmlns:x="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" count="5" uniqueCount="5">'
            '<x:si><x:t>00417</x:t></x:si>'
            '<x:si><x:r><x:rPr><x:b/></x:rPr><x:t>Harbour </x:t></x:r><x:r><x:t xml:space="preserve">Tools  Ltd'
            '</x:t></x:r></x:si>'
            '<x:si><x:t>東京</x:t><x:rPh sb="0" eb="2"><x:t>トウキョウ</x:t></x:rPh></x:si>'
            '<x:si><x:t>1 High St_x000D_\nUnit 4 &amp; 5 _x005F_x0041_</x:t></x:si>'
            '<x:si><x:t/></x:si></x:sst>')
    strings = shared_strings(io.BytesIO(part.encode()))
    assert strings == ["00417", "Harbour Tools  Ltd", "東京", "1 High St_x000D_\nUnit 4 & 5 _x005F_x0041_", ""]
    assert [cell_text(t) for t in strings[3:]] == ["1 High St\r\nUnit 4 & 5 _x0041_", ""]


def test_a_sheet_is_written_as_the_csv_excel_would_save(tmp_path: Path) -> None:
    """Empty rows above the header are skipped, an empty row inside the data stays a row, empty rows under it
    are not rows; typed cells become text; a multi-line cell stays one cell."""
    path = book(tmp_path / "b.xlsx", {"Data": [
        [], [None, None],
        ["id", "name", "spent", "since", "vip", "zip", None],
        [6829875249222, "Ana\nPérez", 1840.5, datetime(2026, 6, 16, 9, 12, 44), True, "00417"],
        [],
        [42, "a=b", None, date(2026, 6, 16), False, 417],
        [], []]}, formats={("Data", "F6"): "00000"})
    sheet = workbook_csv(path, tmp_path / "out.csv", label=path, accepts=lambda h: True)
    assert sheet is not None and (sheet.sheet, sheet.header) == ("Data", ("id", "name", "spent", "since", "vip", "zip"))
    assert csv_rows(tmp_path / "out.csv") == [
        ["id", "name", "spent", "since", "vip", "zip"],
        ["6829875249222", "Ana\nPérez", "1840.5", "2026-06-16 09:12:44", "TRUE", "00417"],
        ["", "", "", "", "", ""],
        ["42", "a=b", "", "2026-06-16", "FALSE", "00417"]]


def test_a_value_past_the_headers_last_column_widens_every_row(tmp_path: Path) -> None:
    path = book(tmp_path / "b.xlsx", {"Data": [["a", "b"], [1, 2], [3, 4, None, "x"]]})
    sheet = workbook_csv(path, tmp_path / "out.csv", label=path, accepts=lambda h: True)
    assert sheet is not None and sheet.header == ("a", "b", "", "")
    assert csv_rows(tmp_path / "out.csv") == [["a", "b", "", ""], ["1", "2", "", ""], ["3", "4", "", "x"]]


# -- vendor readers: the Excel route gives the CSV route's rows ---------------------------------

DMF = [["CUSTOMERACCOUNT", "DATAAREAID", "ORGANIZATIONNAME", "PERSONFIRSTNAME", "PERSONLASTNAME",
        "PRIMARYCONTACTEMAIL", "TAXEXEMPTNUMBER", "ADDRESSCOUNTRYREGIONISOCODE", "ONHOLDSTATUS"],
       ["GB-00421", "gbsi", "Harbour Tools Ltd", None, None, "ap@harbourtools.co.uk", "GB980780684", "GB", "No"],
       ["00417", "usmf", "One", None, None, None, None, None, "Frozen"],
       ["US-000201", "usmf", None, "Dana", "Wu", "dana.wu@mail.example", None, "US", "All"]]


def _csv_of(path: Path, data: Rows, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows([["" if v is None else v for v in r] for r in data])
    return path


EXPORTS = [  # every CSV reader: a fixture export, the options it is read with (and, as a workbook, also)
    ("shopify_csv", "shopify/*_export.csv", {}, {}),
    ("bigcommerce_csv", "bigcommerce/*.csv", {"b2b_groups": ["Trade"]}, {}),
    # text cells written 1.190,00 (a ';' file): a workbook has no separator to tell, the option says it
    ("adobe_commerce_csv", "adobe/*.csv", {"currency": "EUR", "timezone": "Europe/Berlin"}, {"decimal_comma": True}),
    ("adobe_commerce_csv", "adobe/dates/customer_main_dmy.csv", {}, {}),
    ("sage_intacct_csv", "intacct/customer_list.csv", {}, {}),
    ("d365_fo_csv", "d365/customers_v3_export.csv", {}, {}),
    ("business_central_csv", "business_central/customers_list.csv", {"company": "CRONUS UK"}, {}),
    ("business_central_connector_log", "synclogs/skipped_records.csv", {"company": "CRONUS UK"}, {}),
    ("sync_log", "synclogs/sage_connector_log.csv", {}, {}),
]


def _as_workbook(src: Path, target: Path) -> Path:
    """The CSV opened in Excel and saved as a workbook, every cell kept as the text it was."""
    text = src.read_bytes().decode("utf-8-sig")
    delimiter = max((",", ";", "\t"), key=text.splitlines()[0].count)
    return book(target, {src.stem: [[v or None for v in r] for r in csv.reader(io.StringIO(text),
                                                                                delimiter=delimiter)]})


@pytest.mark.parametrize(("reader", "pattern", "options", "excel"), EXPORTS)
def test_every_csv_reader_reads_the_export_saved_as_a_workbook_alike(
        tmp_path: Path, reader: str, pattern: str, options: dict[str, Any], excel: dict[str, Any]) -> None:
    sources = sorted(FIXTURES.glob(pattern))
    by_csv = read(reader, sources, **options)
    by_excel = read(reader, [_as_workbook(p, tmp_path / f"{p.stem}.xlsx") for p in sources], **options, **excel)
    for table in [t for t, data in by_csv.tables.items() if data.num_rows]:
        same_rows(by_csv, by_excel, table)
    assert [p[1:] for p in problems(by_excel)] == [p[1:] for p in problems(by_csv)]
    assert [(Path(a.file).name, a.table, a.read, a.used, dict(a.excluded), a.quarantined_rows)
            for a in by_excel.accounts] == [
        (f"{Path(a.file).stem}.xlsx[{Path(a.file).stem}]", a.table, a.read, a.used, dict(a.excluded),
         a.quarantined_rows) for a in by_csv.accounts]


def test_d365_customers_v3_as_excel_alone_and_in_a_data_package(tmp_path: Path) -> None:
    alone = read("d365_fo_csv", [_csv_of(tmp_path / "Customers V3.csv", DMF)])
    workbook = book(tmp_path / "Customers V3.xlsx", {"Customers V3": DMF})
    excel = read("d365_fo_csv", [workbook])
    package = tmp_path / "CustomersExport.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("Manifest.xml", "<DataManagementPackageManifest />")
        zf.writestr("PackageHeader.xml", "<DataManagementPackageHeader />")
        zf.write(workbook, "Customers V3.xlsx")
        zf.write(book(tmp_path / "groups.xlsx", {"Customer groups": [["CUSTOMERGROUPID"], ["10"]]}),
                 "Customer groups.xlsx")
    packaged = read("d365_fo_csv", [package])
    same_rows(alone, excel, "erp_customers")
    same_rows(alone, packaged, "erp_customers")
    sheet = f"{workbook}[Customers V3]"
    member = f"{package}/Customers V3.xlsx[Customers V3]"
    assert rows(excel, "erp_customers", "source_file", "source_row", "customer_account") == [
        (sheet, 1, "GB-00421"), (sheet, 3, "US-000201")]
    assert rows(packaged, "erp_customers", "source_file", "source_row") == [(member, 1), (member, 3)]
    assert [(p.file, p.row, p.field, p.value) for a in packaged.accounts for p in a.quarantined] == [
        (member, 2, "ONHOLDSTATUS", "Frozen")]
    assert problems(alone)[0][1:] == problems(excel)[0][1:] == (2, "ONHOLDSTATUS", "Frozen",
                                                                 problems(alone)[0][4])
    assert {a.file: (a.read, a.notes) for a in packaged.accounts} == {
        member: (3, []), f"{package}/Customer groups.xlsx[Customer groups]": (0, [
            "no erp customers: another entity of the data package (its header has no CUSTOMERACCOUNT column), "
            "not read"])}


def test_sage_intacct_list_export_as_excel_with_typed_dates(tmp_path: Path) -> None:
    header = ["Customer ID", "Name", "Status", "Tax ID", "Primary email address", "Entity", "Date created"]
    as_csv = [header, ["00417", "Brighton & Hove Supplies", "Active", "GB123456789", "orders@bhsupplies.example", "",
                       "05/01/2025"],
              ["C-10422", "Harbour Tools Ltd\n(Southampton)", "Active", "GB980780684", "ap@harbourtools.co.uk", "UK01",
               "03/12/2026 09:14:02"]]
    typed = [header, [*as_csv[1][:6], datetime(2025, 5, 1)], [*as_csv[2][:6], datetime(2026, 3, 12, 9, 14, 2)]]
    by_csv = read("sage_intacct_csv", [_csv_of(tmp_path / "customers.csv", as_csv, ";")], date_order="month_first")
    by_excel = read("sage_intacct_csv", [book(tmp_path / "customers.xlsx", {"Customers": typed},  # a date cell shown
                                              formats={("Customers", "G2"): "mm/dd/yyyy"})])  # as a date, as Excel does
    same_rows(by_csv, by_excel, "erp_customers")
    assert rows(by_excel, "erp_customers", "customer_account", "created_at") == [
        ("00417", datetime(2025, 5, 1, 23, 59, 59, 999999)), ("C-10422", datetime(2026, 3, 12, 9, 14, 2))]
    assert not problems(by_excel)


def test_shopify_customers_export_as_excel_with_numeric_ids_and_money(tmp_path: Path) -> None:
    src = FIXTURES / "shopify/customers_export.csv"
    data: list[list[Any]] = csv_rows(src)
    for r in data[1:]:  # what Excel makes of the export: the id and amounts become numbers
        r[0] = int(r[0].lstrip("'")) if not r[0].lstrip("'").startswith("0") else r[0].lstrip("'")
        r[15] = float(r[15])
        r[16] = int(r[16])
    by_excel = read("shopify_csv", [book(tmp_path / "customers_export.xlsx", {"customers_export": data})])
    same_rows(read("shopify_csv", [src]), by_excel, "commerce_customers")
    assert rows(by_excel, "commerce_customers", "customer_id", "source_row") == [
        ("7210448301122", 1), ("0072104483", 2)]
    assert accounts(by_excel) == {("commerce_customers", "customers_export.xlsx[customers_export]"): {
        "read": 2, "used": 2, "excluded": {}, "quarantined": 0}}


def test_business_central_customers_open_in_excel_workbook(tmp_path: Path) -> None:
    header = ["No.", "Name", "Email", "VAT Registration No.", "Country/Region Code", "Blocked", "Last Date Modified"]
    as_csv = [header, ["10000", "Adatum Corporation", "robert@adatum.example", "GB789456278", "GB", "", "24/01/2026"],
              ["01000", "Trey Research", "", "", "GB", "Ship", "03/02/2026"]]
    typed = [header, [*as_csv[1][:6], date(2026, 1, 24)], [*as_csv[2][:6], datetime(2026, 2, 3)]]
    by_csv = read("business_central_csv", [_csv_of(tmp_path / "Customers.csv", as_csv, ";")], company="CRONUS UK",
                  date_order="day_first", date_formats=["%d/%m/%Y"])
    by_excel = read("business_central_csv", [book(tmp_path / "Customers.xlsx", {"Customer": typed})],
                    company="CRONUS UK")
    same_rows(by_csv, by_excel, "erp_customers")
    assert rows(by_excel, "erp_customers", "customer_account", "status", "modified_at") == [
        ("10000", "active", datetime(2026, 1, 24)), ("01000", "on_hold", datetime(2026, 2, 3))]


def test_a_quarantined_row_is_numbered_as_the_same_sheet_saved_as_csv(tmp_path: Path) -> None:
    """Two empty rows above the header, an empty row inside the data: the row number is the data row under the
    header (Excel's row 7 is row 4), as the CSV Excel saves from the sheet gives."""
    header = ["Entry No.", "Shopify Id", "Table Name", "Description", "Skipped Reason", "Created At"]
    data = [header, [1, 7210448301122, "Shopify Customer", "Ana", "exists", datetime(2026, 6, 18, 11, 5)],
            [2, 5551000001, "Shopify Customer", "Bo", "exists", datetime(2026, 6, 18, 11, 6)],
            [None] * 6,
            [4, 426793626, "Shopify Company", "Kay", "bad tax id", "#VALUE!"]]
    by_excel = read("business_central_connector_log", [book(tmp_path / "skipped.xlsx", {"Sheet1": [[], [], *data]})])
    saved = [["" if v is None else cell_text(v) for v in r] for r in data]
    by_csv = read("business_central_connector_log", [_csv_of(tmp_path / "skipped.csv", saved)])
    assert [p[1:4] for p in problems(by_excel)] == [p[1:4] for p in problems(by_csv)] == [
        (4, "Created At", "#VALUE!")]
    assert problems(by_excel)[0][0] == "skipped.xlsx[Sheet1]"
    same_rows(by_csv, by_excel, "sync_events")
    assert accounts(by_excel)[("sync_events", "skipped.xlsx[Sheet1]")] == {
        "read": 4, "used": 2, "excluded": {"blank row": 1}, "quarantined": 1}


def test_a_timezones_file_pattern_matches_a_workbook_by_its_file_name(tmp_path: Path) -> None:
    header = ["Order ID", "Customer ID", "Customer Email", "Order Date", "Order Status", "Order Total (inc tax)",
              "Order Currency Code"]
    path = book(tmp_path / "orders_newyork.xlsx", {"Orders": [
        header, [31007, 1042, "buyer@acme.example", datetime(2026, 6, 5, 9, 12, 44), "Shipped", 1600, "GBP"]]})
    result = read("bigcommerce_csv", [path], timezones={"orders": "Europe/Berlin", "orders_newyork.xlsx":
                                                         "America/New_York"})
    assert rows(result, "orders", "created_at") == [(datetime(2026, 6, 5, 13, 12, 44),)]


def test_iso_dates_of_a_workbook_read_the_same_whatever_the_date_order(tmp_path: Path) -> None:
    """A date cell is written 2026-06-05: year-first formats are never turned day-first."""
    header = ["Order ID", "Customer ID", "Customer Email", "Order Date", "Order Status", "Order Total (inc tax)",
              "Order Currency Code"]
    path = book(tmp_path / "orders.xlsx", {"Orders": [
        header, [31007, 1042, "buyer@acme.example", datetime(2026, 6, 5, 9, 12, 44), "Shipped", 1600, "GBP"]]})
    for order in ("auto", "day_first", "month_first"):
        result = read("bigcommerce_csv", [path], date_order=order)
        assert rows(result, "orders", "order_id", "created_at", "total") == [
            ("31007", datetime(2026, 6, 5, 9, 12, 44), 1600)], order


def test_an_iso_date_in_a_csv_is_never_turned_day_first(tmp_path: Path) -> None:
    """The same rule for a CSV whose dates were written year-first: ``%Y-%m-%d`` is not oriented."""
    path = _csv_of(tmp_path / "orders.csv", [
        ["Order ID", "Customer ID", "Customer Email", "Order Date", "Order Status", "Order Total (inc tax)",
         "Order Currency Code"], ["31007", "1042", "buyer@acme.example", "2026-06-05 09:12:44", "Shipped", "1600",
                                  "GBP"]])
    result = read("bigcommerce_csv", [path], date_order="day_first")
    assert rows(result, "orders", "created_at") == [(datetime(2026, 6, 5, 9, 12, 44),)]


# -- which sheet ---------------------------------------------------------------------------------

def test_the_sheet_with_a_known_header_is_read_hidden_and_empty_sheets_passed_over(tmp_path: Path) -> None:
    path = book(tmp_path / "export.xlsx", {
        "Notes": [["Exported by", "finance"]], "Lookup": DMF[:2], "Customers": DMF, "Empty": []}, hidden=["Lookup"])
    result = read("d365_fo_csv", [path])
    assert {r[0] for r in rows(result, "erp_customers", "source_file")} == {f"{path}[Customers]"}
    both = book(tmp_path / "both.xlsx", {"A": DMF, "B": DMF})
    with pytest.raises(InputError, match=r"both.xlsx: several sheets of this workbook \('A', 'B'\) have a header "
                                         r"this reader reads"):
        read("d365_fo_csv", [both])
    neither = book(tmp_path / "neither.xlsx", {"Notes": [["x"]], "Other": [["ACCOUNTNUM"], ["1"]]})
    with pytest.raises(InputError, match=r"neither.xlsx: none of this workbook's sheets \('Notes', 'Other'\) has a "
                                         r"header this reader reads"):
        read("d365_fo_csv", [neither])


def test_a_workbook_without_a_value_is_accounted_as_empty(tmp_path: Path) -> None:
    result = read("shopify_csv", [book(tmp_path / "empty.xlsx", {"Sheet1": [], "Sheet2": [[None]]})])
    assert [(Path(a.file).name, a.read, a.notes) for a in result.accounts] == [
        ("empty.xlsx", 0, ["no orders: the workbook is empty (no visible sheet holds a value)"])]


# -- what cannot be read -------------------------------------------------------------------------

def ole(path: Path, streams: Sequence[str]) -> Path:
    """A minimal OLE compound file (as an .xls or an encrypted .xlsx is) whose directory names ``streams``."""
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + b"\xff" * 4 * 108)
    fat = struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE) + b"\xff" * 504

    def entry(name: str, kind: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1) + b"\xff" * 12 + bytes(36)
                + struct.pack("<IQ", 0xFFFFFFFE, 0))

    names = [entry("Root Entry", 5), *(entry(s, 2) for s in streams)]
    directory = b"".join(names).ljust(512, b"\x00")
    path.write_bytes(header + fat + directory)
    return path


def test_spreadsheets_that_cannot_be_read_say_what_to_do(tmp_path: Path) -> None:
    locked = ole(tmp_path / "locked.xlsx", ["EncryptionInfo", "EncryptedPackage"])
    with pytest.raises(InputError, match=r"locked.xlsx: a password-protected \(encrypted\) Excel workbook, which "
                                         r"cannot be read without its password. Open it in Excel, remove the"):
        read("d365_fo_csv", [locked])
    old = ole(tmp_path / "customers.xls", ["Workbook", "\x05SummaryInformation"])
    with pytest.raises(InputError, match=r"customers.xls: an Excel 97-2003 workbook \(.xls\), which bridgewatch "
                                         r"does not read. Open it in Excel and save it as Excel Workbook"):
        read("sage_intacct_csv", [old])
    binary = tmp_path / "customers.xlsb"
    with zipfile.ZipFile(binary, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01")
    with pytest.raises(InputError, match=r"customers.xlsb: an Excel Binary Workbook \(.xlsb\)"):
        read("shopify_csv", [binary])


def test_a_damaged_or_cut_short_workbook_is_refused_with_what_to_do(tmp_path: Path) -> None:
    whole = book(tmp_path / "whole.xlsx", {"Customers V3": DMF})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    for reader in ("d365_fo_csv", "shopify_csv"):
        with pytest.raises(InputError, match=r"cut.xlsx: an Excel workbook that cannot be read \(.+\): it may be "
                                             r"cut short or damaged. Download or export it again") as err:
            read(reader, [cut])
        assert [(p.file, p.reason) for p in err.value.problems] == [(str(cut), "damaged Excel workbook")]


def test_a_formula_without_a_calculated_value_stops_the_read(tmp_path: Path) -> None:
    path = book(tmp_path / "made.xlsx", {"Customers": [DMF[0], ["GB-1", "gbsi", "=A2&\" Ltd\""]]})
    with pytest.raises(InputError, match=r"made.xlsx: cell C2 of sheet 'Customers' holds a formula without a "
                                         r"calculated value .* Open the workbook in Excel and save it"):
        read("d365_fo_csv", [path])


def test_a_zip_that_is_no_workbook_keeps_its_message(tmp_path: Path) -> None:
    archive = tmp_path / "orders_export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("orders_export.csv", "Name,Email\n")
    with pytest.raises(InputError, match=r"orders_export.zip: not a CSV file but a ZIP archive or Excel workbook"):
        read("shopify_csv", [archive])


def test_a_sheet_label_is_fingerprinted_as_its_workbook(tmp_path: Path) -> None:
    path = book(tmp_path / "customers.xlsx", {"Customers": DMF})
    package = tmp_path / "pkg.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("Customers V3.csv", "CUSTOMERACCOUNT\n1\n")
    found = input_fingerprint(tmp_path, [f"{path}[Customers]", f"{package}/Customers V3.csv"])
    assert [(e["file"], e["size"]) for e in found] == [
        ("customers.xlsx", path.stat().st_size), ("pkg.zip", package.stat().st_size)]
