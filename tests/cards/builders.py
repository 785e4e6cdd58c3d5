"""Small hand-built scenarios: a base workspace per card plus helpers that add one party at a time.

Every helper states exactly the rows it adds, so each test's expected numbers can be checked by hand.
"""

from __future__ import annotations

from typing import Any

from bridgewatch.scenario import Scenario

SAGE_AS_OF = "2026-04-14T18:00:00Z"
D365_AS_OF = "2026-04-13T00:00:00Z"


def sage(**workspace: Any) -> Scenario:
    """A UK Sage Intacct workspace with one entity (UK01, GBP) and a holding customer WEBTRADE."""
    config: dict[str, Any] = {
        "workspace": {"id": "sage-test", "erp": "sage_intacct", "home_country": "GB", "reporting_currency": "GBP",
                      "as_of": SAGE_AS_OF} | workspace,
        "legal_entities": [{"id": "UK01", "name": "UK Trade", "currency": "GBP", "countries": ["GB"]}],
        "holding_customers": [{"account": "WEBTRADE"}],
    }
    return Scenario(config)


def d365(**workspace: Any) -> Scenario:
    """A US F&O workspace: USTI (USD, ships to US) and CATU (CAD, ships to CA), reporting in USD."""
    config: dict[str, Any] = {
        "workspace": {"id": "d365-test", "erp": "d365_fo", "home_country": "US", "reporting_currency": "USD",
                      "as_of": D365_AS_OF} | workspace,
        "legal_entities": [{"id": "USTI", "name": "US Trade Inc", "currency": "USD", "countries": ["US"]},
                           {"id": "CATU", "name": "CA Trade ULC", "currency": "CAD", "countries": ["CA"]}],
    }
    return Scenario(config)


def company(s: Scenario, cid: str, *, platform: str = "bigcommerce", vat: str = "", ref: str = "",
            email: str | None = None, country: str = "GB", created: str = "2026-01-05T10:00:00Z",
            orders: tuple[str, ...] = ("2026-04-10T10:00:00Z",), total: str = "100.00", currency: str = "GBP",
            ship_to: str | None = None, **order_extra: Any) -> None:
    """A B2B company with one buyer (``<cid>-U``) and one order per timestamp in ``orders``."""
    s.add("companies", platform=platform, company_id=cid, name=f"{cid} Ltd", email=email or f"ap@{cid.lower()}.test",
          vat_number=vat, account_ref=ref, country=country, created_at=created)
    s.add("commerce_customers", platform=platform, customer_id=f"{cid}-U", email=f"buyer@{cid.lower()}.test",
          is_b2b=True, company_id=cid, created_at=created)
    for n, when in enumerate(orders):
        s.add("orders", platform=platform, order_id=f"{cid}-{n}", customer_id=f"{cid}-U", company_id=cid,
              created_at=when, currency=currency, total=total, ship_to_country=ship_to or country, **order_extra)


def shopper(s: Scenario, sid: str, *, platform: str = "shopify", email: str | None = None, country: str = "US",
            created: str = "2026-01-05T10:00:00Z", orders: tuple[str, ...] = ("2026-04-10T10:00:00Z",),
            total: str = "50.00", currency: str = "USD", ship_to: str | None = None, **order_extra: Any) -> None:
    """A DTC customer with one order per timestamp in ``orders``."""
    s.add("commerce_customers", platform=platform, customer_id=sid, email=email or f"{sid}@mail.test",
          country=country, created_at=created)
    for n, when in enumerate(orders):
        s.add("orders", platform=platform, order_id=f"{sid}-{n}", customer_id=sid, created_at=when,
              currency=currency, total=total, ship_to_country=ship_to or country, **order_extra)


def erp(s: Scenario, account: str, *, system: str = "sage_intacct", entity: str = "", **fields: Any) -> None:
    """An ERP customer record (top level when ``entity`` is empty)."""
    s.add("erp_customers", system=system, legal_entity=entity, customer_account=account, **fields)


def event(s: Scenario, ref: str, outcome: str, when: str, reason: str = "", **fields: Any) -> None:
    """A sync-log event about commerce record ``ref``."""
    s.add("sync_events", source="connector", customer_ref=ref, occurred_at=when, outcome=outcome,
          rejection_reason=reason, **fields)


def ids(result: Any) -> list[str]:
    """Counted customers as company id (B2B) or customer id (DTC), in worklist order."""
    return [c.company_id or c.customer_id for c in result.customers]


def causes(result: Any) -> dict[str, tuple[int, int]]:
    """Non-empty causes as {cause: (customers, active orders)}."""
    return {b.key: (b.customers, b.active_orders) for b in result.by_cause if b.customers}
