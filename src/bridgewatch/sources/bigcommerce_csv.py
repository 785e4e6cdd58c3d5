"""BigCommerce control-panel exports (Orders → Export, Customers → Export), as CSV or as XML.

Export templates decide the columns and the date format (reference §2.8), so headers are matched by
name with the usual alternatives and can be overridden (``columns``), and dates are read with
``date_formats`` in the day/month order each file's values prove (``date_order``). ``Order Status``
is the label text: it is translated to the status id through the standard labels (relabelled
stores add theirs with ``status_labels``); an unknown label is quarantined. Guests have ``Customer
ID`` 0. Countries are written as names ("United Kingdom") and read to ISO codes. Totals carry the
currency symbol, which sets or checks the row's currency. ``Date Joined`` is a date without a time:
it is kept as ``created_on``, never as a guessed midnight.

The same exports saved as XML (``bigcommerce_xml``) are recognised by content and read through the columns
and maps below, so one source may hold both; their quarantine rows name fields as the XML does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.ingest.csvfile import is_blank
from bridgewatch.sources.base import Option
from bridgewatch.sources.bigcommerce_xml import read_export, xml_kind
from bridgewatch.sources.countries import country
from bridgewatch.sources.dates import created, local_time
from bridgewatch.sources.mapping import COMMON_OPTIONS, RowCheck, TableMap, VendorReader
from bridgewatch.sources.money import given_back, priced
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import DATE_ORDER_OPTION, load_csv, match_kind, read_head, resolve_columns
from bridgewatch.sources.shapes import Field, case_map, col, const, first, flag, full_name, in_list, less, setting
from bridgewatch.sources.xmlfile import element_name, is_xml, load_sheet

PLATFORM = const("bigcommerce")
STATUS_LABELS = {"Incomplete": 0, "Pending": 1, "Shipped": 2, "Partially Shipped": 3, "Refunded": 4, "Cancelled": 5,
                 "Declined": 6, "Awaiting Payment": 7, "Awaiting Pickup": 8, "Awaiting Shipment": 9, "Completed": 10,
                 "Awaiting Fulfillment": 11, "Manual Verification Required": 12, "Disputed": 13,
                 "Partially Refunded": 14}
DATE_FORMATS = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S",
                "%d %b %Y %H:%M:%S", "%d %b %Y"]

ORDERS = TabularKind("orders", ("Order ID", "Order Status"), {
    "order_id": ("Order ID",), "customer_id": ("Customer ID",), "email": ("Customer Email", "Billing Email"),
    "date": ("Order Date",), "time": ("Order Time",), "status": ("Order Status",),
    "total": ("Order Total (inc tax)", "Order Total"), "refunded": ("Refund Amount",),
    "currency": ("Order Currency Code", "Currency Code"), "ship_country": ("Shipping Country",),
    "bill_country": ("Billing Country",),
}, required=("order_id", "date", "status", "total"), label="BigCommerce orders export", table="orders", dates=True)
CUSTOMERS = TabularKind("customers", ("First Name", "Last Name"), {
    "customer_id": ("Customer ID",), "email": ("Email Address", "Email"), "first": ("First Name",),
    "last": ("Last Name",), "company": ("Company",), "group": ("Customer Group",), "joined": ("Date Joined",),
    "country": ("Country Code", "Address Country Code", "Country", "Address Country"),
    "vat": (), "account_ref": (), "external_id": (),
}, required=("customer_id", "email"), label="BigCommerce customers export", table="commerce_customers", dates=True)


class BigCommerceCsvReader(VendorReader):
    """Control-panel orders and customers exports."""

    name = "bigcommerce_csv"
    produces = ("orders", "commerce_customers")
    kinds = ("orders", "customers")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "date_formats": Option(DATE_FORMATS, "strptime formats of Order Date (+ Order Time) / Date Joined, tried "
                                             "in order; ISO-8601 always works. Day and month follow date_order.",
                               syntax="strptime"),
        "date_order": DATE_ORDER_OPTION,
        "status_labels": Option({}, "Relabelled order status → status id (e.g. {'Awaiting Approval': 7})."),
        "inactive_status_ids": Option([0, 4, 6], "Status ids that are not a live sale; 5 is cancelled."),
        "currency": Option(None, "Currency of the orders when the template has no currency column or leaves it "
                                 "empty, for totals whose symbol names none ($, or no symbol)."),
        "b2b_groups": Option([], "Customer Group names that mark B2B buyers."),
        "decimal_comma": Option(None, "Amounts are written 1.234,50 (default: only in ';'-separated files).",
                                kind=bool),
        "columns": Option({}, "Header overrides: internal column name → header in your file; also maps any "
                              "customers-export column to vat, account_ref or external_id (e.g. a form field)."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        if not is_blank(path) and is_xml(path):
            self._load_xml(session, path, options)
            return
        head = read_head(session, path, "orders", kinds=[ORDERS, CUSTOMERS])
        if head is not None:
            kind = match_kind(path, head, [ORDERS, CUSTOMERS])
            load_csv(session, path, kind, head, overrides=options["columns"],
                     decimal_comma=options["decimal_comma"], date_order=options["date_order"])
            if kind is ORDERS:
                _note_no_refunds(session, head.label(path), head.header, options["columns"])

    def _load_xml(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        """The same export saved as XML: each ``<order>`` / ``<customer>`` a row under the headers above."""
        name, sheet = read_export(session, path)
        kind = xml_kind(ORDERS if name == "orders" else CUSTOMERS)
        overrides = {c: element_name(h) for c, h in options["columns"].items()}
        if not sheet.rows:
            session.add_empty(path, f"the XML export holds no <{name[:-1]}>", kind.table)
            return
        load_sheet(session, path, kind, sheet, overrides=overrides, decimal_comma=bool(options["decimal_comma"]),
                   date_order=options["date_order"])
        session.field_names[str(path)] = element_name
        if name == "orders":
            _note_no_refunds(session, path, sheet.header, overrides, kind)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        for kind in (ORDERS, CUSTOMERS):
            session.declare(kind.name, list(kind.columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_orders(options), _customers(options)]


NO_REFUNDS = ("no Refund Amount column: every order of this export counts at its Order Total, a partly refunded one "
              "with the money given back (the API counts what is left of it); add Refund Amount to the export "
              "template and export again")
"""The note on an orders export whose template leaves out the refund column (README, *a file read with a
default*)."""


def _note_no_refunds(session: Session, label: Path, header: Sequence[str], overrides: Mapping[str, str],
                     kind: TabularKind = ORDERS) -> None:
    if str(label) not in session.empty and resolve_columns(label, kind, header, overrides)["refunded"] is None:
        session.note(label, NO_REFUNDS)


def _orders(options: Mapping[str, Any]) -> TableMap:
    labels = {k.lower(): str(v) for k, v in {**STATUS_LABELS, **options["status_labels"]}.items()}
    status = Field(case_map(col("status"), labels), "Order Status")
    when = Field("NULLIF(trim(concat_ws(' ', trim(r.date), trim(r.time))), '')", "Order Date")
    inactive = in_list(status.sql, options["inactive_status_ids"], lower_input=False)
    total, currency = priced(col("total", "Order Total (inc tax)"),
                             col("currency", "Order Currency Code"), "r.__dc",
                             setting(options["currency"]))
    refunded = given_back(col("refunded", "Refund Amount"), currency, "r.__dc")
    return TableMap("orders", "{orders} AS r", {
        "platform": PLATFORM,
        "order_id": col("order_id", "Order ID"),
        "customer_id": Field("NULLIF(NULLIF(trim(r.customer_id), ''), '0')", "Customer ID"),
        "email": col("email", "Customer Email"),
        "status": col("status", "Order Status"),
        "cancelled": flag(f"{status.sql} = '5'"),
        "inactive": flag(inactive),
        "created_at": local_time(when, options["date_formats"], example="'06/16/2026 09:12:44' (see date_formats)"),
        "currency": currency,
        "total": less(total, refunded),
        "ship_to_country": country(first(col("ship_country", "Shipping Country"),
                                         col("bill_country", "Billing Country"))),
    }, checks=[RowCheck("Order Status", "r.status", f"trim(r.status) <> '' AND {status.sql} IS NULL",
                        "unknown order status label (add it to the status_labels option with its status id)")])


def _customers(options: Mapping[str, Any]) -> TableMap:
    b2b = in_list("trim(r.\"group\")", options["b2b_groups"])
    given = options["columns"]
    return TableMap("commerce_customers", "{customers} AS r", {
        "platform": PLATFORM,
        "customer_id": col("customer_id", "Customer ID"),
        "email": col("email", "Email Address"),
        "name": full_name("r.first", "r.last"),
        "is_b2b": flag(b2b),
        "company_name": col("company", "Company"),
        "vat_number": col("vat", given.get("vat")),
        "account_ref": col("account_ref", given.get("account_ref")),
        "external_id": col("external_id", given.get("external_id")),
        "country": country(col("country", "Country")),
        **created(col("joined", "Date Joined"), options["date_formats"]),
    })
