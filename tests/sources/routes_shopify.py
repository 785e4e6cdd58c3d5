"""The Shopify scenario and its export routes (issue 13 items 1, 2, 7).

Two B2B companies (one present in Intacct by its location's VAT number, one absent after a failed
create), a DTC shopper (out of the Sage card's B2B scope), a guest order and a cancelled order.
Customers carry no creation time: the admin customers CSV has none (docs/sources/shopify.md), so a
scenario every route can carry leaves it out; company creation times travel on every route.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bridgewatch.scenario import Scenario

from ..cards.builders import erp, event, sage
from .routes import Rows, Sources, amount, drop_none, rows, split, v, when, write_json, write_table

ANA, TOM, LENA = "7210448301122", "7210448301123", "7210448301124"
FERRETERIA, WIDGETS = "426793626", "426793700"
CSV_TIME = "%Y-%m-%d %H:%M:%S %z"


def scenario() -> Scenario:
    s = sage(id="shopify-routes", as_of="2026-06-20T12:00:00Z")
    for cid, name, email, ref, since, loc, loc_name, vat in (
            (FERRETERIA, "Ferreteria Lopez SL", "ana@ferreteria.example", "C10042", "2025-11-04T10:00:00Z",
             "441870438", "Madrid HQ", "GB980780684"),
            (WIDGETS, "Widgets Ltd", "tom@widgets.example", "C10500", "2025-12-01T09:00:00Z", "441870500",
             "Leeds", "GB123456789")):
        s.add("companies", platform="shopify", company_id=cid, name=name, email=email, account_ref=ref,
              country="GB", created_at=since)
        s.add("company_locations", platform="shopify", company_id=cid, location_id=loc, name=loc_name,
              vat_number=vat, account_ref=f"{ref}-01", country="GB")
    for cid, name, email, company in ((ANA, "Ana Perez", "ana@ferreteria.example", FERRETERIA),
                                      (TOM, "Tom Baker", "tom@widgets.example", WIDGETS),
                                      (LENA, "Lena Vogel", "lena@vogel.example", None)):
        s.add("commerce_customers", platform="shopify", customer_id=cid, name=name, email=email,
              is_b2b=company is not None, company_id=company, country="GB")
    for oid, customer, company, email, when_, status, total, extra in (
            ("5551000001", ANA, FERRETERIA, "ana@ferreteria.example", "2026-06-18T11:02:03Z", "paid", "1210.00", {}),
            ("5551000002", TOM, WIDGETS, "tom@widgets.example", "2026-06-19T08:00:00Z", "pending", "480.00", {}),
            ("5551000003", TOM, WIDGETS, "tom@widgets.example", "2026-06-19T09:30:00Z", "voided", "99.00",
             {"cancelled": True}),
            ("5551000004", LENA, None, "lena@vogel.example", "2026-06-17T16:45:00Z", "paid", "35.00", {}),
            ("5551000005", None, None, "guest@mail.example", "2026-06-18T20:40:55Z", "paid", "49.90", {})):
        s.add("orders", platform="shopify", order_id=oid, customer_id=customer, company_id=company, email=email,
              created_at=when_, status=status, currency="GBP", total=total, ship_to_country="GB", **extra)
    erp(s, "C-10422", entity="UK01", name="Ferreteria Lopez SL", vat_number="GB980780684",
        created_at="2025-11-05T09:00:00Z")
    event(s, WIDGETS, "failed", "2026-06-19T12:00:00Z",
          "BL01001973 Another customer with the ID C-10500 already exists.", platform="shopify")
    event(s, FERRETERIA, "succeeded", "2026-06-18T12:00:00Z", platform="shopify")
    return s


def _gid(kind: str, value: Any) -> str:
    return f"gid://shopify/{kind}/{value}"


# -- GraphQL -------------------------------------------------------------------------------------

def _gql_customer(c: dict[str, Any]) -> dict[str, Any]:
    return drop_none({"id": _gid("Customer", c["customer_id"]), "legacyResourceId": c["customer_id"],
                      "displayName": v(c, "name"), "defaultEmailAddress": {"emailAddress": v(c, "email")},
                      "defaultAddress": {"countryCodeV2": v(c, "country")}, "tags": []})


def _gql_order(o: dict[str, Any]) -> dict[str, Any]:
    customer = {"id": _gid("Customer", o["customer_id"])} if v(o, "customer_id") else None
    company = {"__typename": "PurchasingCompany", "company": {"id": _gid("Company", o["company_id"])}} \
        if v(o, "company_id") else None
    return drop_none({"id": _gid("Order", o["order_id"]), "legacyResourceId": o["order_id"],
                      "createdAt": when(o["created_at"]), "cancelledAt": when(o["created_at"]) if o.get("cancelled")
                      else None, "displayFinancialStatus": o["status"], "test": False, "email": v(o, "email"),
                      "customer": customer, "purchasingEntity": company,
                      "totalPriceSet": {"shopMoney": {"amount": amount(o["total"]), "currencyCode": o["currency"]}},
                      "shippingAddress": {"countryCodeV2": v(o, "ship_to_country")}, "tags": []})


def _locations(s: Scenario, company: str) -> Rows:
    return [drop_none({"id": _gid("CompanyLocation", loc["location_id"]), "name": v(loc, "name"),
                       "externalId": v(loc, "account_ref"), "taxSettings": {"taxRegistrationId": v(loc, "vat_number")},
                       "billingAddress": {"countryCode": v(loc, "country")}})
            for loc in rows(s, "company_locations", company_id=company)]


def _contacts(s: Scenario, company: str) -> Rows:
    return [c for c in rows(s, "commerce_customers") if c.get("company_id") == company]


def _gql_company(s: Scenario, c: dict[str, Any], contacts: str) -> dict[str, Any]:
    """A company node; ``contacts`` = how its contacts are queried: ``main`` (a plain companies query
    with mainContact), ``nodes`` (contacts { nodes }), ``edges`` (contacts { edges { node } })."""
    people = _contacts(s, c["company_id"])
    node = drop_none({"id": _gid("Company", c["company_id"]), "name": v(c, "name"), "externalId": v(c, "account_ref"),
                      "createdAt": when(c["created_at"]), "locations": {"nodes": _locations(s, c["company_id"])}})
    main = {"customer": {"id": _gid("Customer", people[0]["customer_id"]),
                         "defaultEmailAddress": {"emailAddress": v(c, "email")}}}
    listed = [{"customer": {"id": _gid("Customer", p["customer_id"])}} for p in people]
    if contacts == "main":
        node["mainContact"] = main
    elif contacts == "nodes":
        node |= {"mainContact": main, "contacts": {"nodes": listed}}
    else:
        node |= {"mainContact": main, "contacts": {"edges": [{"node": n} for n in listed]}}
    return node


def _companies_page(exports: Path, s: Scenario, contacts: str) -> str:
    nodes = [_gql_company(s, c, contacts) for c in rows(s, "companies")]
    return write_json(exports / "shopify_gql" / "companies.json",
                      {"data": {"companies": {"nodes": nodes, "pageInfo": {"hasNextPage": False}}}})


def graphql(exports: Path, s: Scenario) -> Sources:
    """Saved GraphQL pages: customers (no contact profiles), orders, companies with contacts { nodes }."""
    folder = exports / "shopify_gql"
    write_json(folder / "customers.json", {"data": {"customers": {
        "nodes": [_gql_customer(c) for c in rows(s, "commerce_customers")], "pageInfo": {"hasNextPage": False}}}})
    write_json(folder / "orders.json", {"data": {"orders": {
        "edges": [{"node": _gql_order(o)} for o in rows(s, "orders")], "pageInfo": {"hasNextPage": False}}}})
    _companies_page(exports, s, "nodes")
    return {"shop": {"reader": "shopify_api", "path": "exports/shopify_gql/*.json"}}


def bulk(exports: Path, s: Scenario) -> Sources:
    """One bulk-operation JSONL: Customer, Order, Company lines; CompanyLocation / CompanyContact children."""
    lines: Rows = [_gql_customer(c) for c in rows(s, "commerce_customers")]
    lines += [_gql_order(o) for o in rows(s, "orders")]
    return _bulk_file(exports, "bulk.jsonl", lines + _bulk_companies(s))


def bulk_customer_orders(exports: Path, s: Scenario) -> Sources:
    """A bulk query of customers { orders } plus companies: each customer's Order lines name it only by their
    __parentId (no customer field); a guest's order, which no customer lists, comes from an orders query."""
    lines: Rows = []
    for c in rows(s, "commerce_customers"):
        lines.append(_gql_customer(c))
        lines += [{k: val for k, val in _gql_order(o).items() if k != "customer"}
                  | {"__parentId": _gid("Customer", c["customer_id"])}
                  for o in rows(s, "orders", customer_id=c["customer_id"])]
    lines += [_gql_order(o) for o in rows(s, "orders") if not v(o, "customer_id")]
    return _bulk_file(exports, "customer_orders.jsonl", lines + _bulk_companies(s))


