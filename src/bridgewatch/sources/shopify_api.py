"""Shopify Admin API responses: GraphQL pages and single records, bulk-operation JSONL, REST JSON.

One source may hold saved responses of the GraphQL ``customers``, ``orders``, ``draftOrders``,
``companies`` and ``companyLocations`` connections (``nodes`` or ``edges { node }``, one page per
file or many), single-record queries (``{"data": {"customer": {...}}}``, also as the docs show it
without ``data``), bulk-operation results, where nested connections arrive as their own lines with
``__parentId``, and REST Admin JSON (``{"orders": [...]}``, ``{"customers": [...]}`` as from
``customers/search.json``, single ``{"order": {...}}`` / ``{"customer": {...}}``). Records are
recognised by their connection, the type in their GID, or their REST keys; REST and GraphQL
spell the same fields differently and both are read.

B2B comes from the authoritative places (reference §1.6): an order's ``purchasingEntity`` company
and location (with ``taxSettings.taxRegistrationId``), REST's ``company``, a customer's
``companyContactProfiles``, and a company's contacts: ``mainContact { customer }`` (what a plain
``companies`` query returns), the ``contacts`` / ``contactProfiles`` connections and bulk
``CompanyContact`` lines. Draft orders are quotes; cancelled = ``cancelledAt`` set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.countries import country
from bridgewatch.sources.mapping import COMMON_OPTIONS, TableMap, VendorReader, unrecognised
from bridgewatch.sources.raw import Envelope, JsonLayout, Session, load_json, load_json_files, unfinished_queries
from bridgewatch.sources.shapes import (
    Field,
    blank,
    const,
    first,
    flag,
    full_name,
    has_tag,
    in_list,
    jpath,
    js,
    json_list,
    number,
    tail_id,
)
from bridgewatch.sql import literal, literal_list

PLATFORM = const("shopify")
CONNECTIONS = {"customers": "customer", "orders": "order", "draftOrders": "draft", "companies": "company",
               "companyLocations": "location"}
SINGLE = {"customer": None, "order": None, "draftOrder": "draft", "company": "company",
          "companyLocation": "location"}
GID_KINDS = {"Customer": "customer", "Order": "order", "DraftOrder": "draft", "Company": "company",
             "CompanyLocation": "location", "CompanyContact": "contact"}
PARENT_TABLES = {"Customer": "commerce_customers", "Order": "orders", "DraftOrder": "orders",
                 "Company": "companies", "CompanyLocation": "company_locations"}
"""Where a bulk child line of another type (a LineItem, a MailingAddress) is counted: its parent's table."""
ONLY_KEY = "json_array_length(json_keys(t.json)) = 1"
"""A REST response (``{"orders": [...]}``) has one key; a record with an ``orders`` field has more."""
REST_ORDER = ("json_exists(j, '$.financial_status') OR json_exists(j, '$.line_items') "
              "OR json_exists(j, '$.order_number')")
REST_CUSTOMER = ("json_exists(j, '$.orders_count') OR json_exists(j, '$.verified_email') "
                 "OR json_exists(j, '$.first_name') OR json_exists(j, '$.default_address')")

