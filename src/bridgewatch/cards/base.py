"""What a card is (data) and the card-specific SQL steps built from it.

A :class:`Card` is a frozen description: who is in its population, which causes it tells apart
(in precedence order, each an SQL condition), and how it words next actions.
:func:`bridgewatch.cards.card_sql.card_steps` turns it into named SQL steps over the shared steps
in :mod:`bridgewatch.cards.steps`; no engine is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cause:
    """A reason a counted customer is absent; the first cause whose condition holds wins."""

    id: str
    label: str
    condition: str
    """SQL over aliases: ``a`` account, ``act`` activity, ``pr`` presence, ``sy`` sync, ``st`` staging, ``p`` params."""
    action: str
    """What to do about a customer absent for this cause."""


@dataclass(frozen=True)
class Card:
    """A customer-master-gap card."""

    id: str
    title: str
    erp_label: str
    population: str
    """SQL condition (alias ``a`` = account) a customer must meet to be in the card's population."""
    population_reason: str
    """Why an account with active orders is out of the population (shown in accounting/explain)."""
    causes: tuple[Cause, ...]
    sentiment: str = "customer_master_gap"
    uses_staging: bool = False
    """Cross-reference staging (Dataverse) records: 'present but not promoted'."""
    b2b_action: str = "Manual onboarding: credit check, tax-ID validation, payment terms."
    dtc_action: str = "Auto-creatable: the sync flow can create it with default settings."
    dtc_ambiguous_action: str = ("Decide the legal entity first (the entity rules do not give exactly one), "
                                 "then let the sync flow create it.")
    """A DTC customer is only auto-creatable once the entity it belongs in is known."""

    def table(self, step: str) -> str:
        return f"__bw__{self.id}_{step}"

    @property
    def cause_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.causes)


MERGED_RETIRED = "merged_retired"
CREATE_FAILED = "create_failed"
SYNCED_NOT_FOUND = "synced_not_found"
LAGGING = "lagging"
NEVER_SYNCED = "never_synced"
DATAVERSE_NOT_PROMOTED = "dataverse_not_promoted"


def _lagging_condition(order_triggered: bool) -> str:
    cond = ("sy.last_outcome IN ('pending', 'succeeded') OR a.created_at >= p.grace_start "
            "OR a.created_at > sy.last_success_run")
    return cond + (" OR act.first_order_at >= p.grace_start" if order_triggered else "")


def sync_causes(*, order_triggered: bool, staging: bool = False) -> tuple[Cause, ...]:
    """The sync-cause ladder shared by both cards (staging inserts 'not promoted' after 'merged')."""
    ladder = [Cause(
        MERGED_RETIRED, "Merged or retired reference",
        "a.merged_into IS NOT NULL OR pr.retired_match" + (" OR st.staging_merged" if staging else ""),
        "Re-point the orders to the surviving account (or reactivate the retired record).")]
    if staging:
        ladder.append(Cause(
            DATAVERSE_NOT_PROMOTED, "In Dataverse, not promoted", "st.in_staging",
            "Complete the dual-write / promotion into the ERP master; do not create a duplicate."))
    ladder += [
        Cause(CREATE_FAILED, "Sync failed (create rejected)", "sy.last_outcome = 'failed'",
              "Fix the rejection reason, then re-run the sync."),
        Cause(SYNCED_NOT_FOUND, "Sync reported success, record not in master",
              "sy.last_outcome = 'succeeded' AND sy.last_attempt_at < p.grace_start",
              "Check the entity and key the sync wrote the record under."),
        Cause(LAGGING, "Sync lagging (will clear on next run)", _lagging_condition(order_triggered),
              "Wait for the next sync run; chase only if it does not clear."),
        Cause(NEVER_SYNCED, "Never synced (no create attempt)", "TRUE",
              "Run or fix the sync for this customer; no attempt has been logged."),
    ]
    return tuple(ladder)
