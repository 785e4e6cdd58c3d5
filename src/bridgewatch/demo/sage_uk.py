"""The Sage seed's worked example as data: a UK B2B merchant on Sage Intacct.

Single entity (GBP, UK VAT-registered), a BigCommerce B2B portal and an Adobe Commerce wholesale
store, customers kept by a Sage Network sync; snapshot 14 Apr 2026, last 7 days. The counted
customers are stated one by one below; everything else is a distractor that must not count
(DTC buyers, dormant or cancelled-only accounts, quotes, VAT written differently, email case,
holding customers, orders after the snapshot). The card's figures come out of the computation.
"""

from __future__ import annotations

import random

from bridgewatch.scenario import Scenario

AS_OF = "2026-04-14T18:00:00Z"
LAST_RUN = "2026-04-14T06:00:00Z"
REJECTION = "XL03000006 Required field 'DISPLAYCONTACT.COMPANYNAME' is missing. Could not create Customer record!"

# (platform, company id, name, country, VAT as typed on the storefront, order days in April, cause note)
NEVER_SYNCED = [
    ("bigcommerce", "B2B-3101", "Thames Valley Fixings Ltd", "GB", "GB 318 2245 07", (8, 9, 11, 13)),
    ("bigcommerce", "B2B-3102", "Pennine Joinery Supplies", "GB", "", (9, 12, 14)),
    ("adobe_commerce", "41", "Clyde Marine Trade Ltd", "GB", "GB402117753", (8, 10, 13)),
    ("adobe_commerce", "42", "Brennan Hospitality Ltd", "IE", "IE 6388047V", (9, 10, 12)),
    ("bigcommerce", "B2B-3105", "Solent Electrical Wholesale", "GB", "GB 771 0934 12", (10, 11, 13)),
    ("adobe_commerce", "46", "Lakeland Outdoor Trade", "GB", "", (8, 12, 13)),
]
CREATE_FAILED = [
    ("bigcommerce", "B2B-3201", "Cotswold Print Supplies", "GB", "GB 224 9981 30", (8, 10, 12)),
    ("adobe_commerce", "51", "Fenland Agri Parts", "GB", "GB550218864", (9, 11, 13)),
    ("bigcommerce", "B2B-3203", "Humber Logistics Ltd", "FR", "FR 40 303265045", (8, 9, 14)),
    ("adobe_commerce", "54", "Mersey Catering Equipment", "GB", "GB 640 1127 39", (11, 13)),
]
LAGGING = [  # created on the storefront today, after the overnight sync run
    ("bigcommerce", "B2B-3301", "Wessex Builders Merchants", "GB", "GB 902 3318 46", "09:12", (14, 14, 14)),
    ("adobe_commerce", "61", "Kentish Hop Traders", "GB", "GB118840372", "11:40", (14, 14)),
    ("bigcommerce", "B2B-3303", "Severn Valley Vets", "GB", "", "15:05", (14, 14)),
]

CITIES = ["Leeds", "Bristol", "Derby", "Norwich", "Exeter", "York", "Bath", "Hull", "Perth", "Truro"]
TRADES = ["Fasteners", "Timber", "Hydraulics", "Plumbing", "Catering", "Signs", "Tiles", "Paints", "Tools",
          "Packaging", "Lighting", "Office"]


def build() -> Scenario:
    s = Scenario(_config())
    _counted(s)
    _merged(s)
    _distractors(s, random.Random(20260414))
    s.add("fx_rates", currency="EUR", rate_date="2026-03-31", rate="0.86")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-07", rate="0.8550")
    return s


def _config() -> dict[str, object]:
    return {
        "workspace": {"id": "uk-trade-sage", "name": "UK B2B merchant on Sage Intacct", "erp": "sage_intacct",
                      "home_country": "GB", "reporting_currency": "GBP", "as_of": AS_OF, "window_days": 7,
                      "alert_threshold": 10},
        "legal_entities": [{"id": "UK01", "name": "UK Trade Ltd", "currency": "GBP", "countries": ["GB"]}],
        "holding_customers": [{"account": "WEBTRADE"}, {"account": "CASHSALE"}],
        "field_map": {"sage_customer_master_gap": ["vat", "account_ref", "email"]},
    }


def _company(s: Scenario, platform: str, cid: str, name: str, country: str, vat: str, created: str,
             account_ref: str = "", email_domain: str | None = None) -> str:
    domain = email_domain or name.lower().split()[0].replace("'", "") + ".co.uk"
    s.add("companies", platform=platform, company_id=cid, name=name, email=f"accounts@{domain}",
          vat_number=vat, account_ref=account_ref, country=country, created_at=created)
    buyer = f"{cid}-U1"
    s.add("commerce_customers", platform=platform, customer_id=buyer, email=f"buyer@{domain}", is_b2b=True,
          company_id=cid, company_name=name, country=country, created_at=created)
    return buyer


