"""The ERP export routes added beside the first ones: Sage Intacct REST (JSON) beside the XML API, and the
D365 F&O data management CSV of Customers V3 beside the OData pages.

Each reader is checked on hand-built files (exact rows, accounting, refusals, options), then for route
parity: the same customers written through the old route and the new one give identical erp_customers
rows (lineage aside) and, through the CLI, an identical card answer.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.config import CONFIG_FILE
from bridgewatch.errors import ConfigError, InputError
from bridgewatch.ingest.accounting import ReadWarning
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from ..cards.builders import erp
from . import routes_bigcommerce as bigcommerce
from . import routes_intacct as intacct
from .helpers import accounts, problems, read, rows
from .routes import (
    d365_dmf_csv,
    d365_dmf_package,
    d365_dmf_xml_attribute,
    d365_dmf_xml_element,
    d365_dmf_xml_package,
    d365_pages,
    sync_log,
    write_route,
)

ERP_COLUMNS = ("system", "legal_entity", "customer_account", "name", "vat_number", "email", "status", "country",
               "created_at", "modified_at")
LINEAGE = ("source_file", "source_row")
runner = CliRunner()


def _write(path: Path, body: Any) -> Path:
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return path


def _query_page(tmp_path: Path) -> Path:
    return _write(tmp_path / "query_page1.json", {"ia::result": [
        {"key": "11", "id": "C-10422", "name": "Harbour Tools Ltd", "status": "active", "isOnHold": False,
         "taxId": "980780684", "entity.id": "UK01", "contacts.default.email1": "ap@harbourtools.co.uk",
         "contacts.default.mailingAddress.country": "United Kingdom",
         "audit.createdDateTime": "2026-03-12T09:14:02Z", "audit.modifiedDateTime": "2026-03-12T09:14:02Z"},
        {"key": "12", "id": "00417", "name": "Brighton & Hove Supplies", "status": "active", "isOnHold": True,
         "taxId": "GB 123 4567 89", "entity.id": None, "audit.createdDateTime": "2025-01-05T14:00:00",
         "audit.modifiedDateTime": "2026-06-01T07:30:00Z"},
        {"key": "13", "id": "C-10399", "name": "Old Dock Co", "status": "inactive", "isOnHold": False,
         "entity.id": "UK01", "audit.createdDateTime": "30/11/2024", "audit.modifiedDateTime": None},
        {"key": "14", "id": "C-10400", "name": "Archive Ltd", "status": "archived"},
        {"key": "15", "id": "C-10401", "href": "/objects/accounts-receivable/customer/15"},
    ], "ia::meta": {"totalCount": 6, "start": 1, "pageSize": 5, "next": 6, "previous": None}})


def _get_response(tmp_path: Path) -> Path:
    return _write(tmp_path / "customer_23.json", {"ia::result": {
        "key": "23", "id": "C-10423", "name": "Celtic Fixings", "status": "activeNonPosting", "isOnHold": False,
        "taxId": "6388047V", "entity": {"key": "2", "id": "IE01", "name": "Ireland"},
        "contacts": {"default": {"email1": "buy@celticfixings.example",
                                 "mailingAddress": {"city": "Cork", "country": "Ireland"}}},
        "audit": {"createdDateTime": "2026-06-20T15:45:00Z", "modifiedDateTime": "2026-06-20T15:45:00Z"},
        "href": "/objects/accounts-receivable/customer/23"}, "ia::meta": {"totalCount": 1, "totalSuccess": 1}})


def test_intacct_rest_query_pages_and_get_responses_give_exact_rows_and_accounts(tmp_path: Path) -> None:
    page, single = _query_page(tmp_path), _get_response(tmp_path)
    result = read("sage_intacct_rest", [page, single], zone="Europe/London")
    assert rows(result, "erp_customers", *ERP_COLUMNS) == [
        ("sage_intacct", "UK01", "C-10422", "Harbour Tools Ltd", "980780684", "ap@harbourtools.co.uk", "active",
         "GB", datetime(2026, 3, 12, 9, 14, 2), datetime(2026, 3, 12, 9, 14, 2)),
        ("sage_intacct", None, "00417", "Brighton & Hove Supplies", "GB 123 4567 89", None, "on_hold", None,
         datetime(2025, 1, 5, 14), datetime(2026, 6, 1, 7, 30)),
        ("sage_intacct", "IE01", "C-10423", "Celtic Fixings", "6388047V", "buy@celticfixings.example", "active",
         "IE", datetime(2026, 6, 20, 15, 45), datetime(2026, 6, 20, 15, 45)),
    ]
    assert accounts(result) == {
        ("erp_customers", "query_page1.json"): {
            "read": 5, "used": 2, "quarantined": 2, "excluded": {
                "a reference (key, id, href) without the customer's fields: save a query response that selects "
                "them instead": 1}},
        ("erp_customers", "customer_23.json"): {"read": 1, "used": 1, "excluded": {}, "quarantined": 0}}
    assert problems(result) == [
        ("query_page1.json", 3, "audit.createdDateTime", "30/11/2024",
         "expected a date and time such as 2026-04-10T09:30:00Z"),
        ("query_page1.json", 4, "status", "archived",
         "unknown customer status (known: active, active non-posting, activenonposting, f, false, inactive, t, "
         "true)"),
    ]


def test_intacct_rest_record_read_twice_is_a_duplicate_and_options_apply(tmp_path: Path) -> None:
    single = _get_response(tmp_path)
    again = _write(tmp_path / "query_page2.json", {"ia::result": [
        {"id": "C-10423", "name": "Celtic Fixings Ltd", "status": "active", "entity.id": "IE01",
         "contacts.default.internationalTaxId": "IE6388047V", "SHOPIFY_ID": "77"}], "ia::meta": {"totalCount": 1}})
    result = read("sage_intacct_rest", [single, again], vat_field="contacts.default.internationalTaxId",
                  external_id_field="SHOPIFY_ID")
    assert rows(result, "erp_customers", "legal_entity", "customer_account", "name", "vat_number",
                "external_id") == [("IE01", "C-10423", "Celtic Fixings", "IE6388047V", "77")]
    assert accounts(result)[("erp_customers", "query_page2.json")] == {
        "read": 1, "used": 0, "excluded": {"duplicate, conflicting: name": 1}, "quarantined": 0}
    only = read("sage_intacct_rest", [_write(tmp_path / "entity.json", {"ia::result": [
        {"id": "C-1", "name": "One", "status": "active"}]})], legal_entity="UK01")
    assert rows(only, "erp_customers", "legal_entity", "customer_account") == [("UK01", "C-1")]
    with pytest.raises(ConfigError, match=r"sources.test.options.vat_fields: unknown option for reader "
                                          r"'sage_intacct_rest'. Did you mean vat_field\?"):
        read("sage_intacct_rest", [single], vat_fields="taxId")
    with pytest.raises(ConfigError, match=r"sources.test.options.legal_entity: expected a string, got 3"):
        read("sage_intacct_rest", [single], legal_entity=3)


@pytest.mark.parametrize("body", [
    {"ia::result": {"ia::error": {"code": "invalidRequest", "message": "A POST request requires a payload",
                                  "errorId": "REST-1028", "supportId": "Kxi78"}},
     "ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1}},
    {"ia::error": {"code": "invalidRequest", "message": "A POST request requires a payload", "errorId": "REST-1028"}},
    {"ia::result": [{"ia::error": {"code": "invalidRequest", "message": "A POST request requires a payload",
                                   "errorId": "REST-1028"}, "ia::status": 400}], "ia::meta": {"totalCount": 1}},
])
def test_an_intacct_rest_error_response_is_refused_with_its_code(tmp_path: Path, body: dict[str, Any]) -> None:
    failed = _write(tmp_path / "query_page1.json", body)
    with pytest.raises(InputError) as err:
        read("sage_intacct_rest", [_get_response(tmp_path), failed])
    assert str(err.value).split("\n")[0] == (
        f"{failed}: Intacct reported an error (ia::error): invalidRequest REST-1028 A POST request requires a "
        f"payload. Fix the request and save the response again.")
    assert [(p.field, p.reason) for p in err.value.problems] == [("ia::error", "Intacct error response")]


def test_intacct_rest_pages_short_of_total_count_are_told(tmp_path: Path) -> None:
    def page(n: int) -> dict[str, Any]:
        return {"ia::result": [{"id": f"C-{n}", "name": f"Customer {n}", "status": "active"}],
                "ia::meta": {"totalCount": 3, "start": n, "pageSize": 1, "next": n + 1 if n < 3 else None}}

    files = [_write(tmp_path / f"query_page{n}.json", page(n)) for n in (1, 2, 3)]
    whole = read("sage_intacct_rest", [*files, _get_response(tmp_path)])
    assert (len(rows(whole, "erp_customers", "name")), whole.warnings) == (4, [])
    short = read("sage_intacct_rest", files[:2])
    assert len(rows(short, "erp_customers", "name")) == 2
    assert short.warnings == [ReadWarning("test", (str(files[0]), str(files[1])), (
        "Intacct REST pages say totalCount=3 but hold 2 customers; fetch the remaining pages (start = "
        "ia::meta.next) and add them to the source, or customers will look missing"))]


DMF_HEADER = ("CUSTOMERACCOUNT,DATAAREAID,ORGANIZATIONNAME,PERSONFIRSTNAME,PERSONLASTNAME,PRIMARYCONTACTEMAIL,"
              "TAXEXEMPTNUMBER,ADDRESSCOUNTRYREGIONISOCODE,ADDRESSCOUNTRYREGIONID,ONHOLDSTATUS,CUSTOMERGROUPID\n")


def test_d365_data_management_csv_gives_exact_rows_and_accounts(tmp_path: Path) -> None:
    export = _write(tmp_path / "Customers V3.csv", DMF_HEADER + (
        "GB-00421,gbsi,Harbour Tools Ltd,,,ap@harbourtools.co.uk,GB980780684,GB,GBR,No,10\n"
        "US-000117,usmf,Lakeside Hardware Inc,,,purchasing@lakeside.example,,,USA,Invoice,20\n"
        "US-000201,usmf,,Dana,Wu,dana.wu@mail.example,,,USA,All,20\n"
        ",,,,,,,,,,\n"
        "US-1,usmf,One,,,,,,,Frozen,10\n"
        "US-2,,Two,,,,,,,No,10\n"
        ",usmf,Three,,,,,,,No,10\n"))
    result = read("d365_fo_csv", [export])
    assert rows(result, "erp_customers", *ERP_COLUMNS[:8]) == [
        ("d365_fo", "GBSI", "GB-00421", "Harbour Tools Ltd", "GB980780684", "ap@harbourtools.co.uk", "active", "GB"),
        ("d365_fo", "USMF", "US-000117", "Lakeside Hardware Inc", None, "purchasing@lakeside.example", "on_hold",
         "US"),
        ("d365_fo", "USMF", "US-000201", "Dana Wu", None, "dana.wu@mail.example", "blocked", "US"),
    ]
    assert accounts(result) == {("erp_customers", "Customers V3.csv"): {
        "read": 7, "used": 3, "excluded": {"blank row": 1}, "quarantined": 3}}
    assert problems(result) == [
        ("Customers V3.csv", 5, "ONHOLDSTATUS", "Frozen", "unknown OnHoldStatus (known: all, invoice, never, no, "
         "payment, requisition); add it to the status_map option"),
        ("Customers V3.csv", 6, "DATAAREAID", None, "DATAAREAID is missing: export it (it is the legal entity) or "
         "set the legal_entity option"),
        ("Customers V3.csv", 7, "CUSTOMERACCOUNT", None, "required value is empty"),
    ]


def test_d365_data_management_csv_options_and_headers(tmp_path: Path) -> None:
    export = _write(tmp_path / "customers.csv", "CustomerAccount;Name;E-mail;VATNUM;OnHoldStatus;BWCOMMERCEID\n"
                                                "US-1;Kay Ltd;kay@shop.example;US123;Frozen;c-9\n")
    result = read("d365_fo_csv", [export], legal_entity="USTI", legal_entity_case="lower",
                  status_map={"Frozen": "blocked"}, vat_field="VatNum", external_id_field="BWCommerceId",
                  columns={"OrganizationName": "Name", "PrimaryContactEmail": "E-mail"})
    assert rows(result, "erp_customers", "legal_entity", "customer_account", "name", "email", "vat_number", "status",
                "external_id") == [("USTI", "US-1", "Kay Ltd", "kay@shop.example", "US123", "blocked", "c-9")]
    with pytest.raises(InputError, match="Customers V3 data management export: CUSTOMERACCOUNT"):
        read("d365_fo_csv", [_write(tmp_path / "other.csv", "ACCOUNTNUM,NAME\nUS-1,Kay\n")])
    with pytest.raises(ConfigError, match="legal_entity_case: expected one of upper, lower, as_is"):
        read("d365_fo_csv", [export], legal_entity_case="title")
    with pytest.raises(ConfigError, match=r"options.colums: unknown option for reader 'd365_fo_csv'. "
                                          r"Did you mean columns\?"):
        read("d365_fo_csv", [export], colums={})


MANIFEST = '<?xml version="1.0" encoding="utf-8"?><DataManagementPackageManifest />'


def _package(path: Path, members: dict[str, str | bytes]) -> Path:
    """A data package ZIP as Data management downloads it: its description files and the entity data files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in {"Manifest.xml": MANIFEST, "PackageHeader.xml": MANIFEST, **members}.items():
            zf.writestr(name, body)
    return path


