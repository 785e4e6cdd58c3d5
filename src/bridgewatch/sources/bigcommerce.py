"""BigCommerce API responses: v3 customers, v2 orders, B2B Edition companies, users and orders.

v3 pages carry ``data`` + ``meta.pagination``; v2 ``/orders`` pages are bare arrays (and an empty
file is the ``204 No Content`` BigCommerce sends past the last page); B2B Edition pages carry
``code``, ``meta.pagination`` and ``data``. Records are recognised by their keys, so one source may
hold every page of every endpoint.

Orders (reference §2.5, §2.7): ``status_id`` 5 is cancelled; 0 (incomplete), 4 (refunded) and 6
(declined) are not live sales; guest orders have ``customer_id`` 0 and keep their email; dates are
RFC-2822; money is a string. B2B Edition users link customers to companies, B2B orders link orders
to companies; their own rows are only kept when the main record is not in the source. Countries
may be names (``United Kingdom``) as well as codes; a v3 customer without ``id`` is quarantined.
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
    unfinished_queries,
)
from bridgewatch.sources.shapes import (
    Field,
    blank,
    const,
    epoch,
    first,
    flag,
    full_name,
    in_list,
    js,
    json_pick,
    less,
    money,
    number,
    rfc2822,
)
from bridgewatch.sql import literal, literal_list

PLATFORM = const("bigcommerce")
STATUS_IDS = tuple(range(15))
CANCELLED_STATUS = 5
LAYOUT = JsonLayout(
    envelopes=(Envelope("$.data"),),
    kinds=(
        ("order", "json_exists(j, '$.customer_id') AND (json_exists(j, '$.status_id') "
                  "OR json_exists(j, '$.total_inc_tax'))"),
        ("b2b_order", "json_exists(j, '$.bcOrderId')"),
        ("quote", "json_exists(j, '$.quoteNumber') OR json_exists(j, '$.quoteId')"),
        ("company", "json_exists(j, '$.companyName')"),
        ("user", "json_exists(j, '$.customerId') AND json_exists(j, '$.companyId')"),
        ("shipping_address", "json_exists(j, '$.order_id') AND (json_exists(j, '$.shipping_method') "
                             "OR json_exists(j, '$.items_total'))"),
        ("form_field", "json_exists(j, '$.name') AND json_exists(j, '$.value') "
                       "AND (json_exists(j, '$.customer_id') OR json_exists(j, '$.address_id'))"),
        ("customer_address", "json_exists(j, '$.customer_id') AND NOT json_exists(j, '$.email') "
                             "AND (json_exists(j, '$.address1') OR json_exists(j, '$.street_1'))"),
        ("customer", "json_exists(j, '$.email') AND (json_exists(j, '$.id') OR json_exists(j, '$.first_name') "
                     "OR json_exists(j, '$.customer_group_id'))"),
    ),
    accepts=("BigCommerce v3 customers pages, v3 customer addresses and form field values pages (or v2 customer "
             "addresses), v2 orders pages (bare arrays) or single orders, v2 order shipping addresses, and B2B Edition "
             "companies, users, orders and quotes pages"),
)


B2B_KINDS = {"company": "companies", "user": "users", "b2b_order": "orders", "quote": "quotes"}
"""B2B Edition record kind → what its pages list, for messages."""
B2B_PAGING = ("TRY_CAST(COALESCE(t.json ->> '$.meta.pagination.{key}', t.json ->> '$.meta.{key}') AS BIGINT)")
"""A B2B Edition page's ``totalCount``, ``offset`` or ``limit``: under ``meta.pagination`` (also seen directly
under ``meta``, as in the orders example of the B2B Edition reference)."""


def missing_b2b_pages(session: Session) -> list[tuple[str, int, int, list[str]]]:
    """(kind, records read, totalCount, files) of each B2B Edition listing whose pages read leave an offset out.

    A listing is a record kind and its ``limit``. Its pages should start at 0, limit, 2 x limit ...: one
    missing before the last offset read is a missing page, and so is the end when the last page read is
    full but ends below ``totalCount`` (the smallest the pages give: records may come and go between reads).
    A short last page shows the end was read. Pages without records, or without offset, limit and
    totalCount, tell nothing and are passed over; so are offsets that are not steps of the limit.
    """
    if not pages_read(session):
        return []
    kind = kind_case(LAYOUT)
    rows = session.con.execute(f"""
        WITH pages AS (
            SELECT t.__file, {B2B_PAGING.format(key='totalCount')} AS total,
                   {B2B_PAGING.format(key='offset')} AS "offset", {B2B_PAGING.format(key='limit')} AS "limit",
                   json_array_length(t.json, '$.data') AS n,
                   (SELECT max(CASE {kind} END) FROM unnest(json_extract(t.json, '$.data[*]')) AS u(j)) AS kind
            FROM __top AS t WHERE t.__env = 1),
        listed AS (
            SELECT kind, "limit", "offset", max(n) AS n, min(total) AS total, list(__file) AS files FROM pages
            WHERE kind IN {literal_list(B2B_KINDS)} AND total IS NOT NULL AND "offset" >= 0 AND "limit" > 0 AND n > 0
            GROUP BY ALL)
        SELECT kind, sum(n), min(total), list_sort(list_distinct(flatten(list(files))))
        FROM listed GROUP BY kind, "limit"
        HAVING bool_and("offset" % "limit" = 0)
           AND (count(*) < max("offset") // "limit" + 1
                OR arg_max(n, "offset") = "limit" AND max("offset") + "limit" < min(total))
        ORDER BY 1""").fetchall()
    return [(str(k), int(got), int(total), list(files)) for k, got, total, files in rows]


class BigCommerceApiReader(VendorReader):
    """Saved BigCommerce v3 / v2 / B2B Edition API responses."""

    name = "bigcommerce_api"
    produces = ("orders", "commerce_customers", "companies")
    kinds = ("order", "b2b_order", "quote", "company", "user", "shipping_address", "form_field", "customer_address",
             "customer")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "vat_field": Option("VAT number", "Name of the customer form field / B2B company extra field holding "
                                          "the VAT number (store-specific; compared ignoring case)."),
        "account_ref_field": Option(None, "Name of the customer form field / company extra field holding the "
                                          "ERP account reference (the company uuid is used otherwise)."),
        "b2b_group_ids": Option([], "Customer group ids that mark B2B buyers without B2B Edition (e.g. [3])."),
        "inactive_status_ids": Option([0, 4, 6], "status_id values that are not a live sale "
                                                 "(0 incomplete, 4 refunded, 6 declined); 5 is cancelled."),
        "archived_inactive": Option(True, "Treat archived orders (is_deleted) as not a live sale."),
        "order_tags_path": Option(None, "JSON path of a v2 order field holding comma-separated tags for entity "
                                        "rules (orders have no native tags), e.g. '$.staff_notes'.",
                                  syntax="json_path"),
        "merged_into_field": Option(None, "Name of the B2B company extra field holding the id of the company it "
                                          "was merged into (no native field)."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Warn when every v3 page read is short of ``meta.pagination.total_pages`` (the last page is missing), and
        when B2B Edition pages of a kind leave an offset out (:func:`missing_b2b_pages`)."""
        pages = ("SELECT 'v3' AS query, TRY_CAST(json ->> '$.meta.pagination.current_page' AS INTEGER) < "
                 "TRY_CAST(json ->> '$.meta.pagination.total_pages' AS INTEGER) AS more, __file FROM __top")
        for files in unfinished_queries(session, pages).values():
            session.warn("Every BigCommerce v3 page read has meta.pagination.current_page below total_pages, so the "
                         "last page is missing; add the remaining pages to the source, or customers will look "
                         "missing", files)
        for kind, got, total, files in missing_b2b_pages(session):
            session.warn(f"BigCommerce B2B Edition {B2B_KINDS[kind]} pages read hold {got} of the {total} records "
                         f"their totalCount gives, so pages are missing; add the remaining pages (offset) to the "
                         f"source, or {B2B_KINDS[kind]} will look missing", files)

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_customers(options), _users(), _orders(options), _b2b_orders(options), _quotes(), _companies(options),
                _shipping_addresses(), _customer_addresses(), _form_fields(), unrecognised("orders", "BigCommerce")]


