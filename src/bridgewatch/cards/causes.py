"""Why a counted customer is absent: the sync-cause ladder, each cause a definition carrying its own words.

A :class:`Cause` holds everything about one cause in one place: the SQL condition that assigns it
(the first cause on the ladder whose condition holds wins), the label a finance lead reads, what
the cause means, the next action, and the sentence that explains one customer's case from the facts
the SQL used. Nothing outside this module branches on cause ids.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Why:
    """One way of explaining a cause for a customer: used when fact ``when`` is truthy (``None`` = always)."""

    when: str | None
    text: str
    """A ``str.format`` template over the customer's facts (docs/cards.md lists them)."""


@dataclass(frozen=True)
class Cause:
    """A reason a counted customer is absent; the first cause whose condition holds wins."""

    id: str
    label: str
    condition: str
    """SQL over aliases: ``a`` account, ``act`` activity, ``pr`` presence, ``sy`` sync, ``st`` staging, ``p`` params."""
    action: str
    """What to do about a customer absent for this cause."""
    definition: str = ""
    """What the cause means, in plain words (shown with every explanation and in the docs)."""
    why: tuple[Why, ...] = ()
    """How one customer's case is explained: the first :class:`Why` whose fact holds."""
    consequence: str = ""
    """What the absence does to the next invoice batch (the last column of the Sage seed's drill by sync cause)."""

    def explain(self, facts: Mapping[str, Any]) -> str:
        """The sentence explaining why a customer with these ``facts`` has this cause."""
        for option in self.why:
            if option.when is None or facts.get(option.when):
                return string.Formatter().vformat(option.text, (), _Facts(facts))
        return self.definition


class _Facts(dict[str, Any]):
    """Facts for a template; a missing or empty fact reads 'not recorded' rather than failing."""

    def __init__(self, facts: Mapping[str, Any]) -> None:
        super().__init__(facts)

    def __missing__(self, key: str) -> str:
        return "not recorded"

    def __getitem__(self, key: str) -> Any:
        value = super().get(key)
        return "not recorded" if value is None or value == "" else value


MERGED_RETIRED = "merged_retired"
CREATE_FAILED = "create_failed"
SYNCED_NOT_FOUND = "synced_not_found"
LAGGING = "lagging"
NEVER_SYNCED = "never_synced"
DATAVERSE_NOT_PROMOTED = "dataverse_not_promoted"


def _lagging_condition(order_triggered: bool, b2b_manual: bool) -> str:
    """The sync log says an attempt is in flight, or the account is too new for the sync to have caught up.

    Inside the grace means less than ``grace_minutes`` old (``> grace_start``: an order exactly 15 minutes
    old is not "< 15 minutes old"). Created after the last successful sync run counts only while the sync runs
    (``sync_running``: its last success is within ``max_age_hours`` of the as-of time); after a sync silent for
    longer, the customer is not lagging but never synced. ``b2b_manual``: B2B accounts are onboarded by hand, so
    being new never makes them lag (only the log's own word does): they do not clear on the next run.
    """
    new = "a.created_at > p.grace_start OR (a.created_at > sy.last_success_run AND sy.sync_running)"
    new += " OR a.first_sale_at > p.grace_start" if order_triggered else ""
    return f"sy.last_outcome IN ('pending', 'succeeded') OR {f'(NOT a.is_b2b AND ({new}))' if b2b_manual else new}"


def _merged(staging: bool) -> Cause:
    return Cause(
        MERGED_RETIRED, "Merged or retired reference",
        "a.merged_into IS NOT NULL OR pr.retired_match"
        + (" OR (st.staging_merged AND NOT st.in_staging)" if staging else ""),
        "Re-point the orders to the surviving account (or reactivate the retired record).",
        "The storefront merged this account into another, or the only master records its keys find are "
        "inactive, merged or retired: its orders reference an account the master no longer uses.",
        (Why("merged_into", "merged on the storefront into {merged_into}; its orders still reference the old "
                            "account"),
         Why("retired_match", "the only master records it matches are inactive, merged or retired"),
         Why("staging_merged", "no master record matches, and its Dataverse record ({staging_records}) was merged "
                               "into another that none of its keys reach"),
         Why(None, "the only master records it matches are inactive, merged or retired")),
        consequence="Orders reference a merged or retired account: invoices would post to a dead record.")