def test_a_d365_data_package_zip_reads_as_its_customers_csv(tmp_path: Path) -> None:
    csv = DMF_HEADER + ("GB-00421,gbsi,Harbour Tools Ltd,,,ap@harbourtools.co.uk,GB980780684,GB,GBR,No,10\n"
                        "US-1,usmf,One,,,,,,,Frozen,10\n"
                        "US-000201,usmf,,Dana,Wu,dana.wu@mail.example,,,USA,All,20\n")
    alone = read("d365_fo_csv", [_write(tmp_path / "Customers V3.csv", csv)])
    package = _package(tmp_path / "CustomersExport.zip", {
        "Customers V3.csv": "\ufeff" + csv, "/etc/Customer groups.csv": "CUSTOMERGROUPID,DESCRIPTION\n10,Retail\n"})
    result = read("d365_fo_csv", [package])
    member = str(package / "Customers V3.csv")
    assert rows(result, "erp_customers", *ERP_COLUMNS[:8]) == rows(alone, "erp_customers", *ERP_COLUMNS[:8]) == [
        ("d365_fo", "GBSI", "GB-00421", "Harbour Tools Ltd", "GB980780684", "ap@harbourtools.co.uk", "active", "GB"),
        ("d365_fo", "USMF", "US-000201", "Dana Wu", None, "dana.wu@mail.example", "blocked", "US")]
    assert rows(result, "erp_customers", "source_file", "source_row") == [(member, 1), (member, 3)]
    assert [(p.file, p.row, p.field, p.value) for a in result.accounts for p in a.quarantined] == [
        (member, 2, "ONHOLDSTATUS", "Frozen")]
    assert {a.file: a.notes for a in result.accounts} == {
        member: [], str(package / "etc" / "Customer groups.csv"): [
            "no erp customers: another entity of the data package (its header has no CUSTOMERACCOUNT column), "
            "not read"]}