SHIP_TO_CODE = ("$.consignments[0].shipping[0].country_iso2", "$.consignments.shipping[0].country_iso2",
                "$.shipping_addresses[0].country_iso2")
SHIP_TO_NAME = ("$.consignments[0].shipping[0].country", "$.consignments.shipping[0].country",
                "$.shipping_addresses[0].country")
BILLING = ("$.billing_address.country_iso2", "$.billing_address.country")
JSON_CODE, JSON_COUNTRY = "j ->> '$.country_iso2'", "j ->> '$.country'"
_FIRST_SHIPPED = "TRY_CAST(j ->> '$.id' AS BIGINT)"
SHIPPED = (f"(SELECT j ->> '$.order_id' AS oid, arg_min({blank(JSON_CODE)}, {_FIRST_SHIPPED}) AS code, "
           f"arg_min({blank(JSON_COUNTRY)}, {_FIRST_SHIPPED}) AS name FROM {{shipping_address}} GROUP BY 1)")
"""The first (lowest id) shipping address of each order, from saved ``GET /v2/orders/{id}/shipping_addresses``."""


def _ship_to() -> Field:
    """Where a v2 order is shipped: its first shipping consignment (``include=consignments``, as a list or, with
    ``consignment_structure=object``, an object), inline ``shipping_addresses`` list, or first address in a saved
    ``/v2/orders/{id}/shipping_addresses`` response, else its billing address (a plain page has only a link to
    the shipping addresses; a pickup or digital order has none). Codes before names, as each form carries."""
    return Field(f"COALESCE({js(*SHIP_TO_CODE).sql}, s.code, {js(*SHIP_TO_NAME).sql}, s.name, {js(*BILLING).sql})",
                 "shipping_addresses")