LAYOUT = JsonLayout(
    envelopes=(
        *(e for conn, kind in CONNECTIONS.items() for e in (
            Envelope(f"$.data.{conn}.nodes", kind=kind), Envelope(f"$.data.{conn}.edges", ".node", kind=kind))),
        *(Envelope(f"$.data.{name}", kind=kind, single=True) for name, kind in SINGLE.items()),
        Envelope("$.orders", kind="order", when=ONLY_KEY), Envelope("$.customers", kind="customer", when=ONLY_KEY),
        Envelope("$.draft_orders", kind="draft", when=ONLY_KEY),
        Envelope("$.draft_order", kind="draft", single=True, when=ONLY_KEY),
        *(Envelope(f"$.{name}", single=True, when=ONLY_KEY) for name in SINGLE),
    ),
    kinds=(*((kind, f"starts_with(j ->> '$.id', 'gid://shopify/{gid}/')") for gid, kind in GID_KINDS.items()),
           ("child", "json_exists(j, '$.__parentId')"), ("order", REST_ORDER), ("customer", REST_CUSTOMER)),
    accepts=("Shopify GraphQL Admin responses (customers, orders, draftOrders, companies, companyLocations "
             "pages; single customer, order, draftOrder, company, companyLocation queries), bulk-operation "
             "JSONL, and REST Admin JSON (orders, customers, customers/search, draft_orders, a single order, "
             "customer or draft_order)"),
)
ORDER_PARENTS = ("customer", "company", "location", "contact")
"""Records whose nested ``orders`` connection is read as orders of theirs."""
PARENT_TYPE = "regexp_extract(r.j ->> '$.__parentId', 'gid://shopify/([A-Za-z]+)/', 1)"
TYPE = "regexp_extract(r.j ->> '$.id', 'gid://shopify/([A-Za-z]+)/', 1)"
CONTACT_LISTS = ("$.contacts.nodes[*]", "$.contacts.edges[*].node", "$.contactProfiles.nodes[*]",
                 "$.contactProfiles.edges[*].node")


def gid(*paths: str) -> Field:
    """A Shopify id: the numeric tail of a GID, or ``legacyResourceId`` when given first."""
    return tail_id(js(*paths))


class ShopifyApiReader(VendorReader):
    """Saved GraphQL Admin API responses, bulk-operation JSONL results and REST Admin JSON."""

    name = "shopify_api"
    produces = ("orders", "commerce_customers", "companies", "company_locations")
    kinds = ("customer", "order", "draft", "company", "location", "contact", "child")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "b2b_tag": Option(None, "A customer tag that also marks B2B buyers (besides company contacts)."),
        "vat_path": Option(None, "JSON path in a customer node holding its VAT number, e.g. "
                                 "'$.vat.value' for a metafield queried as `vat: metafield(...)`.", syntax="json_path"),
        "account_ref_path": Option(None, "JSON path in a customer node holding its ERP account reference.",
                                   syntax="json_path"),
        "inactive_financial_statuses": Option(["VOIDED", "EXPIRED", "REFUNDED"],
                                              "displayFinancialStatus values that are not a live sale."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Lift locations and contacts (the main contact too) nested in company nodes to records of their own, and
        the orders nested in a customer, company, location or contact node (``orders { nodes }``), whose customer or
        company is then their parent's. A nested order without ``createdAt`` is a reference (``orders { nodes { id }
        }``, as the docs' customer query asks), not an order read: it is left to the orders query."""
        self._lift(session, "location", ["$.locations.nodes[*]", "$.locations.edges[*].node"])
        self._lift(session, "contact", ["$.mainContact", *CONTACT_LISTS])
        self._lift(session, "order", ["$.orders.nodes[*]", "$.orders.edges[*].node"], ORDER_PARENTS,
                   "json_exists(x.item, '$.createdAt')")
        # Only lists that are read (their orders have createdAt): a list of references says nothing missing.
        cut = session.con.execute(f"SELECT count(*), list(DISTINCT __file ORDER BY __file) FROM __rec WHERE kind IN "
                                  f"{literal_list(ORDER_PARENTS)} AND TRY_CAST(j ->> '$.orders.pageInfo.hasNextPage' "
                                  f"AS BOOLEAN) AND (json_exists(j, '$.orders.nodes[0].createdAt') "
                                  f"OR json_exists(j, '$.orders.edges[0].node.createdAt'))").fetchone()
        if cut and cut[0]:
            session.warn(f"Shopify records list their orders nested (orders {{ nodes }}) with pageInfo.hasNextPage "
                         f"true ({cut[0]} of them), so some of their orders are missing; ask for more orders per "
                         f"record, or save an orders query (or a bulk operation) instead, or orders will look missing",
                         cut[1])
        pages = " UNION ALL ".join(f"SELECT {literal(c)} AS query, TRY_CAST(json ->> "
                                   f"{literal(f'$.data.{c}.pageInfo.hasNextPage')} AS BOOLEAN) AS more, __file "
                                   f"FROM __top" for c in CONNECTIONS)
        for connection, files in unfinished_queries(session, pages).items():
            session.warn(f"Every Shopify {connection} page read has pageInfo.hasNextPage true, so the last page is "
                         f"missing; follow endCursor and add the remaining pages to the source, or records will look "
                         f"missing", files)

    @staticmethod
    def _lift(session: Session, kind: str, paths: list[str], parents: tuple[str, ...] = ("company",),
              where: str = "TRUE") -> None:
        items = " || ".join(f"COALESCE(json_extract(c.j, {literal(p)}), [])" if p.endswith("]") or "[*]" in p
                            else f"COALESCE([json_extract(c.j, {literal(p)})], [])" for p in paths)
        session.con.execute(f"""
            INSERT INTO __rec
            SELECT c.__file, row_number() OVER (PARTITION BY c.__file ORDER BY c.__row, x.ord), '{kind}',
                   json_merge_patch(x.item, json_object('__parentId', c.j ->> '$.id'))
            FROM __rec AS c, unnest({items}) WITH ORDINALITY AS x(item, ord)
            WHERE c.kind IN ({", ".join(literal(k) for k in parents)}) AND json_type(x.item) = 'OBJECT'
              AND {where}""")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_customers(options), _contacts(), _orders(options), _companies(), _locations(),
                _order_companies(), _order_locations(),
                *_children(), unrecognised("orders", "Shopify")]