def test_a_d365_data_package_without_a_customers_csv_is_refused_with_what_to_do(tmp_path: Path) -> None:
    excel = _package(tmp_path / "txt.zip", {"Customers V3.txt": "CUSTOMERACCOUNT\tDATAAREAID\n"})
    with pytest.raises(InputError, match=r"txt.zip: the data package holds 'Customers V3.txt', an entity file "
                                         r"that is neither CSV, Excel nor XML.*target data format"):
        read("d365_fo_csv", [excel])
    groups = _package(tmp_path / "groups.zip", {"Customer groups.csv": "CUSTOMERGROUPID,DESCRIPTION\n10,Retail\n"})
    with pytest.raises(InputError, match=r"groups.zip: this data package holds no Customers V3 data file \(no CSV or "
                                         r"Excel member whose header has CUSTOMERACCOUNT\)"):
        read("d365_fo_csv", [groups])
    broken = _package(tmp_path / "broken.zip", {"Customers V3.xlsx": b"PK-not-a-workbook"})
    with pytest.raises(InputError, match=r"broken.zip: this data package holds no Customers V3 data file"):
        read("d365_fo_csv", [broken])
    workbook = _package(tmp_path / "Customers V3.xlsx", {"[Content_Types].xml": MANIFEST, "xl/workbook.xml": MANIFEST})
    with pytest.raises(InputError, match=r"Customers V3.xlsx: an Excel workbook that cannot be read"):
        read("d365_fo_csv", [workbook])
    cut = tmp_path / "cut.zip"
    cut.write_bytes(excel.read_bytes()[:-30])
    with pytest.raises(InputError, match=r"cut.zip: cannot be read as a data package ZIP \(.*\)\. Download the "):
        read("d365_fo_csv", [cut])


