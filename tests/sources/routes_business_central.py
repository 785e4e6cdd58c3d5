"""The Business Central scenario and its export routes: ``companies({id})/customers`` pages (the company
named by ``@odata.context``), ``companies?$expand=customers``, single ``customers({id})`` GETs, and the
Customers list exported as a CSV per company (``business_central_csv``, the company an option).

A workspace with two BC companies (CRONUS UK for GB in GBP, CRONUS IE for IE in EUR): one shopper
present in the UK company by email, one Irish shopper held only in the UK company (absent from
CRONUS IE, present in another entity), one shopper absent everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridgewatch.scenario import Scenario

from ..cards.builders import erp, shopper
from .routes import Sources, rows, v, when, write_json, write_table

COMPANIES = {"CRONUS UK": "5b1f0d8e-44e3-ea11-bb43-000d3a2feca1", "CRONUS IE": "6c2a1e9f-44e3-ea11-bb43-000d3a2feca1"}
BASE = "https://api.businesscentral.dynamics.com/v2.0/production/api/v2.0/$metadata#companies"


def scenario() -> Scenario:
    s = Scenario({
        "workspace": {"id": "bc-routes", "erp": "business_central", "home_country": "GB", "reporting_currency": "GBP",
                      "as_of": "2026-06-20T12:00:00Z"},
        "legal_entities": [{"id": "CRONUS UK", "currency": "GBP", "countries": ["GB"]},
                           {"id": "CRONUS IE", "currency": "EUR", "countries": ["IE"]}],
    })
    shopper(s, "501", email="amy@shop.example", country="GB", currency="GBP", orders=("2026-06-18T10:00:00Z",))
    shopper(s, "502", email="liam@shop.example", country="IE", currency="EUR", orders=("2026-06-18T11:00:00Z",))
    shopper(s, "503", email="noah@shop.example", country="GB", currency="GBP", orders=("2026-06-19T11:00:00Z",))
    s.add("fx_rates", currency="EUR", rate_date="2026-06-01", rate="0.85")
    erp(s, "10000", system="business_central", entity="CRONUS UK", name="Amy Shop", email="amy@shop.example",
        country="GB", modified_at="2026-06-01T07:38:44Z")
    erp(s, "10010", system="business_central", entity="CRONUS UK", name="Liam Shop", email="liam@shop.example",
        country="IE", modified_at="2026-06-02T07:38:44Z")
    return s


def commerce(exports: Path, s: Scenario) -> Sources:
    from .routes_intacct import commerce as canonical

    return canonical(exports, s)


def _customer(r: dict[str, Any], n: int) -> dict[str, Any]:
    return {"id": f"f2a5738a-44e3-ea11-bb43-0000000{n:05d}", "number": r["customer_account"],
            "displayName": v(r, "name"), "type": "Person", "country": v(r, "country"), "email": v(r, "email"),
            "taxRegistrationNumber": "", "currencyCode": "GBP", "blocked": " ",
            "lastModifiedDateTime": r["modified_at"].replace("Z", ".113Z")}


def _by_company(s: Scenario) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in COMPANIES}
    for n, r in enumerate(rows(s, "erp_customers"), 1):
        out[r["legal_entity"]].append(_customer(r, n))
    return out


def _source(path: str) -> Sources:
    return {"erp": {"reader": "business_central_api", "path": path,
                    "options": {"companies": {guid: name for name, guid in COMPANIES.items()}}}}


def customer_pages(exports: Path, s: Scenario) -> Sources:
    for name, customers in _by_company(s).items():
        write_json(exports / "bc" / f"customers_{COMPANIES[name][:8]}.json",
                   {"@odata.context": f"{BASE}({COMPANIES[name]})/customers", "value": customers})
    return _source("exports/bc/*.json")


def companies_expanded(exports: Path, s: Scenario) -> Sources:
    companies = [{"id": COMPANIES[name], "systemVersion": "24.0", "name": name, "displayName": name,
                  "customers": customers} for name, customers in _by_company(s).items()]
    write_json(exports / "bc" / "companies.json", {"@odata.context": f"{BASE}(customers())", "value": companies})
    return _source("exports/bc/companies.json")


def single_customers(exports: Path, s: Scenario) -> Sources:
    for name, customers in _by_company(s).items():
        for c in customers:
            write_json(exports / "bc" / f"customer_{c['number']}.json",
                       {"@odata.context": f"{BASE}({COMPANIES[name]})/customers/$entity", **c})
    return _source("exports/bc/*.json")


def customer_list_csv(exports: Path, s: Scenario) -> Sources:
    """One Customers list export per company, captions as headers, dates as a UK user's export writes them."""
    header = ["No.", "Name", "Responsibility Center", "Location Code", "Phone No.", "Contact", "Email",
              "VAT Registration No.", "Country/Region Code", "Blocked", "Last Date Modified", "Balance (LCY)"]
    sources: Sources = {}
    for name in COMPANIES:
        records = [{"No.": r["customer_account"], "Name": v(r, "name"), "Email": v(r, "email"),
                    "VAT Registration No.": v(r, "vat_number"), "Country/Region Code": v(r, "country"),
                    "Blocked": "", "Last Date Modified": when(r["modified_at"], "%d/%m/%Y"), "Balance (LCY)": "0.00"}
                   for r in rows(s, "erp_customers", legal_entity=name)]
        path = write_table(exports / "bc" / f"customers {name}.csv", header, records)
        sources[f"erp_{name.split()[-1].lower()}"] = {"reader": "business_central_csv", "path": path,
                                                      "options": {"company": name, "date_order": "day_first",
                                                                  "date_formats": ["%d/%m/%Y"]}}
    return sources


ROUTES = {"customer_pages": customer_pages, "companies_expanded": companies_expanded,
          "single_customers": single_customers, "customer_list_csv": customer_list_csv}
DATE_ONLY_ROUTES = ("customer_list_csv",)
"""Routes whose ERP modification time is a date (the card's freshness shows its midnight): all else is equal."""
