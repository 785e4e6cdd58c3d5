"""Adobe Commerce admin exports: System → Data Transfer → Export (Customers Main File, Customer
Addresses, CSV) and the Sales → Orders and Customers → All Customers grid exports (CSV or Excel XML).

The customer export has no entity id: rows are keyed by ``(email, _website)`` (reference §3.8), so
the customer id here is the lower-cased email (a second website's row of the same email is counted
as a duplicate). Addresses are joined on ``(_email, _website)``; the default billing address gives
country, company and VAT id. Custom customer attributes (e.g. ``erp_customer_no``) are columns of
the export: ``columns`` maps one to ``account_ref``, ``vat`` or ``external_id``.

The orders grid shows ``ID`` (the increment id), the ``Status`` label (translated to a state;
relabelled stores add ``status_labels``), ``Purchase Date`` in the admin's display time zone and
locale (``timezone`` / ``timezones``, ``date_formats`` / ``date_order``; older grids' ``Jun 6, 2026 14:12:44 PM``, a
24-hour hour with a redundant marker, is read by default: ``dates.meridiem``), and totals with currency
symbols (``€3,101.00``: the symbol names the currency; ``currency`` for symbols several currencies
share). The grid has no ship-to country: an order takes its customer's default shipping (else
billing) address country from the addresses export. Orders link to customers by ``Customer Email``, except
a guest checkout (``Customer Group`` NOT LOGGED IN, when the grid shows that column), which stays a guest
as REST's ``customer_is_guest`` keeps it even when the email is a registered customer's.

The customers grid is keyed by email too (its ``Group`` shows names: ``b2b_groups``); its ``Country`` (the
billing address's) stands in for an order's ship-to when no addresses export gives one. A grid exported as
Excel XML (``spreadsheetml``) is recognised by content and read through the same kinds and maps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.compute as pc

from bridgewatch.ingest.csvfile import CsvHead, is_blank
from bridgewatch.sources.base import Option, ReadContext, ReadResult
from bridgewatch.sources.countries import country
from bridgewatch.sources.dates import created, local_time, meridiem
from bridgewatch.sources.mapping import COMMON_OPTIONS, RowCheck, TableMap, VendorReader
from bridgewatch.sources.money import given_back, priced
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import DATE_ORDER_OPTION, load_csv, match_kind, read_head, resolve_columns
from bridgewatch.sources.shapes import Field, case_map, col, const, first, flag, full_name, in_list, less, setting
from bridgewatch.sources.spreadsheetml import read_workbook
from bridgewatch.sources.xmlfile import is_xml, load_sheet
from bridgewatch.sql import literal

PLATFORM = const("adobe_commerce")
STATUS_LABELS = {"Pending": "new", "Pending Payment": "pending_payment", "Processing": "processing",
                 "Suspected Fraud": "processing", "Complete": "complete", "Closed": "closed", "Canceled": "canceled",
                 "On Hold": "holded", "Payment Review": "payment_review"}
DATE_FORMATS = ["%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M:%S %p", "%m/%d/%y %H:%M", "%m/%d/%Y %H:%M:%S",
                "%m/%d/%Y %H:%M", "%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S"]

CUSTOMERS = TabularKind("customers", ("email", "_website"), {
    "email": ("email",), "website": ("_website",), "firstname": ("firstname",), "lastname": ("lastname",),
    "created_at": ("created_at",), "taxvat": ("taxvat",), "group_id": ("group_id",),
    "vat": (), "account_ref": (), "external_id": (),
}, required=("email",), label="Customers Main File export", table="commerce_customers", dates=True)
ADDRESSES = TabularKind("addresses", ("_website", "_email", "_entity_id"), {
    "email": ("_email",), "website": ("_website",), "country": ("country_id",), "company": ("company",),
    "vat_id": ("vat_id",), "billing": ("_address_default_billing_",), "shipping": ("_address_default_shipping_",),
}, required=("email",), label="Customer Addresses export", table="commerce_customers")
ORDERS = TabularKind("orders", ("ID", "Purchase Date"), {
    "id": ("ID",), "date": ("Purchase Date",), "total": ("Grand Total (Purchased)", "Grand Total (Base)"),
    "refunded": ("Total Refunded",), "status": ("Status",), "email": ("Customer Email",),
    "currency": ("Currency", "Order Currency"),
    "ship_country": ("Ship-to Country", "Shipping Country"), "group": ("Customer Group",),
}, required=("id", "date", "total", "status"), label="orders grid export", table="orders", dates=True)
GRID_CUSTOMERS = TabularKind("grid_customers", ("ID", "Email", "Customer Since"), {
    "email": ("Email",), "name": ("Name",), "group": ("Group",), "country": ("Country",), "since": ("Customer Since",),
    "taxvat": ("Tax VAT Number",), "vat_id": ("VAT Number",), "company": ("Company",),
    "vat": (), "account_ref": (), "external_id": (),
}, required=("email",), label="customers grid export", table="commerce_customers", dates=True)
"""Customers → All Customers grid (CSV or Excel XML): the grid's column labels; ``Group`` and ``Country`` are shown
as their labels (``Wholesale``, ``Germany``); ``Country``, ``Company`` and ``VAT Number`` are the default billing
address's."""
KINDS = (ADDRESSES, CUSTOMERS, ORDERS, GRID_CUSTOMERS)
GUEST_GROUP = "not logged in"
"""The customer group the grid shows for a guest checkout (group 0), also when the email is a registered one."""
CUSTOMER_KEY = "lower(trim({0}.email))"


