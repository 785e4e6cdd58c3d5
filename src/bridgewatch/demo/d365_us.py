"""The D365 seed's worked example as data: a US wholesale distributor on Finance & Operations.

BigCommerce B2B and Shopify Plus DTC, two legal entities (US Trade Inc, USD; CA Trade ULC, CAD),
window 06–12 Apr 2026. The counted customers are listed one by one below with their orders;
everything else is a distractor that must not count. Blocked values are in order currency; CAD
converts at the latest rate dated on or before the order date.
"""

from __future__ import annotations

from bridgewatch.scenario import Scenario

AS_OF = "2026-04-13T00:00:00Z"
LAST_RUN = "2026-04-12T22:00:00Z"
TAX_GROUP = "Sales tax group must be specified for the customer."
CUST_GROUP = "Customer group 'WHSL' does not exist."

# (company id, name, email domain, orders as (day, currency, amount, ship-to, tags))
B2B = [
    ("B-1001", "Wholesale-X", "wholesale-x.com",
     [(7, "USD", "9200.00", "US", ""), (9, "USD", "5600.00", "US", ""), (11, "USD", "3600.00", "US", "")]),
    ("B-1002", "Northwind Supply", "northwindsupply.com",
     [(6, "USD", "6000.00", "US", ""), (10, "USD", "3800.00", "US", "")]),
    ("B-1003", "Maple Leaf Distributors", "mapleleafdist.ca",
     [(8, "CAD", "7500.00", "CA", ""), (12, "CAD", "5000.00", "CA", "")]),
    ("B-1004", "Great Lakes Hardware", "greatlakeshw.com", [(9, "USD", "7200.00", "US", "")]),
    ("B-1005", "Prairie Tools ULC", "prairietools.ca", [(10, "CAD", "6250.00", "US", "wholesale-ca, net30")]),
    ("B-1006", "Harbor Industrial", "harborindustrial.com",
     [(8, "USD", "2400.00", "US", ""), (11, "USD", "1500.00", "US", "")]),
]
# (Shopify id, name, orders as (day, hh:mm, currency, amount, ship-to), created)
DTC = [
    ("7301000001", "Dana Whitfield", [(7, "14:05", "USD", "1450.00", "US")]),
    ("7301000002", "Luis Romero", [(8, "09:30", "USD", "1200.00", "US")]),
    ("7301000003", "Priya Natarajan", [(9, "19:45", "USD", "980.00", "US")]),
    ("7301000004", "Tom Becker", [(10, "11:10", "USD", "890.00", "US")]),
    ("7301000005", "Grace Liu", [(6, "08:20", "USD", "760.00", "US")]),
    ("7301000006", "Etienne Gagnon", [(11, "16:00", "CAD", "1000.00", "CA")]),
    ("7301000007", "Maya Okafor", [(12, "23:52", "USD", "650.00", "US")]),
    ("7301000008", "Chloe Tremblay", [(9, "13:25", "CAD", "750.00", "CA")]),
    ("7301000009", "Sam Carter", [(7, "10:00", "USD", "300.00", "US"), (10, "10:00", "USD", "180.00", "CA")]),
    ("7301000010", "Olivia Brooks", [(12, "18:40", "USD", "420.00", "US")]),
    ("7301000011", "Noah Fischer", [(12, "20:15", "USD", "310.00", "US")]),
]


def build() -> Scenario:
    s = Scenario(_config())
    _b2b(s)
    _dtc(s)
    _distractors(s)
    s.add("fx_rates", currency="CAD", rate_date="2026-03-02", rate="0.7350")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-01", rate="0.7200")
    return s


def _config() -> dict[str, object]:
    return {
        "workspace": {"id": "us-distributor-d365", "name": "US wholesale distributor on D365 F&O",
                      "erp": "d365_fo", "home_country": "US", "reporting_currency": "USD", "as_of": AS_OF,
                      "window_days": 7, "grace_minutes": 15, "alert_threshold": 10},
        "legal_entities": [
            {"id": "USTI", "name": "US Trade Inc", "currency": "USD", "countries": ["US"]},
            {"id": "CATU", "name": "CA Trade ULC", "currency": "CAD", "countries": ["CA"]},
        ],
        "entity_rules": [{"kind": "tag", "value": "wholesale-ca", "entity": "CATU"},
                         {"kind": "override", "value": "7301000099", "platform": "shopify", "entity": "CATU"}],
        "field_map": {"d365_customer_master_gap": ["email", "external_id", "vat"]},
    }


