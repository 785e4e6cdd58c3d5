"""The Business Central scenario and its export routes: API v2.0 ``companies({id})/customers`` pages (the
company named by ``@odata.context``), ``companies?$expand=customers``, single ``customers({id})`` GETs; the
Customers list exported as a CSV per company (``business_central_csv``, the company an option); and OData V4
web-service pages of the Customer Card (page 21), the company named in the URL
(``Company('CRONUS%20UK%20Ltd.')``) or, saved from a ``?company=`` URL, by the source's ``company`` option.

A workspace with two BC companies (CRONUS UK for GB in GBP, CRONUS IE for IE in EUR): one shopper
present in the UK company by email, one Irish shopper held only in the UK company (absent from
CRONUS IE, present in another entity), one shopper absent everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from bridgewatch.scenario import Scenario

from ..cards.builders import erp, shopper
from .routes import Sources, rows, v, when, write_json, write_table

COMPANIES = {"CRONUS UK": "5b1f0d8e-44e3-ea11-bb43-000d3a2feca1", "CRONUS IE": "6c2a1e9f-44e3-ea11-bb43-000d3a2feca1"}
BASE = "https://api.businesscentral.dynamics.com/v2.0/production/api/v2.0/$metadata#companies"
NAMES = {"CRONUS UK": "CRONUS UK Ltd.", "CRONUS IE": "CRONUS IE Ltd."}
"""The Business Central company (its Name, as web-service URLs carry it) holding each entity."""
ODATA = "https://api.businesscentral.dynamics.com/v2.0/tenant/Production/ODataV4"


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


def card(r: dict[str, Any], n: int) -> dict[str, Any]:
    """A Customer Card (page 21) web-service record: the page's field names, spaces and punctuation as ``_``."""
    return {"@odata.etag": f"W/\"JzE5Ozk4NzY1NDMyMT{n:05d}OzAwOyc=\"", "No": r["customer_account"],
            "Name": v(r, "name") or "", "Name_2": "", "IC_Partner_Code": "", "Balance_LCY": 0, "Balance_Due_LCY": 0,
            "Credit_Limit_LCY": 0, "Blocked": " ", "Privacy_Blocked": False, "Salesperson_Code": "",
            "Last_Date_Modified": r["modified_at"][:10], "Address": "", "Country_Region_Code": v(r, "country") or "",
            "City": "", "Post_Code": "", "Phone_No": "", "E_Mail": v(r, "email") or "", "Home_Page": "",
            "VAT_Registration_No": "", "Gen_Bus_Posting_Group": "DOMESTIC", "VAT_Bus_Posting_Group": "DOMESTIC",
            "Customer_Posting_Group": "DOMESTIC", "Currency_Code": "", "Customer_Price_Group": "",
            "Customer_Disc_Group": "", "Payment_Terms_Code": "30 DAYS"}


def _cards(s: Scenario) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in COMPANIES}
    for n, r in enumerate(rows(s, "erp_customers"), 1):
        out[r["legal_entity"]].append(card(r, n))
    return out


def quoted(company: str) -> str:
    """A company as web-service URLs name it: an OData string, URL-encoded (``Company('CRONUS%20UK%20Ltd.')``)."""
    return "Company('" + quote(company.replace("'", "''"), safe="'") + "')"


def _write_card_pages(exports: Path, s: Scenario) -> None:
    """Each company's Customer Card service pages, one customer per page, paged by ``@odata.nextLink``."""
    for entity, cards in _cards(s).items():
        url = f"{ODATA}/{quoted(NAMES[entity])}/Customer_Card"
        for page, record in enumerate(cards, 1):
            body = {"@odata.context": f"{ODATA}/$metadata#{quoted(NAMES[entity])}/Customer_Card", "value": [record]}
            if page < len(cards):
                body["@odata.nextLink"] = f"{url}?$skiptoken='{record['No']}'"
            write_json(exports / "bc_ws" / f"Customer_Card_{entity.split()[1]}_page{page}.json", body)