class AdobeCommerceCsvReader(VendorReader):
    """Data Transfer customer / address exports and the orders grid export."""

    name = "adobe_commerce_csv"
    produces = ("orders", "commerce_customers")
    kinds = ("customers", "addresses", "orders", "grid_customers")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "currency": Option(None, "Currency of the orders grid totals when their symbol does not name one (the "
                                 "grid has no currency code; € or £ name theirs, $ needs this)."),
        "date_formats": Option(DATE_FORMATS, "strptime formats of Purchase Date / created_at, tried in order; "
                                             "day and month follow date_order. Older grids' 24-hour time with "
                                             "AM/PM (Jun 6, 2026 14:12:44 PM) is first written the 12-hour way.",
                               syntax="strptime"),
        "date_order": DATE_ORDER_OPTION,
        "status_labels": Option({}, "Custom status label → order state (e.g. {'Awaiting ERP': 'processing'})."),
        "inactive_states": Option(["closed"], "Order states that are not a live sale (canceled is cancelled)."),
        "b2b_group_ids": Option([], "Customer group ids that mark B2B buyers (e.g. [2] for Wholesale)."),
        "b2b_groups": Option([], "Customer group names that mark B2B buyers in the customers grid export, which "
                                 "shows the group's name (e.g. ['Wholesale'])."),
        "email_as_customer_id": Option(False, "Orders whose email matches no exported customer keep the email "
                                              "as customer id instead of counting as guests (a guest checkout "
                                              "the Customer Group column names stays a guest)."),
        "decimal_comma": Option(None, "Amounts are written 1.234,50 (default: only in ';'-separated files).",
                                kind=bool),
        "columns": Option({}, "Header overrides: internal column name → header in your file; maps a custom "
                              "attribute column to account_ref, vat or external_id (e.g. {account_ref = "
                              "'erp_customer_no'})."),
    }

    def read(self, paths: Sequence[Path], context: ReadContext) -> ReadResult:
        """The exports read; an orders grid read without a customers export in its source is marked as naming its
        customers by email only, so its orders are linked to the customers another source reads (the API's)."""
        result = super().read(paths, context)
        orders, customers = result.tables.get("orders"), result.tables.get("commerce_customers")
        if orders is not None and orders.num_rows and (customers is None or not customers.num_rows):
            files = pc.unique(orders.column("source_file").drop_null()).to_pylist()
            result.email_linked = result.email_linked | frozenset(files)
            result.ship_to_from_customer = result.ship_to_from_customer | frozenset(files)
        return result

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        if not is_blank(path) and is_xml(path):
            self._load_excel_xml(session, path, options)
            return
        head = read_head(session, path, "orders", kinds=KINDS)
        if head is not None:
            kind = match_kind(path, head, KINDS)
            load_csv(session, path, kind, head, overrides=options["columns"],
                     decimal_comma=options["decimal_comma"], date_order=options["date_order"])
            _note_no_refunds(session, head.label(path), kind, head.header, options["columns"])

    def _load_excel_xml(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        """A grid exported as Excel XML: its header row and rows, read as the CSV export of the grid."""
        sheet = read_workbook(session, path)
        if not sheet.header:
            session.add_empty(path, "the workbook holds no row", "orders")
            return
        kind = match_kind(path, CsvHead("utf-8", ",", tuple(sheet.header)), KINDS)
        load_sheet(session, path, kind, sheet, overrides=options["columns"],
                   decimal_comma=bool(options["decimal_comma"]), date_order=options["date_order"])
        _note_no_refunds(session, path, kind, sheet.header, options["columns"])

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        for kind in KINDS:
            session.declare(kind.name, list(kind.columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_customers(options), _grid_customers(options), _addresses(), _orders(options)]


NO_REFUNDS = ("no Total Refunded column: every order of this grid export counts at its grand total, a partly refunded "
              "one with the money given back (the API counts what is left of it); show the grid's Total Refunded "
              "column (Columns, above the grid) and export again")
"""The note on an orders grid exported without its (by default hidden) refund column (README, *a file read with a
default*)."""


def _note_no_refunds(session: Session, label: Path, kind: TabularKind, header: Sequence[str],
                     overrides: Mapping[str, str]) -> None:
    if (kind is ORDERS and str(label) not in session.empty
            and resolve_columns(label, kind, header, overrides)["refunded"] is None):
        session.note(label, NO_REFUNDS)


def _default(flag_column: str) -> str:
    """Per (email, website): the customer's default address of one kind (billing / shipping)."""
    return (f"(SELECT lower(trim(email)) AS e, lower(trim(website)) AS w, min(country) AS country, "
            f"min(NULLIF(trim(company), '')) AS company, min(NULLIF(trim(vat_id), '')) AS vat FROM {{addresses}} "
            f"WHERE trim({flag_column}) = '1' GROUP BY 1, 2)")


def _customers(options: Mapping[str, Any]) -> TableMap:
    source = (f"{{customers}} AS r LEFT JOIN {_default('billing')} AS a ON a.e = {CUSTOMER_KEY.format('r')} "
              f"AND a.w = lower(trim(r.website))")
    given = options["columns"]
    return TableMap("commerce_customers", source, {
        "platform": PLATFORM,
        "customer_id": Field(CUSTOMER_KEY.format("r"), "email"),
        "email": col("email"),
        "name": full_name("r.firstname", "r.lastname"),
        "is_b2b": flag(in_list("trim(r.group_id)", options["b2b_group_ids"])),
        "company_name": Field("a.company", "company"),
        "vat_number": first(col("vat", given.get("vat")), col("taxvat"), Field("a.vat", "vat_id")),
        "account_ref": col("account_ref", given.get("account_ref")),
        "external_id": col("external_id", given.get("external_id")),
        "country": country(Field("a.country", "country_id")),
        **created(meridiem(col("created_at")), options["date_formats"]),
    })


def _grid_customers(options: Mapping[str, Any]) -> TableMap:
    """The customers grid: keyed by email as the Data Transfer export is (orders link to either by email)."""
    given = options["columns"]
    return TableMap("commerce_customers", "{grid_customers} AS r", {
        "platform": PLATFORM,
        "customer_id": Field(CUSTOMER_KEY.format("r"), "Email"),
        "email": col("email", "Email"),
        "name": col("name", "Name"),
        "is_b2b": flag(in_list("trim(r.\"group\")", options["b2b_groups"])),
        "company_name": col("company", "Company"),
        "vat_number": first(col("vat", given.get("vat")), col("taxvat", "Tax VAT Number"), col("vat_id", "VAT Number")),
        "account_ref": col("account_ref", given.get("account_ref")),
        "external_id": col("external_id", given.get("external_id")),
        "country": country(col("country", "Country")),
        **created(meridiem(col("since", "Customer Since")), options["date_formats"]),
    })


def _addresses() -> TableMap:
    known = f"(SELECT DISTINCT {CUSTOMER_KEY.format('c')} AS e, lower(trim(c.website)) AS w FROM {{customers}} AS c)"
    return TableMap("commerce_customers", f"{{addresses}} AS r LEFT JOIN {known} AS k ON k.e = lower(trim(r.email)) "
                                          f"AND k.w = lower(trim(r.website))", {},
                    exclude=[("k.e IS NOT NULL",
                              literal("address row (country, company and VAT id added to its customer)")),
                             ("TRUE", literal("address of a customer not in the customers export"))])


def _ship_countries() -> str:
    """Per customer email, the country an order stands in for its ship-to: the default shipping address's, else the
    default billing address's (addresses export), else the customers grid's ``Country`` (its billing address)."""
    shipping, billing, key = _default("shipping"), _default("billing"), CUSTOMER_KEY.format("g")
    grid = (f"SELECT {key}, '', NULLIF(trim(g.country), ''), NULL, NULL FROM {{grid_customers}} AS g "
            f"WHERE {key} NOT IN (SELECT e FROM {shipping} UNION ALL SELECT e FROM {billing})")
    return (f"(SELECT e, min(country) AS country FROM (SELECT * FROM {shipping} UNION ALL "
            f"SELECT * FROM {billing} WHERE (e, w) NOT IN (SELECT e, w FROM {shipping}) UNION ALL ({grid})) "
            f"GROUP BY e)")


def _orders(options: Mapping[str, Any]) -> TableMap:
    labels = {k.lower(): v for k, v in {**STATUS_LABELS, **options["status_labels"]}.items()}
    state = Field(case_map(col("status"), labels), "Status")
    emails = (f"(SELECT DISTINCT {CUSTOMER_KEY.format('c')} AS e FROM {{customers}} AS c UNION "
              f"SELECT {CUSTOMER_KEY.format('g')} FROM {{grid_customers}} AS g)")
    ship = _ship_countries()
    fallback = ", lower(trim(r.email))" if options["email_as_customer_id"] else ""
    total, currency = priced(col("total", "Grand Total (Purchased)"),
                             col("currency", "Currency"), "r.__dc",
                             setting(options["currency"]))
    refunded = given_back(col("refunded", "Total Refunded"), currency, "r.__dc")
    source = (f"{{orders}} AS r LEFT JOIN {emails} AS c ON c.e = lower(trim(r.email)) "
              f"LEFT JOIN {ship} AS s ON s.e = lower(trim(r.email))")
    return TableMap("orders", source, {
        "platform": PLATFORM,
        "order_id": col("id", "ID"),
        "customer_id": Field(f"CASE WHEN lower(trim(r.\"group\")) = {literal(GUEST_GROUP)} THEN NULL "
                             f"ELSE COALESCE(c.e{fallback}) END", "Customer Email"),
        "email": col("email", "Customer Email"),
        "status": col("status", "Status"),
        "cancelled": flag(f"{state.sql} = 'canceled'"),
        "inactive": flag(in_list(state.sql, options["inactive_states"])),
        "created_at": local_time(meridiem(col("date", "Purchase Date")), options["date_formats"],
                                 example="'Jun 16, 2026 9:12:44 AM' (see date_formats)"),
        "currency": currency,
        "total": less(total, refunded),
        "ship_to_country": country(first(col("ship_country", "Ship-to Country"),
                                         Field("s.country", "country_id (customer's address)"))),
    }, checks=[RowCheck("Status", "r.status", f"trim(r.status) <> '' AND {state.sql} IS NULL",
                        "unknown status label (add it to the status_labels option with its order state)")])