def _orders(s: Scenario, platform: str, buyer: str, cid: str, days: tuple[int, ...], country: str,
            hour: int = 10, status: str = "Awaiting Fulfillment", **extra: object) -> None:
    currency = "EUR" if country in ("IE", "FR") else "GBP"
    for n, day in enumerate(days):
        s.add("orders", platform=platform, order_id=f"{cid}-O{n + 1}", customer_id=buyer, company_id=cid,
              created_at=f"2026-04-{day:02d}T{hour + n % 3:02d}:{15 + n:02d}:00Z", currency=currency,
              total=f"{480 + 135 * n + 7 * len(cid)}.50", ship_to_country=country, status=status,
              **extra)


def _counted(s: Scenario) -> None:
    for i, (platform, cid, name, country, vat, days) in enumerate(NEVER_SYNCED):
        ref = "WEBTRADE" if i == 1 else ""  # onboarding parked it on the generic web-trade account
        buyer = _company(s, platform, cid, name, country, vat, f"2026-03-{10 + i:02d}T09:00:00Z", ref)
        _orders(s, platform, buyer, cid, days, country)
    for i, (platform, cid, name, country, vat, days) in enumerate(CREATE_FAILED):
        buyer = _company(s, platform, cid, name, country, vat, f"2026-04-0{2 + i}T14:00:00Z")
        _orders(s, platform, buyer, cid, days, country, hour=11)
        for attempt in range(1 + (i == 0)):
            s.add("sync_events", source="sage_network", event_id=f"SN-F{i}{attempt}", platform=platform,
                  customer_ref=cid, occurred_at=f"2026-04-{days[0]:02d}T2{attempt}:30:00Z", operation="create",
                  outcome="failed", rejection_reason=REJECTION)
    for platform, cid, name, country, vat, hhmm, days in LAGGING:
        buyer = _company(s, platform, cid, name, country, vat, f"2026-04-14T{hhmm}:00Z")
        _orders(s, platform, buyer, cid, days, country, hour=int(hhmm[:2]) + 1)
    # the overnight sync created Wessex's record after the snapshot: ignored at the as-of time
    s.add("erp_customers", system="sage_intacct", customer_account="C10950", name="Wessex Builders Merchants",
          vat_number="902331846", country="GB", created_at="2026-04-14T19:30:00Z")
    s.add("sync_events", source="sage_network", event_id="SN-P1", platform="adobe_commerce", customer_ref="61",
          occurred_at="2026-04-14T15:30:00Z", operation="create", outcome="pending")


def _merged(s: Scenario) -> None:
    """A storefront merge: the old company still carries two live orders; its Sage ref was retired."""
    buyer = _company(s, "bigcommerce", "B2B-3401", "Dales Dairy Supplies", "GB", "", "2025-11-03T10:00:00Z",
                     account_ref="DALE001", email_domain="dalesdairy-old.co.uk")
    s.rows["companies"][-1]["merged_into"] = "B2B-3402"
    _orders(s, "bigcommerce", buyer, "B2B-3401", (9, 12), "GB")
    _company(s, "bigcommerce", "B2B-3402", "Dales Dairy Supplies Ltd", "GB", "GB 287 5513 90",
             "2026-02-01T10:00:00Z", account_ref="DALE002")
    s.add("erp_customers", system="sage_intacct", customer_account="DALE001", name="Dales Dairy Supplies",
          status="inactive", country="GB", created_at="2025-11-04T06:00:00Z")
    s.add("erp_customers", system="sage_intacct", customer_account="DALE002", name="Dales Dairy Supplies Ltd",
          vat_number="GB287551390", country="GB", created_at="2026-02-02T06:00:00Z")


def _distractors(s: Scenario, rnd: random.Random) -> None:
    _present_b2b(s, rnd)
    _out_of_scope_b2b(s)
    _dtc(s)
    s.add("erp_customers", system="sage_intacct", customer_account="WEBTRADE", name="Web Trade Sales (generic)",
          email="buyer@pennine.co.uk", country="GB")
    s.add("erp_customers", system="sage_intacct", customer_account="CASHSALE", name="Cash Sales (generic)",
          country="GB")
    for n in range(25):  # the rest of the master: customers with no storefront activity
        s.add("erp_customers", system="sage_intacct", customer_account=f"C2{n:04d}", name=f"Legacy Account {n}",
              vat_number=f"GB{100000000 + n * 7919}", country="GB", created_at="2024-06-01T08:00:00Z")


