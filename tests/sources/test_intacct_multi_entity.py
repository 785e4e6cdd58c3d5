"""Seed row *Multi-entity master* through every Sage Intacct export route (XML API pages, the AR customer list CSV,
REST query pages; each also as an export made inside UK01).

Portside Trade ships one order to GB (UK01) and one to IE (IE01) and is held in UK01 only. Its UK01 record used to
"fit" it, so the IE01 order, which cannot post, was a false all-clear on every route. It is counted against IE01,
with the IE01 order only, and its UK01 record is named as the other entity's.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bridgewatch.results import collect
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp
from . import routes_intacct as intacct
from .routes import write_route


def _scenario() -> Scenario:
    """The Intacct routes' workspace (UK01 for GB, IE01 for IE; 1 EUR = 0.85 GBP) and Portside Trade."""
    s = intacct.scenario()
    company(s, "PORTSIDE", platform="shopify", vat="GB123456782", country="GB", orders=("2026-06-17T09:00:00Z",),
            total="150.00")
    s.add("orders", platform="shopify", order_id="PORTSIDE-IE", customer_id="PORTSIDE-U", company_id="PORTSIDE",
          created_at="2026-06-18T09:00:00Z", currency="EUR", total="300.00", ship_to_country="IE")
    erp(s, "C-10500", entity="UK01", name="Portside Trade Ltd", vat_number="123456782", country="GB",
        created_at="2026-02-02T10:00:00Z", modified_at="2026-02-02T10:00:00Z")
    return s


@pytest.mark.parametrize("route", sorted(intacct.ROUTES))
def test_orders_for_two_entities_held_in_one_are_counted_against_the_other(route: str, tmp_path: Path) -> None:
    ws = load_workspace(write_route(_scenario(), tmp_path, intacct.ROUTES[route], intacct.commerce))
    assert not [p.describe() for p in ws.accounting.problems]
    [card] = collect([ws])
    got = {c.company_id: (c.expected_entity, c.entity_ambiguous, c.exists_in_other_entity, c.other_entity_records,
                          c.active_orders, c.blocked_value, c.currency, c.blocked_value_reporting,
                          [(k.key, k.result, k.erp_records) for k in c.keys_tried][0]) for c in card.customers}
    assert got == {
        "CELTIC": ("IE01", False, True, "UK01/C-10423", 1, Decimal("640.00"), "EUR", Decimal("544.00"),
                   ("vat", "not usable", "UK01/C-10423 (other entity)")),
        "PORTSIDE": ("IE01", False, True, "UK01/C-10500", 1, Decimal("300.00"), "EUR", Decimal("255.00"),
                     ("vat", "not usable", "UK01/C-10500 (other entity)")),
    }
    assert (card.count, card.active_orders, card.blocked_value_reporting) == (2, 2, Decimal("799.00"))
    assert [(b.key, b.customers, b.active_orders) for b in card.by_entity] == [("IE01", 2, 2)]
