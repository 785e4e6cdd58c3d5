"""XML export routes: BigCommerce's control-panel XML export and Adobe Commerce's grid "Excel XML".

Each is read by the CSV reader of the same export (``bigcommerce_csv``, ``adobe_commerce_csv``) and must give
exactly the canonical rows the CSV of the same records gives, with the same accounting. Files are hand-built.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from bridgewatch.errors import InputError
from bridgewatch.sources import ReadResult
from bridgewatch.sources.adobe_csv import NO_REFUNDS

from .helpers import accounts, problems, read, rows

UNKNOWN_LABEL = "unknown order status label (add it to the status_labels option with its status id)"
BC_ORDERS_CSV = (
    "Order ID,Customer ID,Customer Email,Order Date,Order Status,Order Total (inc tax),Order Currency Code,"
    "Shipping Country\n"
    "31007,1042,buyer@acme.example,06/16/2026 09:12:44,Awaiting Fulfillment,\"$1,600.00\",USD,United States\n"
    ",,,,,,,\n"
    "31008,0,guest@mail.example,06/17/2026 19:44:10,Awaiting Approval,CA$99.00,CAD,Canada\n"
    "31009,1043,sam@retail.example,06/18/2026 14:05:00,Cancelled,CA$35.00,,Canada\n")
BC_ORDERS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<orders>
\t<order>
\t\t<Order_ID><![CDATA[31007]]></Order_ID>
\t\t<Customer_ID><![CDATA[1042]]></Customer_ID>
\t\t<Customer_Email><![CDATA[buyer@acme.example]]></Customer_Email>
\t\t<Order_Date><![CDATA[06/16/2026 09:12:44]]></Order_Date>
\t\t<Order_Status><![CDATA[Awaiting Fulfillment]]></Order_Status>
\t\t<Order_Total_inc_tax><![CDATA[$1,600.00]]></Order_Total_inc_tax>
\t\t<Order_Currency_Code><![CDATA[USD]]></Order_Currency_Code>
\t\t<Shipping_Country><![CDATA[United States]]></Shipping_Country>
\t\t<Product_Details>
\t\t\t<item>
\t\t\t\t<Product_ID><![CDATA[77]]></Product_ID>
\t\t\t\t<Product_Qty><![CDATA[2]]></Product_Qty>
\t\t\t</item>
\t\t</Product_Details>
\t</order>
\t<order>
\t\t<Order_ID><![CDATA[]]></Order_ID>
\t\t<Customer_ID><![CDATA[]]></Customer_ID>
\t</order>
\t<order>
\t\t<order_id><![CDATA[31008]]></order_id>
\t\t<Customer_ID><![CDATA[0]]></Customer_ID>
\t\t<Customer_Email>guest@mail.example</Customer_Email>
\t\t<Order_Date><![CDATA[06/17/2026 19:44:10]]></Order_Date>
\t\t<Order_Status><![CDATA[Awaiting Approval]]></Order_Status>
\t\t<Order_Total_inc_tax><![CDATA[CA$99.00]]></Order_Total_inc_tax>
\t\t<Order_Currency_Code><![CDATA[CAD]]></Order_Currency_Code>
\t\t<Shipping_Country><![CDATA[Canada]]></Shipping_Country>
\t</order>
\t<order>
\t\t<Order_ID><![CDATA[31009]]></Order_ID>
\t\t<Customer_ID><![CDATA[1043]]></Customer_ID>
\t\t<Customer_Email><![CDATA[sam@retail.example]]></Customer_Email>
\t\t<Order_Date><![CDATA[06/18/2026 14:05:00]]></Order_Date>
\t\t<Order_Status><![CDATA[Cancelled]]></Order_Status>
\t\t<Order_Total_inc_tax><![CDATA[CA$35.00]]></Order_Total_inc_tax>
\t\t<Order_Currency_Code/>
\t\t<Shipping_Country><![CDATA[Canada]]></Shipping_Country>
\t</order>
</orders>"""


