"""Card-independent SQL steps: orders, accounts, expected entity, keys, sync history, input freshness, order accounting.

Every step keeps ``workspace_id`` in its keys so one pass can serve many workspaces. Step
functions return :class:`Step` objects whose SQL is written once, in DuckDB's dialect.

The unit a card counts is the *account*: a B2B company when the customer buys for one (any of
its contacts' orders count for it, and its keys come from the company, its locations and its
contacts), otherwise the individual customer. An account is identified by
``(workspace_id, platform, account_kind, account_id)``; ``ACCOUNT`` below names those columns.
Inside the pipeline an account is also carried as ``acct``, one integer (see
:mod:`bridgewatch.cards.account_key`).

What is materialised and what is a view (``docs/performance.md`` has the measurements): the
accounts, their expected entity, their match keys and the key matches are tables, because
several later steps read them in full; ``orders``, ``account_members``, ``order_values``,
``entity_hits``, ``account_keys``, ``account_events`` and ``account_sync`` are views, computed
where they are read: once in full, or for the few accounts a card counts, or for the one account
``explain`` asks about.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridgewatch.cards.account_key import (
    ACCOUNT,
    ACCOUNT_COLS,
    ACTIVE,
    ACTIVE_ACCTS,
    MEMBERS_SQL,
    account_key,
    on,
    with_acct,
)
from bridgewatch.cards.base import Card
from bridgewatch.cards.keys import (
    account_keys,
    key_values,
    match_summary,
    order_email_keys,
    order_email_matches,
)
from bridgewatch.cards.prepare import collision_free, prepared_steps
from bridgewatch.cards.scope import examined_sql
from bridgewatch.cards.sync import account_events, account_sync
from bridgewatch.engine.base import Step
from bridgewatch.matching.normalise import fold_sql
from bridgewatch.model.money import round_sql
from bridgewatch.model.tables import ColumnType
from bridgewatch.sql import literal

GUEST = "guest order (no customer record)"
QUOTE = "quote, not an order"
CANCELLED = "cancelled"
NOT_LIVE = "not a live sale (refunded, declined, incomplete or test)"
BEFORE_WINDOW = "placed before the window"
AFTER_AS_OF = "placed at or after the as-of time"
NEGATIVE = "refund or credit (negative total)"


# -- members and orders: every customer and every order with the account it belongs to ---------------------

def excluded_reason_sql(o: str = "o", p: str = "p") -> str:
    """SQL: why order ``o`` does not count (NULL when it does), the first reason that applies.

    ``p`` is its workspace's ``bw_params`` row (as-of time and window start). Read from the order's own
    columns only, so the order accounting needs no account lookup.
    """
    return f"""CASE WHEN {o}.created_at >= {p}.as_of THEN {literal(AFTER_AS_OF)}
                WHEN {o}.created_at < {p}.window_start THEN {literal(BEFORE_WINDOW)}
                WHEN {o}.customer_id IS NULL AND {o}.company_id IS NULL THEN {literal(GUEST)}
                WHEN {o}.quote THEN {literal(QUOTE)}
                WHEN {o}.cancelled THEN {literal(CANCELLED)}
                WHEN {o}.inactive THEN {literal(NOT_LIVE)}
                WHEN {o}.total < 0 THEN {literal(NEGATIVE)} END"""


def orders_sql() -> str:
    """Every order with its account and, when it does not count, the first reason why not.

    An order names its account by its company, else by its customer's company (looked up among
    the customers that have one, a small table), else it is its customer's own account.
    """
    return f"""
    SELECT o.workspace_id, o.platform, o.order_id, o.customer_id, o.email, o.status, o.created_at,
           o.currency, o.total, o.ship_to_country, o.tags, o.source_file, o.source_row,
           CASE WHEN o.company_id IS NOT NULL OR m.company_id IS NOT NULL THEN 'company'
                WHEN o.customer_id IS NOT NULL THEN 'customer' END AS account_kind,
           COALESCE(o.company_id, m.company_id, o.customer_id) AS account_id,
           {excluded_reason_sql()} AS excluded_reason,
           NOT COALESCE(o.quote OR o.cancelled OR o.inactive, FALSE) AND o.total >= 0 AS live_sale
    FROM bw_orders o
    JOIN bw_params p ON p.workspace_id = o.workspace_id
    LEFT JOIN (SELECT workspace_id, platform, customer_id, company_id FROM bw_commerce_customers
               WHERE company_id IS NOT NULL) m
      ON m.workspace_id = o.workspace_id AND m.platform = o.platform AND m.customer_id = o.customer_id"""


def account_members() -> Step:
    """Every commerce customer with the account it belongs to (its columns kept, so later steps need no join)."""
    return Step("account_members", with_acct(MEMBERS_SQL), view=True)


def orders() -> Step:
    """Every order with its account and ``excluded_reason`` (NULL when it counts)."""
    return Step("orders", with_acct(orders_sql()), view=True)


# -- accounts: one row per account, with its activity in the window ------------------------------------------

_COUNTED = "excluded_reason IS NULL"
_BEFORE = literal(BEFORE_WINDOW)
LATEST = "struct_pack(at := created_at, id := order_id, ship_to := ship_to_country, buyer := customer_id)"
"""Orders an account's orders latest first: by creation time, then by order id (the greater is the later).