def _erp_rows(root: Path) -> list[dict[str, Any]]:
    ws = load_workspace(root)
    assert not [p.describe() for p in ws.accounting.problems]
    return sorted(({k: v for k, v in r.items() if k not in LINEAGE} for r in ws.tables["erp_customers"].to_pylist()),
                  key=lambda r: (str(r["legal_entity"]), r["customer_account"]))


def test_intacct_rest_and_xml_routes_give_identical_erp_rows(tmp_path: Path) -> None:
    xml = write_route(intacct.scenario(), tmp_path / "xml", intacct.xml_pages, intacct.commerce)
    rest = write_route(intacct.scenario(), tmp_path / "rest", intacct.rest_query_pages, intacct.commerce)
    assert 'reader = "sage_intacct_rest"' in (rest / CONFIG_FILE).read_text()
    expected = _erp_rows(xml)
    assert [(r["legal_entity"], r["customer_account"], r["vat_number"], r["country"], r["created_at"])
            for r in expected] == [
        (None, "C-10401", "9825613N", "IE", datetime(2025, 11, 3, 10)),
        ("UK01", "C-10422", "980780684", "GB", datetime(2026, 3, 12, 9, 14, 2)),
        ("UK01", "C-10423", "6388047V", "IE", datetime(2026, 1, 20, 15, 45))]
    assert _erp_rows(rest) == expected