def _canonical(result: ReadResult, table: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "source_file"} for r in result.tables[table].to_pylist()]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bigcommerce_orders_xml_gives_the_rows_and_accounting_of_the_csv(tmp_path: Path) -> None:
    from_csv = read("bigcommerce_csv", [_write(tmp_path, "orders.csv", BC_ORDERS_CSV)])
    from_xml = read("bigcommerce_csv", [_write(tmp_path, "orders.xml", BC_ORDERS_XML)])
    assert _canonical(from_xml, "orders") == _canonical(from_csv, "orders")
    assert rows(from_xml, "orders", "source_row", "order_id", "customer_id", "created_at", "currency", "total",
                "ship_to_country", "cancelled") == [
        (1, "31007", "1042", datetime(2026, 6, 16, 9, 12, 44), "USD", Decimal("1600.0000"), "US", False),
        (4, "31009", "1043", datetime(2026, 6, 18, 14, 5), "CAD", Decimal("35.0000"), "CA", True)]
    assert accounts(from_xml)[("orders", "orders.xml")] == {**accounts(from_csv)[("orders", "orders.csv")]}
    assert accounts(from_xml)[("orders", "orders.xml")]["read"] == 4
    assert accounts(from_xml)[("orders", "orders.xml")]["excluded"] == {"blank row": 1}
    assert problems(from_csv) == [("orders.csv", 3, "Order Status", "Awaiting Approval", UNKNOWN_LABEL)]
    assert problems(from_xml) == [("orders.xml", 3, "Order_Status", "Awaiting Approval", UNKNOWN_LABEL)]


def test_bigcommerce_customers_xml_reads_the_template_columns_and_the_first_address(tmp_path: Path) -> None:
    export = _write(tmp_path, "customers.xml", """<?xml version="1.0" encoding="UTF-8"?>
<customers>
\t<customer>
\t\t<Customer_ID><![CDATA[1042]]></Customer_ID>
\t\t<First_Name><![CDATA[Jane]]></First_Name>
\t\t<Last_Name><![CDATA[Smith]]></Last_Name>
\t\t<Email_Address><![CDATA[buyer@acme.example]]></Email_Address>
\t\t<Company><![CDATA[Acme Tools]]></Company>
\t\t<Customer_Group><![CDATA[Trade]]></Customer_Group>
\t\t<Date_Joined><![CDATA[06/13/2026]]></Date_Joined>
\t\t<VAT_Number><![CDATA[GB123456789]]></VAT_Number>
\t\t<Addresses>
\t\t\t<item><Address_Country><![CDATA[United Kingdom]]></Address_Country></item>
\t\t\t<item><Address_Country><![CDATA[Ireland]]></Address_Country></item>
\t\t</Addresses>
\t</customer>
</customers>""")
    result = read("bigcommerce_csv", [export], b2b_groups=["Trade"], columns={"vat": "VAT Number"})
    assert rows(result, "commerce_customers", "source_row", "customer_id", "email", "name", "company_name",
                "is_b2b", "vat_number", "country", "created_on") == [
        (1, "1042", "buyer@acme.example", "Jane Smith", "Acme Tools", True, "GB123456789", "GB",
         datetime(2026, 6, 13).date())]


def test_one_bigcommerce_source_reads_a_folder_of_csv_and_xml_exports(tmp_path: Path) -> None:
    _write(tmp_path, "orders.xml", BC_ORDERS_XML)
    _write(tmp_path, "customers.csv", "Customer ID,First Name,Last Name,Email Address\n1042,Jane,Smith,j@a.example\n")
    result = read("bigcommerce_csv", sorted(tmp_path.iterdir()))
    assert rows(result, "commerce_customers", "customer_id") == [("1042",)]
    assert rows(result, "orders", "order_id") == [("31007",), ("31009",)]


def test_an_empty_bigcommerce_xml_export_is_said_not_read_as_nothing(tmp_path: Path) -> None:
    result = read("bigcommerce_csv", [_write(tmp_path, "orders.xml", '<?xml version="1.0"?>\n<orders>\n</orders>')])
    assert accounts(result)[("orders", "orders.xml")] == {
        "read": 0, "used": 0, "excluded": {}, "quarantined": 0, "notes": ["no orders: the XML export holds no <order>"]}