ADDRESS_CODE = "COALESCE(j ->> '$.country_code', j ->> '$.country_iso2')"
ADDRESSED = (f"(SELECT j ->> '$.customer_id' AS cid, arg_min({blank(ADDRESS_CODE)}, {_FIRST_SHIPPED}) AS code, "
             f"arg_min({blank(JSON_COUNTRY)}, {_FIRST_SHIPPED}) AS name FROM {{customer_address}} GROUP BY 1)")
"""The first (lowest id) address of each customer, from saved ``GET /v3/customers/addresses`` pages (or v2
``/customers/{id}/addresses`` responses)."""
USER_LINKS = ("(SELECT j ->> '$.customerId' AS cid, min(j ->> '$.companyId') AS company FROM {user} "
              "GROUP BY 1)")
ORDER_LINKS = ("(SELECT j ->> '$.bcOrderId' AS oid, min(j ->> '$.companyId') AS company FROM {b2b_order} "
               "GROUP BY 1)")


def _custom(field_option: str | None, array: str, key: str, value: str) -> Field:
    return Field(json_pick(array, key, field_option, value), field_option) if field_option else const(None)


def _form_value(field_option: str | None, alias: str) -> tuple[Field, str]:
    """A customer's form field named ``field_option``: from its ``form_fields`` (``include=formfields``), else from
    saved ``GET /v3/customers/form-field-values`` pages; with the join (aliased ``alias``) that reads the latter."""
    if not field_option:
        return const(None), ""
    values = (f"(SELECT j ->> '$.customer_id' AS cid, arg_min(j ->> '$.value', __file || lpad(CAST(__row AS VARCHAR), "
              f"12, '0')) AS value FROM {{form_field}} WHERE lower(j ->> '$.name') = lower({literal(field_option)}) "
              f"AND j ->> '$.customer_id' IS NOT NULL GROUP BY 1)")
    inline = _custom(field_option, "$.form_fields", "name", "value")
    return (Field(f"COALESCE({inline.sql}, {blank(f'{alias}.value')})", field_option),
            f" LEFT JOIN {values} AS {alias} ON {alias}.cid = r.j ->> '$.id'")


def _customers(options: Mapping[str, Any]) -> TableMap:
    group = in_list("r.j ->> '$.customer_group_id'", options["b2b_group_ids"])
    vat, vat_join = _form_value(options["vat_field"], "fv")
    ref, ref_join = _form_value(options["account_ref_field"], "fr")
    source = (f"{{customer}} AS r LEFT JOIN {USER_LINKS} AS l ON l.cid = r.j ->> '$.id' "
              f"LEFT JOIN {ADDRESSED} AS a ON a.cid = r.j ->> '$.id'{vat_join}{ref_join}")
    return TableMap("commerce_customers", source, {
        "platform": PLATFORM,
        "customer_id": js("$.id"),
        "email": js("$.email"),
        "name": full_name("r.j ->> '$.first_name'", "r.j ->> '$.last_name'"),
        "is_b2b": flag(f"l.company IS NOT NULL OR {group}"),
        "company_id": Field("l.company"),
        "company_name": js("$.company"),
        "vat_number": vat,
        "account_ref": ref,
        "country": country(Field(f"COALESCE({js('$.addresses[0].country_code').sql}, a.code, "
                                 f"{js('$.addresses[0].country').sql}, a.name)", "addresses[0].country_code")),
        "created_at": rfc2822(js("$.date_created")),  # v3: ISO (passed as it is); legacy v2: RFC-2822
    })