def _bulk_companies(s: Scenario) -> Rows:
    """Company lines, each followed by its CompanyLocation and CompanyContact children (named by __parentId)."""
    lines: Rows = []
    for c in rows(s, "companies"):
        parent = _gid("Company", c["company_id"])
        lines.append({k: val for k, val in _gql_company(s, c, "nodes").items() if k not in ("locations", "contacts")})
        lines += [loc | {"__parentId": parent} for loc in _locations(s, c["company_id"])]
        lines += [{"id": _gid("CompanyContact", f"9{p['customer_id'][-4:]}"), "customer": {"id": _gid(
            "Customer", p["customer_id"])}, "__parentId": parent} for p in _contacts(s, c["company_id"])]
    return lines


def _bulk_file(exports: Path, name: str, lines: Rows) -> Sources:
    path = exports / "shopify_bulk" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return {"shop": {"reader": "shopify_api", "path": f"exports/shopify_bulk/{name}"}}


# -- REST ----------------------------------------------------------------------------------------

def _rest_customer(c: dict[str, Any]) -> dict[str, Any]:
    first, last = split(c.get("name"))
    return {"id": int(c["customer_id"]), "email": v(c, "email"), "first_name": first, "last_name": last,
            "orders_count": 1, "state": "enabled", "tags": "", "verified_email": True,
            "default_address": {"country_code": v(c, "country"), "country": "United Kingdom", "company": None}}


