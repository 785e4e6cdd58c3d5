"""Dataverse accounts and contacts exported as files: a model-driven app's *Export to Excel* (static worksheet),
the same sheet saved as CSV, or the maker portal's table *Export data* CSV → staging records.

The file route of ``dataverse_api`` (as ``business_central_csv`` is of ``business_central_api``): each row gives
the staging record the Web API record of the same row gives. A file is one table, recognised by the column
holding the row's id, and that column also says how the file names its columns:

* ``(Do Not Modify) Account`` / ``(Do Not Modify) Contact``: a view exported from the app. Its columns carry
  the view's **display names** (``Account Number``, ``Email``, ``Status``, ``Company``, ``Created On``) and
  formatted values: the status as its label (``Active``), a lookup as the related row's name, dates as the
  user's locale writes them (in the workbook, date cells), in the user's time zone.
* ``accountid`` / ``contactid``: the maker portal's export of the table, its columns under their **logical
  names** (``accountnumber``, ``emailaddress1``, ``statecode``, ``_msdyn_company_value``).

A file with neither is refused, saying what to export. Columns a view does not show are absent: no
``Merged`` column means not merged. Display names are English; ``columns`` maps an English caption to the
header of a file exported in another language, ``status_map`` a translated status label to its state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.errors import ConfigError, InputError, Problem
from bridgewatch.sources.base import Option
from bridgewatch.sources.d365 import CASES, entity_case
from bridgewatch.sources.dataverse import company_names
from bridgewatch.sources.dates import record_created
from bridgewatch.sources.mapping import COMMON_OPTIONS, EXTERNAL_ID_OPTIONS, TableMap, VendorReader
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import DATE_ORDER_OPTION, carries, load_csv, read_head
from bridgewatch.sources.shapes import Field, col, const, translate


@dataclass(frozen=True)
class Export:
    """One table exported under one naming: the header of each column read, and the status values it writes."""

    record_type: str
    naming: str
    """``view`` (display names, formatted values) or ``table`` (logical names)."""
    headers: Mapping[str, str]
    """Internal column (``id``, ``ref``, ``email``, ``vat``, ``status``, ``company``, ``merged``, ``master``,
    ``created``) → its header; a field the table does not have is absent."""
    states: Mapping[str, str]
    """Status value as written (any case) → staging state."""
    alternatives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Further headers a column may have (a lookup is ``_x_value`` in Web API terms, ``x`` in the portal's)."""

    @property
    def kind_name(self) -> str:
        return f"{self.record_type}_{self.naming}"


LABELS = {"active": "active", "inactive": "inactive"}
CODES = {"0": "active", "1": "inactive", **LABELS}
"""``statecode`` as the maker portal writes it: the option's value or [unconfirmed] its label."""
MERGED = {"yes": "true", "no": "false", "true": "true", "false": "false", "1": "true", "0": "false"}
"""The Merged column: ``Yes``/``No`` in a view, true/false or 1/0 in a table export."""
VIEW = {"email": "Email", "status": "Status", "company": "Company", "merged": "Merged", "master": "Master ID",
        "created": "Created On"}
TABLE = {"email": "emailaddress1", "status": "statecode", "company": "_msdyn_company_value", "merged": "merged",
         "master": "_masterid_value", "created": "createdon"}
LOOKUPS = {"_msdyn_company_value": ("msdyn_company",), "_masterid_value": ("masterid",)}
EXPORTS = (
    Export("contact", "view", {"id": "(Do Not Modify) Contact", "ref": "Contact Person ID", **VIEW}, LABELS),
    Export("account", "view", {"id": "(Do Not Modify) Account", "ref": "Account Number", "vat": "Tax Exempt Number",
                               **VIEW}, LABELS),
    Export("contact", "table", {"id": "contactid", "ref": "msdyn_contactpersonid", **TABLE}, CODES, LOOKUPS),
    Export("account", "table", {"id": "accountid", "ref": "accountnumber", "vat": "msdyn_taxexemptnumber", **TABLE},
           CODES, LOOKUPS),
)
"""Every export read, in the order a header is tried: contacts first, as a contacts table export may also
have an ``accountid`` column (the contact's account)."""
CAPTIONS = tuple(dict.fromkeys(h for e in EXPORTS if e.naming == "view" for h in e.headers.values()))
"""The English display names the ``columns`` option may rename."""
DATES = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")
"""Created On as an English (United States) user's export writes it in a CSV; ISO values (a workbook's date
cells) are read as they are."""
WHAT_TO_EXPORT = ("Export the Accounts or Contacts view from the app with Export to Excel > Static worksheet and "
                  "keep its first, hidden column (the row's id), or export the Account or Contact table in "
                  "make.powerapps.com (Tables > Export > Export data)")


