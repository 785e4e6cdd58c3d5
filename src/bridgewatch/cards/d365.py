"""Ecom Customers Absent from D365 Customer Master (Dynamics 365 F&O / Business Central).

Every commerce customer with an active, non-cancelled order in the window and no D365 customer in
the expected legal entity; quote-only customers excluded; blocked order value in order and
reporting currency; B2B/DTC split; customers already in Dataverse but not promoted are
cross-referenced (and get their own cause, because creating them again makes a duplicate).
"""

from __future__ import annotations

from bridgewatch.cards.base import Card
from bridgewatch.cards.causes import sync_causes

D365_CARD = Card(
    id="d365_customer_master_gap",
    title="Ecom Customers Absent from D365 Customer Master",
    erp_label="Dynamics 365",
    erps=("d365_fo", "business_central"),
    field_map=("email", "external_id", "vat"),
    population="TRUE",
    population_reason="",
    causes=sync_causes(order_triggered=True, staging=True, b2b_manual=True, vat_at_stake=False),
    uses_staging=True,
)
