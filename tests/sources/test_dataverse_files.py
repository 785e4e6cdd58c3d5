"""Dataverse accounts and contacts from file exports (``dataverse_csv``): the app's Export to Excel static worksheet,
the same sheet saved as CSV, and the maker portal's table export; hostile cells, refusals; and route parity with
the Web API pages (``dataverse_api``): the same records give the same staging rows and the same D365 card.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bridgewatch.errors import ConfigError, InputError
from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.results import collect
from bridgewatch.scenario import Scenario, write_csv
from bridgewatch.sources.dates import AMBIGUOUS
from bridgewatch.workspace import load_workspace

from ..cards.builders import d365, erp, shopper
from . import routes_dataverse as dv
from .helpers import accounts, problems, read, rows
from .routes import d365_dmf_csv, d365_pages, write_route

COLUMNS = ("record_type", "record_id", "legal_entity", "account_ref", "email", "vat_number", "external_id", "state",
           "merged", "master_id", "created_at")
VIEW = ["(Do Not Modify) Account", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On", "Account Name",
        "Account Number", "Email", "Tax Exempt Number", "Status", "Company", "Created On"]
HOSTILE = "=cmd|' /C calc'!A0"


NO_MERGED = ("no Merged column: every account of this export was read as not merged (a merged one counts as a live "
             "record, not as merged / retired); add the Merged column to the view before exporting it")
NO_COMPANY = ("no Company column: every account of this export was read without a company (no legal entity: not "
              "eligible for dual-write); add the Company column to the view before exporting it")
"""The notes on a view exported without its Merged or Company column (absent is read as nothing)."""


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding, newline="")
    return path


def _accounts_workbook(path: Path, records: list[list[Any]]) -> Path:
    dv.static_worksheet(path, "My Active Accounts", VIEW, [dict(zip(VIEW, r, strict=True)) for r in records])
    return path


def test_an_excel_static_worksheet_reads_display_names_and_formatted_values(tmp_path: Path) -> None:
    book = _accounts_workbook(tmp_path / "My Active Accounts 6-20-2026.xlsx", [
        ["7c1e0a4e-0000-0000-0000-000000000001", "cks1", datetime(2026, 6, 1, 8), "Harbour Tools", None,
         "ap@harbourtools.co.uk", "GB980780684", "Active", None, datetime(2026, 3, 12, 9, 10, 44)],
        ["7c1e0a4e-0000-0000-0000-000000000002", "cks2", datetime(2026, 6, 1, 8), "Lakeside", "US-000117",
         "purchasing@lakeside.example", None, "Active", "usmf", datetime(2026, 1, 5, 10)],
        [None] * 10,
        ["7c1e0a4e-0000-0000-0000-000000000003", "cks3", datetime(2026, 6, 1, 8), "Lakeside (old)", None,
         "purchasing@lakeside.example", None, "Inactive", "usmf", datetime(2026, 2, 1, 10)],
    ])
    result = read("dataverse_csv", [book], zone="UTC")
    assert rows(result, "staging_records", *COLUMNS) == [
        ("account", "7c1e0a4e-0000-0000-0000-000000000001", None, None, "ap@harbourtools.co.uk", "GB980780684", None,
         "active", False, None, datetime(2026, 3, 12, 9, 10, 44)),
        ("account", "7c1e0a4e-0000-0000-0000-000000000002", "USMF", "US-000117", "purchasing@lakeside.example", None,
         None, "active", False, None, datetime(2026, 1, 5, 10)),
        ("account", "7c1e0a4e-0000-0000-0000-000000000003", "USMF", None, "purchasing@lakeside.example", None, None,
         "inactive", False, None, datetime(2026, 2, 1, 10)),
    ]
    assert rows(result, "staging_records", "source_file", "source_row")[2] == (f"{book}[My Active Accounts]", 4)
    assert accounts(result) == {("staging_records", "My Active Accounts 6-20-2026.xlsx[My Active Accounts]"): {
        "read": 4, "used": 3, "excluded": {"blank row": 1}, "quarantined": 0, "notes": [NO_MERGED]}}
    as_is = read("dataverse_csv", [book], legal_entity_case="as_is", timezone="America/New_York")
    assert rows(as_is, "staging_records", "legal_entity", "created_at")[1] == ("usmf", datetime(2026, 1, 5, 15))


def test_a_view_saved_as_csv_reads_dates_in_each_files_locale(tmp_path: Path) -> None:
    header = "\ufeff(Do Not Modify) Contact,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,Full Name," \
             "Email,Status,Company,Merged,Created On\n"
    us = _csv(tmp_path / "contacts_us.csv", header + (
        "9d2f-1,c1,6/19/2026 8:00 AM,Dana Wu,dana.wu@mail.example,Active,usmf,No,6/10/2026 8:00 AM\n"
        "9d2f-2,c2,6/19/2026 8:00 AM,Old Wu,old.wu@mail.example,Inactive,usmf,Yes,1/2/2026 2:30 PM\n"))
    uk = _csv(tmp_path / "contacts_uk.csv", header + (
        "9d2f-3,c3,19/06/2026 08:00,Ann Lee,ann@mail.example,Active,GBSI,No,13/06/2026 14:05\n"
        "9d2f-4,c4,19/06/2026 08:00,Bo Lee,bo@mail.example,Active,GBSI,,01/06/2026 09:00\n"))
    unsure = _csv(tmp_path / "contacts_unsure.csv", header + (
        "9d2f-5,c5,,Cy Lee,cy@mail.example,Active,,No,01/06/2026 09:00\n"))
    result = read("dataverse_csv", [us, uk, unsure])
    assert rows(result, "staging_records", "record_type", "record_id", "legal_entity", "email", "state", "merged",
                "created_at") == [
        ("contact", "9d2f-1", "USMF", "dana.wu@mail.example", "active", False, datetime(2026, 6, 10, 8)),
        ("contact", "9d2f-2", "USMF", "old.wu@mail.example", "inactive", True, datetime(2026, 1, 2, 14, 30)),
        ("contact", "9d2f-3", "GBSI", "ann@mail.example", "active", False, datetime(2026, 6, 13, 14, 5)),
        ("contact", "9d2f-4", "GBSI", "bo@mail.example", "active", False, datetime(2026, 6, 1, 9)),
    ]
    assert problems(result) == [("contacts_unsure.csv", 1, "Created On", "01/06/2026 09:00", AMBIGUOUS)]
    assert rows(read("dataverse_csv", [unsure], date_order="day_first"), "staging_records", "created_at") == [
        (datetime(2026, 6, 1, 9),)]


def test_a_maker_portal_table_export_reads_logical_names(tmp_path: Path) -> None:
    accounts_csv = _csv(tmp_path / "account.csv", (
        "accountid,name,accountnumber,emailaddress1,msdyn_taxexemptnumber,statecode,merged,_masterid_value,"
        "_msdyn_company_value,createdon,new_shopifyid\n"
        "a-1,Harbour Tools,,ap@harbourtools.co.uk,GB980780684,0,False,,,2026-03-12T09:10:44Z,s-77\n"
        "a-2,Lakeside,US-000117,purchasing@lakeside.example,,0,false,,0F5D2A11-0000-0000-0000-0000000000AA,"
        "2026-01-05T10:00:00Z,\n"
        "a-3,Lakeside (old),,purchasing@lakeside.example,,1,True,a-2,0f5d2a11-0000-0000-0000-0000000000aa,"
        "2026-02-01T10:00:00Z,\n"
        "a-4,Unmapped Co,,x@mail.example,,Inactive,,,1f5d2a11-0000-0000-0000-0000000000bb,,\n"))
    contacts_csv = _csv(tmp_path / "contact.csv", (
        "contactid,fullname,accountid,msdyn_contactpersonid,emailaddress1,statecode,msdyn_company,createdon\n"
        "c-1,Dana Wu,a-2,US-000201,dana.wu@mail.example,0,0F5D2A11-0000-0000-0000-0000000000AA,"
        "2026-06-10T08:00:00Z\n"))
    result = read("dataverse_csv", [accounts_csv, contacts_csv], external_id_field="new_shopifyid",
                  companies={"0f5d2a11-0000-0000-0000-0000000000AA": "usmf"})
    assert rows(result, "staging_records", *COLUMNS) == [
        ("account", "a-1", None, None, "ap@harbourtools.co.uk", "GB980780684", "s-77", "active", False, None,
         datetime(2026, 3, 12, 9, 10, 44)),
        ("account", "a-2", "USMF", "US-000117", "purchasing@lakeside.example", None, None, "active", False, None,
         datetime(2026, 1, 5, 10)),
        ("account", "a-3", "USMF", None, "purchasing@lakeside.example", None, None, "inactive", True, "a-2",
         datetime(2026, 2, 1, 10)),
        ("account", "a-4", "1F5D2A11-0000-0000-0000-0000000000BB", None, "x@mail.example", None, None, "inactive",
         False, None, None),
        ("contact", "c-1", "USMF", "US-000201", "dana.wu@mail.example", None, None, "active", False, None,
         datetime(2026, 6, 10, 8)),
    ]


def test_hostile_cells_come_through_as_data(tmp_path: Path) -> None:
    book = _accounts_workbook(tmp_path / "accounts.xlsx", [
        ["a-1", "=1+1", "=NOW()", HOSTILE, HOSTILE, "bell_x0007_@mail.example", "+44 20", "Active",
         "@SUM(A1)", datetime(2026, 6, 1, 8)],
        ["a-9", "=1+1", "=NOW()", "x", None, None, None, "Active", None, "-2+3"]])
    sheet = read("dataverse_csv", [book])
    assert rows(sheet, "staging_records", "record_id", "account_ref", "email", "vat_number", "legal_entity",
                "created_at") == [("a-1", HOSTILE, "bell\x07@mail.example", "+44 20", "@SUM(A1)",
                                   datetime(2026, 6, 1, 8))]
    assert problems(sheet) == [("accounts.xlsx[My Active Accounts]", 2, "Created On", "-2+3",
                                "expected a date and time such as '6/10/2026 8:00 AM'")]
    flat = _csv(tmp_path / "accounts.csv", ",".join(VIEW) + "\n"
                f'a-2,,,"{HOSTILE}","{HOSTILE}","esc\x1b[31m@mail.example",\x00x,Active,"a,b\tc",\n')
    text = read("dataverse_csv", [flat])
    assert rows(text, "staging_records", "record_id", "account_ref", "email", "vat_number", "legal_entity") == [
        ("a-2", HOSTILE, "esc\x1b[31m@mail.example", "\x00x", "A,B\tC")]
    assert accounts(text)[("staging_records", "accounts.csv")] == {
        "read": 1, "used": 1, "excluded": {}, "quarantined": 0, "notes": [NO_MERGED]}


def test_unknown_status_and_merged_values_are_quarantined_with_file_row_and_field(tmp_path: Path) -> None:
    view = _csv(tmp_path / "accounts.csv", "(Do Not Modify) Account,Status,Merged\n"
                                           "a-1,Active,No\na-2,Pending,No\na-3,Active,Maybe\na-4,,\n")
    table = _csv(tmp_path / "account.csv", "accountid,statecode\nb-1,2\n")
    result = read("dataverse_csv", [view, table])
    assert rows(result, "staging_records", "record_id", "state", "merged") == [
        ("a-1", "active", False), ("a-4", "active", False)]
    assert problems(result) == [
        ("accounts.csv", 2, "Status", "Pending", "unknown Status (known: active, inactive); add it to the "
                                                 "status_map option"),
        ("accounts.csv", 3, "Merged", "Maybe", "unknown Merged (known: 0, 1, false, no, true, yes)"),
        ("account.csv", 1, "statecode", "2", "unknown statecode (known: 0, 1, active, inactive)"),
    ]
    assert accounts(result)[("staging_records", "accounts.csv")] == {
        "read": 4, "used": 2, "excluded": {}, "quarantined": 2, "notes": [NO_COMPANY]}


def test_an_export_without_its_status_merged_or_company_column_says_how_every_record_was_read(tmp_path: Path) -> None:
    view = _csv(tmp_path / "accounts.csv", "(Do Not Modify) Account,Account Number,Email\n"
                                           "a-1,US-1,a@x.example\na-2,US-2,b@x.example\n")
    table = _csv(tmp_path / "contact.csv", "contactid,emailaddress1\nc-1,c@x.example\n")
    shown = _csv(tmp_path / "old accounts.csv", "(Do Not Modify) Account,Status\na-3,Inactive\n")
    header_only = _csv(tmp_path / "more accounts.csv", "(Do Not Modify) Account,Email\n")
    result = read("dataverse_csv", [view, table, shown, header_only])
    assert rows(result, "staging_records", "record_id", "state") == [
        ("a-1", "active"), ("a-2", "active"), ("a-3", "inactive"), ("c-1", "active")]
    assert accounts(result) == {
        ("staging_records", "accounts.csv"): {"read": 2, "used": 2, "excluded": {}, "quarantined": 0, "notes": [
            "no Status column: every account of this export was read as active (an inactive one counts as active); "
            "add the Status column to the view before exporting it", NO_MERGED, NO_COMPANY]},
        ("staging_records", "contact.csv"): {"read": 1, "used": 1, "excluded": {}, "quarantined": 0, "notes": [
            "no statecode column: every contact of this export was read as active (an inactive one counts as "
            "active); export the table with its statecode column",
            "no merged column: every contact of this export was read as not merged (a merged one counts as a live "
            "record, not as merged / retired); export the table with its merged column",
            "no _msdyn_company_value column: every contact of this export was read without a company (no legal "
            "entity: not eligible for dual-write); export the table with its _msdyn_company_value column"]},
        ("staging_records", "old accounts.csv"): {"read": 1, "used": 1, "excluded": {}, "quarantined": 0,
                                                  "notes": [NO_MERGED, NO_COMPANY]},
        ("staging_records", "more accounts.csv"): {"read": 0, "used": 0, "excluded": {}, "quarantined": 0,
                                                   "notes": ["no staging records: the file has a header and no rows"]},
    }
    german = _csv(tmp_path / "Firmen.csv", "(Nicht ändern) Firma,E-Mail\na-4,ap@firma.example\n")
    renamed = read("dataverse_csv", [german], columns={"(Do Not Modify) Account": "(Nicht ändern) Firma",
                                                       "Status": "Statusgrund"})
    assert [n for a in renamed.accounts for n in a.notes] == [
        "no Statusgrund column: every account of this export was read as active (an inactive one counts as "
        "active); add the Statusgrund column to the view before exporting it", NO_MERGED, NO_COMPANY]


def test_a_view_exported_in_another_language_reads_with_columns_and_status_map(tmp_path: Path) -> None:
    german = _csv(tmp_path / "Firmen.csv", "(Nicht ändern) Firma,Kontonummer,E-Mail,Status,Erstellt am\n"
                                          "a-1,DE-1,ap@firma.example,Aktiv,13.06.2026 14:05\n")
    options = {"columns": {"(Do Not Modify) Account": "(Nicht ändern) Firma", "Account Number": "Kontonummer",
                           "Email": "E-Mail", "Created On": "Erstellt am"},
               "status_map": {"Aktiv": "active"}, "date_formats": ["%d.%m.%Y %H:%M"]}
    assert rows(read("dataverse_csv", [german], **options), "staging_records", "record_type", "record_id",
                "account_ref", "email", "state", "created_at") == [
        ("account", "a-1", "DE-1", "ap@firma.example", "active", datetime(2026, 6, 13, 14, 5))]
    with pytest.raises(ConfigError, match=r"sources.test.options.columns: 'Kontonummer': not an English display "
                                          r"name this reader reads \(known: \(Do Not Modify\) Contact, "):
        read("dataverse_csv", [german], columns={"Kontonummer": "Account Number"})


def test_a_file_without_the_row_id_column_is_refused_saying_what_to_export(tmp_path: Path) -> None:
    flat = _csv(tmp_path / "accounts.csv", "Account Name,Email,Status\nHarbour,ap@h.example,Active\n")
    with pytest.raises(InputError) as err:
        read("dataverse_csv", [flat])
    assert str(err.value).split("\n")[0] == (
        f"{flat}: not a Dataverse accounts or contacts export: its header has none of the columns holding a row's "
        f"id ('(Do Not Modify) Contact', '(Do Not Modify) Account', 'contactid', 'accountid'), so neither the table "
        f"nor the row is known. Export the Accounts or Contacts view from the app with Export to Excel > Static "
        f"worksheet and keep its first, hidden column (the row's id), or export the Account or Contact table in "
        f"make.powerapps.com (Tables > Export > Export data).")
    assert [p.reason for p in err.value.problems] == ["no Dataverse row id column"]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Account Name", "Email"])
    sheet.append(["Harbour", "ap@h.example"])
    book.save(tmp_path / "accounts.xlsx")
    with pytest.raises(InputError, match=r"accounts.xlsx\[Sheet\]: not a Dataverse accounts or contacts export"):
        read("dataverse_csv", [tmp_path / "accounts.xlsx"])


# -- route parity: the same records as Web API pages and as file exports ----------------------------------------

LINEAGE = ("source_file", "source_row")


def _staging(root: Path) -> list[dict[str, Any]]:
    ws = load_workspace(root)
    assert not [p.describe() for p in ws.accounting.problems]
    return sorted(({k: v for k, v in r.items() if k not in LINEAGE} for r in ws.tables["staging_records"].to_pylist()),
                  key=lambda r: str(r["record_id"]))


def _cards(root: Path) -> list[dict[str, Any]]:
    return [r.to_dict() | {"ingest": None} for r in collect([load_workspace(root)])]


@pytest.fixture(scope="module")
def api_answer(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    root = write_route(dv.scenario(), tmp_path_factory.mktemp("api"), dv.api_pages, dv.canonical_rest)
    staging, cards = _staging(root), _cards(root)
    assert [(r["record_type"], r["legal_entity"], r["email"], r["state"], r["merged"], r["created_at"])
            for r in staging] == [
        ("account", "USTI", "DV1@mail.example", "active", False, datetime(2026, 3, 12, 9, 10)),
        ("account", "USTI", "dvm@mail.example", "inactive", True, datetime(2026, 2, 1, 10)),
        ("account", "USTI", "dvp@mail.example", "active", False, datetime(2026, 1, 5, 15, 30)),
        ("account", None, "dvi@mail.example", "inactive", False, datetime(2025, 12, 30, 23, 45)),
        ("contact", "USTI", "dv2@mail.example", "active", False, datetime(2026, 6, 10, 8))]
    [card] = cards
    assert [(c["customer_id"], c["cause"]) for c in card["customers"]] == [
        ("DV1", "dataverse_not_promoted"), ("DV2", "dataverse_not_promoted"), ("DVI", "never_synced"),
        ("DVM", "merged_retired"), ("NONE", "never_synced")]
    assert card["dataverse_not_promoted"] == 2
    return staging, cards


@pytest.mark.parametrize("route", sorted(dv.FILE_ROUTES))
def test_every_dataverse_file_export_gives_the_api_pages_staging_rows_and_card(
        route: str, tmp_path: Path, api_answer: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    root = write_route(dv.scenario(), tmp_path, dv.FILE_ROUTES[route], dv.canonical_rest)
    staging, cards = api_answer
    if route != "csv_table":  # a view shows no Master ID here (and would show the master's name, not its id)
        staging = [r | {"master_id": None} for r in staging]
    assert _staging(root) == staging
    assert _cards(root) == cards


def test_the_fixture_exports_a_crlf_view_with_bom_and_a_contacts_table_export() -> None:
    result = read("dataverse_csv", "dataverse/*.csv")
    assert rows(result, "staging_records", "record_type", "record_id", "legal_entity", "state", "merged",
                "master_id", "created_at") == [
        ("account", "7c1e0a4e-0000-0000-0000-000000000001", None, "active", False, None, datetime(2026, 3, 12, 9, 10)),
        ("account", "7c1e0a4e-0000-0000-0000-000000000002", "USMF", "active", False, None, datetime(2026, 1, 5, 10)),
        ("contact", "9d2f1b5f-0000-0000-0000-000000000001", "0F5D2A11-0000-0000-0000-0000000000AA", "active", False,
         None, datetime(2026, 6, 10, 8)),
        ("contact", "9d2f1b5f-0000-0000-0000-000000000002", "0F5D2A11-0000-0000-0000-0000000000AA", "inactive", True,
         "9d2f1b5f-0000-0000-0000-000000000001", datetime(2026, 6, 11, 8)),
    ]
    assert accounts(result) == {
        ("staging_records", "accounts_view.csv"): {"read": 4, "used": 2, "excluded": {"blank row": 1},
                                                   "quarantined": 1, "notes": [NO_MERGED]},
        ("staging_records", "contact_table.csv"): {"read": 2, "used": 2, "excluded": {}, "quarantined": 0}}
    assert problems(result) == [("accounts_view.csv", 4, "Status", "Pending approval",
                                 "unknown Status (known: active, inactive); add it to the status_map option")]


def test_a_web_api_page_without_statecode_merged_or_company_says_so_as_a_file_export_does(tmp_path: Path) -> None:
    """A $select without statecode, merged or _msdyn_company_value reads every record with the default, as a file
    export without the column does: the page's account says so, for each field."""
    page = tmp_path / "contacts.json"
    page.write_text('{"@odata.context": "https://org.crm.dynamics.com/api/data/v9.2/$metadata#contacts(fullname,'
                    'emailaddress1)", "value": [{"contactid": "85716234-9628-ed11-9db1-000d3a320482", "fullname": '
                    '"Susanna Stubberod", "emailaddress1": "s@mail.example"}]}')
    result = read("dataverse_api", [page])
    assert rows(result, "staging_records", "record_type", "state", "merged", "legal_entity") == [
        ("contact", "active", False, None)]
    assert accounts(result)[("staging_records", "contacts.json")]["notes"] == [
        "no statecode field: every contact of this export was read as active (an inactive one counts as active); "
        "add statecode to $select",
        "no merged field: every contact of this export was read as not merged (a merged one counts as a live record, "
        "not as merged / retired); add merged to $select",
        "no _msdyn_company_value field: every contact of this export was read without a company (no legal entity: "
        "not eligible for dual-write); add _msdyn_company_value to $select"]