class DataverseCsvReader(VendorReader):
    """Dataverse accounts and contacts from *Export to Excel* workbooks and CSV exports (one table per file)."""

    name = "dataverse_csv"
    produces = ("staging_records",)
    kinds = tuple(e.kind_name for e in EXPORTS)
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "companies": Option({}, "cdm_company id (GUID) → entity id, for a table export whose company column holds "
                                "the GUID (a view's Company column holds the company's name)."),
        "legal_entity_case": Option("upper", "upper, lower or as_is: how the company is written as the entity.",
                                    choices=tuple(CASES)),
        "external_id_field": Option(None, "Header of the column holding the commerce-side id (e.g. a custom "
                                          "'Shopify ID' in a view, 'new_shopifyid' in a table export)."),
        **EXTERNAL_ID_OPTIONS,
        "date_formats": Option(list(DATES), "strptime formats of Created On when it is not ISO-8601 (the exporting "
                                            "user's locale, e.g. '%d/%m/%Y %H:%M').", syntax="strptime"),
        "date_order": DATE_ORDER_OPTION,
        "status_map": Option({}, "Status label → state (active, inactive), for a view exported in another "
                                 "language (e.g. {Aktiv = 'active', Inaktiv = 'inactive'})."),
        "columns": Option({}, "Header overrides for a view exported in another language: English display name "
                              "(e.g. '(Do Not Modify) Account', 'Account Number', 'Status') → the header in your "
                              "export."),
    }

    def kind(self, export: Export, options: Mapping[str, Any]) -> TabularKind:
        """The columns read from a file of ``export`` (with the options' overrides and extra column)."""
        headers = _headers(export, options)
        columns = {name: (header, *export.alternatives.get(export.headers[name], ()))
                   for name, header in headers.items()}
        ext = options["external_id_field"]
        extra = {"external": (ext,)} if ext else {}
        return TabularKind(export.kind_name, (headers["id"],), {**columns, **extra}, required=("id",),
                           label=f"Dataverse {export.record_type}s export ({export.naming} columns)",
                           table="staging_records", dates=True)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        unknown = [k for k in options["columns"] if k not in CAPTIONS]
        if unknown:
            raise ConfigError(f"sources.{session.source}.options.columns: {', '.join(map(repr, unknown))}: not an "
                              f"English display name this reader reads (known: {', '.join(CAPTIONS)}).")
        super().load_all(session, paths, options)

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        kinds = [self.kind(e, options) for e in EXPORTS]
        head = read_head(session, path, "staging_records", kinds=kinds)
        if head is None:
            return
        found = next(((e, k) for e, k in zip(EXPORTS, kinds, strict=True) if carries(k, head.header)), None)
        if found is None:
            raise _not_an_export(head.label(path), kinds)
        export, kind = found
        load_csv(session, path, kind, head, date_order=options["date_order"])
        _note_missing(session, head.label(path), export, kind, head.header)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        for export in EXPORTS:
            session.declare(export.kind_name, list(self.kind(export, options).columns))
        company_names(session, options["companies"])

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        in_order = sorted(EXPORTS, key=lambda e: e.record_type)  # accounts, then contacts (as dataverse_api)
        return [_records(e, _headers(e, options), options) for e in in_order]


def _headers(export: Export, options: Mapping[str, Any]) -> dict[str, str]:
    """Internal column → header, a view's English captions replaced by the ``columns`` option's."""
    renamed = options["columns"] if export.naming == "view" else {}
    return {name: renamed.get(header, header) for name, header in export.headers.items()}


READ_WITHOUT = {
    "status": "read as active (an inactive one counts as active)",
    "merged": "read as not merged (a merged one counts as a live record, not as merged / retired)",
    "company": "read without a company (no legal entity: not eligible for dual-write)",
}
"""What a record of a file without the column is read as (absent is read as nothing): said on the file."""


def _note_missing(session: Session, label: Path, export: Export, kind: TabularKind, header: Sequence[str]) -> None:
    """Note on a file with records, for each of its status, merged and company columns its header lacks, what
    every record was read as and how to export the column."""
    present = {h.strip().lower() for h in header}
    if str(label) in session.empty:
        return
    for name, read_as in READ_WITHOUT.items():
        column = kind.columns[name]
        if any(h.lower() in present for h in column):
            continue
        fix = (f"add the {column[0]} column to the view before exporting it" if export.naming == "view"
               else f"export the table with its {column[0]} column")
        session.note(label, f"no {column[0]} column: every {export.record_type} of this export was {read_as}; {fix}")


def _not_an_export(label: Path, kinds: list[TabularKind]) -> InputError:
    ids = ", ".join(repr(k.signature[0]) for k in kinds)
    return InputError(f"{label}: not a Dataverse accounts or contacts export: its header has none of the columns "
                      f"holding a row's id ({ids}), so neither the table nor the row is known. {WHAT_TO_EXPORT}.",
                      [Problem(str(label), None, None, None, "no Dataverse row id column")])


def _records(export: Export, headers: Mapping[str, str], options: Mapping[str, Any]) -> TableMap:
    """One export's rows → staging_records, each column as ``dataverse_api`` maps the same record's field."""
    def get(name: str) -> Field:
        return col(name, headers[name]) if name in headers else const(None)

    company = get("company")
    entity = entity_case(f"COALESCE(n.name, {company.sql})", options["legal_entity_case"])
    states = {**export.states, **{str(k).lower(): str(v) for k, v in options["status_map"].items()}}
    merged = translate(get("merged"), MERGED, headers.get("merged", "Merged"), default="false")
    source = f"{{{export.kind_name}}} AS r LEFT JOIN __dv_names AS n ON n.id = lower({company.sql})"
    return TableMap("staging_records", source, {
        "system": const("dataverse"),
        "record_id": get("id"),
        "record_type": const(export.record_type),
        "legal_entity": Field(entity, company.source),
        "account_ref": get("ref"),
        "email": get("email"),
        "vat_number": get("vat"),
        "external_id": col("external", options["external_id_field"]) if options["external_id_field"]
        else const(None),
        "state": translate(get("status"), states, headers["status"],
                           advice="; add it to the status_map option" if export.naming == "view" else ""),
        "merged": merged,
        "master_id": get("master"),
        "created_at": record_created(get("created"), options["date_formats"], example="'6/10/2026 8:00 AM'"),
    })
