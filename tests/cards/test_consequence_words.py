"""Each card's causes say what an absence blocks in the card's own terms: VAT on Sage, posting on D365."""

from __future__ import annotations

from bridgewatch.cards import CARDS
from bridgewatch.cards.causes import NEVER_SYNCED, SYNCED_NOT_FOUND
from bridgewatch.web.formats import consequence

SAGE = "sage_customer_master_gap"
D365 = "d365_customer_master_gap"


def _words(card: str) -> dict[str, str]:
    return {c.id: c.consequence for c in CARDS[card].causes}


def test_the_d365_card_never_speaks_of_vat() -> None:
    words = _words(D365)
    assert words[NEVER_SYNCED] == "No customer record: its orders cannot become sales orders, invoices or GL revenue."
    assert words[SYNCED_NOT_FOUND] == ("The sync thinks the record exists: orders will not find it, so they cannot "
                                       "become sales orders or invoices.")
    assert not [w for w in words.values() if "VAT" in w]


def test_the_sage_card_keeps_its_seed_wording() -> None:
    words = _words(SAGE)
    assert words[NEVER_SYNCED] == "No customer record: the next invoice cannot be given a VAT treatment or post."
    assert words[SYNCED_NOT_FOUND] == ("The sync thinks the record exists: invoices will not find it, "
                                       "so VAT cannot be coded.")


def test_the_web_picks_the_words_of_the_card_shown() -> None:
    assert consequence(NEVER_SYNCED, SAGE) == _words(SAGE)[NEVER_SYNCED]
    assert consequence(NEVER_SYNCED, D365) == _words(D365)[NEVER_SYNCED]
    assert consequence("no such cause", D365).startswith("No customer record in the expected entity")
