"""Dynamics 365 Business Central customers: API v2.0 ``companies({id})/customers`` pages, and OData V4 web
services publishing the *Customer Card* (page 21) or *Customer List* (page 22).

The company is in the URL, not the record (reference §3.6): it is read from each page's
``@odata.context``. API pages name it by GUID (``…/$metadata#companies(5b1f…)/customers``), named by the
``companies`` option or by a saved ``GET companies`` response in the same source; otherwise the GUID is
the entity. ``companies?$expand=customers`` responses work too. Web-service pages name it by the
company's name, URL-encoded and quoted as an OData string (``…/ODataV4/$metadata#Company('CRONUS%20UK%20Ltd.')/
Customer_Card``, ``''`` for an apostrophe): the decoded name is the entity unless the ``companies``
option maps it (by name, or by the GUID a saved ``companies`` response gives that name).

The two shapes are told apart by their record keys: API records carry ``number`` and ``displayName``;
web-service records carry the page's field names (spaces and punctuation as underscores: ``No``,
``Name``, ``E_Mail``, ``VAT_Registration_No``, …) with a customer-only field such as
``Customer_Posting_Group`` (or come from a service whose name says customer). ``blocked`` / ``Blocked``
``" "`` is active, ``Ship`` and ``Invoice`` on hold, ``All`` blocked. The API exposes only
``lastModifiedDateTime`` (no created date); the pages only ``Last_Date_Modified``, a date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.model.whitespace import trim_sql
from bridgewatch.sources.base import Option
from bridgewatch.sources.countries import country
from bridgewatch.sources.mapping import (
    COMMON_OPTIONS,
    EXTERNAL_ID_OPTIONS,
    RowCheck,
    TableMap,
    VendorReader,
    unrecognised,
)
from bridgewatch.sources.raw import Envelope, JsonLayout, Session, load_json, load_json_files, note_files_without
from bridgewatch.sources.shapes import Field, const, jpath, js, translate
from bridgewatch.sql import literal

BLOCKED = {"": "active", "_x0020_": "active", "ship": "on_hold", "invoice": "on_hold", "all": "blocked"}
"""``blocked`` values; the blank option may arrive as ``" "`` or OData-escaped ``_x0020_``."""
NO_STATUS = ("no {what}: every customer of this export was read as active (a blocked one counts as present); "
             "{fix} and export it again")
"""The note on a file whose customers do not carry Blocked (README, *a file read with a default*)."""
PAGE_CUSTOMER_KEYS = ("Customer_Posting_Group", "Customer_Price_Group", "Customer_Disc_Group", "Bill_to_Customer_No")
"""Fields of the Customer Card and Customer List pages that vendor, contact and item pages do not have."""
CONTEXT = "j ->> '$.__context.\"@odata.context\"'"
SERVICE_NAMES_CUSTOMER = "'#(Company\\(''([^'']|'''')*''\\)/)?[^/(]*customer'"
"""A web service whose entity set is named for customers (``…#Company('…')/Customer_Card``), for pages
saved with a ``$select`` that leaves out every one of :data:`PAGE_CUSTOMER_KEYS`."""
PAGE_CUSTOMER = ("json_exists(j, '$.No') AND json_exists(j, '$.Name') AND ("
                 + " OR ".join(f"json_exists(j, '$.{k}')" for k in PAGE_CUSTOMER_KEYS)
                 + f" OR COALESCE(regexp_matches({CONTEXT}, {SERVICE_NAMES_CUSTOMER}, 'i'), FALSE))")
LAYOUT = JsonLayout(envelopes=(Envelope("$.value"),),
                    kinds=(("customer", "json_exists(j, '$.number') AND json_exists(j, '$.displayName')"),
                           ("page_customer", PAGE_CUSTOMER),
                           ("company", "json_exists(j, '$.systemVersion') OR json_exists(j, '$.customers')")),
                    context=("@odata.context", "@odata.nextLink"),
                    accepts=("Business Central API v2.0 customers pages or single customers (number, displayName), "
                             "companies pages (with or without $expand=customers), and OData V4 web-service pages "
                             "of the Customer Card or Customer List (No, Name, Customer_Posting_Group)"))
API_SET = ("COALESCE(regexp_extract(r.j ->> '$.__context.\"@odata.context\"', "
           "'companies\\([^)]*\\)/([A-Za-z0-9_]+)', 1), '')")
"""The entity set of an API page (``…/$metadata#companies(…)/vendors``; ``''`` when the context names none)."""
NOT_CUSTOMERS = ("vendors", "items", "employees", "contacts", "projects", "bankaccounts", "fixedassets", "accounts")
"""Standard API v2.0 entity sets whose records carry ``number`` and ``displayName`` as customers do (a custom API
page publishing customers under another name is still read)."""
OTHER_API_SET = (f"lower({API_SET}) IN ({', '.join(repr(n) for n in NOT_CUSTOMERS)})",
                 f"'not a customer: a record of the ' || {API_SET} || ' API (its page''s @odata.context), not of "
                 f"customers; save the customers pages'")
"""Vendors, items and employees pages carry ``number`` and ``displayName`` too: their records are not customers (a
vendor that is also a buyer has the customer's VAT number and would make the absent customer look present)."""
COMPANY_IN_CONTEXT = "regexp_extract(r.j ->> '$.__context.\"@odata.context\"', 'companies\\(([^)]+)\\)', 1)"
COMPANY_NAME = "Company\\('((?:[^']|'')*)'\\)"
"""The company of a web-service page: an OData string (``''`` is one apostrophe), after URL-decoding."""


def company_name_sql(record: str = "r.j") -> str:
    """SQL: the company a web-service page names in its ``@odata.context``, decoded; NULL when it names none."""
    context = f"COALESCE(url_decode({CONTEXT.replace('j ->>', f'{record} ->>')}), '')"
    return f"NULLIF(replace(regexp_extract({context}, {literal(COMPANY_NAME)}, 1, 'i'), '''''', ''''), '')"


class BusinessCentralApiReader(VendorReader):
    """Saved Business Central API v2.0 customers (and companies) responses, and OData V4 customer pages."""

    name = "business_central_api"
    produces = ("erp_customers",)
    kinds = ("customer", "page_customer", "company")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "companies": Option({}, "Company id (GUID) or company name → entity id as written in workspace.toml."),
        "company": Option(None, "Entity for pages that do not name their company (no @odata.context, or a "
                                "web-service page saved from a ?company= URL)."),
        "external_id_field": Option(None, "Field holding the commerce-side id (an API extension field, or the "
                                          "web-service page's field name)."),
        **EXTERNAL_ID_OPTIONS,
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Lift customers nested in ``companies?$expand=customers`` records, tagged with their company; name
        the entities the ``companies`` option and saved companies give."""
        session.con.execute("""
            INSERT INTO __rec
            SELECT c.__file, row_number() OVER (PARTITION BY c.__file ORDER BY c.__row, x.ord), 'customer',
                   json_merge_patch(x.item, json_object('__company', c.j ->> '$.id'))
            FROM __rec AS c, unnest(json_extract(c.j, '$.customers[*]')) WITH ORDINALITY AS x(item, ord)
            WHERE c.kind = 'company'""")
        _warn_incomplete(session, options["company"])
        _warn_unmatchable(session)
        note_files_without(session, ["customer"], "$.blocked", NO_STATUS.format(
            what="blocked field", fix="add blocked to $select"), among=f"NOT ({OTHER_API_SET[0].replace('r.j', 'j')})")
        note_files_without(session, ["page_customer"], "$.Blocked", NO_STATUS.format(
            what="Blocked field", fix="add Blocked to the web service's page or $select"))
        names = options["companies"]
        rows = ", ".join(f"({literal(str(k).lower())}, {literal(str(v))})" for k, v in names.items())
        session.con.execute("CREATE TEMP TABLE __bc_names (id VARCHAR, name VARCHAR)")
        if rows:
            session.con.execute(f"INSERT INTO __bc_names VALUES {rows}")
        _name_page_companies(session)

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_api_customers(options), _page_customers(options), _companies(),
                unrecognised("erp_customers", "Business Central customers")]


def _blocked(key: str) -> Field:
    value = trim_sql(f"(r.j ->> '$.{key}')")
    return translate(Field(f"CASE WHEN {value} = '' THEN '' ELSE {value} END", key), BLOCKED, f"{key} value",
                     default="active")


def _external_id(options: Mapping[str, Any]) -> Field:
    ext = options["external_id_field"]
    return js(f"$.{ext}") if ext else const(None)


def _api_customers(options: Mapping[str, Any]) -> TableMap:
    """API v2.0 ``customers`` records → erp_customers, the company named by GUID."""
    company_id = f"lower(COALESCE(r.j ->> '$.__company', NULLIF({COMPANY_IN_CONTEXT}, '')))"
    names = ("(SELECT id, name FROM __bc_names UNION ALL SELECT lower(j ->> '$.id'), "
             "COALESCE(j ->> '$.name', j ->> '$.displayName') FROM {company} "
             "WHERE lower(j ->> '$.id') NOT IN (SELECT id FROM __bc_names))")
    entity = Field(f"COALESCE(n.name, {company_id}, {literal(options['company'])})", "@odata.context")
    return TableMap("erp_customers", f"{{customer}} AS r LEFT JOIN {names} AS n ON n.id = {company_id}", {
        "system": const("business_central"),
        "legal_entity": entity,
        "customer_account": js("$.number"),
        "name": js("$.displayName"),
        "vat_number": js("$.taxRegistrationNumber"),
        "email": js("$.email"),
        "status": _blocked("blocked"),
        "external_id": _external_id(options),
        "country": country(js("$.country")),
        "modified_at": js("$.lastModifiedDateTime"),
    }, exclude=[OTHER_API_SET], checks=[
        RowCheck("@odata.context", "NULL", f"{entity.sql} IS NULL",
                 "the page does not name its company: save the response with its @odata.context or set "
                 "the company option"),
    ])


def _page_customers(options: Mapping[str, Any]) -> TableMap:
    """Customer Card / Customer List web-service records → erp_customers, the company named by name."""
    company = company_name_sql()
    entity = Field(f"COALESCE(n.name, {company}, {literal(options['company'])})", "@odata.context")
    source = f"{{page_customer}} AS r LEFT JOIN __bc_page_names AS n ON n.id = lower({company})"
    return TableMap("erp_customers", source, {
        "system": const("business_central"),
        "legal_entity": entity,
        "customer_account": js("$.No"),
        "name": js("$.Name"),
        "vat_number": js("$.VAT_Registration_No"),
        "email": js("$.E_Mail"),
        "status": _blocked("Blocked"),
        "external_id": _external_id(options),
        "country": country(js("$.Country_Region_Code")),
        "modified_at": _date("Last_Date_Modified"),
    }, checks=[
        RowCheck("@odata.context", CONTEXT.replace("j ->>", "r.j ->>"), f"{entity.sql} IS NULL",
                 "the page does not name its company (saved from a ?company= URL, or without its @odata.context): "
                 "save it from …/ODataV4/Company('<name>')/<service>, or set the company option"),
    ])


def _date(key: str) -> Field:
    """An ``Edm.Date`` (``2026-06-18``) as the start of that day in the source's time zone; BC's blank date
    ``0001-01-01`` as empty."""
    value = jpath(f"$.{key}")
    return Field(f"CASE WHEN {value} = '0001-01-01' THEN NULL "
                 f"WHEN regexp_full_match({value}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN {value} || 'T00:00:00' "
                 f"ELSE {value} END", key, "expected a date such as 2026-06-18")


def _name_page_companies(session: Session) -> None:
    """``__bc_page_names``: lower-cased company name → entity, from the ``companies`` option (keyed by the
    name, or by the GUID a saved ``companies`` record gives that name)."""
    session.con.execute("""
        CREATE TEMP TABLE __bc_page_names AS
        SELECT id, min(name) AS name FROM (
            SELECT id, name FROM __bc_names
            UNION ALL
            SELECT lower(c.j ->> '$.name'), o.name FROM __rec AS c JOIN __bc_names AS o ON o.id = lower(c.j ->> '$.id')
            WHERE c.kind = 'company' AND lower(c.j ->> '$.name') NOT IN (SELECT id FROM __bc_names))
        GROUP BY id""")


def _warn_incomplete(session: Session, company: str | None) -> None:
    """Warn for each company whose every customers page read has an ``@odata.nextLink``: its last page
    (the one without it) is missing, whatever order the page files sort in. ``company``: the option naming
    the company of pages that do not."""
    link = "j ->> '$.__context.\"@odata.nextLink\"'"
    guid = f"NULLIF({COMPANY_IN_CONTEXT.replace('r.j', 'j')}, '')"
    unnamed = f"CASE WHEN {CONTEXT} IS NULL THEN '(no @odata.context)' ELSE '(not named in its @odata.context)' END"
    rows = session.con.execute(f"""
        SELECT COALESCE({guid}, {company_name_sql('j')}, {literal(company)}, {unnamed}) AS company,
               list(DISTINCT __file)
        FROM __rec WHERE kind IN ('customer', 'page_customer') AND NOT ({OTHER_API_SET[0].replace('r.j', 'j')})
        GROUP BY 1
        HAVING count(*) FILTER (WHERE {link} IS NULL) = 0 ORDER BY 1""").fetchall()
    for company, files in rows:
        session.warn(f"Every Business Central customers page read for company {company} has an @odata.nextLink, so "
                     f"its last page is missing; follow the links and add the remaining pages to the source, or "
                     f"customers will look missing", files)


def _warn_unmatchable(session: Session) -> None:
    """Warn when web-service pages carry neither ``E_Mail`` nor ``VAT_Registration_No`` (the Customer List,
    or a ``$select`` without them): their customers can only be matched by account reference."""
    found = session.con.execute("""
        SELECT list(__file ORDER BY __file) FROM (
            SELECT __file FROM __rec WHERE kind = 'page_customer' GROUP BY __file
            HAVING bool_and(NOT json_exists(j, '$.E_Mail') AND NOT json_exists(j, '$.VAT_Registration_No')))
        """).fetchone()
    if found and found[0]:
        session.warn("These Business Central web-service pages carry neither E_Mail nor VAT_Registration_No (the "
                     "Customer List page, or a $select without them), so their customers can only be matched by "
                     "account; publish the Customer Card (page 21) instead, or add the two fields", found[0])


def _companies() -> TableMap:
    """``GET companies`` records only name companies: counted, excluded."""
    return TableMap("erp_customers", "{company} AS r", {},
                    exclude=[("TRUE", literal("company record (used to name the entity of its customers)"))])
