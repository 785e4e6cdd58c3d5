"""Dynamics 365 Business Central API v2.0: ``companies({id})/customers`` pages.

The company is in the URL, not the record (reference §3.6): it is read from each page's
``@odata.context`` (``…/$metadata#companies(5b1f…)/customers``), and named by the ``companies``
option or by a saved ``GET companies`` response in the same source; otherwise the GUID is the
entity. ``companies?$expand=customers`` responses work too. ``blocked`` ``" "`` is active, ``Ship``
and ``Invoice`` on hold, ``All`` blocked. Only ``lastModifiedDateTime`` is exposed (no created date).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.countries import country
from bridgewatch.sources.mapping import COMMON_OPTIONS, RowCheck, TableMap, VendorReader, unrecognised
from bridgewatch.sources.raw import Envelope, JsonLayout, Session, load_json, load_json_files
from bridgewatch.sources.shapes import Field, const, js, translate
from bridgewatch.sql import literal

BLOCKED = {"": "active", "_x0020_": "active", "ship": "on_hold", "invoice": "on_hold", "all": "blocked"}
"""``blocked`` values; the blank option may arrive as ``" "`` or OData-escaped ``_x0020_``."""
LAYOUT = JsonLayout(envelopes=(Envelope("$.value"),),
                    kinds=(("customer", "json_exists(j, '$.number') AND json_exists(j, '$.displayName')"),
                           ("company", "json_exists(j, '$.systemVersion') OR json_exists(j, '$.customers')")),
                    context=("@odata.context", "@odata.nextLink"),
                    accepts=("Business Central API v2.0 customers pages or single customers (number, displayName), "
                             "and companies pages (with or without $expand=customers)"))
COMPANY_IN_CONTEXT = "regexp_extract(r.j ->> '$.__context.\"@odata.context\"', 'companies\\(([^)]+)\\)', 1)"


class BusinessCentralApiReader(VendorReader):
    """Saved Business Central API v2.0 customers (and companies) responses."""

    name = "business_central_api"
    produces = ("erp_customers",)
    kinds = ("customer", "company")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "companies": Option({}, "Company id (GUID) → entity id as written in workspace.toml."),
        "company": Option(None, "Entity for pages that do not name their company (no @odata.context)."),
        "external_id_field": Option(None, "Field holding the commerce-side id (an API extension field)."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Lift customers nested in ``companies?$expand=customers`` records, tagged with their company."""
        session.con.execute("""
            INSERT INTO __rec
            SELECT c.__file, row_number() OVER (PARTITION BY c.__file ORDER BY c.__row, x.ord), 'customer',
                   json_merge_patch(x.item, json_object('__company', c.j ->> '$.id'))
            FROM __rec AS c, unnest(json_extract(c.j, '$.customers[*]')) WITH ORDINALITY AS x(item, ord)
            WHERE c.kind = 'company'""")
        _warn_incomplete(session)
        names = options["companies"]
        rows = ", ".join(f"({literal(str(k).lower())}, {literal(str(v))})" for k, v in names.items())
        session.con.execute("CREATE TEMP TABLE __bc_names (id VARCHAR, name VARCHAR)")
        if rows:
            session.con.execute(f"INSERT INTO __bc_names VALUES {rows}")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        company_id = f"lower(COALESCE(r.j ->> '$.__company', NULLIF({COMPANY_IN_CONTEXT}, '')))"
        names = ("(SELECT id, name FROM __bc_names UNION ALL SELECT lower(j ->> '$.id'), "
                 "COALESCE(j ->> '$.name', j ->> '$.displayName') FROM {company} "
                 "WHERE lower(j ->> '$.id') NOT IN (SELECT id FROM __bc_names))")
        blocked = Field("CASE WHEN trim(r.j ->> '$.blocked') = '' THEN '' ELSE trim(r.j ->> '$.blocked') END",
                        "blocked")
        ext = options["external_id_field"]
        entity = Field(f"COALESCE(n.name, {company_id}, {literal(options['company'])})", "@odata.context")
        return [TableMap("erp_customers", f"{{customer}} AS r LEFT JOIN {names} AS n ON n.id = {company_id}", {
            "system": const("business_central"),
            "legal_entity": entity,
            "customer_account": js("$.number"),
            "name": js("$.displayName"),
            "vat_number": js("$.taxRegistrationNumber"),
            "email": js("$.email"),
            "status": translate(blocked, BLOCKED, "blocked value", default="active"),
            "external_id": js(f"$.{ext}") if ext else const(None),
            "country": country(js("$.country")),
            "modified_at": js("$.lastModifiedDateTime"),
        }, checks=[
            RowCheck("@odata.context", "NULL", f"{entity.sql} IS NULL",
                     "the page does not name its company: save the response with its @odata.context or set "
                     "the company option"),
        ]), _companies(), unrecognised("erp_customers", "Business Central customers")]


def _warn_incomplete(session: Session) -> None:
    """Warn for each company whose every customers page read has an ``@odata.nextLink``: its last page
    (the one without it) is missing, whatever order the page files sort in."""
    link = "j ->> '$.__context.\"@odata.nextLink\"'"
    rows = session.con.execute(f"""
        SELECT COALESCE(NULLIF({COMPANY_IN_CONTEXT.replace('r.j', 'j')}, ''), '(no @odata.context)') AS company,
               list(DISTINCT __file)
        FROM __rec WHERE kind = 'customer' GROUP BY 1
        HAVING count(*) FILTER (WHERE {link} IS NULL) = 0 ORDER BY 1""").fetchall()
    for company, files in rows:
        session.warn(f"Every Business Central customers page read for company {company} has an @odata.nextLink, so "
                     f"its last page is missing; follow the links and add the remaining pages to the source, or "
                     f"customers will look missing", files)


def _companies() -> TableMap:
    """``GET companies`` records only name companies: counted, excluded."""
    return TableMap("erp_customers", "{company} AS r", {},
                    exclude=[("TRUE", literal("company record (used to name the entity of its customers)"))])
