"""Adobe Commerce (Magento 2) REST responses: customers, orders, B2B companies, negotiable quotes.

Search results carry ``items`` + ``search_criteria`` + ``total_count``; single-object responses
(``GET /V1/orders/3``, ``GET /V1/customers/2``, ``GET /V1/company/2``) are records themselves, and
an order's own ``items`` (its lines) is never taken for a search-results wrapper. Pages past the
end repeat the last page (reference §3.3): the repeated records are dropped as duplicates.

Orders (reference §3.7): ``state`` decides, not the relabellable ``status``: ``canceled`` is
cancelled, ``closed`` (fully refunded) is not a live sale; an unknown state is quarantined. Guests
have ``customer_is_guest`` 1. Timestamps are UTC without an offset; money is a JSON number.
Negotiable quotes are quotes (``quote``), except those already ``ordered``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.countries import country
from bridgewatch.sources.mapping import COMMON_OPTIONS, RowCheck, TableMap, VendorReader, unrecognised
from bridgewatch.sources.raw import (
    Envelope,
    JsonLayout,
    Session,
    kind_case,
    load_json,
    load_json_files,
    pages_read,
)
from bridgewatch.sources.shapes import (
    Field,
    blank,
    const,
    first,
    flag,
    full_name,
    in_list,
    js,
    json_pick,
    less,
    number,
    timestamp,
)
from bridgewatch.sql import literal

PLATFORM = const("adobe_commerce")
STATES = ("new", "pending_payment", "processing", "complete", "closed", "canceled", "holded", "payment_review")
LAYOUT = JsonLayout(
    envelopes=(Envelope("$.items", when="json_exists(t.json, '$.search_criteria') OR json_exists(t.json, "
                                        "'$.total_count')"),),
    kinds=(
        ("order", "json_exists(j, '$.increment_id') AND json_exists(j, '$.state')"),
        ("quote", "json_exists(j, '$.extension_attributes.negotiable_quote')"),
        ("company", "json_exists(j, '$.company_name')"),
        ("customer", "json_exists(j, '$.email') AND (json_exists(j, '$.website_id') OR json_exists(j, '$.group_id'))"),
    ),
    accepts=("Adobe Commerce REST search results (customers, orders, companies, negotiable quotes) and single "
             "GET /V1/orders/{id}, /V1/customers/{id}, /V1/company/{id} responses"),
)
BILLING = ("list_filter(json_extract(r.j, '$.addresses[*]'), lambda a: a ->> '$.id' = r.j ->> '$.default_billing' "
           "OR a ->> '$.default_billing' = 'true')[1]")
"""The customer's default billing address (the address whose id is ``default_billing``)."""


SEARCHES = {"order": "orders", "quote": "negotiable quotes", "company": "companies", "customer": "customers"}
"""Record kind → what its search returns, for messages."""


def short_searches(session: Session) -> list[tuple[str, int, int, list[str]]]:
    """(kind, records read, total_count, files) of each search whose pages read hold fewer records than its
    ``total_count`` while every one of them is a full page and no record came twice.

    A search is its record kind and its ``search_criteria`` without ``current_page``; a page with no
    record of a known kind names none. A short page is the last one, and a record read twice means a
    page past the end (Adobe repeats the last page there): either shows the end was read, so the
    search is not reported (a store whose ``total_count`` over-reports is then not taken for missing
    pages). The smallest ``total_count`` of its pages is taken (records may come and go between reads).
    """
    if not pages_read(session):
        return []
    kind = kind_case(LAYOUT)
    rows = session.con.execute(f"""
        WITH items AS (
            SELECT t.rowid AS page, t.__file, TRY_CAST(t.json ->> '$.total_count' AS BIGINT) AS total,
                   TRY_CAST(t.json ->> '$.search_criteria.page_size' AS BIGINT) AS size,
                   CAST(json_merge_patch(COALESCE(t.json -> '$.search_criteria', '{{}}'), '{{"current_page": null}}')
                        AS VARCHAR) AS criteria,
                   CASE {kind} END AS kind, COALESCE(j ->> '$.entity_id', j ->> '$.id', CAST(j AS VARCHAR)) AS id
            FROM __top AS t, unnest(json_extract(t.json, '$.items[*]')) AS u(j)
            WHERE t.__env = 1),
        pages AS (SELECT page, max(kind) AS kind, count(*) = any_value(size) AS full FROM items GROUP BY page)
        SELECT p.kind, count(DISTINCT i.id), min(i.total), list(DISTINCT i.__file ORDER BY i.__file)
        FROM items AS i JOIN pages AS p USING (page)
        WHERE p.kind IS NOT NULL AND i.total IS NOT NULL
        GROUP BY p.kind, i.criteria
        HAVING count(DISTINCT i.id) < min(i.total) AND count(DISTINCT i.id) = count(*) AND bool_and(p.full)
        ORDER BY 1, 3""").fetchall()
    return [(str(k), int(got), int(total), list(files)) for k, got, total, files in rows]


def utc(field: Field) -> Field:
    """Adobe REST timestamps: ``2026-05-18 16:47:44`` in UTC."""
    return timestamp(field, zone="UTC", example="2026-05-18 16:47:44")


