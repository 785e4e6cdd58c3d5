"""The Sage Intacct scenario and its export routes (issue 13 items 3, 9).

A UK workspace with an Irish entity (UK01 in GBP for GB, IE01 in EUR for IE). Intacct holds VAT
numbers bare and the country as a name ("Ireland"): the prefix of a bare number must come from the
record's own country. Celtic Fixings (Irish VAT number, ships to Ireland) is held only in the UK
entity: the card counts it absent from IE01 *and* says it exists in another entity. Harbour Tools
matches by its bare British VAT number. Anchor Supplies is held at top level (empty entity, shared by every
entity): it is present for its Irish orders, also on the routes of an export made inside UK01 (the
``legal_entity`` option set, as for an export without the entity field), where its empty entity must stay top
level. The AR customer list CSV writes dates in the user's (British) locale, which the file's own values prove.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.scenario import Scenario, write_csv

from ..cards.builders import company, erp
from .routes import Sources, rows, v, when, write_json, write_table

NAMES = {"GB": "United Kingdom", "IE": "Ireland"}


def scenario() -> Scenario:
    s = Scenario({
        "workspace": {"id": "intacct-routes", "erp": "sage_intacct", "home_country": "GB",
                      "reporting_currency": "GBP", "as_of": "2026-06-20T12:00:00Z"},
        "legal_entities": [{"id": "UK01", "name": "UK Trading", "currency": "GBP", "countries": ["GB"]},
                           {"id": "IE01", "name": "IE Trading", "currency": "EUR", "countries": ["IE"]}],
    })
    company(s, "CELTIC", platform="shopify", vat="IE6388047V", country="IE", currency="EUR",
            orders=("2026-06-18T10:00:00Z",), total="640.00")
    company(s, "HARBOUR", platform="shopify", vat="GB980780684", country="GB", orders=("2026-06-19T10:00:00Z",))
    company(s, "ANCHOR", platform="shopify", vat="IE9825613N", country="IE", currency="EUR",
            orders=("2026-06-19T11:00:00Z",), total="120.00")
    s.add("fx_rates", currency="EUR", rate_date="2026-06-01", rate="0.85")
    erp(s, "C-10423", entity="UK01", name="Celtic Fixings", vat_number="6388047V", country="IE",
        created_at="2026-01-20T15:45:00Z", modified_at="2026-06-01T08:30:00Z")
    erp(s, "C-10422", entity="UK01", name="Harbour Tools Ltd", vat_number="980780684", country="GB",
        created_at="2026-03-12T09:14:02Z", modified_at="2026-03-12T09:14:02Z")
    erp(s, "C-10401", name="Anchor Supplies", vat_number="9825613N", country="IE",
        created_at="2025-11-03T10:00:00Z", modified_at="2026-05-02T16:20:00Z")
    return s


def commerce(exports: Path, s: Scenario) -> Sources:
    """Every table but the ERP master as canonical files in data/ (the route under test is the ERP's)."""
    data = exports.parent / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, records in s.rows.items():
        if name != "erp_customers" and records:
            write_csv(data / f"{name}.csv", TABLES_BY_NAME[name].column_names, records)
    return {}


def xml_pages(exports: Path, s: Scenario) -> Sources:
    """A ``readByQuery`` response of ``<customer>`` rows, countries as names under DISPLAYCONTACT/MAILADDRESS."""
    body = "".join(_record(n, r) for n, r in enumerate(rows(s, "erp_customers"), 1))
    n = len(rows(s, "erp_customers"))
    path = exports / "intacct" / "customers.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>success</status></control>'
                    f'<operation><authentication><status>success</status></authentication><result><status>success'
                    f'</status><function>readByQuery</function><data listtype="customer" count="{n}" totalcount="{n}" '
                    f'numremaining="0" resultId="">{body}</data></result></operation></response>\n', encoding="utf-8")
    return {"erp": {"reader": "sage_intacct_xml", "path": "exports/intacct/customers.xml",
                    "options": {"timezone": "UTC"}}}