def _users() -> TableMap:
    known = "(SELECT DISTINCT j ->> '$.id' AS cid FROM {customer})"
    return TableMap("commerce_customers", f"{{user}} AS r LEFT JOIN {known} AS k ON k.cid = r.j ->> '$.customerId'", {
        "platform": PLATFORM,
        "customer_id": js("$.customerId"),
        "email": js("$.email"),
        "name": full_name("r.j ->> '$.firstName'", "r.j ->> '$.lastName'"),
        "is_b2b": const("true"),
        "company_id": js("$.companyId"),
    }, exclude=[("k.cid IS NOT NULL", literal("B2B user: company link applied to the customer's record"))])


def _orders(options: Mapping[str, Any]) -> TableMap:
    status = "TRY_CAST(r.j ->> '$.status_id' AS INTEGER)"
    inactive = in_list(status, options["inactive_status_ids"], lower_input=False)
    archived = ("COALESCE(TRY_CAST(r.j ->> '$.is_deleted' AS BOOLEAN), FALSE)" if options["archived_inactive"]
                else "FALSE")
    return TableMap("orders", f"{{order}} AS r LEFT JOIN {ORDER_LINKS} AS l ON l.oid = r.j ->> '$.id' "
                              f"LEFT JOIN {SHIPPED} AS s ON s.oid = r.j ->> '$.id'", {
        "platform": PLATFORM,
        "order_id": js("$.id"),
        "customer_id": Field("NULLIF(r.j ->> '$.customer_id', '0')", "customer_id"),
        "company_id": Field("l.company"),
        "email": js("$.billing_address.email"),
        "status": js("$.status"),
        "cancelled": flag(f"{status} = {CANCELLED_STATUS}"),
        "inactive": flag(f"{inactive} OR {archived}"),
        "created_at": rfc2822(js("$.date_created")),
        "currency": js("$.default_currency_code", "$.currency_code"),
        "total": less(money(js("$.total_inc_tax")), money(js("$.refunded_amount"))),
        "ship_to_country": country(_ship_to()),
        "tags": js(options["order_tags_path"]) if options["order_tags_path"] else const(None),
    }, checks=[
        RowCheck("status_id", "r.j ->> '$.status_id'", "r.j ->> '$.status_id' IS NULL",
                 "status_id is missing, so the order cannot be classified"),
        RowCheck("status_id", "r.j ->> '$.status_id'",
                 f"r.j ->> '$.status_id' IS NOT NULL AND NOT {in_list(status, STATUS_IDS, lower_input=False)}",
                 "unknown status_id (BigCommerce order statuses are 0-14)"),
    ])


def _b2b_orders(options: Mapping[str, Any]) -> TableMap:
    """A B2B Edition order whose v2 order is not in the source still tells of a company order, classified by
    the same options as a v2 order (``statusCode`` is its ``status_id``, ``isArchived`` its ``is_deleted``).

    It holds no address: its ship-to country is its company's ``country`` (the company's address, as a v2
    order without consignments falls back to its billing address), so the expected entity is the one the
    v2 route gives a company ordering from its own country instead of none (ambiguous)."""
    known = "(SELECT DISTINCT j ->> '$.id' AS oid FROM {order})"
    status = "TRY_CAST(r.j ->> '$.statusCode' AS INTEGER)"
    inactive = in_list(status, options["inactive_status_ids"], lower_input=False)
    archived = ("COALESCE(TRY_CAST(r.j ->> '$.isArchived' AS BOOLEAN), FALSE)" if options["archived_inactive"]
                else "FALSE")
    companies = (f"(SELECT j ->> '$.companyId' AS cid, min({blank(JSON_COUNTRY)}) AS country "
                 "FROM {company} GROUP BY 1)")
    source = (f"{{b2b_order}} AS r LEFT JOIN {known} AS k ON k.oid = r.j ->> '$.bcOrderId' "
              f"LEFT JOIN {companies} AS co ON co.cid = r.j ->> '$.companyId'")
    return TableMap("orders", source, {
        "platform": PLATFORM,
        "order_id": js("$.bcOrderId"),
        "company_id": js("$.companyId"),
        "status": js("$.status", "$.customStatus"),
        "cancelled": flag(f"{status} = {CANCELLED_STATUS}"),
        "inactive": flag(f"{inactive} OR {archived}"),
        "created_at": epoch(js("$.createdAt")),
        "currency": js("$.currencyCode"),
        "total": number(js("$.totalIncTax")),
        "ship_to_country": country(Field("co.country", "country (the order's company)")),
    }, exclude=[("k.oid IS NOT NULL", literal("B2B order: company link applied to the order's record"))])


