"""Summaries read once per pass: a workspace computed in a batch gets exactly the summary it gets alone, and the
summary queries do not grow with the number of workspaces (results/summary.py, ``PassReader``)."""

from __future__ import annotations

from typing import Any

import pytest

from bridgewatch.batch import compute_batch
from bridgewatch.engine import get_engine
from bridgewatch.engine.base import Engine
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import Workspace, load_workspace

from ..cards.builders import d365, erp, event, sage, shopper
from ..cards.registry import SCENARIOS


def _all_present() -> Scenario:
    """A D365 workspace whose one customer is in the master: nothing counted (every total an empty aggregate)."""
    s = d365(id="all-present")
    shopper(s, "P1", email="p1@mail.test")
    erp(s, "US-P1", system="d365_fo", entity="USTI", email="p1@mail.test")
    return s


def _rejected() -> Scenario:
    """A Sage workspace whose one B2B buyer's create was rejected (a rejection reason in the summary)."""
    s = sage(id="rejected")
    s.add("commerce_customers", platform="shopify", customer_id="R1", email="r1@trade.test", is_b2b=True,
          vat_number="GB123456789", country="GB", created_at="2026-01-05T10:00:00Z")
    s.add("orders", platform="shopify", order_id="R1-0", customer_id="R1", created_at="2026-04-10T10:00:00Z",
          currency="GBP", total="120.00", ship_to_country="GB")
    event(s, "R1", "failed", "2026-04-11T10:00:00Z", "Invalid VAT number GB123456789")
    return s


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> list[Workspace]:
    root = tmp_path_factory.mktemp("pass")
    built = [factory() for factory in SCENARIOS.values()] + [_all_present(), _rejected()]
    return [load_workspace(s.write(root / str(s.config["workspace"]["id"]))) for s in built]


def _summaries(workspaces: list[Workspace], engine: Engine) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for run in compute_batch(workspaces, engine=engine):
        assert run.error is None, run.error
        for result in run.results:
            out[f"{run.name}/{result.card.id}"] = result.summary.to_dict()
    return out


def test_a_workspace_in_a_pass_gets_the_summary_it_gets_alone(workspaces: list[Workspace]) -> None:
    engine = get_engine("duckdb")
    try:
        together = _summaries(workspaces, engine)
        alone = {key: value for ws in workspaces for key, value in _summaries([ws], engine).items()}
    finally:
        engine.close()
    assert set(together) == set(alone)
    assert len(together) >= len(workspaces)
    for key, summary in alone.items():
        assert together[key] == summary, key
    assert together["all-present/d365_customer_master_gap"]["count"] == 0
    assert together["rejected/sage_customer_master_gap"]["by_rejection_reason"] == [
        {"reason": "Invalid VAT number <id>", "customers": 1, "active_orders": 1, "blocked_value_reporting": "120.00",
         "template": "Invalid VAT number <id>", "examples": ["Invalid VAT number GB123456789"]}]


def test_the_summary_queries_do_not_grow_with_the_workspaces(workspaces: list[Workspace],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """One query per summary part and card for the whole pass (before: a dozen per workspace and card)."""
    asked: list[str] = []
    fetch = Engine.fetch

    def counted(self: Engine, sql: str) -> list[dict[str, Any]]:
        asked.append(sql)
        return fetch(self, sql)

    monkeypatch.setattr(Engine, "fetch", counted)
    engine = get_engine("duckdb")
    try:
        compute_batch(workspaces[:1], engine=engine)
        one = len(asked)
        asked.clear()
        compute_batch(workspaces, engine=engine)
    finally:
        engine.close()
    assert len(workspaces) > 5
    assert len(asked) <= one + 12, f"{len(asked)} queries for {len(workspaces)} workspaces, {one} for one"