def test_contacts_expanded_inside_accounts_are_contact_records(tmp_path: Path) -> None:
    """accounts?$expand=primarycontactid (or contact_customer_accounts) holds contact rows inside the account: they
    were dropped without a word, so a contact held in Dataverse looked held nowhere."""
    page = tmp_path / "accounts.json"
    page.write_text(json.dumps({"@odata.context": "https://org.crm.dynamics.com/api/data/v9.2/$metadata#accounts(name,"
                                                  "statecode,merged,_msdyn_company_value,primarycontactid(emailaddress1,"
                                                  "statecode,merged,_msdyn_company_value))", "value": [
        {"accountid": "7d716234-9628-ed11-9db1-000d3a320482", "statecode": 0, "merged": False,
         "_msdyn_company_value": None, "primarycontactid": {
             "contactid": "81716234-9628-ed11-9db1-000d3a320482", "emailaddress1": "yvonne@contoso.example",
             "statecode": 0, "merged": False, "_msdyn_company_value": None},
         "contact_customer_accounts": [
             {"contactid": "85716234-9628-ed11-9db1-000d3a320482", "emailaddress1": "susanna@contoso.example",
              "statecode": 1, "merged": False, "_msdyn_company_value": None}]}]}))
    result = read("dataverse_api", [page])
    assert rows(result, "staging_records", "record_type", "record_id", "email", "state") == [
        ("account", "7d716234-9628-ed11-9db1-000d3a320482", None, "active"),
        ("contact", "81716234-9628-ed11-9db1-000d3a320482", "yvonne@contoso.example", "active"),
        ("contact", "85716234-9628-ed11-9db1-000d3a320482", "susanna@contoso.example", "inactive")]
    assert accounts(result)[("staging_records", "accounts.json")] == {
        "read": 3, "used": 3, "excluded": {}, "quarantined": 0}