def _shipping_addresses() -> TableMap:
    """Saved ``/v2/orders/{id}/shipping_addresses`` responses: each address is applied to its order's ship-to
    country (the first address of an order), never read as a customer though it carries an email and a name."""
    return _applied("orders", "shipping_address", "order", "order_id",
                    "shipping address: applied to its order's ship-to country",
                    "shipping address of an order not in the source (nothing to apply it to)")


def _customer_addresses() -> TableMap:
    """Saved customer addresses pages: each address gives its customer's country (the first address of a customer, as
    ``include=addresses`` does), never read as a customer itself."""
    return _applied("commerce_customers", "customer_address", "customer", "customer_id",
                    "customer address: applied to its customer's country",
                    "address of a customer not in the source (nothing to apply it to)")


def _form_fields() -> TableMap:
    """Saved form field values pages: a customer's values give its ``vat_field`` / ``account_ref_field``; an address's
    (``address_id``) are not read."""
    return _applied("commerce_customers", "form_field", "customer", "customer_id",
                    "form field value: applied to its customer",
                    "form field value of a customer not in the source (nothing to apply it to)",
                    ("r.j ->> '$.customer_id' IS NULL", literal("form field value of an address (not read)")))


def _applied(table: str, kind: str, parent: str, link: str, applied: str, orphan: str,
             *other: tuple[str, str]) -> TableMap:
    """Records of ``kind`` that only add to their ``parent`` record (named by their ``link`` key, whose rows the
    parent's map joins them to): excluded as ``applied`` when the parent is in the source, else as ``orphan``."""
    known = f"(SELECT DISTINCT j ->> '$.id' AS pid FROM {{{parent}}})"
    return TableMap(table, f"{{{kind}}} AS r LEFT JOIN {known} AS k ON k.pid = r.j ->> '$.{link}'", {
        "platform": PLATFORM,
        link: js(f"$.{link}"),
    }, exclude=[("k.pid IS NOT NULL", literal(applied)), *other, ("TRUE", literal(orphan))])


def _quotes() -> TableMap:
    """B2B Edition quotes (RFQ) are quotes, not orders [field names unconfirmed]."""
    return TableMap("orders", "{quote} AS r", {
        "platform": PLATFORM,
        "order_id": Field("'quote-' || COALESCE(r.j ->> '$.quoteId', r.j ->> '$.quoteNumber')", "quoteId"),
        "customer_id": Field("NULLIF(r.j ->> '$.customerId', '0')", "customerId"),
        "company_id": js("$.companyId"),
        "email": js("$.contactInfo.email", "$.email"),
        "status": js("$.status"),
        "quote": const("true"),
        "created_at": epoch(js("$.createdAt")),
        "currency": js("$.currency.currencyCode", "$.currencyCode"),
        "total": number(js("$.grandTotal", "$.totalAmount", "$.subtotal")),
    })


def _companies(options: Mapping[str, Any]) -> TableMap:
    ref = _custom(options["account_ref_field"], "$.extraFields", "fieldName", "fieldValue")
    return TableMap("companies", "{company} AS r", {
        "platform": PLATFORM,
        "company_id": js("$.companyId"),
        "name": js("$.companyName"),
        "email": js("$.companyEmail"),
        "vat_number": _custom(options["vat_field"], "$.extraFields", "fieldName", "fieldValue"),
        "account_ref": first(ref, js("$.uuid")) if options["account_ref_field"] else js("$.uuid"),
        "country": country(js("$.country")),
        "created_at": epoch(js("$.createdAt")),
        "merged_into": _custom(options["merged_into_field"], "$.extraFields", "fieldName", "fieldValue"),
    })