def _present_b2b(s: Scenario, rnd: random.Random) -> None:
    """B2B buyers that exist in Sage under VAT, account reference or email, however it is typed."""
    for n in range(24):
        platform = "bigcommerce" if n % 3 else "adobe_commerce"
        cid = f"B2B-5{n:03d}" if platform == "bigcommerce" else str(700 + n)
        name = f"{rnd.choice(CITIES)} {TRADES[n % len(TRADES)]} Ltd"
        digits = f"{300000000 + n * 104729}"
        how = n % 4
        vat = {0: f"GB {digits[:3]} {digits[3:7]} {digits[7:]}", 1: f"gb-{digits}", 2: "", 3: ""}[how]
        ref = f"C3{n:04d}" if how == 2 else ("WEBTRADE" if n == 0 else "")
        buyer = _company(s, platform, cid, name, "GB", vat, "2025-09-01T09:00:00Z", account_ref=ref.lower(),
                         email_domain=f"trade{n}.example.co.uk")
        email = f"Buyer@Trade{n}.Example.co.uk " if how == 3 else None
        s.add("erp_customers", system="sage_intacct", customer_account=f"C3{n:04d}", name=name,
              vat_number=digits if how in (0, 1) else None, email=email, country="GB",
              created_at="2025-09-02T06:00:00Z")
        _orders(s, platform, buyer, cid, (8 + n % 6, 9 + n % 5), "GB")
        s.add("sync_events", source="sage_network", event_id=f"SN-OK{n}", platform=platform, customer_ref=cid,
              occurred_at="2025-09-02T06:00:00Z", outcome="succeeded", erp_account=f"C3{n:04d}")
    # a create that failed once, then succeeded: present now, so not counted
    buyer = _company(s, "bigcommerce", "B2B-3501", "Tyne Packaging Ltd", "GB", "GB 455 0192 83",
                     "2026-04-06T10:00:00Z")
    _orders(s, "bigcommerce", buyer, "B2B-3501", (9, 10), "GB")
    s.add("sync_events", source="sage_network", event_id="SN-T1", platform="bigcommerce", customer_ref="B2B-3501",
          occurred_at="2026-04-07T06:00:00Z", outcome="failed", rejection_reason=REJECTION)
    s.add("sync_events", source="sage_network", event_id="SN-T2", platform="bigcommerce", customer_ref="B2B-3501",
          occurred_at=LAST_RUN, outcome="succeeded", erp_account="C10940")
    s.add("erp_customers", system="sage_intacct", customer_account="C10940", name="Tyne Packaging Ltd",
          vat_number="455019283", country="GB", created_at=LAST_RUN)


def _out_of_scope_b2b(s: Scenario) -> None:
    """Absent B2B accounts the card must not count: no live order in the window."""
    cases: list[tuple[str, str, tuple[int, ...], dict[str, object]]] = [
        ("B2B-3601", "Dormant Trade Co", (1, 3), {}),
        ("B2B-3602", "Old Orders Ltd", (6,), {}),
        ("B2B-3603", "Cancelled Order Ltd", (10,), {"cancelled": True}),
        ("B2B-3604", "Cancelled Twice Ltd", (9, 11), {"cancelled": True}),
        ("B2B-3605", "Refunded Trade Ltd", (12,), {"inactive": True, "status": "Refunded"}),
        ("B2B-3606", "Future Order Ltd", (15,), {}),
    ]
    for cid, name, days, spec in cases:
        buyer = _company(s, "bigcommerce", cid, name, "GB", "", "2025-12-01T10:00:00Z")
        _orders(s, "bigcommerce", buyer, cid, days, "GB", **spec)  # type: ignore[arg-type]
    for n, cid in enumerate(("81", "82")):  # negotiable quotes only
        buyer = _company(s, "adobe_commerce", cid, f"Quote Only Trading {n}", "GB", "", "2026-03-01T10:00:00Z")
        _orders(s, "adobe_commerce", buyer, cid, (10, 12)[: n + 1], "GB", quote=True)


def _dtc(s: Scenario) -> None:
    """Retail (DTC) buyers on the Adobe store: absent from Sage, but out of this card's B2B scope."""
    for n in range(8):
        cid = str(9000 + n)
        s.add("commerce_customers", platform="adobe_commerce", customer_id=cid, email=f"shopper{n}@mail.example",
              name=f"Retail Shopper {n}", country="GB", created_at="2026-03-20T12:00:00Z")
        s.add("orders", platform="adobe_commerce", order_id=f"R{cid}", customer_id=cid,
              created_at=f"2026-04-{9 + n % 5:02d}T12:00:00Z", currency="GBP", total=f"{40 + n * 9}.99",
              ship_to_country="GB", status="processing")
    for n in range(3):
        s.add("orders", platform="adobe_commerce", order_id=f"G{n}", email=f"guest{n}@mail.example",
              created_at="2026-04-11T12:00:00Z", currency="GBP", total="25.00", ship_to_country="GB")
