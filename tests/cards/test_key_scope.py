"""What a field map changes, and what it must not: the VAT at stake, and a workspace's evidence in a batch."""

from __future__ import annotations

from pathlib import Path

from bridgewatch.demo import scenarios
from bridgewatch.engine.duckdb import DuckDBEngine
from bridgewatch.results.run import compute
from bridgewatch.sql import equals
from bridgewatch.workspace import load_workspace

from .builders import company, sage, shopper


def test_the_vat_at_stake_does_not_depend_on_the_keys_matched_on(run_card) -> None:  # type: ignore[no-untyped-def]
    """A card matching on account reference and email only still reads each customer's VAT number."""
    s = sage(vat_supply="services")
    s.config["field_map"] = {"sage_customer_master_gap": ["account_ref", "email"]}
    company(s, "FR1", vat="FR40303265045", country="FR", currency="GBP")
    company(s, "GB1", vat="GB980780684", country="GB", currency="GBP")
    got = {c.company_id: (c.vat_number, c.vat_treatment) for c in run_card(s).customers}
    assert got == {"FR1": ("FR40303265045", "reverse_charge"), "GB1": ("GB980780684", "standard")}


def _account_keys(engine: DuckDBEngine, workspace_id: str) -> list[tuple[object, ...]]:
    rows = engine.fetch(f"SELECT account_id, key_type, key_value, key_source FROM __bw__account_keys "
                        f"WHERE {equals('workspace_id', workspace_id)} ORDER BY ALL")
    return [tuple(r.values()) for r in rows]


def test_a_workspaces_evidence_is_the_same_alone_and_in_a_batch(tmp_path: Path) -> None:
    """Key types another workspace's field map uses never join this workspace's evidence."""
    sage_ws, d365_ws = (load_workspace(scenarios()[n].write(tmp_path / n))
                        for n in ("uk-trade-sage", "us-distributor-d365"))
    with DuckDBEngine() as alone:
        compute([sage_ws], engine=alone)
        expected = _account_keys(alone, sage_ws.id)
    with DuckDBEngine() as together:
        compute([sage_ws, d365_ws], engine=together)
        got = _account_keys(together, sage_ws.id)
    assert expected and {k[1] for k in expected} == {"vat", "account_ref", "email"}
    assert got == expected


def _examined(engine: DuckDBEngine) -> dict[str, bool]:
    return {r["account_id"]: r["examined"] for r in engine.fetch("SELECT account_id, examined FROM __bw__accounts")}


def _party_keyed(engine: DuckDBEngine) -> set[str]:
    return {r["account_id"] for r in engine.fetch(
        "SELECT DISTINCT a.account_id FROM __bw__party_keys k JOIN __bw__party_accounts a ON a.acct = k.acct")}


def test_the_accounts_a_pass_examines_follow_the_populations_of_its_cards(tmp_path: Path) -> None:
    """The Sage card alone counts B2B accounts: a consumer's keys are not normalised or matched, nor its entity
    or sync history looked up; with a card counting every account they are. The Sage card's answer is the same."""
    s = sage()
    company(s, "B2B1", vat="GB980780684")
    company(s, "QUIET", vat="GB123456789", orders=("2026-03-01T10:00:00Z",))  # no order in the window
    shopper(s, "DTC1", country="GB", currency="GBP")
    ws = load_workspace(s.write(tmp_path / "ws"))
    with DuckDBEngine() as alone:
        sage_alone = compute([ws], engine=alone, cards=["sage_customer_master_gap"]).results[0]
        assert _examined(alone) == {"B2B1": True, "QUIET": False, "DTC1": False}
        keyed = {r["account_id"] for r in alone.fetch("SELECT DISTINCT account_id FROM __bw__account_keys")}
        assert keyed == {"B2B1"}
        assert alone.fetch("SELECT count(*) AS n FROM __bw__account_entity")[0]["n"] == 1
        assert _party_keyed(alone) == {"B2B1", "QUIET"}  # window-free: a B2B account is keyed with or without orders
        counted_alone = [c["company_id"] for c in sage_alone.worklist]
    with DuckDBEngine() as both:
        run = compute([ws], engine=both, cards=["sage_customer_master_gap", "d365_customer_master_gap"])
        assert _examined(both) == {"B2B1": True, "QUIET": False, "DTC1": True}
        assert _party_keyed(both) == {"B2B1", "QUIET", "DTC1"}
        sage_both = next(r for r in run.results if r.summary.card == "sage_customer_master_gap")
        counted_both = [c["company_id"] for c in sage_both.worklist]
    assert counted_alone == counted_both == ["B2B1"]
    assert sage_alone.summary.count == sage_both.summary.count == 1
    assert sage_alone.summary.scope == sage_both.summary.scope