def _rest_order(o: dict[str, Any]) -> dict[str, Any]:
    customer = {"id": int(o["customer_id"]), "email": v(o, "email")} if v(o, "customer_id") else None
    company = {"id": int(o["company_id"]), "location_id": 1} if v(o, "company_id") else None
    return drop_none({"id": int(o["order_id"]), "name": f"#{o['order_id'][-4:]}", "email": v(o, "email"),
                      "created_at": when(o["created_at"], "%Y-%m-%dT%H:%M:%S+01:00", _bst()),
                      "cancelled_at": when(o["created_at"]) if o.get("cancelled") else None,
                      "financial_status": o["status"], "test": False, "currency": o["currency"],
                      "total_price": amount(o["total"]), "customer": customer, "company": company, "tags": "",
                      "shipping_address": {"country_code": v(o, "ship_to_country")}, "line_items": []})


def _bst() -> Any:
    from datetime import timedelta, timezone

    return timezone(timedelta(hours=1))


def rest_and_graphql_companies(exports: Path, s: Scenario) -> Sources:
    """REST orders.json / customers/search.json (REST has no B2B companies) + a GraphQL companies page
    whose contacts come as edges."""
    folder = exports / "shopify_rest"
    write_json(folder / "orders.json", {"orders": [_rest_order(o) for o in rows(s, "orders")]})
    write_json(folder / "customers_search.json", {"customers": [_rest_customer(c)
                                                                for c in rows(s, "commerce_customers")]})
    companies = _companies_page(exports, s, "edges")
    return {"rest": {"reader": "shopify_api", "path": "exports/shopify_rest/*.json"},
            "companies": {"reader": "shopify_api", "path": companies}}


# -- admin CSV exports ---------------------------------------------------------------------------

CUSTOMER_HEADER = ["Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
                   "Default Address Company", "Default Address Country Code", "Total Spent", "Total Orders", "Tags"]
ORDER_HEADER = ["Name", "Email", "Financial Status", "Currency", "Total", "Created at", "Lineitem quantity",
                "Lineitem name", "Billing Country", "Shipping Country", "Cancelled at", "Id", "Tags"]


def _csv_customers(exports: Path, s: Scenario) -> None:
    records = []
    for c in rows(s, "commerce_customers"):
        first, last = split(c.get("name"))
        records.append({"Customer ID": "'" + c["customer_id"], "First Name": first, "Last Name": last,
                        "Email": v(c, "email"), "Accepts Email Marketing": "no",
                        "Default Address Country Code": v(c, "country"), "Total Spent": "0.00", "Total Orders": "1"})
    write_table(exports / "shopify_csv" / "customers_export.csv", CUSTOMER_HEADER, records)


