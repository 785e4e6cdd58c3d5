"""Ecom Customers Absent from Sage Customer Master (Sage Intacct).

B2B-flagged commerce customers with an active order in the window and no Sage Intacct customer
record in the entity the order should post to, split by the sync cause read from the Sage
Network / connector log, with the VAT treatment at stake.
"""

from __future__ import annotations

from bridgewatch.cards.base import Card
from bridgewatch.cards.causes import sync_causes

SAGE_CARD = Card(
    id="sage_customer_master_gap",
    title="Ecom Customers Absent from Sage Customer Master",
    erp_label="Sage Intacct",
    erps=("sage_intacct",),
    field_map=("vat", "account_ref", "email"),
    population="a.is_b2b",
    population_reason="DTC customer (this card counts B2B-flagged customers only)",
    causes=sync_causes(order_triggered=False),
)