CUSTOMER_ID = gid("$.legacyResourceId", "$.id")
CONTACT_CUSTOMER = gid("$.customer.legacyResourceId", "$.customer.id")
LINKS = (f"(SELECT {CONTACT_CUSTOMER.sql} AS cid, "
         f"min({tail_id(js('$.company.id', '$.__parentId')).sql}) AS company FROM {{contact}} AS r GROUP BY 1)")


ADDRESS_LISTS = ("$.addresses[*]", "$.addressesV2.nodes[*]", "$.addressesV2.edges[*].node")
DEFAULT_ID = "r.j ->> '$.defaultAddress.id'"
LISTED_DEFAULT = ("list_filter(" + " || ".join(f"COALESCE(json_extract(r.j, '{p}'), [])" for p in ADDRESS_LISTS)
                  + f", lambda a: a ->> '$.id' = {DEFAULT_ID})[1]")
"""A customer's default address in its ``addresses`` list (or ``addressesV2`` connection), found by the id a query
of ``defaultAddress { id }`` gives (Airbyte's bulk customers query asks for no more)."""
CHILD_ADDRESSES = ("(SELECT j ->> '$.__parentId' AS parent, j ->> '$.id' AS aid, any_value(j) AS a FROM {child} "
                   "GROUP BY 1, 2)")
"""Bulk ``addressesV2`` lines (``MailingAddress`` children of their customer)."""


def _address(*keys: str) -> Field:
    """A default-address field given in full (``defaultAddress { countryCodeV2 }``, REST ``default_address``), else
    read from the default address in the customer's address list or bulk address lines."""
    listed = [blank(f"({LISTED_DEFAULT}) ->> '$.{k}'") for k in keys]
    lines = [blank(f"ca.a ->> '$.{k}'") for k in keys]
    paths = [*(f"$.defaultAddress.{k}" for k in keys), *(f"$.default_address.{_snake(k)}" for k in keys)]
    given = js(*dict.fromkeys(paths))
    return Field(f"COALESCE({given.sql}, {', '.join(listed + lines)})", given.source)


def _snake(key: str) -> str:
    return {"countryCodeV2": "country_code", "countryCode": "country_code"}.get(key, key)