@pytest.mark.parametrize(("text", "message"), [
    ('<?xml version="1.0"?>\n<orders>\n\t<order>\n\t\t<Order_ID>1</Order_ID>\n\t</order>\n',
     "orders.xml: not valid XML (line 6, column 0"),
    ("<!DOCTYPE html>\n<html><body>Session expired</body></html>",
     "the XML declares a document type (<!DOCTYPE html>) (an HTML page, e.g. a login or error page saved instead of "
     "the export), which exports never do"),
    ('<?xml version="1.0"?><orders><order><id>105</id><customer_id>1</customer_id><status_id>11</status_id>'
     "<status>Awaiting Fulfillment</status><date_created>Fri, 09 Aug 2013 13:18:20 +0000</date_created>"
     "<total_inc_tax>598.80</total_inc_tax></order></orders>", "required column is missing"),
    ('<?xml version="1.0"?><html><body><p>Session expired</p></body></html>',
     "not a BigCommerce control-panel XML export: it holds <html> where an export has <orders> of <order> or "
     "<customers> of <customer> elements (an HTML page"),
    ('<?xml version="1.0"?><orders><product><id>1</id></product></orders>',
     "it holds <orders><product> where an export has"),
    ('<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     "<orders><order><Order_ID>&b;</Order_ID></order></orders>", "declares a document type (<!DOCTYPE o>)"),
    ('<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]><orders>&x;</orders>',
     "declares a document type"),
    ('<?xml version="1.0"?><Orders><Order><OrderId>188</OrderId><OrderStatus>completed</OrderStatus></Order></Orders>',
     "orders.xml: header problems"),
])
def test_xml_that_is_not_a_bigcommerce_export_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read("bigcommerce_csv", [_write(tmp_path, "orders.xml", text)])
    assert message in str(caught.value)


ADOBE_GRID_CSV = (
    "ID,Purchase Point,Purchase Date,Bill-to Name,Grand Total (Purchased),Status,Customer Email\n"
    "000008812,Main Website,\"Jun 16, 2026 11:12:44 AM\",Mel Shaw,\"€1,190.00\",Processing,mshaw@widgets.example\n"
    "000008813,Main Website,\"Jun 17, 2026 9:44:10 PM\",Guest,€35.00,Canceled,guest@mail.example\n"
    ",,,,,,\n"
    "\n"
    "000008814,Main Website,\"Jun 18, 2026 9:05:00 AM\",Kim Ode,€3101,Awaiting ERP,k.ode@mail.example\n")


def _cells(*values: str) -> str:
    return "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in values)


ADOBE_GRID_XML = (
    '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">'
    '<OfficeDocumentSettings xmlns="urn:schemas-microsoft-com:office:office"></OfficeDocumentSettings>'
    '<Worksheet ss:Name="sales_order_grid.xml"><Table>'
    "<Row>" + _cells("ID", "Purchase Point", "Purchase Date", "Bill-to Name", "Grand Total (Purchased)", "Status",
                     "Customer Email") + "</Row>"
    "<Row>" + _cells("000008812", "Main Website", "Jun 16, 2026 11:12:44 AM", "Mel Shaw", "€1,190.00", "Processing",
                     "mshaw@widgets.example") + "</Row>"
    '<Row><Cell><Data ss:Type="String">000008813</Data></Cell><Cell ss:MergeAcross="1"><Data ss:Type="String">'
    'Main Website</Data></Cell><Cell ss:Index="2"/><Cell ss:Index="4"><Data ss:Type="String">Guest</Data></Cell>'
    '<Cell><Data ss:Type="String">€35.00</Data><Comment ss:Author="x"><ss:Data>note</ss:Data></Comment></Cell>'
    '<Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>Cance</B>led</ss:Data></Cell>'
    '<Cell><Data ss:Type="String">guest@mail.example</Data></Cell></Row>'
    "<Row><Cell/><Cell/></Row>"
    '<Row ss:Index="6"><Cell><Data ss:Type="String">000008814</Data></Cell><Cell><Data ss:Type="String">Main '
    'Website</Data></Cell><Cell><Data ss:Type="String">Jun 18, 2026 9:05:00 AM</Data></Cell><Cell><Data '
    'ss:Type="String">Kim Ode</Data></Cell><Cell><Data ss:Type="String">€3101</Data></Cell><Cell><Data '
    'ss:Type="String">Awaiting ERP</Data></Cell><Cell><Data ss:Type="String">k.ode@mail.example</Data></Cell></Row>'
    "</Table></Worksheet></Workbook>")


def test_an_adobe_orders_grid_as_excel_xml_gives_the_rows_and_accounting_of_its_csv(tmp_path: Path) -> None:
    from_csv = read("adobe_commerce_csv", [_write(tmp_path, "orders.csv", ADOBE_GRID_CSV)], timezone="UTC")
    xml = ADOBE_GRID_XML.replace("Jun 17, 2026 9:44:10 PM", "x")  # the merged cell leaves Purchase Date empty
    from_xml = read("adobe_commerce_csv", [_write(tmp_path, "grid.xml", xml)], timezone="UTC")
    assert rows(from_xml, "orders", "source_row", "order_id", "created_at", "currency", "total", "cancelled",
                "status") == [
        (1, "000008812", datetime(2026, 6, 16, 11, 12, 44), "EUR", Decimal("1190.0000"), False, "Processing")]
    assert problems(from_xml) == [
        ("grid.xml", 2, "Purchase Date", None, "required value is empty"),
        ("grid.xml", 5, "Status", "Awaiting ERP", "unknown status label (add it to the status_labels option with "
                                                  "its order state)")]
    assert accounts(from_xml)[("orders", "grid.xml")] == {"read": 4, "used": 1, "excluded": {"blank row": 1},
                                                          "quarantined": 2, "notes": [NO_REFUNDS]}
    assert [p[1] for p in problems(from_csv)] == [5]
    assert accounts(from_csv)[("orders", "orders.csv")]["read"] == 4


def test_the_excel_xml_grid_and_its_csv_give_identical_canonical_rows(tmp_path: Path) -> None:
    csv_text = ADOBE_GRID_CSV.replace("Awaiting ERP", "Complete").replace(",,,,,,\n\n", "")
    xml = (ADOBE_GRID_XML.replace("Awaiting ERP", "Complete").replace("<Row><Cell/><Cell/></Row>", "")
           .replace('<Row ss:Index="6">', "<Row>")
           .replace('<Cell ss:MergeAcross="1"><Data ss:Type="String">Main Website</Data></Cell><Cell ss:Index="2"/>',
                    '<Cell><Data ss:Type="String">Main Website</Data></Cell><Cell><Data ss:Type="String">Jun 17, 2026 '
                    "9:44:10 PM</Data></Cell>"))
    from_csv = read("adobe_commerce_csv", [_write(tmp_path, "orders.csv", csv_text)], timezone="UTC")
    from_xml = read("adobe_commerce_csv", [_write(tmp_path, "grid.xml", xml)], timezone="UTC")
    assert _canonical(from_xml, "orders") == _canonical(from_csv, "orders")
    assert [r["order_id"] for r in _canonical(from_xml, "orders")] == ["000008812", "000008813", "000008814"]
    assert [r["cancelled"] for r in _canonical(from_xml, "orders")] == [False, True, False]
    assert problems(from_xml) == problems(from_csv) == []


def test_excel_xml_number_and_datetime_cells_and_a_value_past_the_header(tmp_path: Path) -> None:
    xml = ADOBE_GRID_XML.replace(
        '<Data ss:Type="String">Jun 16, 2026 11:12:44 AM</Data>', '<Data ss:Type="DateTime">2026-06-16T11:12:44.000'
        "</Data>").replace('<Data ss:Type="String">€3101</Data>', '<Data ss:Type="Number">3101</Data>').replace(
        "<Row><Cell/><Cell/></Row>", '<Row><Cell ss:Index="9"><Data ss:Type="String">note</Data></Cell></Row>')
    result = read("adobe_commerce_csv", [_write(tmp_path, "grid.xml", xml)], timezone="UTC", currency="EUR",
                  status_labels={"Awaiting ERP": "processing"})
    assert rows(result, "orders", "source_row", "order_id", "created_at", "total") == [
        (1, "000008812", datetime(2026, 6, 16, 11, 12, 44), Decimal("1190.0000")),
        (5, "000008814", datetime(2026, 6, 18, 9, 5), Decimal("3101.0000"))]
    assert problems(result) == [
        ("grid.xml", 2, "Purchase Date", None, "required value is empty"),
        ("grid.xml", 3, None, "note", "a value in column 9, right of the header's last column (7)")]
    assert accounts(result)[("orders", "grid.xml")]["read"] == 4


@pytest.mark.parametrize(("text", "message"), [
    (ADOBE_GRID_XML[:-40], "grid.xml: not valid XML (line 1, column"),
    ('<?xml version="1.0"?><html><body>Your session has expired</body></html>',
     "not an Excel XML (SpreadsheetML 2003) workbook: the document is <html> (an HTML page"),
    ('<?xml version="1.0"?><orders><order><Order_ID>1</Order_ID></order></orders>', "the document is <orders>"),
    (ADOBE_GRID_XML.replace("</Worksheet></Workbook>", '</Worksheet><Worksheet ss:Name="b"><Table><Row><Cell><Data '
                            'ss:Type="String">x</Data></Cell></Row></Table></Worksheet></Workbook>'),
     "the workbook has 2 worksheets with rows"),
    (ADOBE_GRID_XML.replace("Purchase Date", "Created"), "not a file this reader knows"),
])
def test_xml_that_is_not_an_adobe_grid_export_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read("adobe_commerce_csv", [_write(tmp_path, "grid.xml", text)])
    assert message in str(caught.value)


@pytest.mark.parametrize(("damage", "problem"), [
    ('<Cell ss:Index="x"><Data ss:Type="String">Guest</Data></Cell>', 'ss:Index="x" is not a whole number'),
    ('<Cell ss:Index="99999999"><Data ss:Type="String">Guest</Data></Cell>', 'ss:Index="99999999" is outside 1–16384'),
    ('<Cell ss:Index="0"><Data ss:Type="String">Guest</Data></Cell>', 'ss:Index="0" is outside 1–16384'),
    ('<Cell ss:MergeAcross="-1"><Data ss:Type="String">Guest</Data></Cell>', 'ss:MergeAcross="-1" is outside 0–16381'),
])
def test_a_data_row_with_a_damaged_cell_index_is_quarantined_never_a_traceback(tmp_path: Path, damage: str,
                                                                               problem: str) -> None:
    xml = ADOBE_GRID_XML.replace('<Cell ss:Index="4"><Data ss:Type="String">Guest</Data></Cell>', damage)
    result = read("adobe_commerce_csv", [_write(tmp_path, "grid.xml", xml)], timezone="UTC")
    assert sorted(problems(result), key=lambda p: p[1]) == [
        ("grid.xml", 2, None, None, f"a cell with {problem}: its values cannot be put in their columns"),
        ("grid.xml", 5, "Status", "Awaiting ERP", "unknown status label (add it to the status_labels option with "
                                                  "its order state)")]
    assert accounts(result)[("orders", "grid.xml")] == {"read": 4, "used": 1, "excluded": {"blank row": 1},
                                                        "quarantined": 2, "notes": [NO_REFUNDS]}


@pytest.mark.parametrize(("xml", "message"), [
    (ADOBE_GRID_XML.replace('<Row ss:Index="6">', '<Row ss:Index="six">'),
     'grid.xml: the row after spreadsheet row 4 has ss:Index="six" is not a whole number (rows are numbered upwards '
     'from 1); the workbook is damaged or was not written by a spreadsheet. Export the grid again.'),
    (ADOBE_GRID_XML.replace('<Row ss:Index="6">', '<Row ss:Index="2">'),
     'the row after spreadsheet row 4 has ss:Index="2" is outside 5–1048576'),
    (ADOBE_GRID_XML.replace("<Row>" + _cells("ID"), '<Row><Cell ss:Index="1e9"><Data ss:Type="String">ID</Data>'
                                                    '</Cell>' + _cells()),
     'grid.xml: the header row (spreadsheet row 1) has a cell with ss:Index="1e9" is not a whole number'),
])
def test_a_damaged_row_index_or_header_stops_the_read_saying_where(tmp_path: Path, xml: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read("adobe_commerce_csv", [_write(tmp_path, "grid.xml", xml)])
    assert message in str(caught.value)


GRID_CUSTOMERS_CSV = (
    "ID,Name,Email,Group,Country,Customer Since,Tax VAT Number,Company\n"
    "12,Melanie Shaw,MShaw@Widgets.example,Wholesale,Germany,\"Jun 16, 2026 9:12:44 AM\",DE123456789,Widgets GmbH\n"
    "13,Kim Ode,k.ode@mail.example,General,Austria,\"Jun 12, 2026 8:00:00 AM\",,\n")
GRID_ORDERS_CSV = ("ID,Purchase Date,Grand Total (Purchased),Status,Customer Email\n"
                   "000008814,\"Jun 18, 2026 9:05:00 AM\",€3101.00,Processing,K.Ode@mail.example\n")


def _as_excel_xml(csv_text: str) -> str:
    table = list(csv.reader(io.StringIO(csv_text)))
    body = "".join("<Row>" + "".join(f'<Cell><Data ss:Type="String">{escape(v)}</Data></Cell>' for v in row) + "</Row>"
                   for row in table)
    return ('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="customer_listing.xml"><Table>'
            f"{body}</Table></Worksheet></Workbook>")


def test_the_adobe_customers_grid_is_read_as_csv_and_as_excel_xml(tmp_path: Path) -> None:
    options: dict[str, Any] = {"b2b_groups": ["Wholesale"], "timezone": "UTC"}
    csv_dir, xml_dir = tmp_path / "csv", tmp_path / "xml"
    csv_dir.mkdir(), xml_dir.mkdir()
    from_csv = read("adobe_commerce_csv", [_write(csv_dir, "customer_listing.csv", GRID_CUSTOMERS_CSV),
                                           _write(csv_dir, "sales_order_grid.csv", GRID_ORDERS_CSV)], **options)
    from_xml = read("adobe_commerce_csv", [_write(xml_dir, "customer_listing.xml", _as_excel_xml(GRID_CUSTOMERS_CSV)),
                                           _write(xml_dir, "sales_order_grid.xml", _as_excel_xml(GRID_ORDERS_CSV))],
                    **options)
    for table in ("commerce_customers", "orders"):
        assert _canonical(from_xml, table) == _canonical(from_csv, table)
    assert rows(from_xml, "commerce_customers", "source_row", "customer_id", "email", "name", "is_b2b", "vat_number",
                "company_name", "country", "created_at") == [
        (1, "mshaw@widgets.example", "MShaw@Widgets.example", "Melanie Shaw", True, "DE123456789", "Widgets GmbH", "DE",
         datetime(2026, 6, 16, 9, 12, 44)),
        (2, "k.ode@mail.example", "k.ode@mail.example", "Kim Ode", False, None, None, "AT", datetime(2026, 6, 12, 8))]
    assert rows(from_xml, "orders", "order_id", "customer_id", "ship_to_country", "total") == [
        ("000008814", "k.ode@mail.example", "AT", Decimal("3101.0000"))]
    assert problems(from_xml) == problems(from_csv) == []


def test_a_header_repeated_in_another_case_reads_the_same_on_the_csv_and_xml_routes(tmp_path: Path) -> None:
    """DuckDB holds ``status`` and ``Status`` as one name: the CSV route failed with DuckDB's binder error, the
    XML route read the first. Both now number the repeat and read the first column so named."""
    from_csv = read("adobe_commerce_csv", [_write(tmp_path, "orders.csv", ADOBE_GRID_CSV.replace(
        "Bill-to Name", "status"))], timezone="UTC")
    from_xml = read("adobe_commerce_csv", [_write(tmp_path, "grid.xml", ADOBE_GRID_XML.replace(
        "Bill-to Name", "status"))], timezone="UTC")
    unknown = "unknown status label (add it to the status_labels option with its order state)"
    assert problems(from_csv) == [("orders.csv", 1, "Status", "Mel Shaw", unknown),
                                  ("orders.csv", 2, "Status", "Guest", unknown),
                                  ("orders.csv", 5, "Status", "Kim Ode", unknown)]
    assert [p for p in problems(from_xml) if p[2] == "Status"] == [
        ("grid.xml", 1, "Status", "Mel Shaw", unknown), ("grid.xml", 2, "Status", "Guest", unknown),
        ("grid.xml", 5, "Status", "Kim Ode", unknown)]


# Older Adobe Commerce grids export dates with Magento's 'M j, Y H:i:s A' (PHP): a 24-hour hour followed by a
# redundant AM/PM marker and a day without its leading zero. Each row: the Purchase Date written, then the time
# it is (None: quarantined, with the reason below).
OLD_GRID_DATES = [
    ("Jun 16, 2026 14:12:44 PM", datetime(2026, 6, 16, 14, 12, 44)),  # 24-hour hour, redundant PM
    ("Jun 6, 2026 23:59:59 PM", datetime(2026, 6, 6, 23, 59, 59)),  # one-digit day
    ("Jun 6, 2026 00:12:44 AM", datetime(2026, 6, 6, 0, 12, 44)),  # midnight on a 24-hour clock
    ("Jun 6, 2026 09:05:00 AM", datetime(2026, 6, 6, 9, 5)),
    ("Jun 16, 2026 12:30:00 PM", datetime(2026, 6, 16, 12, 30)),  # noon either way
    ("Jun 16, 2026 2:12:44 PM", datetime(2026, 6, 16, 14, 12, 44)),  # 12-hour form
    ("Jun 16, 2026 12:05:00 AM", datetime(2026, 6, 16, 0, 5)),  # 12-hour midnight
    ("Jun 16, 2026, 1:00:00 pm", datetime(2026, 6, 16, 13)),  # newer grids' comma, lower-case marker
    ("Jun 16, 2026 14:12:44 AM", None),
    ("Jun 16, 2026 0:12:44 PM", None),
]
AM_AFTERNOON = ("the hour is 13 to 23 (a 24-hour clock) but the time is marked AM: the hour says afternoon, the "
                "marker morning; correct the value or export the grid again")
PM_MIDNIGHT = ("the hour is 0 (midnight on a 24-hour clock) but the time is marked PM: the hour says midnight, the "
               "marker afternoon; correct the value or export the grid again")


def _old_grid_orders() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ID", "Purchase Date", "Grand Total (Purchased)", "Status", "Customer Email"])
    for n, (written, _) in enumerate(OLD_GRID_DATES, 1):
        writer.writerow([f"{8800 + n:09d}", written, "€10.00", "Processing", f"b{n}@mail.example"])
    return out.getvalue()


@pytest.mark.parametrize("name", ["sales_order_grid.csv", "sales_order_grid.xml"])
def test_old_adobe_grid_dates_with_a_24_hour_hour_and_a_marker_are_read_on_both_routes(tmp_path: Path,
                                                                                       name: str) -> None:
    text = _old_grid_orders() if name.endswith(".csv") else _as_excel_xml(_old_grid_orders())
    result = read("adobe_commerce_csv", [_write(tmp_path, name, text)], timezone="UTC")
    assert rows(result, "orders", "source_row", "created_at") == [
        (n, when) for n, (_, when) in enumerate(OLD_GRID_DATES, 1) if when is not None]
    assert problems(result) == [(name, 9, "Purchase Date", "Jun 16, 2026 14:12:44 AM", AM_AFTERNOON),
                                (name, 10, "Purchase Date", "Jun 16, 2026 0:12:44 PM", PM_MIDNIGHT)]
    assert accounts(result)[("orders", name)] == {"read": 10, "used": 8, "excluded": {}, "quarantined": 2,
                                                  "notes": [NO_REFUNDS]}


def test_the_customers_grid_since_with_a_24_hour_hour_and_a_marker_reads_alike_as_csv_and_excel_xml(
        tmp_path: Path) -> None:
    grid = GRID_CUSTOMERS_CSV.replace("Jun 16, 2026 9:12:44 AM", "Jun 6, 2026 21:12:44 PM").replace(
        "Jun 12, 2026 8:00:00 AM", "Jun 12, 2026 20:00:00 AM")
    from_csv = read("adobe_commerce_csv", [_write(tmp_path, "customer_listing.csv", grid)], timezone="UTC")
    from_xml = read("adobe_commerce_csv", [_write(tmp_path, "customer_listing.xml", _as_excel_xml(grid))],
                    timezone="UTC")
    assert _canonical(from_xml, "commerce_customers") == _canonical(from_csv, "commerce_customers")
    assert rows(from_csv, "commerce_customers", "customer_id", "created_at", "created_on") == [
        ("mshaw@widgets.example", datetime(2026, 6, 6, 21, 12, 44), None)]
    assert [p[1:] for p in problems(from_xml)] == [p[1:] for p in problems(from_csv)] == [
        (2, "Customer Since", "Jun 12, 2026 20:00:00 AM", AM_AFTERNOON)]
