"""D365 F&O data management XML entity files (XML-Element, XML-Attribute) read by ``d365_fo_csv``.

Hand-built files holding the customers of the CSV reader's own test: the same rows, accounting and
quarantine (a record is numbered as the CSV's data row), bare and inside the data package ZIP; then
the hostile files (truncated, a document type, an HTML page, a field written twice, another entity).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bridgewatch.errors import InputError

from .helpers import accounts, problems, read, rows

FIELDS = ("CUSTOMERACCOUNT", "DATAAREAID", "ORGANIZATIONNAME", "PERSONFIRSTNAME", "PERSONLASTNAME",
          "PRIMARYCONTACTEMAIL", "TAXEXEMPTNUMBER", "ADDRESSCOUNTRYREGIONISOCODE", "ADDRESSCOUNTRYREGIONID",
          "ONHOLDSTATUS", "CUSTOMERGROUPID")
CUSTOMERS = (
    ("GB-00421", "gbsi", "Harbour Tools Ltd", "", "", "ap@harbourtools.co.uk", "GB980780684", "GB", "GBR", "No", "10"),
    ("US-000117", "usmf", "Lakeside Hardware Inc", "", "", "purchasing@lakeside.example", "", "", "USA", "Invoice",
     "20"),
    ("US-000201", "usmf", "", "Dana", "Wu", "dana.wu@mail.example", "", "", "USA", "All", "20"),
    ("", "", "", "", "", "", "", "", "", "", ""),
    ("US-1", "usmf", "One", "", "", "", "", "", "", "Frozen", "10"),
    ("US-2", "", "Two", "", "", "", "", "", "", "No", "10"),
    (None, "usmf", "Three & Co", "", "", "", "", "", "", "No", "10"),  # no CUSTOMERACCOUNT at all
)
ERP_COLUMNS = ("system", "legal_entity", "customer_account", "name", "vat_number", "email", "status", "country")
EXPECTED_ROWS = [
    ("d365_fo", "GBSI", "GB-00421", "Harbour Tools Ltd", "GB980780684", "ap@harbourtools.co.uk", "active", "GB"),
    ("d365_fo", "USMF", "US-000117", "Lakeside Hardware Inc", None, "purchasing@lakeside.example", "on_hold", "US"),
    ("d365_fo", "USMF", "US-000201", "Dana Wu", None, "dana.wu@mail.example", "blocked", "US"),
]


def _problems(name: str) -> list[tuple[str, int, str, str | None, str]]:
    return [
        (name, 5, "ONHOLDSTATUS", "Frozen", "unknown OnHoldStatus (known: all, invoice, never, no, payment, "
                                            "requisition); add it to the status_map option"),
        (name, 6, "DATAAREAID", None, "DATAAREAID is missing: export it (it is the legal entity) or set the "
                                      "legal_entity option"),
        (name, 7, "CUSTOMERACCOUNT", None, "required value is empty"),
    ]


def _element(values: tuple[str | None, ...]) -> str:
    """A record in the XML-Element layout: an empty field as an empty element, a None field left out."""
    fields = "".join("" if v is None else f"<{f}>{_escape(v)}</{f}>" if v else f"<{f} />"
                     for f, v in zip(FIELDS, values, strict=True))
    return f"<CUSTCUSTOMERV3ENTITY>{fields}</CUSTCUSTOMERV3ENTITY>"


def _attribute(values: tuple[str | None, ...]) -> str:
    """A record in the XML-Attribute layout: an empty or None field left out."""
    fields = "".join(f' {f}="{_escape(v)}"' for f, v in zip(FIELDS, values, strict=True) if v)
    return f"<CUSTCUSTOMERV3ENTITY{fields} />"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _document(records: list[str]) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n<Document>\n' + "\n".join(records) + "\n</Document>\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("layout", [_element, _attribute])
def test_an_xml_entity_file_gives_the_csv_routes_rows_accounting_and_quarantine(tmp_path: Path, layout: object) -> None:
    assert callable(layout)
    export = _write(tmp_path / "Customers V3.xml", _document([layout(c) for c in CUSTOMERS]))
    result = read("d365_fo_csv", [export])
    assert rows(result, "erp_customers", *ERP_COLUMNS) == EXPECTED_ROWS
    assert rows(result, "erp_customers", "source_row") == [(1,), (2,), (3,)]
    assert accounts(result) == {("erp_customers", "Customers V3.xml"): {
        "read": 7, "used": 3, "excluded": {"blank row": 1}, "quarantined": 3}}
    assert problems(result) == _problems("Customers V3.xml")


def test_xml_entity_files_in_a_data_package_are_read_and_other_entities_accounted(tmp_path: Path) -> None:
    package = tmp_path / "CustomersExport.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("Manifest.xml", "<DataManagementPackageManifest />")
        zf.writestr("PackageHeader.xml", "<DataManagementPackageHeader />")
        zf.writestr("Customers V3.xml", "\ufeff" + _document([_element(c) for c in CUSTOMERS[:3]]))
        zf.writestr("Customer groups.xml", _document(['<CUSTCUSTOMERGROUPENTITY CUSTOMERGROUPID="10" />']))
        zf.writestr("Vendors V2.xml", "<Document></Document>")
    result = read("d365_fo_csv", [package])
    member = str(package / "Customers V3.xml")
    assert rows(result, "erp_customers", *ERP_COLUMNS) == EXPECTED_ROWS
    assert rows(result, "erp_customers", "source_file", "source_row") == [(member, 1), (member, 2), (member, 3)]
    assert {a.file: a.notes for a in result.accounts} == {
        member: [],
        str(package / "Customer groups.xml"): [
            "no erp customers: another entity of the data package (its <CUSTCUSTOMERGROUPENTITY> records have no "
            "CUSTOMERACCOUNT field), not read"],
        str(package / "Vendors V2.xml"): ["no erp customers: the XML entity file holds no record"]}
    groups = tmp_path / "groups.zip"
    with zipfile.ZipFile(groups, "w") as zf:
        zf.writestr("Customer groups.xml", _document(['<CUSTCUSTOMERGROUPENTITY CUSTOMERGROUPID="10" />']))
    with pytest.raises(InputError, match=r"groups.zip: this data package holds no Customers V3 data file .* nor an "
                                         r"XML member of CUSTCUSTOMERV3ENTITY records"):
        read("d365_fo_csv", [groups])


def test_lower_case_names_options_and_the_columns_override_read_as_in_the_csv(tmp_path: Path) -> None:
    export = _write(tmp_path / "customers.xml", _document([
        '<custcustomerv3entity customeraccount="US-1" Name="Kay Ltd" ONHOLDSTATUS="Frozen" VATNUM="US123" />',
        "<custcustomerv3entity><CustomerAccount>US-2</CustomerAccount><Name>Lee</Name></custcustomerv3entity>"]))
    result = read("d365_fo_csv", [export], legal_entity="USTI", legal_entity_case="lower",
                  status_map={"Frozen": "blocked"}, vat_field="VatNum", columns={"OrganizationName": "Name"})
    assert rows(result, "erp_customers", "legal_entity", "customer_account", "name", "vat_number", "status") == [
        ("USTI", "US-1", "Kay Ltd", "US123", "blocked"), ("USTI", "US-2", "Lee", None, "active")]


def test_a_customers_v3_file_whose_records_never_write_the_account_quarantines_each(tmp_path: Path) -> None:
    export = _write(tmp_path / "Customers V3.xml", _document(['<CUSTCUSTOMERV3ENTITY DATAAREAID="usmf" '
                                                              'ORGANIZATIONNAME="One" ONHOLDSTATUS="No" />']))
    result = read("d365_fo_csv", [export])
    assert problems(result) == [("Customers V3.xml", 1, "CUSTOMERACCOUNT", None, "required value is empty")]
    assert accounts(result)[("erp_customers", "Customers V3.xml")] == {
        "read": 1, "used": 0, "excluded": {}, "quarantined": 1}


def test_a_record_writing_a_field_twice_is_quarantined_with_its_record_and_field(tmp_path: Path) -> None:
    export = _write(tmp_path / "Customers V3.xml", _document([
        _element(CUSTOMERS[0]),
        "<CUSTCUSTOMERV3ENTITY><CUSTOMERACCOUNT>US-9</CUSTOMERACCOUNT><DATAAREAID>usmf</DATAAREAID>"
        "<CUSTOMERACCOUNT>US-10</CUSTOMERACCOUNT></CUSTCUSTOMERV3ENTITY>"]))
    result = read("d365_fo_csv", [export])
    assert rows(result, "erp_customers", "customer_account") == [("GB-00421",)]
    assert problems(result) == [("Customers V3.xml", 2, "CUSTOMERACCOUNT", "US-10",
                                 "the record writes this field twice")]
    assert accounts(result)[("erp_customers", "Customers V3.xml")] == {
        "read": 2, "used": 1, "excluded": {}, "quarantined": 1}


@pytest.mark.parametrize(("text", "message"), [
    (_document([_element(c) for c in CUSTOMERS[:3]])[:-40],
     r"Customers V3.xml: not valid XML \(line 5, column 405: unclosed token: line 5, column 405\)\. The file may "
     r"be truncated; export it again\."),
    ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     "<Document><CUSTCUSTOMERV3ENTITY CUSTOMERACCOUNT='&b;' /></Document>",
     r"Customers V3.xml: the XML declares a document type \(<!DOCTYPE d>\)"),
    ("<html><body>Session expired</body></html>",
     r"Customers V3.xml: not a data management XML entity file: the document is <html> \(an HTML page"),
    (_document(['<CUSTCUSTOMERGROUPENTITY CUSTOMERGROUPID="10" />']),
     r"Customers V3.xml: not a Customers V3 data management XML file: its records are not <CUSTCUSTOMERV3ENTITY> "
     r"and write no CUSTOMERACCOUNT field"),
])
def test_hostile_or_wrong_xml_files_are_refused_naming_the_file_and_what_to_do(tmp_path: Path, text: str,
                                                                                message: str) -> None:
    with pytest.raises(InputError, match=message):
        read("d365_fo_csv", [_write(tmp_path / "Customers V3.xml", text)])


def test_a_truncated_xml_member_is_refused_naming_the_package_member(tmp_path: Path) -> None:
    package = tmp_path / "CustomersExport.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("Customers V3.xml", _document([_element(c) for c in CUSTOMERS[:3]])[:-40])
    with pytest.raises(InputError, match=r"CustomersExport.zip/Customers V3.xml: not valid XML \(line 5, column 405"):
        read("d365_fo_csv", [package])
