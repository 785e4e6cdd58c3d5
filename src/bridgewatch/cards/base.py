"""What a card is (data) and the card-specific SQL steps built from it.

A :class:`Card` is a frozen description: who is in its population, which causes it tells apart
(in precedence order, each an SQL condition), and how it words next actions.
:func:`bridgewatch.cards.card_sql.card_steps` turns it into named SQL steps over the shared steps
in :mod:`bridgewatch.cards.steps`; no engine is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgewatch.cards.causes import Cause


@dataclass(frozen=True)
class Card:
    """A customer-master-gap card."""

    id: str
    title: str
    erp_label: str
    erps: tuple[str, ...]
    """ERP systems (``model.tables.ERP_SYSTEMS``) this card is computed for by default."""
    field_map: tuple[str, ...]
    """Default match-key precedence (``[field_map]`` in workspace.toml overrides it)."""
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

    @property
    def counts_every_account(self) -> bool:
        """The population is every account with a counted order (nothing narrows it: the D365 card)."""
        return self.population.strip().upper() == "TRUE"

    def table(self, step: str) -> str:
        return f"__bw__{self.id}_{step}"

    @property
    def cause_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.causes)
