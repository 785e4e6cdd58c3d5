"""The public functions that span layers: explaining a customer from a stored run or from a live one."""

from __future__ import annotations

from bridgewatch.errors import LookupFailed
from bridgewatch.history import Store
from bridgewatch.report.explanation import Explanation
from bridgewatch.results import Run, explain_accounts, find_accounts


def explain(source: Store | Run, customer_id: str, *, workspace: str | None = None, card: str | None = None,
            run_id: str | None = None) -> list[Explanation]:
    """The evidence for ``customer_id`` (a customer, company or account id), on each card.

    From a :class:`Store`: the evidence as stored with the run (``run_id``, default the latest),
    without recomputing anything; ``workspace`` is required. From a computed :class:`Run`:
    per-account queries on the run's engine (any account: counted, present or out of scope).

    Raises:
        LookupFailed: no such workspace, run, card or customer.
    """
    if isinstance(source, Store):
        if workspace is None:
            raise LookupFailed("explain from a store needs the workspace id.")
        return source.explain(workspace, customer_id, card=card, run_id=run_id)
    results = [r for r in source.results if (workspace in (None, r.workspace.id)) and card in (None, r.card.id)]
    if not results:
        raise LookupFailed(f"The run has no result for workspace {workspace!r} and card {card!r}.")
    out: list[Explanation] = []
    missing: list[LookupFailed] = []
    for r in results:
        try:
            accounts = find_accounts(source.engine, r.workspace.id, customer_id)
        except LookupFailed as exc:  # not in this workspace: maybe in another of the run
            missing.append(exc)
            continue
        out += explain_accounts(source.engine, r.card, accounts, worklist=r.worklist)
    if not out and missing:
        if len({r.workspace.id for r in results}) == 1:
            raise missing[0]
        raise LookupFailed(f"No customer, company or account '{customer_id}' in any workspace of the run "
                           f"({', '.join(sorted({r.workspace.id for r in results}))}).")
    return out
