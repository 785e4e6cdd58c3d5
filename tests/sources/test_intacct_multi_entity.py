"""Seed row *Multi-entity master* through every Sage Intacct export route (XML API pages, the AR customer list CSV,
REST query pages; each also as an export made inside UK01).

Portside Trade ships one order to GB (UK01) and one to IE (IE01) and is held in UK01 only. Its UK01 record used to
"fit" it, so the IE01 order, which cannot post, was a false all-clear on every route. It is counted against IE01,
with the IE01 order only, and its UK01 record is named as the other entity's.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from bridgewatch.errors import InputError
from bridgewatch.results import collect
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp
from . import routes_intacct as intacct
from .routes import Sources, write_route


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


def _without_entity(route: str) -> Callable[[Path, Scenario], Sources]:
    """``route`` exported without the entity field (the query did not select MEGAENTITYID / entity.id; the list
    view hides the Entity column)."""
    def write(exports: Path, s: Scenario) -> Sources:
        sources = intacct.ROUTES[route](exports, s)
        for path in sorted(exports.rglob("*.*")):
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".xml":
                path.write_text(re.sub(r"<MEGAENTITYID>[^<]*</MEGAENTITYID>", "", text), encoding="utf-8")
            elif path.suffix == ".csv":
                table = list(csv.reader(io.StringIO(text)))
                drop = table[0].index("Entity")
                with path.open("w", newline="", encoding="utf-8") as fh:
                    csv.writer(fh).writerows([c for i, c in enumerate(row) if i != drop] for row in table)
            elif path.suffix == ".json":
                body = json.loads(text)
                records = body["ia::result"] if isinstance(body["ia::result"], list) else [body["ia::result"]]
                for r in records:
                    r.pop("entity.id", None)
                    r.pop("entity", None)
                path.write_text(json.dumps(body), encoding="utf-8")
        return sources
    return write


ENTITYLESS = {"xml_pages": ("customers.xml", "MEGAENTITYID field",
                            "Add MEGAENTITYID to the query's fields and export again"),
              "customer_list_csv": ("customers.csv", "Entity column (MEGAENTITYID)",
                                    "Add the Entity column to the list view and export again"),
              "rest_query_pages": ("customer_1.json", "entity.id field",
                                   "Add entity.id to the query's fields and export again")}


@pytest.mark.parametrize("route", sorted(ENTITYLESS))
def test_a_customer_export_without_its_entity_field_is_refused_in_a_multi_entity_company(
        route: str, tmp_path: Path) -> None:
    """Read as top level, every record of such an export is present in every entity: Celtic Fixings, held in UK01
    only, would be present for its Irish order (a false all-clear). The run stops naming the file, what is missing
    and both fixes; the legal_entity option (an entity, or "" for top-level records) lets it be read."""
    root = write_route(_scenario(), tmp_path, _without_entity(route), intacct.commerce)
    name, field, fix = ENTITYLESS[route]
    with pytest.raises(InputError) as caught:
        load_workspace(root)
    [problem, *_] = caught.value.problems
    assert (Path(problem.file).name, problem.field) == (name, field)
    assert str(caught.value).startswith(f"{problem.file}: the customers carry no {field}, and the workspace has "
                                        f"several entities (UK01, IE01): read as top-level records (present in every "
                                        f"entity), a customer whose entity's record is missing would count as "
                                        f"present. {fix}, or set sources.erp.options.legal_entity to the entity the "
                                        f"file was exported in (\"\" if it holds top-level customers only)")
    for option, entity in (("UK01", "UK01"), ("", None)):
        config = (root / "workspace.toml").read_text(encoding="utf-8")
        if "legal_entity" not in config:
            config = config.replace("[sources.erp.options]\n", "[sources.erp.options]\nlegal_entity = \"\"\n") \
                if "[sources.erp.options]" in config else config + "\n[sources.erp.options]\nlegal_entity = \"\"\n"
        (root / "workspace.toml").write_text(re.sub(r'legal_entity = "[^"]*"', f'legal_entity = "{option}"', config),
                                             encoding="utf-8")
        ws = load_workspace(root)
        assert not [p.describe() for p in ws.accounting.problems]
        assert sorted({r["legal_entity"] for r in ws.tables["erp_customers"].to_pylist()}, key=str) == [entity]


@pytest.mark.parametrize("route", sorted(ENTITYLESS))
def test_a_single_entity_workspace_still_reads_an_export_without_the_entity_field(route: str, tmp_path: Path) -> None:
    s = _scenario()
    s.config["legal_entities"] = s.config["legal_entities"][:1]
    s.config["legal_entities"][0]["countries"] = ["GB", "IE"]
    ws = load_workspace(write_route(s, tmp_path, _without_entity(route), intacct.commerce))
    assert not [p.describe() for p in ws.accounting.problems]
    assert {r["legal_entity"] for r in ws.tables["erp_customers"].to_pylist()} == {None}
