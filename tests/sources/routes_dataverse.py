"""The Dataverse staging scenario and its export routes: Web API pages (``dataverse_api``), and the file exports
``dataverse_csv`` reads: the app's *Export to Excel* static worksheet of the Accounts and Contacts views (display
names, formatted values, the three hidden ``(Do Not Modify)`` columns and a hidden sheet), that sheet saved as
CSV (dates as a US user sees them, in the user's New York time), and the maker portal's table export (logical
names, the company as its GUID).

A D365 workspace (USTI, CATU) whose ERP master and commerce side are canonical files: only the Dataverse route
differs. Shoppers: one held as an unpromoted account, one as an unpromoted contact, one merged into another
account, one promoted (in the master), one whose Dataverse account is inactive, one in no Dataverse row.
"""

from __future__ import annotations

import csv
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl

from bridgewatch.demo import vendor_files as vf
from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.scenario import Scenario, write_csv

from ..cards.builders import d365, erp, shopper
from .routes import Sources, rows, v

USER_ZONE = ZoneInfo("America/New_York")
"""The exporting user's time zone (their personal options): the app shows and exports dates in it."""
KEYS = {"account": "accountid", "contact": "contactid"}
VIEW_IDS = {"account": "(Do Not Modify) Account", "contact": "(Do Not Modify) Contact"}
VIEW_REFS = {"account": "Account Number", "contact": "Contact Person ID"}
TABLE_REFS = {"account": "accountnumber", "contact": "msdyn_contactpersonid"}


def scenario() -> Scenario:
    s = d365(id="dataverse-routes", as_of="2026-06-20T12:00:00Z")
    for sid in ("DV1", "DV2", "DVM", "DVP", "DVI", "NONE"):
        shopper(s, sid, email=f"{sid.lower()}@mail.example", orders=("2026-06-18T10:00:00Z",))
    staging(s, "7c1e0a4e-0000-0000-0000-000000000001", "account", email="DV1@mail.example", entity="USTI",
            vat_number="US-EIN-12", external_id="DV1", created_at="2026-03-12T09:10:00Z")
    staging(s, "9d2f1b5f-0000-0000-0000-000000000002", "contact", email="dv2@mail.example", entity="USTI",
            created_at="2026-06-10T08:00:00Z")
    staging(s, "7c1e0a4e-0000-0000-0000-000000000003", "account", email="dvm@mail.example", entity="USTI",
            state="inactive", merged=True, master_id="7c1e0a4e-0000-0000-0000-000000000009",
            created_at="2026-02-01T10:00:00Z")
    staging(s, "7c1e0a4e-0000-0000-0000-000000000004", "account", email="dvp@mail.example", entity="USTI",
            account_ref="US-000117", created_at="2026-01-05T15:30:00Z")
    staging(s, "7c1e0a4e-0000-0000-0000-000000000005", "account", email="dvi@mail.example", state="inactive",
            created_at="2025-12-30T23:45:00Z")
    erp(s, "US-000117", system="d365_fo", entity="USTI", name="Present Inc", email="dvp@mail.example")
    return s


def staging(s: Scenario, record_id: str, kind: str, *, entity: str | None = None, **fields: Any) -> None:
    s.add("staging_records", system="dataverse", record_id=record_id, record_type=kind, legal_entity=entity,
          **fields)


def canonical_rest(exports: Path, s: Scenario) -> Sources:
    """Every table but the staging records as canonical files in data/ (the route under test is Dataverse's)."""
    data = exports.parent / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, records in s.rows.items():
        if name != "staging_records" and records:
            write_csv(data / f"{name}.csv", TABLES_BY_NAME[name].column_names, records)
    return {}


def api_pages(exports: Path, s: Scenario) -> Sources:
    return vf._dataverse(exports, s)