def _customers(options: Mapping[str, Any]) -> TableMap:
    ids = "COALESCE(json_extract(r.j, '$.companyContactProfiles[*].company.id'), [])"
    # A contact of several companies: the least id as text, as the contacts' links and the companies CSV take it.
    each = tail_id(Field(blank("x ->> '$'"))).sql
    profile = f"list_min(list_transform({ids}, lambda x: {each}))"
    tagged = has_tag(_tags().sql, options["b2b_tag"])
    source = (f"{{customer}} AS r LEFT JOIN {LINKS} AS l ON l.cid = {CUSTOMER_ID.sql} LEFT JOIN {CHILD_ADDRESSES} "
              f"AS ca ON ca.parent = r.j ->> '$.id' AND ca.aid = {DEFAULT_ID}")
    return TableMap("commerce_customers", source, {
        "platform": PLATFORM,
        "customer_id": CUSTOMER_ID,
        "email": js("$.defaultEmailAddress.emailAddress", "$.email"),
        "name": first(full_name("r.j ->> '$.firstName'", "r.j ->> '$.lastName'"),
                      full_name("r.j ->> '$.first_name'", "r.j ->> '$.last_name'"), _display_name("$")),
        "is_b2b": flag(f"COALESCE(json_array_length(r.j, '$.companyContactProfiles'), 0) > 0 "
                       f"OR l.company IS NOT NULL OR {tagged}"),
        "company_id": Field(f"least({profile}, l.company)", "companyContactProfiles[].company.id"),
        "company_name": _address("company"),
        "vat_number": js(options["vat_path"]) if options["vat_path"] else const(None),
        "account_ref": js(options["account_ref_path"]) if options["account_ref_path"] else const(None),
        "country": country(_address("countryCodeV2", "countryCode", "country")),
        "tags": _tags(),
        "created_at": js("$.createdAt", "$.created_at"),
    })


def _display_name(customer: str) -> Field:
    """``displayName``, unless it is Shopify's stand-in for a customer without a name: the email, else the phone
    (the other routes give such a customer no name)."""
    shown = js(f"{customer}.displayName")
    stand_ins = ", ".join(f"lower({jpath(f'{customer}.{k}')})" for k in (
        "defaultEmailAddress.emailAddress", "email", "defaultPhoneNumber.phoneNumber", "phone"))
    return Field(f"CASE WHEN lower({shown.sql}) IN ({stand_ins}) THEN NULL ELSE {shown.sql} END", shown.source)


def _tags() -> Field:
    """GraphQL gives a list, REST a comma-separated string."""
    listed = json_list("$.tags")
    return Field(f"CASE WHEN json_type(r.j, '$.tags') = 'ARRAY' THEN {listed.sql} ELSE {js('$.tags').sql} END",
                 "tags")


def _contacts() -> TableMap:
    """Company contacts whose customer is not among the customer records become B2B customers (a
    customer read by another source, e.g. a customers CSV, is merged with this row: see combine)."""
    known = f"(SELECT DISTINCT {CUSTOMER_ID.sql} AS cid FROM {{customer}} AS r)"
    cid = CONTACT_CUSTOMER
    return TableMap("commerce_customers", f"{{contact}} AS r LEFT JOIN {known} AS k ON k.cid = {cid.sql}", {
        "platform": PLATFORM,
        "customer_id": cid,
        "email": js("$.customer.defaultEmailAddress.emailAddress", "$.customer.email"),
        "name": first(full_name("r.j ->> '$.customer.firstName'", "r.j ->> '$.customer.lastName'"),
                      _display_name("$.customer")),
        "is_b2b": const("true"),
        "company_id": tail_id(js("$.company.id", "$.__parentId")),
    }, exclude=[(f"{cid.sql} IS NULL", literal("company contact without a customer")),
                ("k.cid IS NOT NULL", literal("company contact: company link applied to its customer record")),
                (f"row_number() OVER (PARTITION BY {cid.sql} ORDER BY r.__file, r.__row) > 1",
                 literal("company contact of a customer already linked to a company"))])


