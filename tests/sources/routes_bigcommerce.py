"""The BigCommerce scenario and its export routes (issue 13 items 3, 5).

A D365 F&O workspace (USTI in USD for the US, CATU in CAD for Canada): a trade-group buyer present
in F&O by email, a Canadian shopper never synced, a US shopper whose create failed, a guest order
and a cancelled order. The control-panel CSV route writes countries as names, totals with currency
symbols, and order times in the store's zone (America/New_York) without an offset.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bridgewatch.scenario import Scenario

from ..cards.builders import d365, erp, event
from .routes import Sources, drop_none, rows, split, v, when, write_json, write_table

NAMES = {"US": "United States", "CA": "Canada"}
SYMBOLS = {"USD": "$", "CAD": "CA$"}
STATUS = {"Awaiting Fulfillment": 11, "Cancelled": 5, "Awaiting Payment": 7, "Partially Refunded": 14}
REFUNDED = {"31010": 400.0}
"""Orders partly refunded: the scenario's total is what is left; the routes write the original total and the refund
(the API's ``refunded_amount``, the control-panel export's ``Refund Amount``)."""
STORE = ZoneInfo("America/New_York")


def scenario() -> Scenario:
    s = d365(id="bigcommerce-routes", as_of="2026-06-20T12:00:00Z")
    for cid, name, email, country, group, vat in (
            ("1042", "Jane Smith", "buyer@acme.example", "US", "Trade", "US-EIN-12-3456789"),
            ("1043", "Sam Lee", "sam@retail.example", "CA", None, None),
            ("1044", "Kim Ode", "kim@ode.example", "US", None, None)):
        s.add("commerce_customers", platform="bigcommerce", customer_id=cid, name=name, email=email,
              country=country, is_b2b=group is not None, vat_number=vat)
    for oid, customer, email, at, status, total, currency, country in (
            ("31007", "1042", "buyer@acme.example", "2026-06-16T13:12:44Z", "Awaiting Fulfillment", "1600.00", "USD",
             "US"),
            ("31008", "1043", "sam@retail.example", "2026-06-17T23:44:10Z", "Awaiting Payment", "99.00", "CAD", "CA"),
            ("31009", "1043", "sam@retail.example", "2026-06-18T14:05:00Z", "Cancelled", "35.00", "CAD", "CA"),
            ("31010", "1044", "kim@ode.example", "2026-06-19T02:30:00Z", "Partially Refunded", "2400.50", "USD",
             "US"),
            ("31011", None, "guest@mail.example", "2026-06-19T15:00:00Z", "Awaiting Fulfillment", "12.00", "USD",
             "US")):
        s.add("orders", platform="bigcommerce", order_id=oid, customer_id=customer, email=email, created_at=at,
              status=status, cancelled=status == "Cancelled", currency=currency, total=total, ship_to_country=country)
    s.add("fx_rates", currency="CAD", rate_date="2026-06-01", rate="0.73")
    erp(s, "US-000117", system="d365_fo", entity="USTI", name="Acme Tools Inc", email="buyer@acme.example")
    event(s, "1044", "failed", "2026-06-19T06:00:00Z", 'The "currencyCode" does not match to a Currency.',
          platform="bigcommerce")
    return s


def _customer(c: dict[str, Any], *, names: bool) -> dict[str, Any]:
    first, last = split(c.get("name"))
    address = {"country": NAMES[c["country"]]} if names else {"country_code": c["country"]}
    return drop_none({"id": int(c["customer_id"]), "email": c["email"], "first_name": first, "last_name": last,
                      "customer_group_id": 3 if c.get("is_b2b") else 0, "addresses": [address],
                      "form_fields": [{"name": "VAT number", "value": c["vat_number"]}] if v(c, "vat_number") else []})


def _order(o: dict[str, Any], *, names: bool) -> dict[str, Any]:
    billing = {"email": o["email"], **({"country": NAMES[o["ship_to_country"]]} if names
                                       else {"country_iso2": o["ship_to_country"]})}
    return {"id": int(o["order_id"]), "customer_id": int(o["customer_id"] or 0), "status": o["status"],
            "status_id": STATUS[o["status"]], "date_created": when(o["created_at"], "%a, %d %b %Y %H:%M:%S +0000"),
            "total_inc_tax": f"{_gross(o):.4f}", "refunded_amount": f"{REFUNDED.get(o['order_id'], 0):.4f}",
            "default_currency_code": o["currency"],
            "billing_address": billing, "is_deleted": False}


def _gross(o: dict[str, Any]) -> float:
    """The order's original total: what is left of it (the scenario's) and what was refunded."""
    return float(o["total"]) + REFUNDED.get(o["order_id"], 0)


def _api(exports: Path, s: Scenario, *, names: bool, single: bool) -> Sources:
    folder = exports / "bigcommerce"
    write_json(folder / "customers_page1.json", {"data": [_customer(c, names=names)
                                                          for c in rows(s, "commerce_customers")],
                                                 "meta": {"pagination": {"total": 3, "current_page": 1}}})
    orders = [_order(o, names=names) for o in rows(s, "orders")]
    if single:
        for o in orders:
            write_json(folder / f"order_{o['id']}.json", o)
    else:
        write_json(folder / "orders_page1.json", orders[:3])
        write_json(folder / "orders_page2.json", orders[3:])
    return {"shop": {"reader": "bigcommerce_api", "path": "exports/bigcommerce/*.json",
                     "options": {"b2b_group_ids": [3]}}}


def api_pages(exports: Path, s: Scenario) -> Sources:
    """v3 customers and v2 orders pages, countries as codes."""
    return _api(exports, s, names=False, single=False)


def api_country_names(exports: Path, s: Scenario) -> Sources:
    """The same pages with countries as names only (``country``, no ``country_code`` / ``country_iso2``)."""
    return _api(exports, s, names=True, single=False)


def api_single_orders(exports: Path, s: Scenario) -> Sources:
    """One ``GET /v2/orders/{id}`` response per order."""
    return _api(exports, s, names=False, single=True)


ORDER_HEADER = ["Order ID", "Customer ID", "Customer Name", "Customer Email", "Order Date", "Order Status",
                "Order Total (inc tax)", "Order Currency Code", "Billing Country", "Shipping Country", "Refund Amount"]
CUSTOMER_HEADER = ["Customer ID", "First Name", "Last Name", "Email Address", "Company", "Customer Group",
                   "Date Joined", "Country", "VAT Number"]


def control_panel_csv(exports: Path, s: Scenario) -> Sources:
    """Orders and customers exports: names for countries, symbols on totals, store-zone naive dates."""
    folder = exports / "bigcommerce_csv"
    orders = [{"Order ID": o["order_id"], "Customer ID": o["customer_id"] or "0", "Customer Email": o["email"],
               "Order Date": when(o["created_at"], "%m/%d/%Y %H:%M:%S", STORE), "Order Status": o["status"],
               "Order Total (inc tax)": SYMBOLS[o["currency"]] + f"{_gross(o):,.2f}",
               "Refund Amount": SYMBOLS[o["currency"]] + f"{REFUNDED.get(o['order_id'], 0):,.2f}",
               "Order Currency Code": o["currency"], "Billing Country": NAMES[o["ship_to_country"]],
               "Shipping Country": NAMES[o["ship_to_country"]]} for o in rows(s, "orders")]
    write_table(folder / "orders.csv", ORDER_HEADER, orders)
    customers = []
    for c in rows(s, "commerce_customers"):
        first, last = split(c.get("name"))
        customers.append({"Customer ID": c["customer_id"], "First Name": first, "Last Name": last,
                          "Email Address": c["email"], "Customer Group": "Trade" if c.get("is_b2b") else "",
                          "Country": NAMES[c["country"]], "VAT Number": v(c, "vat_number")})
    write_table(folder / "customers.csv", CUSTOMER_HEADER, customers)
    return {"shop": {"reader": "bigcommerce_csv", "path": "exports/bigcommerce_csv/*.csv",
                     "options": {"b2b_groups": ["Trade"], "columns": {"vat": "VAT Number"},
                                 "timezones": {"orders": "America/New_York"}}}}


def control_panel_xml(exports: Path, s: Scenario) -> Sources:
    """The same exports saved as XML (one ``<order>`` / ``<customer>`` per record, headers as element names), the
    source pointed at their folder."""
    csv_route = control_panel_csv(exports, s)
    folder = exports / "bigcommerce_xml"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("orders", "customers"):
        with (exports / "bigcommerce_csv" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
            records = list(csv.DictReader(fh))
        (folder / f"{name}.xml").write_text(xml_export(name, records), encoding="utf-8")
    return {"shop": {**csv_route["shop"], "path": "exports/bigcommerce_xml"}}


def xml_export(root: str, records: list[dict[str, str]]) -> str:
    """Records as the control panel's XML export writes them: ``<orders>`` of ``<order>``, each column an element
    named after its header (spaces → ``_``, brackets dropped), each value in CDATA."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root}>"]
    for record in records:
        lines.append(f"\t<{root[:-1]}>")
        for header, value in record.items():
            tag = header.replace(" ", "_").replace("(", "").replace(")", "")
            lines.append(f"\t\t<{tag}><![CDATA[{value}]]></{tag}>")
        lines.append(f"\t</{root[:-1]}>")
    return "\n".join([*lines, f"</{root}>"])


def fx(exports: Path, s: Scenario) -> Sources:
    """FX rates have no vendor reader: a canonical file in data/."""
    data = exports.parent / "data"
    write_table(data / "fx_rates.csv", ["currency", "rate_date", "rate"], rows(s, "fx_rates"))
    return {}


ROUTES = {"api_pages": api_pages, "api_country_names": api_country_names, "api_single_orders": api_single_orders,
          "control_panel_csv": control_panel_csv, "control_panel_xml": control_panel_xml}
