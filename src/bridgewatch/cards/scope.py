"""Which accounts a pass examines: those a card it runs may count.

An account is examined when it has a counted order in the window and is in the population of a card
its workspace runs. Only examined accounts are keyed, matched, given an expected entity and a sync
history, so a pass of the Sage card alone (B2B accounts) does no work for consumers. When every
workspace runs a card whose population is every account (the D365 card), every active account is
examined and no lookup is added (:func:`scoping_cards` is then empty).

A card's population reads only the account's own, window-free facts (``a.is_b2b``), so the same
condition also limits the prepared, window-free steps (the party keys and their matches) to the
accounts some card could count (:mod:`bridgewatch.cards.prepare`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bridgewatch.cards.base import Card
from bridgewatch.sql import literal

CARD_SCOPE = "__bw__card_scope"
"""Which workspace runs which card (a view over ``bw_card_params`` without the thresholds), for prepared steps."""


def scoping_cards(chosen: Mapping[str, Sequence[Card]]) -> list[Card]:
    """The cards whose populations limit the accounts a pass examines (``chosen``: each workspace's cards).

    Empty when every workspace runs a card whose population is every account: then every active
    account is examined anyway.
    """
    if all(any(c.counts_every_account for c in cards) for cards in chosen.values()):
        return []
    return list({c.id: c for cards in chosen.values() for c in cards}.values())


def examined_sql(cards: Sequence[Card], card_params: str = "bw_card_params") -> tuple[str, str]:
    """(join, condition): SQL telling whether account ``a`` is in the population of a card of ``cards`` its
    workspace runs (``card_params``: workspace and card). No cards: every account is."""
    if not cards:
        return "", "TRUE"
    runs = ", ".join(f"bool_or(card = {literal(c.id)}) AS runs_{i}" for i, c in enumerate(cards))
    join = (f"LEFT JOIN (SELECT workspace_id, {runs} FROM {card_params} GROUP BY workspace_id) AS cp "
            "ON cp.workspace_id = a.workspace_id")
    condition = " OR ".join(f"(cp.runs_{i} AND ({c.population}))" for i, c in enumerate(cards))
    return join, f"COALESCE({condition}, FALSE)"