def _local(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(USER_ZONE).replace(tzinfo=None)


def _view_row(r: dict[str, Any], kind: str) -> dict[str, Any]:
    """One row of the view as the app exports it: the id and checksum columns, then formatted values."""
    row = {VIEW_IDS[kind]: r["record_id"], "(Do Not Modify) Row Checksum": f"cks{zlib.crc32(r['record_id'].encode())}",
           "(Do Not Modify) Modified On": _local("2026-06-19T12:00:00Z"),
           "Full Name" if kind == "contact" else "Account Name": f"Name of {r['record_id'][-1]}",
           VIEW_REFS[kind]: v(r, "account_ref"), "Email": v(r, "email"),
           "Status": "Inactive" if v(r, "state") == "inactive" else "Active", "Company": v(r, "legal_entity"),
           "Merged": "Yes" if r.get("merged") else "No", "Shopify ID": v(r, "external_id"),
           "Created On": _local(r["created_at"])}
    if kind == "account":
        row["Tax Exempt Number"] = v(r, "vat_number")
    return row


def _view_header(kind: str) -> list[str]:
    head = [VIEW_IDS[kind], "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
            "Full Name" if kind == "contact" else "Account Name", VIEW_REFS[kind], "Email", "Status", "Company",
            "Merged", "Shopify ID", "Created On"]
    return head + (["Tax Exempt Number"] if kind == "account" else [])


def _view_source(path: str) -> Sources:
    return {"dataverse": {"reader": "dataverse_csv", "path": path,
                          "options": {"timezone": str(USER_ZONE), "external_id_field": "Shopify ID"}}}


def excel_view(exports: Path, s: Scenario) -> Sources:
    """The Accounts and Contacts views exported by the app's Export to Excel > Static worksheet."""
    folder = exports / "dataverse_excel"
    folder.mkdir(parents=True, exist_ok=True)
    for kind, view in (("account", "All Accounts"), ("contact", "All Contacts")):
        static_worksheet(folder / f"{view} 6-20-2026 12-00-00 PM.xlsx", view, _view_header(kind),
                         [_view_row(r, kind) for r in rows(s, "staging_records", record_type=kind)])
    return _view_source("exports/dataverse_excel/*.xlsx")


def static_worksheet(path: Path, title: str, header: list[str], records: list[dict[str, Any]]) -> None:
    """A workbook shaped as the app writes one: the view's sheet, its first three columns hidden, dates as date
    cells, and a hidden sheet of metadata (its content here is made up: only its being hidden matters)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(header)
    for record in records:
        sheet.append([record.get(h) for h in header])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "m/d/yyyy h:mm AM/PM"
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text as the app writes it, never a formula
    for letter in "ABC":
        sheet.column_dimensions[letter].hidden = True
    meta = book.create_sheet("hiddenSheet")
    meta.sheet_state = "hidden"
    meta["A1"] = "bridgewatch test metadata"
    book.save(path)


def csv_view(exports: Path, s: Scenario) -> Sources:
    """The same sheets saved from Excel as CSV UTF-8: dates as the US user's Excel shows them (no seconds)."""
    folder = exports / "dataverse_csv_view"
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("account", "contact"):
        header = _view_header(kind)
        shown = [{h: _shown(val) for h, val in _view_row(r, kind).items()}
                 for r in rows(s, "staging_records", record_type=kind)]
        _write(folder / f"{kind}s.csv", header, shown, encoding="utf-8-sig")
    return _view_source("exports/dataverse_csv_view/*.csv")


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value.month}/{value.day}/{value.year} {value.hour % 12 or 12}:{value.minute:02d} " \
               f"{'AM' if value.hour < 12 else 'PM'}"
    return value


def csv_table(exports: Path, s: Scenario) -> Sources:
    """The Account and Contact tables exported in make.powerapps.com: logical names, the company as its GUID."""
    folder = exports / "dataverse_table"
    folder.mkdir(parents=True, exist_ok=True)
    companies: dict[str, str] = {}
    for kind in ("account", "contact"):
        records = []
        for r in rows(s, "staging_records", record_type=kind):
            company = _company_id(v(r, "legal_entity"))
            if company:
                companies[company] = str(r["legal_entity"])
            records.append({KEYS[kind]: r["record_id"], TABLE_REFS[kind]: v(r, "account_ref"),
                            "emailaddress1": v(r, "email"), "statecode": 1 if v(r, "state") == "inactive" else 0,
                            "merged": "True" if r.get("merged") else "False", "_masterid_value": v(r, "master_id"),
                            "_msdyn_company_value": company, "bw_commerceid": v(r, "external_id"),
                            "createdon": str(r["created_at"]),
                            **({"msdyn_taxexemptnumber": v(r, "vat_number")} if kind == "account" else {})})
        _write(folder / f"{kind}.csv", list(records[0]), records)
    return {"dataverse": {"reader": "dataverse_csv", "path": "exports/dataverse_table/*.csv",
                          "options": {"external_id_field": "bw_commerceid", "companies": companies}}}


def _company_id(entity: Any) -> str | None:
    return f"C0A7E000-0000-0000-0000-{zlib.crc32(str(entity).encode()):012d}" if entity else None


def _write(path: Path, header: list[str], records: list[dict[str, Any]], *, encoding: str = "utf-8") -> None:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows({k: "" if val is None else val for k, val in r.items()} for r in records)


FILE_ROUTES = {"excel_view": excel_view, "csv_view": csv_view, "csv_table": csv_table}
