"""Shopify GraphQL Admin API responses and bulk-operation JSONL.

One source may hold saved responses of the ``customers``, ``orders``, ``draftOrders``,
``companies`` and ``companyLocations`` connections (``nodes`` or ``edges { node }``, one page per
file or many), and bulk-operation results, where nested connections arrive as their own lines with
``__parentId``. Records are recognised by their connection or by the type in their GID.

B2B comes from the authoritative places (reference §1.6): an order's ``purchasingEntity`` company
and location (with ``taxSettings.taxRegistrationId``), a customer's ``companyContactProfiles``, and
company contacts. Draft orders are quotes; cancelled = ``cancelledAt`` set.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.mapping import COMMON_OPTIONS, TableMap, VendorReader, unrecognised
from bridgewatch.sources.raw import Envelope, JsonLayout, Session, load_json
from bridgewatch.sources.shapes import Field, const, first, flag, has_tag, in_list, js, json_list, lit, number, tail_id

PLATFORM = const("shopify")
CONNECTIONS = {"customers": "customer", "orders": "order", "draftOrders": "draft", "companies": "company",
               "companyLocations": "location"}
GID_KINDS = {"Customer": "customer", "Order": "order", "DraftOrder": "draft", "Company": "company",
             "CompanyLocation": "location", "CompanyContact": "contact"}
PARENT_TABLES = {"Customer": "commerce_customers", "Order": "orders", "DraftOrder": "orders",
                 "Company": "companies", "CompanyLocation": "company_locations"}
"""Where a bulk child line of another type (a LineItem, a MailingAddress) is counted: its parent's table."""

LAYOUT = JsonLayout(
    envelopes=tuple(e for conn, kind in CONNECTIONS.items() for e in (
        Envelope(f"$.data.{conn}.nodes", kind=kind), Envelope(f"$.data.{conn}.edges", ".node", kind=kind))),
    kinds=(*((kind, f"starts_with(j ->> '$.id', 'gid://shopify/{gid}/')") for gid, kind in GID_KINDS.items()),
           ("child", "json_exists(j, '$.__parentId')")),
)
PARENT_TYPE = "regexp_extract(r.j ->> '$.__parentId', 'gid://shopify/([A-Za-z]+)/', 1)"
TYPE = "regexp_extract(r.j ->> '$.id', 'gid://shopify/([A-Za-z]+)/', 1)"


def gid(*paths: str) -> Field:
    """A Shopify id: the numeric tail of a GID, or ``legacyResourceId`` when given first."""
    return tail_id(js(*paths))