SHOP_TOTAL = js("$.currentTotalPriceSet.shopMoney.amount", "$.current_total_price_set.shop_money.amount",
                "$.current_total_price", "$.totalPriceSet.shopMoney.amount", "$.totalPrice",
                "$.total_price_set.shop_money.amount", "$.total_price")
"""The order's total in the shop currency: what it stands at now (``currentTotalPriceSet``, after refunds, returns
and edits), else the total before them (``totalPriceSet``, draft orders, queries that did not ask for the current)."""
PRESENTMENT = {"amount": js("$.currentTotalPriceSet.presentmentMoney.amount",
                            "$.current_total_price_set.presentment_money.amount",
                            "$.totalPriceSet.presentmentMoney.amount", "$.total_price_set.presentment_money.amount"),
               "currencyCode": js("$.currentTotalPriceSet.presentmentMoney.currencyCode",
                                  "$.current_total_price_set.presentment_money.currency_code",
                                  "$.totalPriceSet.presentmentMoney.currencyCode",
                                  "$.total_price_set.presentment_money.currency_code")}


def _in_shop_money(shop: Field, part: str) -> Field:
    """An order total's ``part`` in the shop currency, else (a query that asked for ``presentmentMoney`` only) in the
    currency the buyer paid: amount and currency always from the same money object."""
    return Field(f"CASE WHEN {SHOP_TOTAL.sql} IS NOT NULL THEN {shop.sql} ELSE {PRESENTMENT[part].sql} END",
                 shop.source)


def _address_country(graphql: str, rest: str) -> tuple[str, ...]:
    """An order address's country paths, codes before names: GraphQL ``countryCodeV2`` (deprecated ``countryCode``,
    or ``country`` alone as a query may ask), REST ``country_code`` (``country``)."""
    return (f"$.{graphql}.countryCodeV2", f"$.{graphql}.countryCode", f"$.{rest}.country_code",
            f"$.{graphql}.country", f"$.{rest}.country")


PARENTS = (f"(SELECT r.j ->> '$.id' AS pid, min({CONTACT_CUSTOMER.sql}) AS customer, "
           f"min({tail_id(js('$.company.id', '$.__parentId')).sql}) AS company FROM (SELECT * FROM {{contact}} "
           f"UNION ALL SELECT * FROM {{location}}) AS r WHERE r.j ->> '$.id' IS NOT NULL GROUP BY 1)")
"""The customer and company of a company contact or location, for the orders a bulk query lists under one."""


def _parent_id(gid_type: str) -> str:
    """SQL: the id of a bulk line's parent of ``gid_type`` (an order listed under its Customer or Company)."""
    return (f"CASE WHEN starts_with(r.j ->> '$.__parentId', 'gid://shopify/{gid_type}/') "
            f"THEN {tail_id(js('$.__parentId')).sql} END")