# White space a value can come padded with (bridgewatch.model.whitespace: Unicode White_Space). Each route gets what
# it can carry: XML 1.0 cannot hold a vertical tab (U+000B), not even as &#11;, so the XML pages get NEL (U+0085),
# no-break, ideographic and em spaces.
PADDING = {"xml_pages": ("\x85\xa0 ", "\u3000\u2003\x85"),
           "customer_list_csv": ("\x0b\x85\xa0", "\u3000\x0b\t"),
           "rest_query_pages": ("\x0b\u3000", "\x85\xa0\x0b")}
PADDED = ("customer_account", "name", "vat_number", "legal_entity")


def _padded(left: str, right: str) -> Scenario:
    s = intacct.scenario()
    for record in s.rows["erp_customers"]:
        record.update({k: f"{left}{record[k]}{right}" for k in PADDED})
    return s


@pytest.mark.parametrize("light", [True, False], ids=["small-input-trims", "large-input-trims"])
def test_values_padded_with_white_space_give_the_same_erp_rows_on_every_intacct_route(
        tmp_path: Path, light: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The XML reader stripped U+000B and NEL around values, REST and CSV did not: an account reference, name or
    VAT number with them around it was another value on those routes (``\x0bC-10423\x85`` matching nothing).

    Small inputs are trimmed with SQL that is cheap to plan, large ones with SQL that is fast to run
    (``bridgewatch.model.whitespace.light_trims``); these files are small, so the large form is forced once."""
    if not light:
        monkeypatch.setattr("bridgewatch.ingest.canonical.LIGHT_BYTES", -1)
    expected = _erp_rows(write_route(intacct.scenario(), tmp_path / "plain", intacct.xml_pages, intacct.commerce))
    assert [(r["legal_entity"], r["customer_account"], r["name"], r["vat_number"]) for r in expected] == [
        (None, "C-10401", "Anchor Supplies", "9825613N"), ("UK01", "C-10422", "Harbour Tools Ltd", "980780684"),
        ("UK01", "C-10423", "Celtic Fixings", "6388047V")]
    for route, (left, right) in PADDING.items():
        root = write_route(_padded(left, right), tmp_path / route, intacct.ROUTES[route], intacct.commerce)
        assert _erp_rows(root) == expected, route


def _fo_customers() -> Scenario:
    """The BigCommerce routes' workspace with more F&O customers: on hold, blocked, without entity or country."""
    s = bigcommerce.scenario()
    erp(s, "US-000118", system="d365_fo", entity="USTI", name="Hold & Co", email="ap@hold.example",
        status="on_hold", country="US", vat_number="US-77", created_at="2026-02-01T10:30:00Z")
    erp(s, "CA-00421", system="d365_fo", entity="CATU", name="Harbour Tools Ltd", status="blocked", country="CA")
    erp(s, "00042", system="d365_fo", entity="USTI", name="Keystone Supply")
    return s


def test_d365_data_management_csv_and_odata_routes_give_identical_erp_rows(tmp_path: Path) -> None:
    route = bigcommerce.ROUTES[sorted(bigcommerce.ROUTES)[0]]
    odata = write_route(_fo_customers(), tmp_path / "odata", route, d365_pages, sync_log, bigcommerce.fx)
    dmf = write_route(_fo_customers(), tmp_path / "dmf", route, d365_dmf_csv, sync_log, bigcommerce.fx)
    assert 'reader = "d365_fo_csv"' in (dmf / CONFIG_FILE).read_text()
    expected = _erp_rows(odata)
    assert [(r["legal_entity"], r["customer_account"], r["status"], r["country"], r["created_at"])
            for r in expected] == [
        ("CATU", "CA-00421", "blocked", "CA", None),
        ("USTI", "00042", "active", None, None),
        ("USTI", "US-000117", "active", None, None),
        ("USTI", "US-000118", "on_hold", "US", datetime(2026, 2, 1, 10, 30))]
    assert _erp_rows(dmf) == expected
    package = write_route(_fo_customers(), tmp_path / "package", route, d365_dmf_package, sync_log, bigcommerce.fx)
    assert _erp_rows(package) == expected
    assert _without_ingest(_cli_answer(package)) == _without_ingest(_cli_answer(odata))


@pytest.mark.parametrize("route", [d365_dmf_xml_element, d365_dmf_xml_attribute, d365_dmf_xml_package])
def test_d365_data_management_xml_routes_give_the_csv_and_odata_routes_rows(tmp_path: Path, route: Any) -> None:
    commerce = bigcommerce.ROUTES[sorted(bigcommerce.ROUTES)[0]]
    odata = write_route(_fo_customers(), tmp_path / "odata", commerce, d365_pages, sync_log, bigcommerce.fx)
    csv = write_route(_fo_customers(), tmp_path / "csv", commerce, d365_dmf_csv, sync_log, bigcommerce.fx)
    xml = write_route(_fo_customers(), tmp_path / "xml", commerce, route, sync_log, bigcommerce.fx)
    assert 'reader = "d365_fo_csv"' in (xml / CONFIG_FILE).read_text()
    assert [(r["legal_entity"], r["customer_account"], r["status"], r["vat_number"]) for r in _erp_rows(xml)] == [
        ("CATU", "CA-00421", "blocked", None), ("USTI", "00042", "active", None),
        ("USTI", "US-000117", "active", None), ("USTI", "US-000118", "on_hold", "US-77")]
    assert _erp_rows(xml) == _erp_rows(csv) == _erp_rows(odata)
    assert _without_ingest(_cli_answer(xml)) == _without_ingest(_cli_answer(csv))


def _cli_answer(root: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store", "--format", "json"])
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def _without_ingest(value: Any) -> Any:
    """The answer without the accounting of the files read (their names differ by route, by design)."""
    if isinstance(value, dict):
        return {k: _without_ingest(v) for k, v in value.items() if k != "ingest"}
    if isinstance(value, list):
        return [_without_ingest(v) for v in value]
    return value


def test_a_workspace_naming_the_new_readers_runs_end_to_end_with_the_old_routes_answer(tmp_path: Path) -> None:
    old = _cli_answer(write_route(intacct.scenario(), tmp_path / "xml", intacct.xml_pages, intacct.commerce))
    new = _cli_answer(write_route(intacct.scenario(), tmp_path / "rest", intacct.rest_query_pages, intacct.commerce))
    assert _without_ingest(new) == _without_ingest(old)
    assert "CELTIC" in json.dumps(new)
    route = bigcommerce.ROUTES[sorted(bigcommerce.ROUTES)[0]]
    old = _cli_answer(write_route(bigcommerce.scenario(), tmp_path / "odata", route, d365_pages, sync_log,
                                  bigcommerce.fx))
    new = _cli_answer(write_route(bigcommerce.scenario(), tmp_path / "dmf", route, d365_dmf_csv, sync_log,
                                  bigcommerce.fx))
    assert _without_ingest(new) == _without_ingest(old)
    assert "1044" in json.dumps(new)


def test_an_active_non_posting_customer_on_hold_is_on_hold_on_both_routes(tmp_path: Path) -> None:
    """*Active non-posting* is an active status: with the hold set the record is on hold, by XML as by REST."""
    xml = tmp_path / "customers.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status></control><operation>'
        '<result><status>success</status><function>readByQuery</function>'
        '<data listtype="customer" count="3" totalcount="3" numremaining="0">'
        + "".join(f"<customer><CUSTOMERID>{cid}</CUSTOMERID><NAME>{cid}</NAME><STATUS>{status}</STATUS>"
                  f"<ONHOLD>{hold}</ONHOLD><MEGAENTITYID>UK01</MEGAENTITYID></customer>"
                  for cid, status, hold in (("N1", "active non-posting", "true"), ("N2", "active non-posting", "false"),
                                            ("N3", "inactive", "true")))
        + "</data></result></operation></response>")
    rest = _write(tmp_path / "query.json", {"ia::result": [
        {"key": str(i), "id": cid, "name": cid, "status": status, "isOnHold": hold, "entity.id": "UK01"}
        for i, (cid, status, hold) in enumerate((("N1", "activeNonPosting", True), ("N2", "activeNonPosting", False),
                                                 ("N3", "inactive", True)))],
        "ia::meta": {"totalCount": 3, "start": 1, "pageSize": 100, "next": None, "previous": None}})
    expected = [("N1", "on_hold"), ("N2", "active"), ("N3", "inactive")]
    assert rows(read("sage_intacct_xml", [xml]), "erp_customers", "customer_account", "status") == expected
    assert rows(read("sage_intacct_rest", [rest]), "erp_customers", "customer_account", "status") == expected


def test_an_intacct_rest_page_saved_twice_does_not_stand_in_for_a_missing_one(tmp_path: Path) -> None:
    def page(n: int) -> dict[str, Any]:
        return {"ia::result": [{"id": f"C-{n}", "name": f"Customer {n}", "status": "active"}],
                "ia::meta": {"totalCount": 3, "start": n, "pageSize": 1, "next": n + 1 if n < 3 else None}}

    first, last = _write(tmp_path / "query_page1.json", page(1)), _write(tmp_path / "query_page3.json", page(3))
    again = _write(tmp_path / "query_page1 (1).json", page(1))
    short = read("sage_intacct_rest", [first, again, last])
    assert rows(short, "erp_customers", "customer_account") == [("C-1",), ("C-3",)]
    assert short.warnings == [ReadWarning("test", (str(again), str(first), str(last)), (
        "Intacct REST pages say totalCount=3 but hold 2 customers; fetch the remaining pages (start = "
        "ia::meta.next) and add them to the source, or customers will look missing"))]


INSIDE_UK01 = {
    "sage_intacct_xml": ("customers.xml", (
        '<response><operation><result><status>success</status><data listtype="customer" count="3" totalcount="3" '
        'numremaining="0" resultId=""><customer><CUSTOMERID>C-1</CUSTOMERID><MEGAENTITYID></MEGAENTITYID></customer>'
        '<customer><CUSTOMERID>C-2</CUSTOMERID><MEGAENTITYID>IE01</MEGAENTITYID></customer>'
        '<customer><CUSTOMERID>C-3</CUSTOMERID><MEGAENTITYID/></customer></data></result></operation></response>')),
    "sage_intacct_csv": ("customers.csv", "Customer ID,Name,Status,Entity\nC-1,One,Active,\nC-2,Two,Active,IE01\n"
                                          "C-3,Three,Active,\"\"\n"),
    "sage_intacct_rest": ("query_page1.json", {"ia::result": [
        {"id": "C-1", "name": "One", "status": "active", "entity.id": None},
        {"id": "C-2", "name": "Two", "status": "active", "entity.id": "IE01"},
        {"id": "C-3", "name": "Three", "status": "active", "entity": {"key": None, "id": None}}],
        "ia::meta": {"totalCount": 3}}),
}


@pytest.mark.parametrize("reader", list(INSIDE_UK01))
def test_an_empty_intacct_entity_is_top_level_whatever_the_legal_entity_option_says(tmp_path: Path,
                                                                                     reader: str) -> None:
    """legal_entity names the entity of records that do not carry the field; a record whose entity is empty is
    top level (shared by every entity), or a customer held at top level would look absent from the other
    entities."""
    name, body = INSIDE_UK01[reader]
    result = read(reader, [_write(tmp_path / name, body)], legal_entity="UK01")
    assert rows(result, "erp_customers", "legal_entity", "customer_account") == [
        (None, "C-1"), ("IE01", "C-2"), (None, "C-3")]


WITHOUT_STATUS = {
    "sage_intacct_xml": ("customers.xml", (
        '<response><operation><result><status>success</status><data listtype="customer" count="1" totalcount="1" '
        'numremaining="0" resultId=""><customer><CUSTOMERID>C-1</CUSTOMERID><NAME>One</NAME></customer></data>'
        '</result></operation></response>'), {},
        "no STATUS field: every customer of this export was read as active (an inactive one counts as present); "
        "add STATUS to the query's fields and export it again"),
    "sage_intacct_csv": ("customers.csv", "Customer ID,Name\nC-1,One\n", {},
                         "no Status column: every customer of this export was read as active (an inactive one counts "
                         "as present); add the Status column to the list view and export it again"),
    "sage_intacct_rest": ("query_page1.json", {"ia::result": [{"key": "1", "id": "C-1", "name": "One"}],
                                               "ia::meta": {"totalCount": 1}}, {},
                          "no status field: every customer of this export was read as active (an inactive one counts "
                          "as present); add status to the query's fields and export it again"),
    "d365_fo_odata": ("customersv3.json", {"value": [{"dataAreaId": "usmf", "CustomerAccount": "C-1",
                                                      "OrganizationName": "One"}]}, {},
                      "no OnHoldStatus field: every customer of this export was read as active (one on hold or "
                      "blocked counts as active, so a blocked one counts as present); add OnHoldStatus to $select and "
                      "export it again"),
    "d365_fo_csv": ("Customers V3.csv", "CUSTOMERACCOUNT,DATAAREAID,ORGANIZATIONNAME\nC-1,usmf,One\n", {},
                    "no ONHOLDSTATUS column: every customer of this export was read as active (one on hold or blocked "
                    "counts as active, so a blocked one counts as present); add ONHOLDSTATUS to the export's fields "
                    "and export it again"),
    "business_central_api": ("customers.json", {
        "@odata.context": "https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0/$metadata#"
                          "companies(5b1f2c8e-7d1a-ef11-9f88-000d3a2b1c01)/customers",
        "value": [{"id": "c-1", "number": "C-1", "displayName": "One"}]}, {},
        "no blocked field: every customer of this export was read as active (a blocked one counts as present); add "
        "blocked to $select and export it again"),
    "business_central_csv": ("customers.csv", "No.,Name\nC-1,One\n", {"company": "CRONUS UK"},
                             "no Blocked column: every customer of this export was read as active (a blocked one "
                             "counts as present); add the Blocked column to the list and export it again"),
}


@pytest.mark.parametrize("reader", list(WITHOUT_STATUS))
def test_an_erp_export_without_its_status_says_every_customer_was_read_as_active(tmp_path: Path,
                                                                                 reader: str) -> None:
    """A status the export does not carry is read as active, so an inactive or blocked customer counts as present:
    the file's account says so, as a Dataverse export without its Status column does."""
    name, body, options, note = WITHOUT_STATUS[reader]
    result = read(reader, [_write(tmp_path / name, body)], **options)
    assert rows(result, "erp_customers", "customer_account", "status") == [("C-1", "active")]
    assert accounts(result)[("erp_customers", name)] == {
        "read": 1, "used": 1, "excluded": {}, "quarantined": 0, "notes": [note]}


def test_an_intacct_rest_record_whose_href_names_another_object_is_not_a_customer(tmp_path: Path) -> None:
    """A vendor has the customer's shape (id, name, status, taxId): a vendor that is also a buyer, read as a
    customer, would make the absent customer look present by its VAT number."""
    page = _write(tmp_path / "query_page1.json", {"ia::result": [
        {"key": "7", "id": "V-100", "name": "Harbour Tools Ltd", "status": "active", "taxId": "980780684",
         "href": "/objects/accounts-payable/vendor/7"},
        {"key": "11", "id": "C-10422", "name": "Harbour Tools Ltd", "status": "active",
         "href": "/objects/accounts-receivable/customer/11"}], "ia::meta": {"totalCount": 2}})
    result = read("sage_intacct_rest", [page])
    assert rows(result, "erp_customers", "customer_account") == [("C-10422",)]
    assert accounts(result)[("erp_customers", "query_page1.json")] == {
        "read": 2, "used": 1, "quarantined": 0, "excluded": {
            "not a customer: a record of another object (its href names /objects/accounts-payable/vendor); only "
            "accounts-receivable/customer records are read": 1}}