@pytest.mark.parametrize("route", ["api", *sorted(dv.FILE_ROUTES)])
def test_a_merged_duplicate_beside_its_live_survivor_is_not_promoted_on_every_route(route: str, tmp_path: Path) -> None:
    """Merging two Dataverse accounts leaves the loser inactive and merged, the survivor active: a customer whose
    e-mail is on both is in Dataverse, not promoted (promote the survivor), exactly as if the loser were not
    there. The merged loser alone made it 'merged or retired' (re-point the orders), while the headline still
    counted it under 'already in Dataverse, not promoted': headline and cause table disagreed (2 against 1)."""
    s = dv.scenario()
    dv.staging(s, "7c1e0a4e-0000-0000-0000-000000000009", "account", email="dvm@mail.example", entity="USTI",
               created_at="2026-02-01T10:05:00Z")
    route_of = dv.api_pages if route == "api" else dv.FILE_ROUTES[route]
    [card] = _cards(write_route(s, tmp_path, route_of, dv.canonical_rest))
    assert [(c["customer_id"], c["cause"], c["in_dataverse"]) for c in card["customers"]] == [
        ("DV1", "dataverse_not_promoted", True), ("DV2", "dataverse_not_promoted", True),
        ("DVI", "never_synced", False), ("DVM", "dataverse_not_promoted", True), ("NONE", "never_synced", False)]
    assert card["dataverse_not_promoted"] == 3
    assert {b["cause"]: b["customers"] for b in card["by_cause"] if b["customers"]} == {
        "dataverse_not_promoted": 3, "never_synced": 2}


