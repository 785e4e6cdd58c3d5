"""Shopify admin CSV exports: Customers → Export, Orders → Export, Customers → Companies → Export (B2B).

Files are recognised by their header, so one source may hold all three; orders are then linked to
customers by email, because the orders export has no customer id column (reference §1.8), and an
order without an email to the email-less customer (who signs in by phone) with its ``Phone``. The
orders export has one row per line item with the order's own columns filled on its first row only:
the other rows of an order are excluded as ``additional line item of an order``.

A customer buys for a company when the companies export names it as a contact: by ``Customer: ID``,
by ``Customer: Email`` when the export carries no id, or as the company's ``Main Contact``. With
``email_as_customer_id`` and no customers export, each order email becomes an email-keyed customer,
so an orders-only workspace still matches by email.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.compute as pc

from bridgewatch.sources.base import Option, ReadContext, ReadResult
from bridgewatch.sources.countries import country
from bridgewatch.sources.mapping import COMMON_OPTIONS, TableMap, VendorReader
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import load_csv, match_kind, read_head
from bridgewatch.sources.shapes import (
    Field,
    Rule,
    col,
    const,
    first,
    flag,
    full_name,
    has_tag,
    in_list,
    less,
    money,
    timestamp,
)
from bridgewatch.sql import literal

PLATFORM = const("shopify")
SHOPIFY_CSV_DATE = ("%Y-%m-%d %H:%M:%S %z",)
"""``2025-10-02 17:09:34 -0300``: shop time zone with its offset."""

CUSTOMERS = TabularKind("customers", ("First Name", "Last Name", "Email"), {
    "id": ("Customer ID",), "first_name": ("First Name",), "last_name": ("Last Name",), "email": ("Email",),
    "company": ("Default Address Company", "Company"),
    "country": ("Default Address Country Code", "Country Code", "Country"), "tags": ("Tags",), "phone": ("Phone",),
    "vat": (), "account_ref": (), "external_id": (),
}, required=("email",), label="Shopify customers export", table="commerce_customers")

ORDERS = TabularKind("orders", ("Name", "Lineitem quantity"), {
    "name": ("Name",), "id": ("Id",), "email": ("Email",), "financial_status": ("Financial Status",),
    "created_at": ("Created at",), "cancelled_at": ("Cancelled at",), "currency": ("Currency",),
    "total": ("Total",), "refunded": ("Refunded Amount",), "shipping_country": ("Shipping Country",),
    "billing_country": ("Billing Country",),
    "tags": ("Tags",), "billing_name": ("Billing Name",), "phone": ("Phone",),
}, required=("name", "created_at", "currency", "total"), label="Shopify orders export", table="orders")

COMPANIES = TabularKind("companies", ("ID", "Name", "Location: ID"), {
    "id": ("ID",), "name": ("Name",), "external_id": ("External ID",), "since": ("Customer Since",),
    "main_id": ("Main Contact: Customer ID",), "main_email": ("Main Contact: Customer Email",),
    "location_id": ("Location: ID",), "location_name": ("Location: Name",),
    "location_external_id": ("Location: External ID",), "tax_id": ("Location: Tax ID",),
    "billing_country": ("Location: Billing Country Code", "Location: Billing Country"),
    "shipping_country": ("Location: Shipping Country Code", "Location: Shipping Country"),
    "customer_id": ("Customer: ID",), "customer_email": ("Customer: Email",),
    "customer_first": ("Customer: First Name",), "customer_last": ("Customer: Last Name",),
}, required=("id",), label="Shopify companies export", table="companies")

KINDS = (COMPANIES, ORDERS, CUSTOMERS)
LINE_ITEM = "additional line item of an order"


def repeat_of(key: str) -> str:
    """SQL: this row repeats an earlier row of the same file with the same ``key``."""
    return f"row_number() OVER (PARTITION BY r.__file, {key} ORDER BY r.__row) > 1"


ORDER_ROW = ("LEFT JOIN (SELECT __file, trim(name) AS name, "
             "COALESCE(min(__row) FILTER (WHERE COALESCE(trim(total), '') <> ''), min(__row)) AS own "
             "FROM {orders} WHERE COALESCE(trim(name), '') <> '' GROUP BY 1, 2) AS o "
             "ON o.__file = r.__file AND o.name = trim(r.name)")
"""Per file and order ``Name``, the row holding the order's own columns: the first with a ``Total`` (else the first
row). The export writes it first, above the order's line items, but a file sorted in a spreadsheet (by line item
name, say) can put a line item above it, next to it or anywhere: the order's row is found by its content, not by
its place. A hash aggregate on four narrow columns, parallel where a window over a million wide rows is not."""
LINE_ITEM_ROW = "COALESCE(r.__row <> o.own, FALSE)"
"""The row is another row of an order whose own row is elsewhere in the file (see :data:`ORDER_ROW`)."""


class ShopifyCsvReader(VendorReader):
    """Shopify admin exports (customers, orders, B2B companies) in one source."""

    name = "shopify_csv"
    produces = ("orders", "commerce_customers", "companies", "company_locations")
    kinds = ("customers", "orders", "companies")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "b2b_tag": Option(None, "A customer tag that marks B2B buyers (e.g. 'wholesale'); none by default."),
        "vat_column": Option(None, "Header of the customers-export column holding the VAT number, e.g. a "
                                   "pinned metafield 'VAT (customer.metafields.custom.vat)'."),
        "account_ref_column": Option(None, "Header of the customers-export column holding the ERP account."),
        "inactive_financial_statuses": Option(["voided", "expired", "refunded"],
                                              "Financial statuses that are not a live sale."),
        "email_as_customer_id": Option(False, "Give orders whose email matches no exported customer the email "
                                              "as customer id, and make that email a customer (when no "
                                              "customers export is available), instead of treating them as "
                                              "guests."),
        "decimal_comma": Option(None, "Amounts are written 1.234,50 (default: only in ';'-separated files).",
                                kind=bool),
        "columns": Option({}, "Header overrides: internal column name → header in your file; also maps any "
                              "customers-export column to vat, account_ref or external_id."),
    }

    def read(self, paths: Sequence[Path], context: ReadContext) -> ReadResult:
        """The exports read; the orders files marked as naming their customer by email only, so an order whose
        email no customer of this source has is linked to a customer another source reads (the API's)."""
        result = super().read(paths, context)
        orders = result.tables.get("orders")
        if orders is not None and orders.num_rows:
            files = pc.unique(orders.column("source_file").drop_null()).to_pylist()
            result.email_linked = result.email_linked | frozenset(files)
        return result

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        kinds = [self._kind(k, options) for k in KINDS]
        head = read_head(session, path, "orders", kinds=kinds)
        if head is None:
            return
        kind = match_kind(path, head, kinds)
        load_csv(session, path, kind, head, overrides=options["columns"], decimal_comma=options["decimal_comma"])

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        for kind in KINDS:
            k = self._kind(kind, options)
            session.declare(k.name, list(k.columns))
        for name, note in SCIENTIFIC_NOTES.items():
            found = session.con.execute(f"SELECT __file, count(*), min(id) FROM {session.relation(name)} WHERE "
                                        f"regexp_matches(id, {literal(SCIENTIFIC)}) GROUP BY 1 ORDER BY 1").fetchall()
            for file, count, example in found:
                session.note(Path(file), note.format(count=count, example=example))

    @staticmethod
    def _kind(kind: TabularKind, options: Mapping[str, Any]) -> TabularKind:
        if kind is not CUSTOMERS:
            return kind
        extra = {"vat": tuple(filter(None, [options["vat_column"]])),
                 "account_ref": tuple(filter(None, [options["account_ref_column"]]))}
        return replace(kind, columns={**kind.columns, **extra})

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        maps = [_customers(options), _orders(options), _companies(), _locations(), _contacts()]
        return maps + ([_order_customers()] if options["email_as_customer_id"] else [])


SCIENTIFIC = "^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$"
"""An id in scientific notation (``6.29549E+12``), as Excel's General format shows an id of 12 digits or more and
writes it into a CSV it saves (the orders export's ``Id`` has no ``'`` to stop it): its last digits are lost, so
the ids of one shop, close to each other, become one."""


def strip_id(sql: str) -> str:
    """An id cell without the spreadsheet-safe leading ``'``; empty, or in scientific notation (digits lost), = NULL."""
    bare = f"regexp_replace(trim({sql}), '^''', '')"
    return f"CASE WHEN NOT regexp_matches({bare}, {literal(SCIENTIFIC)}) THEN NULLIF({bare}, '') END"


SCIENTIFIC_NOTES = {
    "orders": ("{count} Id values are in scientific notation ({example}), as Excel writes long ids into a CSV it "
               "saves: their digits are lost, so these orders are keyed by Name (#1001), not by the id the API gives; "
               "export the orders again and read the CSV as Shopify wrote it (or the workbook saved from it)"),
    "customers": ("{count} Customer ID values are in scientific notation ({example}), as Excel writes long ids into "
                  "a CSV it saves: their digits are lost, so these customers are keyed by their email; export the "
                  "customers again and read the CSV as Shopify wrote it (or the workbook saved from it)"),
}
"""What a file is told when some of its ids are in scientific notation (its rows are read, keyed otherwise)."""
SCIENTIFIC_ID = ("a number in scientific notation, as a spreadsheet saves a long id it shows in General format: its "
                 "last digits are lost and the customer has no email to be known by; export the customers again and "
                 "read the CSV as Shopify wrote it (or the workbook saved from it)")
CUSTOMER_ID = f"COALESCE({strip_id('{0}.id')}, lower(trim({{0}}.email)))"
"""Exports before 2023 have no Customer ID: the email identifies the customer then, as it does a customer whose id a
spreadsheet wrote in scientific notation."""


NO_CONTACT = "COALESCE(trim(r.customer_id), '') = '' AND COALESCE(trim(r.customer_email), '') = ''"
CONTACT_ID = f"CASE WHEN {NO_CONTACT} THEN {strip_id('r.main_id')} ELSE {strip_id('r.customer_id')} END"
CONTACT_EMAIL = f"lower(trim(CASE WHEN {NO_CONTACT} THEN r.main_email ELSE r.customer_email END))"
"""The contact a companies-export row names: its ``Customer:`` columns, else (a company row without a
contact) the company's main contact."""


def _links(key: str) -> str:
    """Company per contact ``key`` (``id`` or ``email``), from every contact and main-contact column."""
    pairs = (f"SELECT {strip_id('customer_id')} AS id, lower(trim(customer_email)) AS email, trim(id) AS company "
             f"FROM {{companies}} UNION ALL SELECT {strip_id('main_id')}, lower(trim(main_email)), trim(id) "
             f"FROM {{companies}}")
    return f"(SELECT {key} AS k, min(company) AS company FROM ({pairs}) WHERE COALESCE({key}, '') <> '' GROUP BY 1)"


def _customers(options: Mapping[str, Any]) -> TableMap:
    tagged = has_tag("r.tags", options["b2b_tag"])
    source = (f"{{customers}} AS r LEFT JOIN {_links('id')} AS l ON l.k = {CUSTOMER_ID.format('r')} "
              f"LEFT JOIN {_links('email')} AS le ON le.k = lower(trim(r.email))")
    return TableMap("commerce_customers", source, {
        "platform": PLATFORM,
        "customer_id": Field(f"COALESCE({CUSTOMER_ID.format('r')}, NULLIF(trim(r.id), ''))", "Customer ID", rules=(
            Rule("r.id", f"{CUSTOMER_ID.format('r')} IS NULL AND regexp_matches(trim(r.id), {literal(SCIENTIFIC)})",
                 SCIENTIFIC_ID),)),
        "email": col("email", "Email"),
        "name": full_name("r.first_name", "r.last_name"),
        "is_b2b": flag(f"COALESCE(l.company, le.company) IS NOT NULL OR {tagged}"),
        "company_id": Field("COALESCE(l.company, le.company)"),
        "company_name": col("company", "Default Address Company"),
        "vat_number": col("vat", options["vat_column"] or options["columns"].get("vat")),
        "account_ref": col("account_ref", options["account_ref_column"] or options["columns"].get("account_ref")),
        "external_id": col("external_id", options["columns"].get("external_id")),
        "country": country(col("country", "Default Address Country Code")),
        "tags": col("tags", "Tags"),
    })


EMAILS = (f"(SELECT lower(trim(email)) AS e, min({CUSTOMER_ID.format('c')}) AS cid FROM {{customers}} AS c "
          f"WHERE trim(email) <> '' GROUP BY 1)")


def phone_key(sql: str) -> str:
    """A phone number as a join key: an optional ``+`` and the digits (no spreadsheet ``'``, spaces, dashes,
    dots or brackets); NULL unless it holds at least 6 digits (written without braces: map sources are
    str.format-ed)."""
    digits = f"regexp_replace(regexp_replace(trim({sql}), '^''', ''), '[\\s().-]', '', 'g')"
    return f"CASE WHEN regexp_full_match({digits}, '\\+?[0-9][0-9][0-9][0-9][0-9][0-9]+') THEN {digits} END"


PHONES = (f"(SELECT {phone_key('c.phone')} AS ph, min({CUSTOMER_ID.format('c')}) AS cid FROM {{customers}} AS c "
          f"WHERE COALESCE(trim(c.email), '') = '' GROUP BY 1)")
"""Customers without an email (who sign in by phone), by phone: their orders carry no email to link by."""
NO_EMAIL = "COALESCE(trim(r.email), '') = ''"


def _orders(options: Mapping[str, Any]) -> TableMap:
    fallback = ", lower(trim(r.email))" if options["email_as_customer_id"] else ""
    inactive = in_list("trim(r.financial_status)", options["inactive_financial_statuses"])
    source = (f"{{orders}} AS r {ORDER_ROW} LEFT JOIN {EMAILS} AS c ON c.e = lower(trim(r.email)) "
              f"LEFT JOIN {PHONES} AS p ON p.ph = CASE WHEN {NO_EMAIL} THEN {phone_key('r.phone')} END")
    return TableMap("orders", source, {
        "platform": PLATFORM,
        "order_id": first(Field(strip_id("r.id"), "Id"), col("name", "Name")),
        "customer_id": Field(f"COALESCE(c.cid, p.cid{fallback})", "Email"),
        "email": col("email", "Email"),
        "status": col("financial_status", "Financial Status"),
        "cancelled": flag("trim(r.cancelled_at) <> ''"),
        "inactive": flag(inactive),
        "created_at": timestamp(col("created_at", "Created at"), SHOPIFY_CSV_DATE,
                                example="'2026-06-18 11:02:03 +0100'"),
        "currency": col("currency", "Currency"),
        "total": less(money(col("total", "Total"), "r.__dc"), money(col("refunded", "Refunded Amount"), "r.__dc")),
        "ship_to_country": country(first(col("shipping_country", "Shipping Country"),
                                         col("billing_country", "Billing Country"))),
        "tags": col("tags", "Tags"),
    }, exclude=[(LINE_ITEM_ROW, literal(LINE_ITEM))])


def _order_customers() -> TableMap:
    """With ``email_as_customer_id``: an order email no exported customer has becomes a customer keyed by it."""
    email = "lower(trim(r.email))"
    source = f"{{orders}} AS r {ORDER_ROW} LEFT JOIN {EMAILS} AS c ON c.e = {email}"
    return TableMap("commerce_customers", source, {
        "platform": PLATFORM,
        "customer_id": Field(email, "Email"),
        "email": col("email", "Email"),
        "name": col("billing_name", "Billing Name"),
        "country": country(col("billing_country", "Billing Country")),
    }, exclude=[(LINE_ITEM_ROW, literal(LINE_ITEM)),
                (f"COALESCE({email}, '') = ''", literal("guest order without an email")),
                ("c.e IS NOT NULL", literal("order of a customer in the customers export")),
                (f"row_number() OVER (PARTITION BY {email}, {LINE_ITEM_ROW} ORDER BY r.__file, r.__row) > 1",
                 literal("customer already named by an earlier order"))])


def _companies() -> TableMap:
    return TableMap("companies", "{companies} AS r", {
        "platform": PLATFORM,
        "company_id": col("id", "ID"),
        "name": col("name", "Name"),
        "email": first(col("main_email", "Main Contact: Customer Email")),
        "account_ref": col("external_id", "External ID"),
        "country": country(first(col("billing_country", "Location: Billing Country Code"),
                                 col("shipping_country", "Location: Shipping Country Code"))),
        "created_at": timestamp(col("since", "Customer Since"), SHOPIFY_CSV_DATE),
    }, exclude=[(repeat_of("trim(r.id)"), literal("additional row of the same company (locations, contacts)"))])


def _locations() -> TableMap:
    return TableMap("company_locations", "{companies} AS r", {
        "platform": PLATFORM,
        "company_id": col("id", "ID"),
        "location_id": col("location_id", "Location: ID"),
        "name": col("location_name", "Location: Name"),
        "vat_number": col("tax_id", "Location: Tax ID"),
        "account_ref": col("location_external_id", "Location: External ID"),
        "country": country(first(col("billing_country", "Location: Billing Country Code"),
                                 col("shipping_country", "Location: Shipping Country Code"))),
    }, exclude=[("COALESCE(trim(r.location_id), '') = ''", literal("company row without a location")),
                (repeat_of("trim(r.id), trim(r.location_id)"),
                 literal("additional row of the same location (contacts)"))])


def _contacts() -> TableMap:
    """Contacts not in the customers export (by id, else by email) become B2B customers; an export without
    contact ids keys them by email, as old customers exports are."""
    ids = f"(SELECT DISTINCT {CUSTOMER_ID.format('c')} AS cid FROM {{customers}} AS c)"
    emails = "(SELECT DISTINCT lower(trim(c.email)) AS e FROM {customers} AS c)"
    cid = f"COALESCE({CONTACT_ID}, NULLIF({CONTACT_EMAIL}, ''))"
    source = (f"{{companies}} AS r LEFT JOIN {ids} AS k ON k.cid = {CONTACT_ID} "
              f"LEFT JOIN {emails} AS ke ON ke.e = {CONTACT_EMAIL}")
    return TableMap("commerce_customers", source, {
        "platform": PLATFORM,
        "customer_id": Field(cid, "Customer: ID"),
        "email": Field(f"NULLIF({CONTACT_EMAIL}, '')", "Customer: Email"),
        "name": full_name("r.customer_first", "r.customer_last"),
        "is_b2b": const("true"),
        "company_id": col("id", "ID"),
    }, exclude=[(f"{cid} IS NULL", literal("company row without a contact")),
                ("k.cid IS NOT NULL OR ke.e IS NOT NULL",
                 literal("company contact: company link applied to the customer from the customers export")),
                (repeat_of(cid), literal("additional row of the same contact"))])
