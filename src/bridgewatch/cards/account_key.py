"""How SQL names an account: four columns outside, one integer inside the pipeline.

An account is ``(workspace_id, platform, account_kind, account_id)`` (``ACCOUNT``). Steps join
and group on ``acct`` instead: those four columns hashed to a non-negative 63-bit integer, many
times cheaper to join on than four strings. The key is exact, not probably-unique: the accounts
step gives each account whose hash collides with another's its own negative key, and
:func:`with_acct` (how every relation derives ``acct`` from the four columns) looks those few
accounts up in ``__bw__account_remap``, which is empty unless a collision occurred.
"""

from __future__ import annotations

ACCOUNT = ("workspace_id", "platform", "account_kind", "account_id")
ACCOUNT_COLS = ", ".join(ACCOUNT)

KEY_MASK = 2**63 - 1
"""``acct`` is the account hash masked to 63 bits: never negative, so remapped keys (< 0) cannot clash."""

REMAP = "__bw__account_remap"


def on(left: str, right: str, cols: tuple[str, ...] = ACCOUNT) -> str:
    """``left.c = right.c AND ...`` over ``cols``."""
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in cols)


def account_key(alias: str) -> str:
    """The hashed account key of row ``alias`` (which has the ``ACCOUNT`` columns)."""
    cols = ", ".join(f"{alias}.{c}" for c in ACCOUNT)
    return f"CAST(hash({cols}) & {KEY_MASK} AS BIGINT)"


def with_acct(relation: str, remap: str = REMAP) -> str:
    """``relation`` (SQL with the ``ACCOUNT`` columns) plus its exact ``acct`` (``remap`` holds the collided ones)."""
    return (f"SELECT x.*, COALESCE(rm.acct, {account_key('x')}) AS acct FROM ({relation}) AS x "
            f"LEFT JOIN {remap} rm ON {on('rm', 'x')}")


MEMBERS_SQL = """
    SELECT c.*, CASE WHEN c.company_id IS NULL THEN 'customer' ELSE 'company' END AS account_kind,
           COALESCE(c.company_id, c.customer_id) AS account_id
    FROM bw_commerce_customers c"""
"""Every commerce customer with the account it belongs to: its company's, else its own."""


ACTIVE = "(SELECT * FROM __bw__accounts WHERE examined)"
"""The accounts a card of the pass may count (``examined``: a counted order in the window, and in the population of
a card their workspace runs): the only ones keyed, matched, given an entity and a sync history."""
ACTIVE_ACCTS = "(SELECT acct FROM __bw__accounts WHERE examined)"
"""The same accounts, by ``acct`` only."""