@pytest.mark.parametrize("route", ["api", *sorted(dv.FILE_ROUTES)])
def test_a_dataverse_record_of_another_entity_is_not_a_record_to_promote(route: str, tmp_path: Path) -> None:
    """Dual-write keeps one Dataverse account per company. TWIN ships to the US (expected USTI) and exists in the
    CATU master, whose Dataverse twin (company 'catu', as the Web API's formatted value may write it) carries
    its e-mail: promoting that record creates nothing in USTI, so TWIN is absent from USTI for the seed's
    *multi-entity expectation*, not 'in Dataverse, not promoted' (which told onboarding not to create it).
    A record in the expected company (any case: DVUS's account, DVCA's contact) or in none (a D365 Sales account)
    is still the cross-reference."""
    s = d365(id="dataverse-entities", as_of="2026-06-20T12:00:00Z")
    for sid in ("TWIN", "DVUS", "DVSALES"):
        shopper(s, sid, email=f"{sid.lower()}@mail.example", orders=("2026-06-18T10:00:00Z",))
    erp(s, "CA-000042", system="d365_fo", entity="CATU", name="Twin Corp", email="twin@mail.example")
    dv.staging(s, "7c1e0a4e-0000-0000-0000-000000000042", "account", email="twin@mail.example", entity="catu",
               account_ref="CA-000042", created_at="2026-01-05T15:30:00Z")
    dv.staging(s, "7c1e0a4e-0000-0000-0000-000000000043", "account", email="dvus@mail.example", entity="usti",
               created_at="2026-03-12T09:10:00Z")
    dv.staging(s, "7c1e0a4e-0000-0000-0000-000000000044", "account", email="dvsales@mail.example",
               created_at="2026-03-12T09:10:00Z")
    shopper(s, "DVCA", email="dvca@mail.example", country="CA", orders=("2026-06-18T10:00:00Z",))
    dv.staging(s, "9d2f1b5f-0000-0000-0000-000000000045", "contact", email="dvca@mail.example", entity="catu",
               created_at="2026-03-12T09:10:00Z")
    route_of = dv.api_pages if route == "api" else dv.FILE_ROUTES[route]
    [card] = _cards(write_route(s, tmp_path, route_of, dv.canonical_rest))
    assert [(c["customer_id"], c["cause"], c["in_dataverse"], c["exists_in_other_entity"], c["expected_entity"])
            for c in card["customers"]] == [
        ("DVCA", "dataverse_not_promoted", True, False, "CATU"),
        ("DVSALES", "dataverse_not_promoted", True, False, "USTI"),
        ("DVUS", "dataverse_not_promoted", True, False, "USTI"),
        ("TWIN", "never_synced", False, True, "USTI")]
    assert card["dataverse_not_promoted"] == 3


