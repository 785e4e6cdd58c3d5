"""What an alert reports is read from the store and agrees with the card: counts, causes, blocked value and
rejection-reason templates (grouped by the card's own template SQL) of the card-wide alert equal the stored
summary's, and a role's or an entity's part is the same rows filtered."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bridgewatch.alerts.facts import read_facts
from bridgewatch.history import Store
from bridgewatch.model.money import from_stored

from ..cards.builders import event
from .helpers import monitor, scenario

REASONS = ("BL01001973 Another customer with the ID C-10422 already exists. [Support ID: abc%7Exyz]",
           "BL01001973 Another customer with the ID C-10500 already exists. [Support ID: q9]",
           "Required field 'DISPLAYCONTACT.COMPANYNAME' is missing.")
TEMPLATE = "BL01001973 Another customer with the ID <id> already exists. [Support ID: <id>]"


def test_the_card_wide_facts_are_the_stored_summarys(tmp_path: Path, store_url: str) -> None:
    s = scenario(5)
    for cid, reason in zip(("A01", "A02", "A04"), REASONS, strict=True):
        event(s, cid, "failed", "2026-04-13T06:00:00Z", reason)
    root = s.write(tmp_path / "ws")
    [stored], _ = monitor(root, url=store_url)
    with Store(store_url) as store:
        whole = read_facts(store, stored)
        marketing = read_facts(store, stored, causes=("create_failed",), top=10)
    summary = stored.summary
    assert (whole.count, whole.active_orders) == (summary["count"], summary["active_orders"]) == (5, 5)
    assert from_stored(whole.blocked_e4) == Decimal(summary["blocked_value_reporting"]) == Decimal("4850.00")
    assert sorted((p.key, p.customers, p.active_orders) for p in whole.causes) == sorted(
        (b["cause"], b["customers"], b["active_orders"]) for b in summary["by_cause"] if b["customers"])
    expected = [(b["template"], b["customers"], b["active_orders"], tuple(b["examples"]))
                for b in summary["by_rejection_reason"]]
    assert [(p.key, p.customers, p.active_orders, p.examples) for p in whole.reasons] == expected == [
        (TEMPLATE, 2, 2, REASONS[:2]),
        ("Required field 'DISPLAYCONTACT.COMPANYNAME' is missing.", 1, 1, REASONS[2:])]
    assert marketing.reasons == whole.reasons and marketing.count == 3
    assert [r["company_id"] for r in marketing.top] == ["A01", "A02", "A04"]