def _orders(options: Mapping[str, Any]) -> TableMap:
    draft = "r.kind = 'draft'"
    status = js("$.displayFinancialStatus", "$.financial_status", "$.status")
    inactive = in_list(status.sql, options["inactive_financial_statuses"])
    customer = gid("$.customer.legacyResourceId", "$.customer.id", "$.purchasingEntity.contact.customer.id",
                   "$.purchasingEntity.id")
    company = gid("$.purchasingEntity.company.id", "$.company.id")
    return TableMap("orders", f"(SELECT * FROM {{order}} UNION ALL SELECT * FROM {{draft}}) AS r "
                              f"LEFT JOIN {PARENTS} AS par ON par.pid = r.j ->> '$.__parentId'", {
        "platform": PLATFORM,
        "order_id": Field(f"CASE WHEN {draft} THEN 'draft-' || {gid('$.id').sql} "
                          f"ELSE {gid('$.legacyResourceId', '$.id').sql} END", "id"),
        "customer_id": Field(f"COALESCE({customer.sql}, {_parent_id('Customer')}, par.customer)", customer.source),
        "company_id": Field(f"COALESCE({company.sql}, {_parent_id('Company')}, par.company)", company.source),
        "email": js("$.email", "$.contact_email"),
        "status": Field(f"CASE WHEN {draft} THEN r.j ->> '$.status' ELSE {status.sql} END", "displayFinancialStatus"),
        "cancelled": flag(f"{js('$.cancelledAt', '$.cancelled_at').sql} IS NOT NULL"),
        "quote": flag(draft),
        "inactive": flag(f"COALESCE(TRY_CAST(r.j ->> '$.test' AS BOOLEAN), FALSE) OR {inactive}"),
        "created_at": js("$.createdAt", "$.created_at"),
        "currency": _in_shop_money(js("$.totalPriceSet.shopMoney.currencyCode", "$.currencyCode",
                                      "$.total_price_set.shop_money.currency_code", "$.currency",
                                      "$.currentTotalPriceSet.shopMoney.currencyCode",
                                      "$.current_total_price_set.shop_money.currency_code"), "currencyCode"),
        "total": number(_in_shop_money(SHOP_TOTAL, "amount")),
        "ship_to_country": country(js(*_address_country("shippingAddress", "shipping_address"),
                                      *_address_country("billingAddress", "billing_address"))),
        "tags": _tags(),
    }, exclude=[(f"{draft} AND upper(r.j ->> '$.status') = 'COMPLETED'",
                 literal("completed draft order (the order it became is read as an order)")),
                ("r.j ->> '$.__parentId' IS NOT NULL AND r.j ->> '$.createdAt' IS NULL",
                 literal("order named under another record without its fields (a reference: read the order from an "
                         "orders query)"))])


def _companies() -> TableMap:
    return TableMap("companies", "{company} AS r", {
        "platform": PLATFORM,
        "company_id": gid("$.id"),
        "name": js("$.name"),
        "email": js("$.mainContact.customer.defaultEmailAddress.emailAddress", "$.mainContact.customer.email"),
        "account_ref": js("$.externalId"),
        "country": country(js("$.locations.nodes[0].billingAddress.countryCode",
                              "$.locations.edges[0].node.billingAddress.countryCode")),
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
        "country": country(js(f"{p}.billingAddress.countryCode", f"{p}.shippingAddress.countryCode")),
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
                 literal("company already named by an earlier order"))])


def _order_locations() -> TableMap:
    fields = _location_fields("$.purchasingEntity.location", gid("$.purchasingEntity.company.id"))
    loc = fields["location_id"].sql
    return TableMap("company_locations", f"(SELECT * FROM {{order}} AS r WHERE {loc} IS NOT NULL) AS r", fields,
                    exclude=[(f"row_number() OVER (PARTITION BY r.__file, {loc} ORDER BY r.__row) > 1",
                              literal("location already named by an earlier order"))])


def _children() -> list[TableMap]:
    """Bulk child lines of other types (line items, addresses) count in their parent's table, excluded."""
    reason = f"{TYPE} || ' line (child of ' || {PARENT_TYPE} || ')'"
    by_table: dict[str, list[str]] = {}
    for parent, table in PARENT_TABLES.items():
        by_table.setdefault(table, []).append(parent)
    maps = [TableMap(table, f"(SELECT * FROM {{child}} AS r WHERE {PARENT_TYPE} IN "
                            f"({', '.join(literal(p) for p in parents)})) AS r", {}, exclude=[("TRUE", reason)])
            for table, parents in by_table.items()]
    others = ", ".join(literal(p) for p in PARENT_TABLES)
    maps.append(TableMap("orders", f"(SELECT * FROM {{child}} AS r WHERE {PARENT_TYPE} NOT IN ({others})) AS r", {},
                         exclude=[("TRUE", literal("bulk line of an unsupported parent type"))]))
    return maps