class AdobeCommerceApiReader(VendorReader):
    """Saved Adobe Commerce REST search results and single-object responses."""

    name = "adobe_commerce_api"
    produces = ("orders", "commerce_customers", "companies")
    kinds = ("order", "quote", "company", "customer")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "account_ref_attribute": Option(None, "attribute_code of the customer custom attribute holding the ERP "
                                              "account (e.g. 'erp_customer_no')."),
        "external_id_attribute": Option(None, "attribute_code of the customer custom attribute holding the id "
                                              "the ERP stores for the customer."),
        "inactive_states": Option(["closed"], "Order states that are not a live sale (canceled is cancelled)."),
        "b2b_group_ids": Option([], "Customer group ids that also mark B2B buyers (besides a company), e.g. [2] "
                                    "for Wholesale, as the CSV reader's option of the same name."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Warn when a search read fewer distinct records over its pages than its ``total_count``."""
        for kind, got, total, files in short_searches(session):
            session.warn(f"Adobe Commerce {SEARCHES[kind]} search read {got} of its total_count {total} records, so "
                         f"pages are missing; add the remaining pages (searchCriteria[currentPage]) to the source, or "
                         f"{SEARCHES[kind]} will look missing", files)

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_customers(options), _orders(options), _quotes(), _companies(),
                unrecognised("orders", "Adobe Commerce")]


def _attribute(code: str | None) -> Field:
    return Field(json_pick("$.custom_attributes", "attribute_code", code, "value"), code) if code else const(None)


GROUP = "r.j ->> '$.group_id'"


def _customers(options: Mapping[str, Any]) -> TableMap:
    company = "NULLIF(NULLIF(r.j ->> '$.extension_attributes.company_attributes.company_id', '0'), '')"
    return TableMap("commerce_customers", "{customer} AS r", {
        "platform": PLATFORM,
        "customer_id": js("$.id"),
        "email": js("$.email"),
        "name": full_name("r.j ->> '$.firstname'", "r.j ->> '$.lastname'"),
        "is_b2b": flag(f"{company} IS NOT NULL OR {in_list(GROUP, options['b2b_group_ids'])}"),
        "company_id": Field(company, "extension_attributes.company_attributes.company_id"),
        "company_name": Field(blank(f"{BILLING} ->> '$.company'"), "addresses[].company"),
        "vat_number": first(js("$.taxvat"), Field(blank(f"{BILLING} ->> '$.vat_id'"), "addresses[].vat_id")),
        "account_ref": _attribute(options["account_ref_attribute"]),
        "external_id": _attribute(options["external_id_attribute"]),
        "country": country(first(Field(blank(f"{BILLING} ->> '$.country_id'"), "addresses[].country_id"),
                                 js("$.addresses[0].country_id"))),
        "created_at": utc(js("$.created_at")),
    })


def _orders(options: Mapping[str, Any]) -> TableMap:
    state = "lower(r.j ->> '$.state')"
    guest = "COALESCE(TRY_CAST(r.j ->> '$.customer_is_guest' AS INTEGER), 0) = 1"
    return TableMap("orders", "{order} AS r", {
        "platform": PLATFORM,
        "order_id": js("$.increment_id"),
        "customer_id": Field(f"CASE WHEN {guest} THEN NULL ELSE r.j ->> '$.customer_id' END", "customer_id"),
        "company_id": js("$.extension_attributes.company_order_attributes.company_id"),
        "email": js("$.customer_email", "$.billing_address.email"),
        "status": js("$.status"),
        "cancelled": flag(f"{state} = 'canceled'"),
        "inactive": flag(in_list(state, options["inactive_states"])),
        "created_at": utc(js("$.created_at")),
        "currency": js("$.order_currency_code", "$.base_currency_code"),
        "total": less(number(js("$.grand_total")), number(js("$.total_refunded")), number(js("$.total_canceled"))),
        "ship_to_country": country(js("$.extension_attributes.shipping_assignments[0].shipping.address.country_id",
                                      "$.billing_address.country_id")),
    }, checks=[
        RowCheck("state", "r.j ->> '$.state'", "r.j ->> '$.state' IS NULL",
                 "state is missing, so the order cannot be classified"),
        RowCheck("state", "r.j ->> '$.state'", f"r.j ->> '$.state' IS NOT NULL AND NOT {in_list(state, STATES)}",
                 f"unknown order state (Adobe Commerce states: {', '.join(STATES)})"),
    ])


def _quotes() -> TableMap:
    nq = "$.extension_attributes.negotiable_quote"
    status = f"lower(r.j ->> '{nq}.status')"
    return TableMap("orders", "{quote} AS r", {
        "platform": PLATFORM,
        "order_id": Field("'quote-' || (r.j ->> '$.id')", "id"),
        "customer_id": js("$.customer.id"),
        "email": js("$.customer.email"),
        "status": js(f"{nq}.status"),
        "quote": const("true"),
        "inactive": flag(f"{status} IN ('closed', 'declined', 'expired')"),
        "created_at": utc(js("$.created_at")),
        "currency": js("$.currency.quote_currency_code", "$.currency.base_currency_code"),
        "total": number(js(f"{nq}.negotiated_total_price", f"{nq}.original_total_price", "$.grand_total")),
    }, exclude=[(f"{status} = 'ordered'", literal("negotiable quote already ordered (its order is read as an order)"))])


def _companies() -> TableMap:
    return TableMap("companies", "{company} AS r", {
        "platform": PLATFORM,
        "company_id": js("$.id"),
        "name": js("$.legal_name", "$.company_name"),
        "email": js("$.company_email"),
        "vat_number": js("$.vat_tax_id"),
        "account_ref": js("$.reseller_id"),
        "country": country(js("$.country_id")),
    })
