"""The Adobe Commerce scenario and its export routes (issue 13 items 5, 8).

A Sage workspace for Germany (DE01) and Austria (AT01), in EUR: two Wholesale-group buyers, one present in
Intacct by the ERP account held in the custom attribute ``erp_customer_no``, one absent after a
failed create (its entity, AT01, follows from the ship-to country, which the orders grid only gives
through the customer's address); a retail shopper (out of the card's B2B scope); a cancelled guest order.

The Data Transfer export has no entity id, so the CSV route keys customers by email and its sync log
names them by email (docs/sources/adobe_commerce.md); :func:`by_email` maps the API route's ids to
emails so both routes' results can be compared.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from bridgewatch.demo import vendor_files as vf
from bridgewatch.scenario import Scenario

from ..cards.builders import erp, event
from .routes import Sources, drop_none, rows, split, v, when, write_json, write_table

ADMIN = ZoneInfo("Europe/Berlin")
REFUNDED = {"000008814": 300.0}
"""Orders partly refunded: the scenario's total is what is left; the routes write the original grand total and the
refund (the API's ``total_refunded``, the orders grid's Total Refunded column)."""


def scenario() -> Scenario:
    s = Scenario({
        "workspace": {"id": "adobe-routes", "erp": "sage_intacct", "home_country": "DE", "reporting_currency": "EUR",
                      "as_of": "2026-06-20T12:00:00Z"},
        "legal_entities": [{"id": "DE01", "name": "DE Handel", "currency": "EUR", "countries": ["DE"]},
                           {"id": "AT01", "name": "AT Handel", "currency": "EUR", "countries": ["AT"]}],
    })
    for cid, name, email, group, ref, country, created in (
            ("12", "Melanie Shaw", "mshaw@widgets.example", 2, "C-20001", "DE", "2026-05-18T16:47:44Z"),
            ("13", "Kim Ode", "k.ode@mail.example", 2, None, "AT", "2026-06-12T08:00:00Z"),
            ("14", "Lena Berg", "lena@mail.example", 1, None, "DE", "2026-01-03T10:00:00Z")):
        s.add("commerce_customers", platform="adobe_commerce", customer_id=cid, name=name, email=email,
              is_b2b=group == 2, account_ref=ref, country=country, created_at=created)
    for oid, customer, email, at, state, total, country in (
            ("000008812", "12", "mshaw@widgets.example", "2026-06-16T09:12:44Z", "processing", "1190.00", "DE"),
            ("000008813", None, "guest@mail.example", "2026-06-17T19:44:10Z", "canceled", "35.00", None),
            ("000008814", "13", "k.ode@mail.example", "2026-06-18T07:05:00Z", "processing", "3101.00", "AT"),
            ("000008815", "14", "lena@mail.example", "2026-06-18T15:00:00Z", "complete", "49.95", "DE")):
        s.add("orders", platform="adobe_commerce", order_id=oid, customer_id=customer, email=email, created_at=at,
              status=state, cancelled=state == "canceled", currency="EUR", total=total, ship_to_country=country)
    erp(s, "C-20001", entity="DE01", name="Widgets GmbH", created_at="2026-05-19T09:00:00Z")
    event(s, "13", "failed", "2026-06-18T09:00:00Z", "BL01001973 Another customer with the ID C-20002 already exists.",
          platform="adobe_commerce")
    return s


def _customer(c: dict[str, Any]) -> dict[str, Any]:
    first, last = split(c.get("name"))
    address = {"id": 1, "country_id": c["country"], "default_billing": True, "default_shipping": True}
    attributes = [{"attribute_code": "erp_customer_no", "value": c["account_ref"]}] if v(c, "account_ref") else []
    return drop_none({"id": int(c["customer_id"]), "email": c["email"], "firstname": first, "lastname": last,
                      "group_id": 2 if c.get("is_b2b") else 1, "website_id": 1, "default_billing": "1",
                      "created_at": when(c["created_at"], "%Y-%m-%d %H:%M:%S"), "addresses": [address],
                      "custom_attributes": attributes})


def _order(o: dict[str, Any]) -> dict[str, Any]:
    guest = not v(o, "customer_id")
    shipping = ({"shipping_assignments": [{"shipping": {"address": {"country_id": o["ship_to_country"]}}}]}
                if v(o, "ship_to_country") else None)
    return drop_none({"increment_id": o["order_id"], "state": o["status"], "status": o["status"],
                      "created_at": when(o["created_at"], "%Y-%m-%d %H:%M:%S"), "customer_is_guest": int(guest),
                      "customer_id": None if guest else int(o["customer_id"]), "customer_email": o["email"],
                      "grand_total": _gross(o), "total_refunded": REFUNDED.get(o["order_id"]),
                      "order_currency_code": o["currency"],
                      "extension_attributes": shipping, "items": [{"item_id": 1, "sku": "DRL", "qty_ordered": 1}]})


def _gross(o: dict[str, Any]) -> float:
    """The order's original grand total: what is left of it (the scenario's) and what was refunded."""
    return float(o["total"]) + REFUNDED.get(o["order_id"], 0)


def api_search(exports: Path, s: Scenario) -> Sources:
    """``GET /V1/customers/search`` and ``GET /V1/orders`` search results."""
    folder = exports / "adobe"
    for name, records in (("customers", [_customer(c) for c in rows(s, "commerce_customers")]),
                          ("orders", [_order(o) for o in rows(s, "orders")])):
        write_json(folder / f"{name}_search.json", {"items": records, "search_criteria": {"page_size": 300},
                                                    "total_count": len(records)})
    return _api_source()


def api_single_records(exports: Path, s: Scenario) -> Sources:
    """One ``GET /V1/customers/{id}`` / ``GET /V1/orders/{id}`` response per record (an order's own
    ``items`` list is its lines, not search results)."""
    folder = exports / "adobe"
    for c in rows(s, "commerce_customers"):
        write_json(folder / f"customer_{c['customer_id']}.json", _customer(c))
    for o in rows(s, "orders"):
        write_json(folder / f"order_{o['order_id']}.json", _order(o))
    return _api_source()


def _api_source() -> Sources:
    return {"shop": {"reader": "adobe_commerce_api", "path": "exports/adobe/*.json",
                     "options": {"account_ref_attribute": "erp_customer_no", "b2b_group_ids": [2]}}}


CUSTOMER_HEADER = ["email", "_website", "_store", "created_at", "firstname", "group_id", "lastname", "taxvat",
                   "website_id", "erp_customer_no"]
ADDRESS_HEADER = ["_website", "_email", "_entity_id", "city", "company", "country_id", "vat_id",
                  "_address_default_billing_", "_address_default_shipping_"]
ORDER_HEADER = ["ID", "Purchase Point", "Purchase Date", "Bill-to Name", "Ship-to Name", "Grand Total (Base)",
                "Grand Total (Purchased)", "Status", "Customer Email", "Total Refunded"]
LABELS = {"processing": "Processing", "canceled": "Canceled", "complete": "Complete"}


def data_transfer_csv(exports: Path, s: Scenario) -> Sources:
    """Customers Main File + Customer Addresses (Data Transfer) and the orders grid export (';', € amounts
    with a decimal comma, purchase dates in the admin's zone), and a sync log naming customers by email."""
    folder = exports / "adobe_csv"
    customers, addresses = [], []
    for n, c in enumerate(rows(s, "commerce_customers"), 1):
        first, last = split(c.get("name"))
        customers.append({"email": c["email"], "_website": "base", "created_at": when(c["created_at"],
                                                                                      "%Y-%m-%d %H:%M:%S"),
                          "firstname": first, "lastname": last, "group_id": 2 if c.get("is_b2b") else 1,
                          "website_id": 1, "erp_customer_no": v(c, "account_ref")})
        addresses.append({"_website": "base", "_email": c["email"], "_entity_id": n, "country_id": c["country"],
                          "_address_default_billing_": 1, "_address_default_shipping_": 1})
    write_table(folder / "customer.csv", CUSTOMER_HEADER, customers)
    write_table(folder / "customer_address.csv", ADDRESS_HEADER, addresses, delimiter=";")
    orders = [{"ID": o["order_id"], "Purchase Point": "Main Website", "Purchase Date": when(
        o["created_at"], "%b %d, %Y %I:%M:%S %p", ADMIN).replace(" 0", " ", 1), "Bill-to Name": "x",
        "Grand Total (Base)": _euro(_gross(o)), "Grand Total (Purchased)": _euro(_gross(o)),
        "Status": LABELS[o["status"]], "Customer Email": o["email"],
        "Total Refunded": _euro(REFUNDED.get(o["order_id"], 0))} for o in rows(s, "orders")]
    write_table(folder / "orders_grid.csv", ORDER_HEADER, orders, delimiter=";")
    return {"shop": {"reader": "adobe_commerce_csv", "path": "exports/adobe_csv/*.csv",
                     "options": {"columns": {"account_ref": "erp_customer_no"}, "b2b_group_ids": [2],
                                 "timezones": {"orders": "Europe/Berlin"}, "timezone": "UTC"}},
            **vf._connector_log(exports, "connector", [e | {"customer_ref": _email(s, e["customer_ref"])}
                                                       for e in rows(s, "sync_events")])}


def grid_excel_xml(exports: Path, s: Scenario) -> Sources:
    """``data_transfer_csv`` with the orders grid exported as Excel XML instead of CSV (header row of labels, a
    ``<Row>`` per order), beside the Data Transfer CSVs in one folder the source points at."""
    sources = data_transfer_csv(exports, s)
    grid = exports / "adobe_csv" / "orders_grid.csv"
    with grid.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    grid.unlink()
    (grid.parent / "sales_order_grid.xml").write_text(excel_xml(table, "sales_order_grid.xml"), encoding="utf-8")
    options = {**sources["shop"]["options"], "decimal_comma": True}
    return {**sources, "shop": {**sources["shop"], "path": "exports/adobe_csv", "options": options}}


GRID_CUSTOMER_HEADER = ["ID", "Name", "Email", "Group", "Phone", "ZIP", "Country", "State/Province", "Customer Since",
                        "Web Site", "ERP Customer No"]
COUNTRY_NAMES = {"DE": "Germany", "AT": "Austria"}


def admin_grids_csv(exports: Path, s: Scenario) -> Sources:
    """The Customers → All Customers grid and the Sales → Orders grid exported as CSV (labels as headers; the
    customer attribute ``erp_customer_no`` added to the grid as a column, dates in the admin's zone)."""
    folder = exports / "adobe_grids"
    customers = [{"ID": c["customer_id"], "Name": c["name"], "Email": c["email"],
                  "Group": "Wholesale" if c.get("is_b2b") else "General", "Country": COUNTRY_NAMES[c["country"]],
                  "Customer Since": _admin_time(c["created_at"]), "Web Site": "Main Website",
                  "ERP Customer No": v(c, "account_ref")} for c in rows(s, "commerce_customers")]
    write_table(folder / "customer_listing.csv", GRID_CUSTOMER_HEADER, customers)
    orders = [{"ID": o["order_id"], "Purchase Point": "Main Website", "Purchase Date": _admin_time(o["created_at"]),
               "Bill-to Name": "x", "Grand Total (Base)": f"€{_gross(o):,.2f}",
               "Grand Total (Purchased)": f"€{_gross(o):,.2f}", "Status": LABELS[o["status"]],
               "Customer Email": o["email"], "Total Refunded": f"€{REFUNDED.get(o['order_id'], 0):,.2f}"}
              for o in rows(s, "orders")]
    write_table(folder / "sales_order_grid.csv", ORDER_HEADER, orders)
    return {"shop": {"reader": "adobe_commerce_csv", "path": "exports/adobe_grids",
                     "options": {"columns": {"account_ref": "ERP Customer No"}, "b2b_groups": ["Wholesale"],
                                 "timezone": "Europe/Berlin"}},
            **vf._connector_log(exports, "connector", [e | {"customer_ref": _email(s, e["customer_ref"])}
                                                       for e in rows(s, "sync_events")])}


def admin_grids_excel_xml(exports: Path, s: Scenario) -> Sources:
    """``admin_grids_csv`` with both grids exported as Excel XML instead."""
    sources = admin_grids_csv(exports, s)
    for grid in sorted((exports / "adobe_grids").glob("*.csv")):
        with grid.open(newline="", encoding="utf-8") as fh:
            table = list(csv.reader(fh))
        grid.unlink()
        grid.with_suffix(".xml").write_text(excel_xml(table, grid.stem + ".xml"), encoding="utf-8")
    return sources


def _admin_time(value: Any) -> str | None:
    return (when(value, "%b %d, %Y %I:%M:%S %p", ADMIN) or "").replace(" 0", " ", 1) or None


def excel_xml(table: list[list[str]], sheet: str) -> str:
    """Rows as a SpreadsheetML 2003 workbook, written the way Magento's grid export writes one (a numeric text
    not starting with 0 is a Number cell)."""
    def cell(value: str) -> str:
        kind = "Number" if value.replace(".", "", 1).isdigit() and not value.startswith("0") else "String"
        return f'<Cell><Data ss:Type="{kind}">{escape(value)}</Data></Cell>'
    rows = "".join("<Row>" + "".join(cell(v) for v in row) + "</Row>" for row in table)
    return ('<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook '
            'xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            f'<Worksheet ss:Name="{sheet}"><Table>{rows}</Table></Worksheet></Workbook>')


def _euro(total: Any) -> str:
    return f"{float(total):,.2f} €".replace(",", "_").replace(".", ",").replace("_", ".")


def _email(s: Scenario, customer_id: str) -> str:
    return next(c["email"] for c in rows(s, "commerce_customers") if c["customer_id"] == customer_id)


def by_email(s: Scenario, cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API route's results with customer ids spelled as the CSV route keys customers (their email)."""
    return [card | {"customers": [c | {"customer_id": _email(s, c["customer_id"])} for c in card["customers"]]}
            for card in cards]


def api_customers_and_grid_orders(exports: Path, s: Scenario) -> Sources:
    """Customers from the REST search (one source) + the Sales → Orders grid CSV (another source, without a
    customers export): the grid names its customer by email only, matched to the REST customers, whose address
    country stands in for the grid's missing ship-to country."""
    sources = api_search(exports, s)
    (exports / "adobe" / "orders_search.json").unlink()
    admin_grids_csv(exports, s)
    (exports / "adobe_grids" / "customer_listing.csv").unlink()
    return {**sources, "grid": {"reader": "adobe_commerce_csv", "path": "exports/adobe_grids/sales_order_grid.csv",
                                "options": {"timezone": "Europe/Berlin"}}}


def data_transfer_customers_and_api_orders(exports: Path, s: Scenario) -> Sources:
    """The Data Transfer customers and addresses (one source, customers keyed by email) + the REST orders search
    (another source), whose customer ids name no customer of that export: matched by the orders' email."""
    sources = data_transfer_csv(exports, s)
    (exports / "adobe_csv" / "orders_grid.csv").unlink()
    orders = [_order(o) for o in rows(s, "orders")]
    write_json(exports / "adobe" / "orders_search.json", {"items": orders, "search_criteria": {"page_size": 300},
                                                          "total_count": len(orders)})
    return {**sources, "api": _api_source()["shop"]}


def data_transfer_api_orders_id_log(exports: Path, s: Scenario) -> Sources:
    """``data_transfer_customers_and_api_orders`` with the connector's log naming customers by entity id, as a
    connector reading the REST API logs them: the REST orders say which email an entity id has."""
    sources = data_transfer_customers_and_api_orders(exports, s)
    return {**sources, **vf._connector_log(exports, "connector", rows(s, "sync_events"))}


ROUTES = {"api_search": api_search, "api_single_records": api_single_records,
          "api_customers_and_grid_orders": api_customers_and_grid_orders}
"""Routes whose customer ids are Adobe's entity ids."""
EMAIL_ROUTES = {"data_transfer_csv": data_transfer_csv, "grid_excel_xml": grid_excel_xml,
                "admin_grids_csv": admin_grids_csv, "admin_grids_excel_xml": admin_grids_excel_xml,
                "data_transfer_customers_and_api_orders": data_transfer_customers_and_api_orders,
                "data_transfer_api_orders_id_log": data_transfer_api_orders_id_log}
"""Admin export routes, which key customers by email: compared to the canonical cards through :func:`by_email`."""
