"""What a field map changes, and what it must not: the VAT at stake, and a workspace's evidence in a batch."""

from __future__ import annotations

from pathlib import Path

from bridgewatch.demo import scenarios
from bridgewatch.engine.duckdb import DuckDBEngine
from bridgewatch.results.run import compute
from bridgewatch.sql import equals
from bridgewatch.workspace import load_workspace

from .builders import company, sage


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