The cards read the latest counted order's ship-to country and buyer for the accounts they count only
(``max`` over this struct: both from the same order), not for every account here: at 1M customers the
struct aggregate was a third of the accounts step."""


def accounts(scoped: Sequence[Card] = ()) -> Step:
    """One row per account: name, country, creation time, storefront merge, B2B flag and its orders in the window.

    ``first_sale_at``: the account's first live sale before the as-of time, in the window or before it (what
    says whether it "just ordered for the first time": an order before the window is one the sync had its
    chance to act on).

    The accounts customers and companies name come prepared (``party_accounts``); an account
    named only by an order is added here. Its activity: ``active_orders`` (counted orders in the
    window), quotes and orders in the window (for the quote-only rule), first/last counted order
    (the latest order's ship-to country and buyer are read for the counted accounts only: ``LATEST``). ``acct``
    is the account's integer key; an order-only account whose hash is already taken gets a key
    below every other.

    ``examined``: the account has a counted order in the window and is in the population of a card its
    workspace runs, of the ``scoped`` cards (see :func:`examined_sql`; none: every active account is).
    Only these are keyed, matched, given an entity and a sync history: a pass of the Sage card alone
    (B2B accounts) does not match every consumer's keys.
    """
    join, examined = examined_sql(scoped)
    keys = ", ".join(f"COALESCE(pa.{c}, o.{c}) AS {c}" for c in ACCOUNT)
    return Step("accounts", f"""
        WITH o AS (
            SELECT {ACCOUNT_COLS},
                   count(*) FILTER (WHERE {_COUNTED}) AS active_orders,
                   count(*) FILTER (WHERE excluded_reason = {literal(QUOTE)}) AS quotes_in_window,
                   count(*) FILTER (WHERE excluded_reason NOT IN ({literal(BEFORE_WINDOW)}, {literal(AFTER_AS_OF)}))
                       AS orders_in_window,
                   min(created_at) FILTER (WHERE {_COUNTED}) AS first_order_at,
                   max(created_at) FILTER (WHERE {_COUNTED}) AS last_order_at,
                   min(created_at) FILTER (WHERE live_sale AND ({_COUNTED} OR excluded_reason = {_BEFORE}))
                       AS first_sale_at
            FROM ({orders_sql()}) AS o WHERE account_id IS NOT NULL GROUP BY {ACCOUNT_COLS}
        ), g AS MATERIALIZED (
            SELECT {keys}, pa.name, pa.country, pa.created_at, pa.merged_into,
                   COALESCE(pa.is_b2b, o.account_kind = 'company') AS is_b2b,
                   COALESCE(o.active_orders, 0) AS active_orders, COALESCE(o.quotes_in_window, 0) AS quotes_in_window,
                   COALESCE(o.orders_in_window, 0) AS orders_in_window, o.first_order_at, o.last_order_at,
                   o.first_sale_at, pa.acct AS party_acct
            FROM __bw__party_accounts pa FULL JOIN o ON {on('o', 'pa')}
        ), order_only AS (
            SELECT g.*, {account_key('g')} AS h FROM g WHERE party_acct IS NULL
        ), fix AS ({collision_free('order_only', taken='__bw__party_accounts',
                                   below='(SELECT LEAST(COALESCE(min(acct), 0), 0) FROM __bw__party_accounts)')})
        SELECT a.*, a.active_orders > 0 AND {examined} AS examined FROM (
            SELECT g.workspace_id, g.platform, g.account_kind, g.account_id, g.name, g.country, g.created_at,
                   g.merged_into, g.is_b2b, g.active_orders, g.quotes_in_window, g.orders_in_window, g.first_order_at,
                   g.last_order_at, g.first_sale_at,
                   COALESCE(g.party_acct, fix.acct, {account_key('g')}) AS acct
            FROM g LEFT JOIN fix ON {on('fix', 'g')}
        ) AS a {join}""")


def account_remap() -> Step:
    """The accounts whose hashed key collides with another account's, with the key each was given instead."""
    return Step("account_remap", f"SELECT {ACCOUNT_COLS}, acct FROM __bw__accounts WHERE acct < 0", view=True)


def counted_orders(scoped: bool = False) -> Step:
    """The counted orders (live, in the window, with an account), narrowed to what later steps read.

    Read by the entity rules (ship-to country, tags), the order-email keys and the blocked value
    of the counted accounts: one scan of the orders instead of one per reader. ``scoped``: only
    the examined accounts' orders (every reader wants no others; without it every account with a
    counted order is examined, so the lookup is left out).
    """
    examined = f" AND acct IN {ACTIVE_ACCTS}" if scoped else ""
    return Step("counted_orders", f"""
        SELECT acct, workspace_id, platform, order_id, customer_id, created_at, currency, total, ship_to_country, tags,
               email
        FROM __bw__orders WHERE {_COUNTED}{examined}""")


def _hits_sql(distinct: bool) -> str:
    """Every entity rule that fires for an active account (``acct``, ``workspace_id``, rule columns).

    Rank 1 = per-customer override, 2 = platform tag (order or customer tag), 3 = ship-to country.
    ``distinct`` removes repeats (the evidence shows each hit once; the expected entity does not care).
    """
    unique = "DISTINCT " if distinct else ""
    cols = "t.acct, t.workspace_id, r.entity, r.rank, r.kind, r.value"
    rule = "r.workspace_id = t.workspace_id AND (r.platform IS NULL OR r.platform = t.platform)"
    tag = fold_sql("trim(tg.tag)")
    return f"""
        SELECT {cols} FROM {ACTIVE} AS t
        JOIN bw_entity_rules r ON {rule} AND r.kind = 'override' AND r.value = t.account_id
        UNION ALL
        SELECT {unique}{cols} FROM (
            SELECT o.acct, o.workspace_id, o.platform, {tag} AS tag
            FROM __bw__counted_orders AS o, unnest(string_split(o.tags, ',')) AS tg(tag)
            WHERE o.tags IS NOT NULL
            UNION ALL
            SELECT c.acct, c.workspace_id, c.platform, {tag} AS tag
            FROM __bw__account_members AS c, unnest(string_split(c.tags, ',')) AS tg(tag)
            WHERE c.tags IS NOT NULL
        ) AS t
        JOIN bw_entity_rules r ON {rule} AND r.kind = 'tag' AND r.value = t.tag
        UNION ALL
        SELECT {unique}{cols} FROM __bw__counted_orders t
        JOIN bw_entity_rules r ON {rule} AND r.kind = 'country' AND r.value = t.ship_to_country"""




def entity_hits() -> Step:
    """The entity rules that fire for each active account (evidence: read per account)."""
    return Step("entity_hits", f"""
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id, h.acct, h.entity, h.rank, h.kind, h.value
        FROM ({_hits_sql(distinct=True)}) AS h JOIN __bw__accounts a ON a.acct = h.acct""", view=True)


def account_entity() -> Step:
    """Per active account: the entities its orders should post to and the expected one, or the ambiguity.

    The candidates are the entities of the best-ranked rule that fires, else the workspace's
    default entity. ``fit_entities`` lists them when there are several (one candidate is
    ``expected_entity``); a record in a candidate entity fits (see :func:`entity_fits`). Hits
    are made distinct once, then everything is per account on the integer key; the ordered
    list of candidates is only built for the few accounts that have several.
    """
    return Step("account_entity", f"""
        WITH d AS MATERIALIZED (
            SELECT acct, rank, min(kind) AS kind, entity FROM ({_hits_sql(distinct=False)}) AS h
            GROUP BY acct, rank, entity
        ), best AS (
            SELECT acct, min(rank) AS rank FROM d GROUP BY acct
        ), fit AS (
            SELECT d.acct, count(*) AS n_fit, min(d.entity) AS first_entity, min(d.kind) AS basis
            FROM d JOIN best b ON b.acct = d.acct AND b.rank = d.rank GROUP BY d.acct
        ), several AS (
            SELECT d.acct, string_agg(d.entity, ', ' ORDER BY d.entity) AS candidates, list(d.entity) AS entities
            FROM d JOIN best b ON b.acct = d.acct AND b.rank = d.rank
            WHERE d.acct IN (SELECT acct FROM fit WHERE n_fit > 1) GROUP BY d.acct
        )
        SELECT a.acct, a.workspace_id,
               CASE WHEN f.acct IS NOT NULL THEN f.n_fit WHEN p.default_entity IS NOT NULL THEN 1 ELSE 0 END AS n_fit,
               CASE WHEN f.acct IS NULL THEN p.default_entity WHEN f.n_fit = 1 THEN f.first_entity END
                   AS expected_entity,
               CASE WHEN f.acct IS NOT NULL THEN f.n_fit <> 1 ELSE p.default_entity IS NULL END AS entity_ambiguous,
               CASE WHEN f.acct IS NULL THEN p.default_entity WHEN f.n_fit = 1 THEN f.first_entity
                    ELSE sv.candidates END AS entity_candidates,
               CASE WHEN f.acct IS NOT NULL THEN f.basis WHEN p.default_entity IS NOT NULL THEN 'default'
                    ELSE 'none' END AS entity_basis,
               sv.entities AS fit_entities
        FROM {ACTIVE} a
        JOIN bw_params p ON p.workspace_id = a.workspace_id
        LEFT JOIN fit f ON f.acct = a.acct
        LEFT JOIN several sv ON sv.acct = a.acct""")


def entity_fits(record_entity: str, ae: str = "ae") -> str:
    """SQL: a record in ``record_entity`` fits the account whose ``account_entity`` row is ``ae``.

    Top-level records (no entity) fit every account; with no candidate entity at all, every
    entity fits; otherwise the record's entity must be a candidate.
    """
    return (f"({record_entity} IS NULL OR {ae}.n_fit = 0 OR {record_entity} = {ae}.expected_entity "
            f"OR COALESCE(list_contains({ae}.fit_entities, {record_entity}), FALSE))")


# -- order values -----------------------------------------------------------------------------------------

def local_date(timestamp: str, params: str = "p") -> str:
    """SQL: the date of UTC ``timestamp`` in the workspace's time zone (``workspace.timezone``, from the
    ``bw_params`` row ``params``): the business day an order is booked on. DuckDB's ``AT TIME ZONE`` pair is Spark's
    ``from_utc_timestamp`` (sqlglot's translation)."""
    return f"CAST({timestamp} AT TIME ZONE 'UTC' AT TIME ZONE {params}.timezone AS DATE)"


RATES = f"""
    SELECT d.workspace_id, d.currency, d.order_date, max_by(f.rate, f.rate_date) AS rate, max(f.rate_date) AS rate_date
    FROM (
        SELECT c.workspace_id, c.currency, CAST(d.day AS DATE) AS order_date
        FROM (SELECT DISTINCT workspace_id, currency FROM bw_fx_rates) c
        JOIN bw_params p ON p.workspace_id = c.workspace_id AND c.currency <> p.reporting_currency,
        unnest(generate_series({local_date('p.window_start')}, {local_date('p.as_of')}, INTERVAL 1 DAY)) AS d(day)
    ) d
    JOIN bw_fx_rates f ON f.workspace_id = d.workspace_id AND f.currency = d.currency AND f.rate_date <= d.order_date
    GROUP BY d.workspace_id, d.currency, d.order_date"""
"""The rate into reporting currency for each currency and each day of the window (days in the workspace's time zone):
the latest dated on or before it.

A few dozen rows, so counted orders find their rate by an equality join on (currency, day).
"""


def valued(orders: str) -> str:
    """``orders`` (counted orders, aliased ``o``) with their date in the workspace's time zone (``order_date``: the day
    the ERP books them, whose rate converts them), their FX rate, its date and the value in reporting currency.

    The total (``DECIMAL(18,4)``) is widened by one digit before it is multiplied by the rate (``DECIMAL(18,8)``):
    DuckDB multiplies two decimals of 18 digits or fewer in 64 bits and fails the whole pass when the product
    overflows, which a total times its rate above about 9.2 million does (an order of ¥10,000,000 in a workspace
    reporting in yen). Widened, the product is exact on both engines (DuckDB ``DECIMAL(37,12)``, Spark
    ``DECIMAL(38,12)``: no scale lost, so the rounding to cents is the same).
    """
    same = "o.currency = p.reporting_currency"
    day = local_date("o.created_at")
    return f"""
        SELECT o.*, p.reporting_currency, {day} AS order_date,
               CASE WHEN {same} THEN CAST(1 AS {ColumnType.RATE.sql}) ELSE r.rate END AS fx_rate,
               CASE WHEN {same} THEN {day} ELSE r.rate_date END AS fx_rate_date,
               {round_sql(f"CAST(o.total AS DECIMAL(19,4)) * CASE WHEN {same} THEN 1 ELSE r.rate END",
                          "p.reporting_currency")} AS value_reporting
        FROM {orders} AS o
        JOIN bw_params p ON p.workspace_id = o.workspace_id
        LEFT JOIN ({RATES}) AS r ON r.workspace_id = o.workspace_id AND r.currency = o.currency
                                AND r.order_date = {day}"""


def order_values() -> Step:
    """Counted orders with the FX rate into reporting currency (latest rate on or before the order's date in the
    workspace's time zone).

    A view (the evidence of an account's blocked value); the cards value the orders of the
    accounts they count from ``counted_orders`` with the same rates.
    """
    return Step("order_values", valued(f"(SELECT * FROM __bw__orders WHERE {_COUNTED})"), view=True)


# -- what the inputs say about themselves: freshness and the order accounting, per workspace ---------------

def _newest(table: str, columns: dict[str, str], extra: str = "") -> str:
    """Per workspace: for each ``name: column``, the newest ``column`` of ``table`` before the as-of time."""
    newest = ", ".join(f"max(x.{c}) FILTER (WHERE x.{c} < p.as_of) AS {name}" for name, c in columns.items())
    return (f"SELECT x.workspace_id, {newest}{extra} "
            f"FROM {table} x JOIN bw_params p ON p.workspace_id = x.workspace_id GROUP BY x.workspace_id")


def input_freshness() -> Step:
    """Per workspace: its newest order, ERP record (created or modified) and sync event before the as-of time,
    how many orders fall in the window, and its latest order stamp of all (what the results' freshness is judged
    on)."""
    in_window = (", count(*) FILTER (WHERE x.created_at >= p.window_start AND x.created_at < p.as_of) AS in_window, "
                 "max(x.created_at) AS latest_order_at")
    orders = _newest("bw_orders", {"newest_order_at": "created_at"}, in_window)
    erp = _newest("bw_erp_customers", {"erp_created": "created_at", "erp_modified": "modified_at"})
    return Step("input_freshness", f"""
        SELECT p.workspace_id, p.as_of, p.window_start, o.newest_order_at, COALESCE(o.in_window, 0) AS in_window,
               o.latest_order_at,
               e.erp_created, e.erp_modified, s.newest_sync_event_at
        FROM bw_params p
        LEFT JOIN ({orders}) o ON o.workspace_id = p.workspace_id
        LEFT JOIN ({erp}) e ON e.workspace_id = p.workspace_id
        LEFT JOIN ({_newest('bw_sync_events', {'newest_sync_event_at': 'occurred_at'})}) s
               ON s.workspace_id = p.workspace_id""")


def platform_freshness() -> Step:
    """Per workspace and commerce platform: its newest order before the as-of time (NULL when it has none).

    The workspace's newest order says nothing of a second storefront whose export is days older: its recent
    customers are missing from the count, which reads low and fresh. The results read this to call such a
    platform's data stale on its own."""
    return Step("platform_freshness", """
        SELECT o.workspace_id, o.platform, max(o.created_at) FILTER (WHERE o.created_at < p.as_of) AS newest_order_at
        FROM bw_orders o JOIN bw_params p ON p.workspace_id = o.workspace_id
        GROUP BY o.workspace_id, o.platform""", view=True)


def order_accounting() -> Step:
    """Per workspace: every order by why it does not count (``active in window`` when it does).

    Straight from the staged orders: the reason reads the order alone, so the account lookups of
    the ``orders`` view (a join with the customers per order) are not paid for a count.
    """
    reason = f"COALESCE({excluded_reason_sql()}, 'active in window')"
    return Step("order_accounting", f"""
        SELECT o.workspace_id, {reason} AS reason, count(*) AS orders
        FROM bw_orders o JOIN bw_params p ON p.workspace_id = o.workspace_id
        GROUP BY o.workspace_id, {reason}""")


__all__ = ["ACCOUNT", "ACCOUNT_COLS", "on", "shared_steps"]


def shared_steps(scoped: Sequence[Card] = ()) -> list[Step]:
    """The steps every card builds on, in dependency order.

    ``scoped``: the cards of the pass whose populations limit the accounts examined (see :func:`accounts`);
    empty when every workspace runs a card counting every active account
    (:func:`~bridgewatch.cards.scope.scoping_cards`).
    """
    return [*prepared_steps(scoped), accounts(scoped), account_remap(), account_members(), orders(),
            counted_orders(bool(scoped)),
            entity_hits(), account_entity(), order_values(), account_keys(), order_email_keys(),
            order_email_matches(), key_values(), match_summary(), account_events(), account_sync(), input_freshness(),
            platform_freshness(), order_accounting()]