def _csv_orders(exports: Path, s: Scenario) -> None:
    records = []
    for o in rows(s, "orders"):
        made = when(o["created_at"], CSV_TIME, _bst())
        records.append({"Name": f"#{o['order_id'][-4:]}", "Email": v(o, "email"), "Financial Status": o["status"],
                        "Currency": o["currency"], "Total": amount(o["total"]), "Created at": made,
                        "Lineitem quantity": "1", "Lineitem name": "Drill", "Billing Country": v(o, "ship_to_country"),
                        "Shipping Country": v(o, "ship_to_country"),
                        "Cancelled at": made if o.get("cancelled") else None, "Id": o["order_id"]})
        records.append({"Name": f"#{o['order_id'][-4:]}", "Email": v(o, "email"), "Created at": made,
                        "Lineitem quantity": "2", "Lineitem name": "Battery"})
    write_table(exports / "shopify_csv" / "orders_export.csv", ORDER_HEADER, records)


def _csv_companies(exports: Path, s: Scenario, *, with_ids: bool) -> None:
    header = ["ID", "Name", "External ID", "Customer Since", "Main Contact: Customer Email", "Location: ID",
              "Location: Name", "Location: External ID", "Location: Tax ID", "Location: Billing Country Code",
              *(["Customer: ID"] if with_ids else []), "Customer: Email", "Customer: First Name",
              "Customer: Last Name"]
    records = []
    for c in rows(s, "companies"):
        base = {"ID": c["company_id"], "Name": v(c, "name"), "External ID": v(c, "account_ref"),
                "Customer Since": when(c["created_at"], CSV_TIME), "Main Contact: Customer Email": v(c, "email")}
        for loc in rows(s, "company_locations", company_id=c["company_id"]):
            base |= {"Location: ID": loc["location_id"], "Location: Name": v(loc, "name"),
                     "Location: External ID": v(loc, "account_ref"), "Location: Tax ID": v(loc, "vat_number"),
                     "Location: Billing Country Code": v(loc, "country")}
        for p in _contacts(s, c["company_id"]):
            first, last = split(p.get("name"))
            person = {"Customer: Email": v(p, "email"), "Customer: First Name": first, "Customer: Last Name": last}
            records.append(base | person | ({"Customer: ID": p["customer_id"]} if with_ids else {}))
    write_table(exports / "shopify_csv" / "companies_export.csv", header, records)


def admin_csv(exports: Path, s: Scenario) -> Sources:
    """Customers, Orders and Companies exports of the admin."""
    _csv_customers(exports, s)
    _csv_orders(exports, s)
    _csv_companies(exports, s, with_ids=True)
    return {"shop": {"reader": "shopify_csv", "path": "exports/shopify_csv/*.csv"}}


def admin_csv_contacts_by_email(exports: Path, s: Scenario) -> Sources:
    """The same exports, the companies export naming contacts by ``Customer: Email`` only."""
    _csv_customers(exports, s)
    _csv_orders(exports, s)
    _csv_companies(exports, s, with_ids=False)
    return {"shop": {"reader": "shopify_csv", "path": "exports/shopify_csv/*.csv"}}


def csv_and_graphql_companies(exports: Path, s: Scenario) -> Sources:
    """Customers and orders CSV exports + a plain GraphQL ``companies`` page (``mainContact { customer }``)."""
    _csv_customers(exports, s)
    _csv_orders(exports, s)
    companies = _companies_page(exports, s, "main")
    return {"shop": {"reader": "shopify_csv", "path": "exports/shopify_csv/*.csv"},
            "companies": {"reader": "shopify_api", "path": companies}}


def graphql_customers_and_csv_orders(exports: Path, s: Scenario) -> Sources:
    """GraphQL customers and companies pages (one source) + the admin orders CSV export (another source, without
    a customers export): the orders export names its customer by email only, matched to the pages' customers."""
    sources = graphql(exports, s)
    (exports / "shopify_gql" / "orders.json").unlink()
    _csv_orders(exports, s)
    return {**sources, "orders": {"reader": "shopify_csv", "path": "exports/shopify_csv/orders_export.csv"}}


ROUTES = {"graphql": graphql, "graphql_customers_and_csv_orders": graphql_customers_and_csv_orders,
          "bulk_jsonl": bulk, "bulk_customer_orders": bulk_customer_orders,
          "rest_and_graphql_companies": rest_and_graphql_companies,
          "admin_csv": admin_csv, "admin_csv_contacts_by_email": admin_csv_contacts_by_email,
          "csv_and_graphql_companies": csv_and_graphql_companies}
