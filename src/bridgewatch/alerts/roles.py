"""The part of an alert each role owns (the seeds' roles: owner, finance, marketing, operations).

A role's part is data: the causes it covers (None: all of them) and the sections of the message it
gets. Marketing owns create failures (the onboarding capture that makes creates fail, with the
rejection-reason templates); operations owns sync health (every cause, the freshness of the sync log,
customers awaiting sync or stuck in Dataverse); finance owns the money (blocked value per entity, the VAT
treatment of the top rows); the owner gets everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgewatch.cards.causes import CREATE_FAILED

SECTIONS = ("causes", "reasons", "entities", "top", "freshness")


@dataclass(frozen=True)
class RolePart:
    """What one role is told about an alert."""

    role: str
    causes: tuple[str, ...] | None
    """The causes counted in this role's part (None: every cause)."""
    sections: tuple[str, ...]
    """Which lists of the message are filled for this role (the others are sent empty)."""
    owns: str
    """One line saying what the role owns (shown in messages)."""


ROLE_PARTS = {
    "owner": RolePart("owner", None, SECTIONS, "the whole card"),
    "finance": RolePart("finance", None, ("causes", "entities", "top"),
                        "blocked order value and the VAT treatment at stake, per entity"),
    "marketing": RolePart("marketing", (CREATE_FAILED,), ("reasons", "top"),
                          "create failures: the onboarding capture behind each rejection reason"),
    "operations": RolePart("operations", None, ("causes", "top", "freshness"),
                           "sync health: every sync cause and how fresh the sync log is"),
}


def part(role: str) -> RolePart:
    return ROLE_PARTS[role]
