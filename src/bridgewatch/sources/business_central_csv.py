"""Dynamics 365 Business Central: the *Customers* list exported as a file (the workbook "Open in Excel" gives,
as it is or saved as CSV).

Business Central's list pages export their columns under the field captions of the Customer table
(``No.``, ``Name``, ``Email``, ``VAT Registration No.``, ``Country/Region Code``, ``Blocked``,
``Last Date Modified``); the company is not in the file, so the ``company`` option names it (the
same entity the ``business_central_api`` reader takes from a page's ``@odata.context``). The
``Blocked`` option values are those of the API (blank active, ``Ship``/``Invoice`` on hold, ``All``
blocked). Captions are translated in other languages: ``columns`` maps a field to the header shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.errors import ConfigError
from bridgewatch.sources.base import Option
from bridgewatch.sources.business_central import BLOCKED, NO_STATUS
from bridgewatch.sources.countries import country
from bridgewatch.sources.dates import local_time
from bridgewatch.sources.mapping import COMMON_OPTIONS, EXTERNAL_ID_OPTIONS, TableMap, VendorReader
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import DATE_ORDER_OPTION, load_export, resolve_columns
from bridgewatch.sources.shapes import Field, col, const, setting, translate

CUSTOMERS = TabularKind("customer", ("No.", "Name"), {
    "no": ("No.",), "name": ("Name",), "email": ("Email", "E-Mail"),
    "vat": ("VAT Registration No.",), "blocked": ("Blocked",),
    "country": ("Country/Region Code", "Country/Region"),
    "modified": ("Last Date Modified",),
}, required=("no", "name"), label="Business Central customer list export", table="erp_customers", dates=True)
"""The Customers list's columns by their English captions (the first header found wins)."""
DATES = ("%m/%d/%Y", "%m/%d/%y")
"""Dates as an English (United States) user's export writes them; ISO dates are read as they are."""


class BusinessCentralCsvReader(VendorReader):
    """The Business Central Customers list exported to CSV, one company per source."""

    name = "business_central_csv"
    produces = ("erp_customers",)
    kinds = ("customer",)
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "company": Option(None, "The Business Central company (entity id as written in workspace.toml) the list was "
                                "exported from: required, the file does not name it."),
        "external_id_field": Option(None, "Column holding the commerce-side id (a field added to the list)."),
        **EXTERNAL_ID_OPTIONS,
        "date_formats": Option(list(DATES), "strptime formats of Last Date Modified when it is not ISO-8601 (the "
                                            "exporting user's locale, e.g. '%d.%m.%Y').", syntax="strptime"),
        "date_order": DATE_ORDER_OPTION,
        "columns": Option({}, "Header overrides: field (no, name, email, vat, blocked, country, modified) → the "
                              "header in your export (captions are translated in other languages)."),
        "status_map": Option({}, "Blocked value → status (active, on_hold, blocked), for a list exported in another "
                                 "language, whose Blocked values are translated too (e.g. {Rechnung = 'on_hold', "
                                 "Alle = 'blocked'})."),
    }

    def _kind(self, options: Mapping[str, Any]) -> TabularKind:
        ext = options["external_id_field"]
        extra = {"external": (ext,)} if ext else {}
        return TabularKind(CUSTOMERS.name, CUSTOMERS.signature, {**CUSTOMERS.columns, **extra}, CUSTOMERS.required,
                           CUSTOMERS.label, CUSTOMERS.table, CUSTOMERS.dates)

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        if not options["company"]:
            raise ConfigError(f"sources.{session.source}.options.company: a Business Central customer list export "
                              f"does not name its company; set company to the entity it was exported from "
                              f"(e.g. company = \"CRONUS UK\").")
        signature = [options["columns"].get(field, header) for field, header in (("no", "No."), ("name", "Name"))]
        head = load_export(session, path, self._kind(options), signature, overrides=options["columns"],
                           date_order=options["date_order"])
        blocked = options["columns"].get("blocked", "Blocked")
        if head is not None and str(head.label(path)) not in session.empty and \
                resolve_columns(path, self._kind(options), head.header, options["columns"])["blocked"] is None:
            session.note(head.label(path), NO_STATUS.format(what=f"{blocked} column",
                                                            fix=f"add the {blocked} column to the list"))

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("customer", list(self._kind(options).columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        named = options["columns"]

        def get(name: str, header: str) -> Field:
            return col(name, named.get(name, header))  # quarantine names the column as the file does

        blocked = Field(f"COALESCE({col('blocked').sql}, '')", named.get("blocked", "Blocked"))
        return [TableMap("erp_customers", "{customer} AS r", {
            "system": const("business_central"),
            "legal_entity": setting(options["company"]),
            "customer_account": get("no", "No."),
            "name": get("name", "Name"),
            "vat_number": get("vat", "VAT Registration No."),
            "email": get("email", "Email"),
            "status": translate(blocked, {**BLOCKED, **{str(k).strip().lower(): str(v)
                                                        for k, v in options["status_map"].items()}},
                                "Blocked value", default="active", advice="; add it to the status_map option"),
            "external_id": col("external", options["external_id_field"]) if options["external_id_field"]
            else const(None),
            "country": country(get("country", "Country/Region Code")),
            "modified_at": local_time(get("modified", "Last Date Modified"), options["date_formats"],
                                      example="'06/16/2026'"),
        })]