def card_pages(exports: Path, s: Scenario) -> Sources:
    """Customer Card pages from ``…/ODataV4/Company('…')/Customer_Card``, entities named by company name."""
    _write_card_pages(exports, s)
    return {"erp": {"reader": "business_central_api", "path": "exports/bc_ws/*.json",
                    "options": {"companies": {name: entity for entity, name in NAMES.items()}}}}


def card_pages_with_companies(exports: Path, s: Scenario) -> Sources:
    """The same pages beside a saved ``GET companies``: the API routes' ``companies`` option (by GUID) names them."""
    _write_card_pages(exports, s)
    companies = [{"id": COMPANIES[entity], "systemVersion": "24.0", "name": name, "displayName": name}
                 for entity, name in NAMES.items()]
    write_json(exports / "bc_ws" / "companies.json", {"@odata.context": f"{BASE}", "value": companies})
    return _source("exports/bc_ws/*.json")


def card_pages_by_company_parameter(exports: Path, s: Scenario) -> Sources:
    """Customer Card pages from ``…/ODataV4/Customer_Card?company=…``: the page does not name its company
    [unconfirmed], so each company is a source of its own with the ``company`` option."""
    sources: Sources = {}
    for entity, cards in _cards(s).items():
        tag = entity.split()[1].lower()
        write_json(exports / f"bc_{tag}" / "Customer_Card.json",
                   {"@odata.context": f"{ODATA}/$metadata#Customer_Card", "value": cards})
        sources[f"erp_{tag}"] = {"reader": "business_central_api", "path": f"exports/bc_{tag}/*.json",
                                 "options": {"company": entity}}
    return sources


def list_pages(exports: Path, s: Scenario) -> Sources:
    """Customer List (page 22) pages: the card's fields less those the list page does not have (E-Mail and
    VAT Registration No. among them)."""
    card_only = {"Name_2", "IC_Partner_Code", "Privacy_Blocked", "Address", "City", "E_Mail", "Home_Page",
                 "VAT_Registration_No", "Balance_Due_LCY"}
    for entity, cards in _cards(s).items():
        records = [{k: val for k, val in c.items() if k not in card_only} for c in cards]
        write_json(exports / "bc_ws" / f"Customer_List_{entity.split()[1]}.json",
                   {"@odata.context": f"{ODATA}/$metadata#{quoted(NAMES[entity])}/Customer_List", "value": records})
    return {"erp": {"reader": "business_central_api", "path": "exports/bc_ws/*.json",
                    "options": {"companies": {name: entity for entity, name in NAMES.items()}}}}


ROUTES = {"customer_pages": customer_pages, "companies_expanded": companies_expanded,
          "single_customers": single_customers, "customer_list_csv": customer_list_csv,
          "web_service_card": card_pages, "web_service_card_with_companies": card_pages_with_companies,
          "web_service_card_by_company_parameter": card_pages_by_company_parameter}
"""Every route carrying every field the canonical cards read (the Customer List page does not: below)."""
DATE_ONLY_ROUTES = ("customer_list_csv", "web_service_card", "web_service_card_with_companies",
                    "web_service_card_by_company_parameter")
"""Routes whose ERP modification time is a date (the card's freshness shows its midnight): all else is equal."""
WEB_SERVICE_ROUTES = {**{k: ROUTES[k] for k in DATE_ONLY_ROUTES if k.startswith("web_service")},
                      "web_service_list": list_pages}
"""The OData V4 web-service routes: a modification date without its time (``Last_Date_Modified``); the
Customer List carries no e-mail or VAT number either."""
CANNOT_CARRY = {"web_service_list": ("email", "vat_number")}


def carried(row: dict[str, Any], route: str) -> dict[str, Any]:
    """A canonical erp_customers row as web-service ``route`` gives it: modified at the start of its day (UTC,
    the scenario's zone), without the fields the route's page does not have."""
    day = row["modified_at"].replace(hour=0, minute=0, second=0, microsecond=0)
    return {**row, "modified_at": day, **dict.fromkeys(CANNOT_CARRY.get(route, ()))}