def _record(n: int, r: dict[str, Any]) -> str:
    contact = (f"<DISPLAYCONTACT><EMAIL1></EMAIL1><MAILADDRESS><COUNTRY>{NAMES[r['country']]}</COUNTRY>"
               f"</MAILADDRESS></DISPLAYCONTACT>")
    fields = {"RECORDNO": n, "CUSTOMERID": r["customer_account"], "NAME": escape(r["name"]), "STATUS": "active",
              "ONHOLD": "false", "TAXID": v(r, "vat_number"), "MEGAENTITYID": v(r, "legal_entity"),
              "WHENCREATED": when(r["created_at"], "%m/%d/%Y %H:%M:%S"),
              "WHENMODIFIED": when(r["modified_at"], "%m/%d/%Y %H:%M:%S")}
    return "<customer>" + "".join(f"<{k}>{'' if val is None else val}</{k}>" for k, val in fields.items()) + contact \
        + "</customer>\n"


def customer_list_csv(exports: Path, s: Scenario) -> Sources:
    """The AR customer list exported to CSV: column labels, British dates (d/m/Y), country names."""
    header = ["Customer ID", "Name", "Status", "Tax ID", "Entity", "Country", "Date created", "Date modified"]
    records = [{"Customer ID": r["customer_account"], "Name": r["name"], "Status": "Active",
                "Tax ID": v(r, "vat_number"), "Entity": v(r, "legal_entity"), "Country": NAMES[r["country"]],
                "Date created": when(r["created_at"], "%d/%m/%Y %H:%M:%S"),
                "Date modified": when(r["modified_at"], "%d/%m/%Y %H:%M:%S")} for r in rows(s, "erp_customers")]
    write_table(exports / "intacct_csv" / "customers.csv", header, records)
    return {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct_csv/customers.csv",
                    "options": {"timezone": "UTC"}}}


def rest_query_pages(exports: Path, s: Scenario) -> Sources:
    """REST ``/services/core/query`` pages (flat dotted keys), one customer a page, plus the first customer again
    as a ``GET /objects/accounts-receivable/customer/{key}`` response (nested objects): read once."""
    records = rows(s, "erp_customers")
    for n, r in enumerate(records, 1):
        write_json(exports / "intacct_rest" / f"query_page{n}.json", {
            "ia::result": [_flat(n, r)],
            "ia::meta": {"totalCount": len(records), "start": n, "pageSize": 1,
                         "next": n + 1 if n < len(records) else None, "previous": n - 1 or None}})
    meta = {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    write_json(exports / "intacct_rest" / "customer_1.json", {"ia::result": _nested(1, records[0]), "ia::meta": meta})
    return {"erp": {"reader": "sage_intacct_rest", "path": "exports/intacct_rest/*.json"}}


def _flat(n: int, r: dict[str, Any]) -> dict[str, Any]:
    return {"key": str(n), "id": r["customer_account"], "name": r["name"], "status": "active", "isOnHold": False,
            "taxId": v(r, "vat_number"), "entity.id": v(r, "legal_entity"), "contacts.default.email1": v(r, "email"),
            "contacts.default.mailingAddress.country": NAMES[r["country"]],
            "audit.createdDateTime": r["created_at"], "audit.modifiedDateTime": r["modified_at"]}


def _nested(n: int, r: dict[str, Any]) -> dict[str, Any]:
    return {"key": str(n), "id": r["customer_account"], "name": r["name"], "status": "active", "isOnHold": False,
            "taxId": v(r, "vat_number"), "entity": {"key": "3", "id": v(r, "legal_entity"), "name": "UK Trading"},
            "contacts": {"default": {"email1": v(r, "email"), "mailingAddress": {"country": NAMES[r["country"]]}}},
            "audit": {"createdDateTime": r["created_at"], "modifiedDateTime": r["modified_at"]},
            "href": f"/objects/accounts-receivable/customer/{n}"}


def inside_uk01(route: Callable[[Path, Scenario], Sources]) -> Callable[[Path, Scenario], Sources]:
    """``route`` with the source's ``legal_entity`` option set to UK01, as for an export made inside that entity:
    the records still carry their entity field, so the option must not touch them (an empty one is top level)."""
    def write(exports: Path, s: Scenario) -> Sources:
        sources = route(exports, s)
        sources["erp"].setdefault("options", {})["legal_entity"] = "UK01"
        return sources
    return write


ROUTES = {"xml_pages": xml_pages, "customer_list_csv": customer_list_csv, "rest_query_pages": rest_query_pages,
          "xml_pages_inside_uk01": inside_uk01(xml_pages),
          "customer_list_csv_inside_uk01": inside_uk01(customer_list_csv),
          "rest_query_pages_inside_uk01": inside_uk01(rest_query_pages)}
