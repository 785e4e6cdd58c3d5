"""Adobe Commerce CSV exports: System → Data Transfer → Export (Customers Main File, Customer
Addresses) and the Sales → Orders grid export.

The customer export has no entity id: rows are keyed by ``(email, _website)`` (reference §3.8), so
the customer id here is the lower-cased email (a second website's row of the same email is counted
as a duplicate). Addresses are joined on ``(_email, _website)``; the default billing address gives
country, company and VAT id. The orders grid shows ``ID`` (the increment id), the ``Status`` label
(translated to a state; relabelled stores add ``status_labels``), ``Purchase Date`` in the admin's
display time zone and locale (``timezone`` / ``date_formats``), and totals with currency symbols
but no currency code (``currency`` option). Orders link to customers by ``Customer Email`` when the
grid has that column.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.errors import InputError
from bridgewatch.ingest.csvfile import sniff_csv
from bridgewatch.sources.base import Option
from bridgewatch.sources.mapping import COMMON_OPTIONS, RowCheck, TableMap, VendorReader
from bridgewatch.sources.raw import Session, TabularKind, load_csv, match_kind
from bridgewatch.sources.shapes import (
    Field,
    case_map,
    col,
    const,
    first,
    flag,
    in_list,
    iso2,
    lit,
    money,
    setting,
    timestamp,
)

PLATFORM = const("adobe_commerce")
STATUS_LABELS = {"Pending": "new", "Pending Payment": "pending_payment", "Processing": "processing",
                 "Suspected Fraud": "processing", "Complete": "complete", "Closed": "closed", "Canceled": "canceled",
                 "On Hold": "holded", "Payment Review": "payment_review"}
DATE_FORMATS = ["%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M:%S %p", "%m/%d/%y %H:%M", "%m/%d/%Y %H:%M:%S",
                "%Y-%m-%d %H:%M:%S"]

CUSTOMERS = TabularKind("customers", ("email", "_website"), {
    "email": ("email",), "website": ("_website",), "firstname": ("firstname",), "lastname": ("lastname",),
    "created_at": ("created_at",), "taxvat": ("taxvat",), "group_id": ("group_id",),
}, required=("email",), label="Customers Main File export")
ADDRESSES = TabularKind("addresses", ("_website", "_email", "_entity_id"), {
    "email": ("_email",), "website": ("_website",), "country": ("country_id",), "company": ("company",),
    "vat_id": ("vat_id",), "billing": ("_address_default_billing_",),
}, required=("email",), label="Customer Addresses export")
ORDERS = TabularKind("orders", ("ID", "Purchase Date"), {
    "id": ("ID",), "date": ("Purchase Date",), "total": ("Grand Total (Purchased)", "Grand Total (Base)"),
    "status": ("Status",), "email": ("Customer Email",), "currency": ("Currency", "Order Currency"),
}, required=("id", "date", "total", "status"), label="orders grid export")
CUSTOMER_KEY = "lower(trim({0}.email))"


class AdobeCommerceCsvReader(VendorReader):
    """Data Transfer customer / address exports and the orders grid export."""

    name = "adobe_commerce_csv"
    produces = ("orders", "commerce_customers")
    kinds = ("customers", "addresses", "orders")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "currency": Option(None, "Currency of the orders grid totals (the grid has no currency code)."),
        "date_formats": Option(DATE_FORMATS, "strptime formats of Purchase Date / created_at, tried in order."),
        "status_labels": Option({}, "Custom status label → order state (e.g. {'Awaiting ERP': 'processing'})."),
        "inactive_states": Option(["closed"], "Order states that are not a live sale (canceled is cancelled)."),
        "b2b_group_ids": Option([], "Customer group ids that mark B2B buyers (e.g. [2] for Wholesale)."),
        "email_as_customer_id": Option(False, "Orders whose email matches no exported customer keep the email "
                                              "as customer id instead of counting as guests."),
        "decimal_comma": Option(None, "Amounts are written 1.234,50 (default: only in ';'-separated files)."),
        "columns": Option({}, "Header overrides: internal column name → header in your file."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        head = sniff_csv(path)
        kind = match_kind(path, head, [ADDRESSES, CUSTOMERS, ORDERS])
        if kind is ORDERS and not options["currency"] and "currency" not in {h.lower() for h in head.header}:
            raise InputError(f"{path}: the orders grid export has no currency code; set options.currency for this "
                             f"source (e.g. currency = \"EUR\").")
        load_csv(session, path, kind, head, overrides=options["columns"], decimal_comma=options["decimal_comma"])

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        for kind in (CUSTOMERS, ADDRESSES, ORDERS):
            session.declare(kind.name, list(kind.columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_customers(options), _addresses(), _orders(options)]


BILLING = ("(SELECT lower(trim(email)) AS e, lower(trim(website)) AS w, min(country) AS country, "
           "min(NULLIF(trim(company), '')) AS company, min(NULLIF(trim(vat_id), '')) AS vat FROM {addresses} "
           "WHERE trim(billing) = '1' GROUP BY 1, 2)")


def _customers(options: Mapping[str, Any]) -> TableMap:
    source = (f"{{customers}} AS r LEFT JOIN {BILLING} AS a ON a.e = {CUSTOMER_KEY.format('r')} "
              f"AND a.w = lower(trim(r.website))")
    return TableMap("commerce_customers", source, {
        "platform": PLATFORM,
        "customer_id": Field(CUSTOMER_KEY.format("r"), "email"),
        "email": col("email"),
        "name": Field("NULLIF(trim(concat_ws(' ', trim(r.firstname), trim(r.lastname))), '')"),
        "is_b2b": flag(in_list("trim(r.group_id)", options["b2b_group_ids"])),
        "company_name": Field("a.company", "company"),
        "vat_number": first(col("taxvat"), Field("a.vat", "vat_id")),
        "country": iso2(Field("a.country", "country_id")),
        "created_at": timestamp(col("created_at"), options["date_formats"]),
    })


def _addresses() -> TableMap:
    known = f"(SELECT DISTINCT {CUSTOMER_KEY.format('c')} AS e, lower(trim(c.website)) AS w FROM {{customers}} AS c)"
    return TableMap("commerce_customers", f"{{addresses}} AS r LEFT JOIN {known} AS k ON k.e = lower(trim(r.email)) "
                                          f"AND k.w = lower(trim(r.website))", {},
                    exclude=[("k.e IS NOT NULL",
                              lit("address row (country, company and VAT id added to its customer)")),
                             ("TRUE", lit("address of a customer not in the customers export"))])


def _orders(options: Mapping[str, Any]) -> TableMap:
    labels = {k.lower(): v for k, v in {**STATUS_LABELS, **options["status_labels"]}.items()}
    state = Field(case_map(col("status"), labels), "Status")
    emails = f"(SELECT DISTINCT {CUSTOMER_KEY.format('c')} AS e FROM {{customers}} AS c)"
    fallback = ", lower(trim(r.email))" if options["email_as_customer_id"] else ""
    return TableMap("orders", f"{{orders}} AS r LEFT JOIN {emails} AS c ON c.e = lower(trim(r.email))", {
        "platform": PLATFORM,
        "order_id": col("id", "ID"),
        "customer_id": Field(f"COALESCE(c.e{fallback})", "Customer Email"),
        "email": col("email", "Customer Email"),
        "status": col("status", "Status"),
        "cancelled": flag(f"{state.sql} = 'canceled'"),
        "inactive": flag(in_list(state.sql, options["inactive_states"])),
        "created_at": timestamp(col("date", "Purchase Date"), options["date_formats"],
                                example="'Jun 16, 2026 9:12:44 AM' (see date_formats)"),
        "currency": first(col("currency"), setting(options["currency"])),
        "total": money(col("total", "Grand Total (Purchased)"), "r.__dc"),
    }, checks=[RowCheck("Status", "r.status", f"trim(r.status) <> '' AND {state.sql} IS NULL",
                        "unknown status label (add it to the status_labels option with its order state)")])
