"""Seed row *Generic holding customer* through every Sage Intacct export route, with the holding customer kept at
top level (empty entity: one record every entity sees) and configured for UK01.

Its top-level record was not "in UK01", so it was not looked through: a B2B customer whose storefront account
reference names the holding account matched it and was read present, a false all-clear on every route.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bridgewatch.results import collect
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp
from . import routes_intacct as intacct
from .routes import write_route


def _scenario() -> Scenario:
    s = intacct.scenario()
    s.config["holding_customers"] = [{"account": "WEBTRADE", "entity": "UK01"}]
    company(s, "STRANDED", platform="shopify", vat="GB123456782", ref="webtrade", country="GB",
            orders=("2026-06-18T10:00:00Z",))
    erp(s, "WEBTRADE", name="Web Trade Sales", country="GB", created_at="2025-01-20T15:45:00Z",
        modified_at="2026-06-01T08:30:00Z")
    return s


@pytest.mark.parametrize("route", sorted(intacct.ROUTES))
def test_a_top_level_holding_customer_named_for_an_entity_is_looked_through(route: str, tmp_path: Path) -> None:
    ws = load_workspace(write_route(_scenario(), tmp_path, intacct.ROUTES[route], intacct.commerce))
    assert not [p.describe() for p in ws.accounting.problems]
    [card] = collect([ws])
    assert [c.company_id for c in card.customers] == ["CELTIC", "STRANDED"]
    stranded = card.customers[1]
    assert (stranded.cause, stranded.expected_entity, stranded.exists_in_other_entity) == ("never_synced", "UK01",
                                                                                          False)
    assert [(k.key, k.values, k.result, k.erp_records) for k in stranded.keys_tried] == [
        ("vat", ("GB123456782",), "no match", None),
        ("account_ref", ("WEBTRADE",), "not usable", "top level/WEBTRADE (holding customer, looked through)"),
        ("email", ("ap@stranded.test", "buyer@stranded.test"), "no match", None)]
