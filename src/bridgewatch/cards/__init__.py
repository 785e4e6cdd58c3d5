"""The cards bridgewatch computes, by id. A new card is one module defining a :class:`Card`."""

from __future__ import annotations

from bridgewatch.cards.base import Card
from bridgewatch.cards.card_sql import card_steps
from bridgewatch.cards.causes import Cause
from bridgewatch.cards.d365 import D365_CARD
from bridgewatch.cards.sage import SAGE_CARD
from bridgewatch.errors import did_you_mean

CARDS: dict[str, Card] = {card.id: card for card in (SAGE_CARD, D365_CARD)}


def get_card(card_id: str) -> Card:
    """The card called ``card_id``; unknown ids fail with a did-you-mean error."""
    if card_id not in CARDS:
        raise did_you_mean("card", card_id, CARDS)
    return CARDS[card_id]


__all__ = ["CARDS", "Card", "Cause", "card_steps", "get_card"]