class ShopifyApiReader(VendorReader):
    """Saved GraphQL Admin API responses and bulk-operation JSONL results."""

    name = "shopify_api"
    produces = ("orders", "commerce_customers", "companies", "company_locations")
    kinds = ("customer", "order", "draft", "company", "location", "contact", "child")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "b2b_tag": Option(None, "A customer tag that also marks B2B buyers (besides company contacts)."),
        "vat_path": Option(None, "JSON path in a customer node holding its VAT number, e.g. "
                                 "'$.vat.value' for a metafield queried as `vat: metafield(...)`."),
        "account_ref_path": Option(None, "JSON path in a customer node holding its ERP account reference."),
        "inactive_financial_statuses": Option(["VOIDED", "EXPIRED", "REFUNDED"],
                                              "displayFinancialStatus values that are not a live sale."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Lift locations and contacts nested in company nodes to records of their own."""
        for nested, kind in (("locations", "location"), ("contacts", "contact")):
            items = (f"COALESCE(json_extract(c.j, '$.{nested}.nodes[*]'), "
                     f"json_extract(c.j, '$.{nested}.edges[*].node'))")
            session.con.execute(f"""
                INSERT INTO __rec
                SELECT c.__file, row_number() OVER (PARTITION BY c.__file ORDER BY c.__row, x.ord), '{kind}',
                       json_merge_patch(x.item, json_object('__parentId', c.j ->> '$.id'))
                FROM __rec AS c, unnest({items}) WITH ORDINALITY AS x(item, ord)
                WHERE c.kind = 'company'""")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_customers(options), _contacts(), _orders(options), _companies(), _locations(),
                _order_companies(), _order_locations(),
                *_children(), unrecognised("orders", "Shopify")]


LINKS = ("(SELECT COALESCE(NULLIF(regexp_extract(j ->> '$.customer.id', '/([0-9]+)$', 1), ''), "
         "j ->> '$.customer.id') AS cid, min(regexp_extract(COALESCE(j ->> '$.company.id', j ->> '$.__parentId'), "
         "'/([0-9]+)$', 1)) AS company FROM {contact} GROUP BY 1)")


def _customers(options: Mapping[str, Any]) -> TableMap:
    cid = gid("$.legacyResourceId", "$.id")
    profile = gid("$.companyContactProfiles[0].company.id")
    tagged = has_tag(_tags().sql, options["b2b_tag"])
    return TableMap("commerce_customers", f"{{customer}} AS r LEFT JOIN {LINKS} AS l ON l.cid = {cid.sql}", {
        "platform": PLATFORM,
        "customer_id": cid,
        "email": js("$.defaultEmailAddress.emailAddress", "$.email"),
        "name": first(js("$.displayName"),
                      Field("NULLIF(trim(concat_ws(' ', r.j ->> '$.firstName', r.j ->> '$.lastName')), '')")),
        "is_b2b": flag(f"COALESCE(json_array_length(r.j, '$.companyContactProfiles'), 0) > 0 "
                       f"OR l.company IS NOT NULL OR {tagged}"),
        "company_id": first(profile, Field("l.company")),
        "company_name": js("$.defaultAddress.company"),
        "vat_number": js(options["vat_path"]) if options["vat_path"] else const(None),
        "account_ref": js(options["account_ref_path"]) if options["account_ref_path"] else const(None),
        "country": js("$.defaultAddress.countryCodeV2", "$.defaultAddress.countryCode"),
        "tags": _tags(),
        "created_at": js("$.createdAt"),
    })


def _tags() -> Field:
    """GraphQL gives a list, REST a comma-separated string."""
    listed = json_list("$.tags")
    return Field(f"CASE WHEN json_type(r.j, '$.tags') = 'ARRAY' THEN {listed.sql} ELSE {js('$.tags').sql} END",
                 "tags")


def _contacts() -> TableMap:
    """Company contacts whose customer is not among the customer records become B2B customers."""
    cid = gid("$.customer.legacyResourceId", "$.customer.id")
    known = f"(SELECT DISTINCT {gid('$.legacyResourceId', '$.id').sql} AS cid FROM {{customer}} AS r)"
    return TableMap("commerce_customers", f"{{contact}} AS r LEFT JOIN {known} AS k ON k.cid = {cid.sql}", {
        "platform": PLATFORM,
        "customer_id": cid,
        "email": js("$.customer.defaultEmailAddress.emailAddress", "$.customer.email"),
        "name": js("$.customer.displayName"),
        "is_b2b": const("true"),
        "company_id": tail_id(js("$.company.id", "$.__parentId")),
    }, exclude=[(f"{cid.sql} IS NULL", lit("company contact without a customer")),
                ("k.cid IS NOT NULL", lit("company contact: company link applied to its customer record")),
                (f"row_number() OVER (PARTITION BY {cid.sql} ORDER BY r.__file, r.__row) > 1",
                 lit("company contact of a customer already linked to a company"))])


def _orders(options: Mapping[str, Any]) -> TableMap:
    draft = "r.kind = 'draft'"
    inactive = in_list("r.j ->> '$.displayFinancialStatus'", options["inactive_financial_statuses"])
    return TableMap("orders", "(SELECT * FROM {order} UNION ALL SELECT * FROM {draft}) AS r", {
        "platform": PLATFORM,
        "order_id": Field(f"CASE WHEN {draft} THEN 'draft-' || {gid('$.id').sql} "
                          f"ELSE {gid('$.legacyResourceId', '$.id').sql} END", "id"),
        "customer_id": gid("$.customer.legacyResourceId", "$.customer.id", "$.purchasingEntity.contact.customer.id",
                           "$.purchasingEntity.id"),
        "company_id": gid("$.purchasingEntity.company.id"),
        "email": js("$.email"),
        "status": Field(f"CASE WHEN {draft} THEN r.j ->> '$.status' ELSE r.j ->> '$.displayFinancialStatus' END",
                        "displayFinancialStatus"),
        "cancelled": flag("r.j ->> '$.cancelledAt' IS NOT NULL"),
        "quote": flag(draft),
        "inactive": flag(f"COALESCE(CAST(r.j ->> '$.test' AS BOOLEAN), FALSE) OR {inactive}"),
        "created_at": js("$.createdAt"),
        "currency": js("$.totalPriceSet.shopMoney.currencyCode", "$.currencyCode"),
        "total": number(js("$.totalPriceSet.shopMoney.amount", "$.totalPrice")),
        "ship_to_country": js("$.shippingAddress.countryCodeV2", "$.billingAddress.countryCodeV2"),
        "tags": _tags(),
    }, exclude=[(f"{draft} AND upper(r.j ->> '$.status') = 'COMPLETED'",
                 lit("completed draft order (the order it became is read as an order)"))])


def _companies() -> TableMap:
    return TableMap("companies", "{company} AS r", {
        "platform": PLATFORM,
        "company_id": gid("$.id"),
        "name": js("$.name"),
        "email": js("$.mainContact.customer.defaultEmailAddress.emailAddress", "$.mainContact.customer.email"),
        "account_ref": js("$.externalId"),
        "country": js("$.locations.nodes[0].billingAddress.countryCode",
                      "$.locations.edges[0].node.billingAddress.countryCode"),
        "created_at": js("$.createdAt", "$.customerSince"),
    })


def _location_fields(prefix: str, company: Field) -> dict[str, Field]:
    p = prefix
    return {
        "platform": PLATFORM,
        "company_id": company,
        "location_id": gid(f"{p}.id"),
        "name": js(f"{p}.name"),
        "vat_number": js(f"{p}.taxSettings.taxRegistrationId", f"{p}.taxRegistrationId"),
        "account_ref": js(f"{p}.externalId"),
        "country": js(f"{p}.billingAddress.countryCode", f"{p}.shippingAddress.countryCode"),
    }


def _locations() -> TableMap:
    return TableMap("company_locations", "{location} AS r",
                    _location_fields("$", gid("$.company.id", "$.__parentId")))


def _order_companies() -> TableMap:
    """A B2B order names its company: enough for a company row when no companies export is given.

    Only orders naming a company are counted in the companies accounting of an orders file.
    """
    company = gid("$.purchasingEntity.company.id")
    return TableMap("companies", f"(SELECT * FROM {{order}} AS r WHERE {company.sql} IS NOT NULL) AS r", {
        "platform": PLATFORM,
        "company_id": company,
        "name": js("$.purchasingEntity.company.name"),
        "account_ref": js("$.purchasingEntity.company.externalId"),
    }, exclude=[(f"row_number() OVER (PARTITION BY r.__file, {company.sql} ORDER BY r.__row) > 1",
                 lit("company already named by an earlier order"))])


def _order_locations() -> TableMap:
    fields = _location_fields("$.purchasingEntity.location", gid("$.purchasingEntity.company.id"))
    loc = fields["location_id"].sql
    return TableMap("company_locations", f"(SELECT * FROM {{order}} AS r WHERE {loc} IS NOT NULL) AS r", fields,
                    exclude=[(f"row_number() OVER (PARTITION BY r.__file, {loc} ORDER BY r.__row) > 1",
                              lit("location already named by an earlier order"))])


def _children() -> list[TableMap]:
    """Bulk child lines of other types (line items, addresses) count in their parent's table, excluded."""
    reason = f"{TYPE} || ' line (child of ' || {PARENT_TYPE} || ')'"
    by_table: dict[str, list[str]] = {}
    for parent, table in PARENT_TABLES.items():
        by_table.setdefault(table, []).append(parent)
    maps = [TableMap(table, f"(SELECT * FROM {{child}} AS r WHERE {PARENT_TYPE} IN "
                            f"({', '.join(lit(p) for p in parents)})) AS r", {}, exclude=[("TRUE", reason)])
            for table, parents in by_table.items()]
    others = ", ".join(lit(p) for p in PARENT_TABLES)
    maps.append(TableMap("orders", f"(SELECT * FROM {{child}} AS r WHERE {PARENT_TYPE} NOT IN ({others})) AS r", {},
                         exclude=[("TRUE", lit("bulk line of an unsupported parent type"))]))
    return maps