def _b2b(s: Scenario) -> None:
    for cid, name, domain, orders in B2B:
        _company(s, cid, name, domain)
        for n, (day, currency, amount, ship, tags) in enumerate(orders):
            s.add("orders", platform="bigcommerce", order_id=f"{cid[2:]}{n}", customer_id=f"{cid[2:]}1",
                  company_id=cid, email=f"buyer@{domain}", status="Awaiting Fulfillment",
                  created_at=f"2026-04-{day:02d}T15:{10 + n:02d}:00Z", currency=currency, total=amount,
                  ship_to_country=ship, tags=tags)
    s.add("erp_customers", system="d365_fo", legal_entity="USTI", customer_account="US-004410",
          name="Maple Leaf Distributors (US)", email="BUYER@mapleleafdist.ca", country="US")
    s.add("staging_records", record_id="a1f0c2d4-0002", record_type="account", legal_entity="usti",
          account_ref="", email="accounts@northwindsupply.com", created_at="2026-04-06T12:00:00Z")
    s.add("staging_records", record_id="a1f0c2d4-0006", record_type="account", legal_entity="usti",
          email="buyer@harborindustrial.com", created_at="2026-04-08T12:00:00Z")
    s.add("sync_events", source="power_automate", event_id="run-b1004", platform="bigcommerce",
          customer_ref="B-1004", occurred_at="2026-04-09T15:20:00Z", operation="create", outcome="failed",
          rejection_reason=CUST_GROUP)


def _company(s: Scenario, cid: str, name: str, domain: str, created: str = "2026-03-15T10:00:00Z",
             vat: str = "") -> None:
    s.add("companies", platform="bigcommerce", company_id=cid, name=name, email=f"accounts@{domain}",
          vat_number=vat, country="CA" if domain.endswith(".ca") else "US", created_at=created)
    s.add("commerce_customers", platform="bigcommerce", customer_id=f"{cid[2:]}1", email=f"buyer@{domain}",
          is_b2b=True, company_id=cid, company_name=name, created_at=created)


def _dtc(s: Scenario) -> None:
    for sid, name, orders in DTC:
        first_day, first_time = orders[0][0], orders[0][1]
        created = (f"2026-04-{first_day:02d}T23:50:00Z" if sid.endswith("07")
                   else f"2026-04-{first_day:02d}T{int(first_time[:2]) - 1:02d}:{first_time[3:]}:00Z")
        _shopper(s, sid, name, created)
        for n, (day, hhmm, currency, amount, ship) in enumerate(orders):
            s.add("orders", platform="shopify", order_id=f"{sid[-2:]}{n}500{n}", customer_id=sid,
                  email=_email(name), status="paid", created_at=f"2026-04-{day:02d}T{hhmm}:00Z", currency=currency,
                  total=amount, ship_to_country=ship)
    for sid in ("7301000002", "7301000003"):
        s.add("sync_events", source="power_automate", event_id=f"run-{sid}", platform="shopify", customer_ref=sid,
              occurred_at="2026-04-10T02:00:00Z", outcome="failed", rejection_reason=TAX_GROUP)
    s.add("sync_events", source="power_automate", event_id="run-7301000011", platform="shopify",
          customer_ref="7301000011", occurred_at="2026-04-12T22:30:00Z", outcome="pending")
    for sid, rid in (("7301000004", "c-77d1"), ("7301000005", "c-77d2")):
        name = next(n for i, n, _ in DTC if i == sid)
        s.add("staging_records", record_id=rid, record_type="contact", email=_email(name).upper(),
              created_at="2026-04-11T09:00:00Z")
    # F&O created Olivia's customer after the snapshot: not present at the as-of time
    s.add("erp_customers", system="d365_fo", legal_entity="USTI", customer_account="US-009120", name="Olivia Brooks",
          email=_email("Olivia Brooks"), created_at="2026-04-13T03:10:00Z")


def _shopper(s: Scenario, sid: str, name: str, created: str, country: str = "US") -> None:
    s.add("commerce_customers", platform="shopify", customer_id=sid, email=_email(name), name=name,
          country=country, created_at=created)


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@mail.example"


def _distractors(s: Scenario) -> None:
    _present(s)
    _out_of_scope(s)
    for n in range(30):  # the rest of the master
        s.add("erp_customers", system="d365_fo", legal_entity="USTI" if n % 3 else "CATU",
              customer_account=f"{'US' if n % 3 else 'CA'}-00{2000 + n}", name=f"Existing Account {n}",
              email=f"ap{n}@existing.example")