def _commerce_rest(exports: Path, s: Scenario) -> dict[str, Any]:
    """Every table but the ERP master and the staging records as canonical files (both come from their routes)."""
    data = exports.parent / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, records in s.rows.items():
        if name not in ("staging_records", "erp_customers") and records:
            write_csv(data / f"{name}.csv", TABLES_BY_NAME[name].column_names, records)
    return {}


@pytest.mark.parametrize(("master", "staged"), [(d365_pages, dv.api_pages),
                                               (d365_dmf_csv, dv.FILE_ROUTES["csv_table"])])
def test_the_dataverse_twin_of_a_blocked_master_record_was_promoted(master: Any, staged: Any, tmp_path: Path) -> None:
    """Dual-write writes the F&O customer account into the Dataverse account's account number. BLK's master record
    US-000901 is on hold for all transactions (OnHoldStatus All: not live, so BLK counts as merged / retired), and
    its Dataverse twin carries account number US-000901: BLK was promoted, so it is not one of the 'already in
    Dataverse, not promoted' (the headline said 2 beside a cause table of 1). DIFF's twin (US-000902) is a live
    record its keys do not reach (another e-mail in the master): the Dataverse record stays the cross-reference, so
    onboarding is not told to create a duplicate. DVC's contact has no master twin."""
    s = d365(id="dataverse-twins", as_of="2026-06-20T12:00:00Z")
    for sid in ("BLK", "DIFF", "DVC"):
        shopper(s, sid, email=f"{sid.lower()}@mail.example", orders=("2026-06-18T10:00:00Z",), total="40.00")
    erp(s, "US-000901", system="d365_fo", entity="USTI", name="Blocked Co", email="blk@mail.example",
        status="blocked")
    erp(s, "US-000902", system="d365_fo", entity="USTI", name="Diff Co", email="ap@diff.example")
    dv.staging(s, "7c1e0a4e-0000-0000-0000-000000000901", "account", email="blk@mail.example", entity="USTI",
               account_ref="us-000901", created_at="2026-01-05T15:30:00Z")
    dv.staging(s, "7c1e0a4e-0000-0000-0000-000000000902", "account", email="diff@mail.example", entity="USTI",
               account_ref="US-000902", created_at="2026-01-05T15:30:00Z")
    dv.staging(s, "9d2f1b5f-0000-0000-0000-000000000903", "contact", email="dvc@mail.example", entity="USTI",
               created_at="2026-03-12T09:10:00Z")
    [card] = _cards(write_route(s, tmp_path, staged, master, _commerce_rest))
    assert [(c["customer_id"], c["cause"], c["in_dataverse"]) for c in card["customers"]] == [
        ("BLK", "merged_retired", False), ("DIFF", "dataverse_not_promoted", True),
        ("DVC", "dataverse_not_promoted", True)]
    assert card["dataverse_not_promoted"] == 2
    assert {b["cause"]: b["customers"] for b in card["by_cause"] if b["customers"]} == {
        "merged_retired": 1, "dataverse_not_promoted": 2}