def _not_promoted() -> Cause:
    return Cause(
        DATAVERSE_NOT_PROMOTED, "In Dataverse, not promoted", "st.in_staging",
        "Complete the dual-write / promotion into the ERP master; do not create a duplicate.",
        "A matching record exists in Dataverse (the staging layer) but never reached the ERP customer master "
        "of the expected entity: promotion or dual-write did not complete.",
        (Why(None, "a matching Dataverse record exists ({staging_records}) but no customer in the expected "
                   "entity's master"),),
        consequence="Stalled in Dataverse: promote it (a new record would be a duplicate); until then orders "
                    "cannot post.")


_NO_RECORD = {
    True: ("The sync thinks the record exists: invoices will not find it, so VAT cannot be coded.",
           "No customer record: the next invoice cannot be given a VAT treatment or post."),
    False: ("The sync thinks the record exists: orders will not find it, so they cannot become sales orders "
            "or invoices.",
            "No customer record: its orders cannot become sales orders, invoices or GL revenue."),
}
"""The consequence of 'synced, not found' and 'never synced', by whether the card has a VAT treatment at stake
(the Sage seed's drill speaks of VAT; the D365 seed of sales orders, free-text invoices and GL revenue)."""


def _sync_ladder(order_triggered: bool, b2b_manual: bool, vat_at_stake: bool) -> list[Cause]:
    not_found, never = _NO_RECORD[vat_at_stake]
    return [
        Cause(CREATE_FAILED, "Sync failed (create rejected)", "sy.last_outcome = 'failed'",
              "Fix the rejection reason, then re-run the sync.",
              "The sync log holds a create attempt for this customer and the latest one was rejected by the ERP: "
              "it will keep failing the same way until the reason is fixed.",
              (Why(None, "last create attempt ({last_attempt_at}, {last_source}) was rejected: {rejection_reason}; "
                         "{failed_attempts} failed attempt(s) in all"),),
              consequence="Record creation rejected: orders stranded, and it will fail again until the reason "
                          "is fixed."),
        Cause(SYNCED_NOT_FOUND, "Sync reported success, record not in master",
              "sy.last_outcome = 'succeeded' AND sy.last_attempt_at <= p.grace_start",
              "Check the entity and key the sync wrote the record under.",
              "The sync log says the create succeeded (before the awaiting-sync grace), yet no live record in the "
              "expected entity carries any of the customer's keys.",
              (Why(None, "the sync reported success at {last_attempt_at} but no record is in the expected "
                         "entity"),),
              consequence=not_found),
        Cause(LAGGING, "Sync lagging (will clear on next run)", _lagging_condition(order_triggered, b2b_manual),
              "Wait for the next sync run; chase only if it does not clear.",
              "The customer is too new for the sync to have caught up: its latest attempt is pending or just "
              "succeeded, or it was created (or first ordered) after the last successful sync run or inside the "
              "awaiting-sync grace. It should clear on the next run."
              + (" A B2B account is onboarded by hand, not by the sync: only a pending or just-succeeded attempt "
                 "makes it lag." if b2b_manual else ""),
              (Why("sync_in_flight", "latest sync attempt ({last_attempt_at}) is {last_outcome}"),
               Why("created_after_last_run", "created {created_at} after the last successful sync run "
                                             "({last_success_run}); will clear next run"),
               Why(None, "created or first ordered inside the awaiting-sync grace; will clear on the next run")),
              consequence="Will clear on the next sync; not a true failure yet."),
        Cause(NEVER_SYNCED, "Never synced (no create attempt)", "TRUE",
              "Run or fix the sync for this customer; no attempt has been logged.",
              "No create attempt for this customer is in the sync log: the sync never tried (a backlog or a "
              "mapping that skips it).",
              (Why(None, "no create attempt in the sync log (created {created_at}; last successful sync run "
                         "{last_success_run})"),),
              consequence=never),
    ]


def sync_causes(*, order_triggered: bool, staging: bool = False, b2b_manual: bool = False,
                vat_at_stake: bool = True) -> tuple[Cause, ...]:
    """The sync-cause ladder shared by both cards (staging inserts 'not promoted' after 'merged';
    ``b2b_manual``: the sync does not create B2B accounts, so a new one is not lagging; ``vat_at_stake``:
    the consequences speak of the VAT treatment, else of the orders that cannot post)."""
    ladder = [_merged(staging)]
    if staging:
        ladder.append(_not_promoted())
    return tuple(ladder + _sync_ladder(order_triggered, b2b_manual, vat_at_stake))