def _present(s: Scenario) -> None:
    """Customers D365 already holds, found by email (any case), external id or VAT."""
    for n in range(20):
        sid = f"73020000{n:02d}"
        name = f"Present Shopper {n}"
        _shopper(s, sid, name, "2026-01-10T10:00:00Z")
        s.add("orders", platform="shopify", order_id=f"P{n}", customer_id=sid, email=_email(name), status="paid",
              created_at=f"2026-04-{6 + n % 7:02d}T12:00:00Z", currency="USD", total=f"{55 + n * 3}.00",
              ship_to_country="US")
        by_id = n % 5 == 0
        s.add("erp_customers", system="d365_fo", legal_entity="USTI", customer_account=f"US-00{5000 + n}",
              name=name, email=None if by_id else _email(name).title(), external_id=sid if by_id else None)
        s.add("sync_events", source="power_automate", event_id=f"run-ok-{n}", platform="shopify", customer_ref=sid,
              occurred_at="2026-01-10T10:05:00Z", outcome="succeeded")
    for n, (cid, name, domain, entity, vat) in enumerate([
        ("B-2001", "Summit Supply Co", "summitsupply.com", "USTI", "12-3456789"),
        ("B-2002", "Coastal Fasteners", "coastalfasteners.com", "USTI", ""),
        ("B-2003", "Rocky Mountain Parts", "rockymtnparts.com", "USTI", "123456780"),
        ("B-2004", "Laurentian Traders", "laurentian.ca", "CATU", ""),
    ]):
        _company(s, cid, name, domain, "2025-10-01T10:00:00Z", vat=vat)
        ship = "CA" if entity == "CATU" else "US"
        s.add("orders", platform="bigcommerce", order_id=f"{cid[2:]}0", customer_id=f"{cid[2:]}1", company_id=cid,
              status="Shipped", created_at=f"2026-04-{7 + n:02d}T09:00:00Z", currency="CAD" if ship == "CA" else "USD",
              total="2500.00", ship_to_country=ship)
        s.add("erp_customers", system="d365_fo", legal_entity=entity, customer_account=f"{entity[:2]}-00{3000 + n}",
              name=name, vat_number=vat.replace(" ", "") or None, email=None if vat else f"Accounts@{domain}",
              country=ship)
    s.add("staging_records", record_id="a1f0c2d4-2002", record_type="account", legal_entity="usti",
          email="accounts@coastalfasteners.com", promoted=True, created_at="2025-10-01T11:00:00Z")
    # an entity override: this shopper's orders post to CA Trade ULC, where they exist
    _shopper(s, "7301000099", "Override Shopper", "2026-02-01T10:00:00Z")
    s.add("orders", platform="shopify", order_id="OV1", customer_id="7301000099", status="paid",
          created_at="2026-04-09T10:00:00Z", currency="USD", total="99.00", ship_to_country="US")
    s.add("erp_customers", system="d365_fo", legal_entity="CATU", customer_account="CA-007700",
          name="Override Shopper", email=_email("Override Shopper"))
    s.add("sync_events", source="power_automate", event_id="run-last", platform="shopify", customer_ref="7302000001",
          occurred_at=LAST_RUN, operation="update", outcome="succeeded")


def _out_of_scope(s: Scenario) -> None:
    """Absent customers the card must not count."""
    for n in range(2):  # quote-only B2B
        cid = f"B-300{n}"
        _company(s, cid, f"Quote Only Buyer {n}", f"quoteonly{n}.com")
        s.add("orders", platform="bigcommerce", order_id=f"Q{n}", customer_id=f"{cid[2:]}1", company_id=cid,
              status="Quote", quote=True, created_at="2026-04-08T10:00:00Z", currency="USD", total="15000.00",
              ship_to_country="US")
    cases = [("cancelled", {"cancelled": True, "status": "cancelled"}, "2026-04-09T10:00:00Z"),
             ("cancelled2", {"cancelled": True, "status": "cancelled"}, "2026-04-11T10:00:00Z"),
             ("cancelled3", {"cancelled": True, "status": "cancelled"}, "2026-04-12T10:00:00Z"),
             ("early", {}, "2026-04-05T23:30:00Z"),
             ("early2", {}, "2026-03-30T10:00:00Z"),
             ("asof", {}, AS_OF),
             ("refunded", {"inactive": True, "status": "refunded"}, "2026-04-10T10:00:00Z")]
    for n, (tag, extra, when) in enumerate(cases):
        sid = f"73030000{n:02d}"
        _shopper(s, sid, f"Absent {tag}", "2026-03-01T10:00:00Z")
        s.add("orders", platform="shopify", order_id=f"X{n}", customer_id=sid, created_at=when, currency="USD",
              total="120.00", ship_to_country="US", **{"status": "paid", **extra})
    for n in range(3):
        s.add("orders", platform="shopify", order_id=f"G{n}", email=f"guest{n}@mail.example", status="paid",
              created_at="2026-04-10T10:00:00Z", currency="USD", total="45.00", ship_to_country="US")
