"""Card-independent SQL steps: accounts, orders in scope, expected entity, keys, sync history.

Every step keeps ``workspace_id`` in its keys so one pass can serve many workspaces. Step
functions return :class:`Step` objects whose SQL is written once, in DuckDB's dialect.

The unit a card counts is the *account*: a B2B company when the customer buys for one (any of
its contacts' orders count for it, and its keys come from the company, its locations and its
contacts), otherwise the individual customer. An account is identified by
``(workspace_id, platform, account_kind, account_id)``; ``ACCOUNT`` below names those columns.
"""

from __future__ import annotations

from bridgewatch.engine.base import Step
from bridgewatch.matching.normalise import KEY_SQL, account_ref_sql

ACCOUNT = ("workspace_id", "platform", "account_kind", "account_id")
ACCOUNT_COLS = ", ".join(ACCOUNT)

GUEST = "guest order (no customer record)"
QUOTE = "quote, not an order"
CANCELLED = "cancelled"
NOT_LIVE = "not a live sale (refunded, declined, incomplete or test)"
BEFORE_WINDOW = "placed before the window"
AFTER_AS_OF = "placed at or after the as-of time"
NEGATIVE = "refund or credit (negative total)"


def on(left: str, right: str, cols: tuple[str, ...] = ACCOUNT) -> str:
    """``left.c = right.c AND ...`` over ``cols``."""
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in cols)


def account_members() -> Step:
    """Every commerce customer with the account it belongs to (its columns kept, so later steps need no join)."""
    return Step("account_members", """
        SELECT c.*, CASE WHEN c.company_id IS NULL THEN 'customer' ELSE 'company' END AS account_kind,
               COALESCE(c.company_id, c.customer_id) AS account_id
        FROM bw_commerce_customers c""")


def orders() -> Step:
    """Every order with its account and, when it does not count, the first reason why not."""
    return Step("orders", f"""
        SELECT o.workspace_id, o.platform, o.order_id, o.customer_id, o.email, o.status, o.created_at,
               o.currency, o.total, o.ship_to_country, o.tags, o.source_file, o.source_row,
               CASE WHEN o.company_id IS NOT NULL THEN 'company'
                    WHEN m.account_kind IS NOT NULL THEN m.account_kind
                    WHEN o.customer_id IS NOT NULL THEN 'customer' END AS account_kind,
               COALESCE(o.company_id, m.account_id, o.customer_id) AS account_id,
               CASE WHEN o.created_at >= p.as_of THEN '{AFTER_AS_OF}'
                    WHEN o.created_at < p.window_start THEN '{BEFORE_WINDOW}'
                    WHEN o.customer_id IS NULL AND o.company_id IS NULL THEN '{GUEST}'
                    WHEN o.quote THEN '{QUOTE}'
                    WHEN o.cancelled THEN '{CANCELLED}'
                    WHEN o.inactive THEN '{NOT_LIVE}'
                    WHEN o.total < 0 THEN '{NEGATIVE}' END AS excluded_reason
        FROM bw_orders o
        JOIN bw_params p ON p.workspace_id = o.workspace_id
        LEFT JOIN __bw__account_members m
          ON m.workspace_id = o.workspace_id AND m.platform = o.platform AND m.customer_id = o.customer_id""")


def _greater(a: str, b: str) -> str:
    """The larger of two values, ignoring NULLs (as ``max`` over both would)."""
    return f"(CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL OR {a} >= {b} THEN {a} ELSE {b} END)"


_FIRST_MEMBER = "concat(COALESCE(CAST(created_at AS VARCHAR), '9999'), '|', customer_id)"
"""Orders an account's member customers: earliest created first, then by id (a stable tie-break)."""


def accounts() -> Step:
    """One row per account with its name, country, creation time, storefront merge and B2B flag.

    The display name follows a fixed precedence (docs/cards.md): for a company account, the
    company record's name, else the company name held on its earliest-created member customer,
    else that member's own name; for an individual, the customer's name, else its company name.

    An account's facts come from its company record (when it is a company), from its member
    customers, and it exists at all if only an order names it. Members and companies are
    aggregated apart and joined, rather than one aggregate over everything, so the largest input
    (the customers) is grouped once with the fewest aggregate states.
    """
    return Step("accounts", f"""
        WITH m AS (
            SELECT {ACCOUNT_COLS},
                   arg_min(company_name, {_FIRST_MEMBER}) FILTER (WHERE company_name IS NOT NULL) AS company_name,
                   arg_min(name, {_FIRST_MEMBER}) FILTER (WHERE name IS NOT NULL) AS member_name,
                   max(country) AS member_country,
                   min(created_at) AS member_created,
                   max(CASE WHEN account_kind = 'customer' THEN merged_into END) AS merged_into,
                   bool_or(is_b2b) AS is_b2b
            FROM __bw__account_members GROUP BY {ACCOUNT_COLS}
        ), co AS (
            SELECT workspace_id, platform, 'company' AS account_kind, company_id AS account_id,
                   max(name) AS company_name, max(country) AS company_country, max(created_at) AS company_created,
                   max(merged_into) AS merged_into
            FROM bw_companies GROUP BY workspace_id, platform, company_id
        ), known AS (
            SELECT COALESCE(m.workspace_id, co.workspace_id) AS workspace_id,
                   COALESCE(m.platform, co.platform) AS platform,
                   COALESCE(m.account_kind, co.account_kind) AS account_kind,
                   COALESCE(m.account_id, co.account_id) AS account_id,
                   CASE WHEN COALESCE(m.account_kind, co.account_kind) = 'company'
                        THEN COALESCE(co.company_name, m.company_name, m.member_name)
                        ELSE COALESCE(m.member_name, m.company_name) END AS name,
                   COALESCE(co.company_country, m.member_country) AS country,
                   COALESCE(co.company_created, m.member_created) AS created_at,
                   {_greater('co.merged_into', 'm.merged_into')} AS merged_into,
                   COALESCE(m.is_b2b, FALSE) AS is_b2b
            FROM m FULL OUTER JOIN co ON {on('m', 'co')}
        ), order_only AS (
            SELECT DISTINCT o.workspace_id, o.platform, o.account_kind, o.account_id
            FROM __bw__orders o
            WHERE o.account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM known k WHERE {on('k', 'o')})
        )
        SELECT {ACCOUNT_COLS}, name, country, created_at, merged_into, is_b2b OR account_kind = 'company' AS is_b2b
        FROM known
        UNION ALL
        SELECT {ACCOUNT_COLS}, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS TIMESTAMP),
               CAST(NULL AS VARCHAR), account_kind = 'company'
        FROM order_only""")


def account_activity() -> Step:
    """Per account: its counted orders in the window, and its quotes (for the quote-only rule)."""
    return Step("account_activity", f"""
        SELECT {ACCOUNT_COLS},
               count(*) FILTER (WHERE excluded_reason IS NULL) AS active_orders,
               count(*) FILTER (WHERE excluded_reason = '{QUOTE}') AS quotes_in_window,
               count(*) FILTER (WHERE excluded_reason NOT IN ('{BEFORE_WINDOW}', '{AFTER_AS_OF}'))
                   AS orders_in_window,
               min(created_at) FILTER (WHERE excluded_reason IS NULL) AS first_order_at,
               max(created_at) FILTER (WHERE excluded_reason IS NULL) AS last_order_at,
               max_by(ship_to_country, created_at) FILTER (WHERE excluded_reason IS NULL) AS last_ship_to,
               max_by(customer_id, created_at) FILTER (WHERE excluded_reason IS NULL) AS last_buyer
        FROM __bw__orders
        WHERE account_id IS NOT NULL
        GROUP BY {ACCOUNT_COLS}""")


def order_values() -> Step:
    """Counted orders with the FX rate into reporting currency (latest rate on or before the order date).

    The rate is looked up once per (currency, order date), not per order: a day's orders share it.
    """
    return Step("order_values", """
        WITH days AS (
            SELECT DISTINCT o.workspace_id, o.currency, CAST(o.created_at AS DATE) AS order_date
            FROM __bw__orders o JOIN bw_params p ON p.workspace_id = o.workspace_id
            WHERE o.excluded_reason IS NULL AND o.currency <> p.reporting_currency
        ), rates AS (
            SELECT d.workspace_id, d.currency, d.order_date, f.rate, f.rate_date,
                   row_number() OVER (PARTITION BY d.workspace_id, d.currency, d.order_date
                                      ORDER BY f.rate_date DESC) AS rn
            FROM days d
            JOIN bw_fx_rates f ON f.workspace_id = d.workspace_id AND f.currency = d.currency
                              AND f.rate_date <= d.order_date
        )
        SELECT o.*, p.reporting_currency,
               CASE WHEN o.currency = p.reporting_currency THEN CAST(1 AS DECIMAL(18,8)) ELSE r.rate END AS fx_rate,
               CASE WHEN o.currency = p.reporting_currency THEN CAST(o.created_at AS DATE) ELSE r.rate_date END
                   AS fx_rate_date,
               ROUND(o.total * CASE WHEN o.currency = p.reporting_currency THEN 1 ELSE r.rate END, 2)
                   AS value_reporting
        FROM __bw__orders o
        JOIN bw_params p ON p.workspace_id = o.workspace_id
        LEFT JOIN rates r ON r.workspace_id = o.workspace_id AND r.currency = o.currency
                         AND r.order_date = CAST(o.created_at AS DATE) AND r.rn = 1
        WHERE o.excluded_reason IS NULL""")


def entity_hits() -> Step:
    """Every entity rule that fires for an active account, with its precedence rank.

    Rank 1 = per-customer override, 2 = platform tag (order or customer tag), 3 = ship-to country.
    """
    return Step("entity_hits", """
        WITH tags AS (
            SELECT o.workspace_id, o.platform, o.account_kind, o.account_id, lower(trim(t.tag)) AS tag
            FROM __bw__orders AS o, unnest(string_split(o.tags, ',')) AS t(tag)
            WHERE o.excluded_reason IS NULL AND o.tags IS NOT NULL
            UNION ALL
            SELECT c.workspace_id, c.platform, c.account_kind, c.account_id, lower(trim(t.tag)) AS tag
            FROM __bw__account_members AS c, unnest(string_split(c.tags, ',')) AS t(tag)
            WHERE c.tags IS NOT NULL
        )
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id, r.entity, r.rank, r.kind, r.value
        FROM __bw__account_activity a
        JOIN bw_entity_rules r ON r.workspace_id = a.workspace_id AND r.kind = 'override'
             AND r.value = a.account_id AND (r.platform IS NULL OR r.platform = a.platform)
        WHERE a.active_orders > 0
        UNION ALL
        SELECT DISTINCT t.workspace_id, t.platform, t.account_kind, t.account_id, r.entity, r.rank, r.kind, r.value
        FROM tags t
        JOIN bw_entity_rules r ON r.workspace_id = t.workspace_id AND r.kind = 'tag' AND r.value = t.tag
             AND (r.platform IS NULL OR r.platform = t.platform)
        UNION ALL
        SELECT DISTINCT o.workspace_id, o.platform, o.account_kind, o.account_id, r.entity, r.rank, r.kind, r.value
        FROM __bw__orders o
        JOIN bw_entity_rules r ON r.workspace_id = o.workspace_id AND r.kind = 'country'
             AND r.value = o.ship_to_country AND (r.platform IS NULL OR r.platform = o.platform)
        WHERE o.excluded_reason IS NULL""")


def entity_fit() -> Step:
    """The entities an account's orders should post to: the candidates at the best-ranked rule, else the default."""
    return Step("entity_fit", f"""
        WITH best AS (
            SELECT {ACCOUNT_COLS}, min(rank) AS best_rank FROM __bw__entity_hits GROUP BY {ACCOUNT_COLS}
        )
        SELECT DISTINCT h.workspace_id, h.platform, h.account_kind, h.account_id, h.entity, h.kind AS basis
        FROM __bw__entity_hits h JOIN best b ON {on('h', 'b')} AND h.rank = b.best_rank
        UNION ALL
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id, p.default_entity, 'default'
        FROM __bw__account_activity a
        JOIN bw_params p ON p.workspace_id = a.workspace_id
        WHERE a.active_orders > 0 AND p.default_entity IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM __bw__entity_hits h WHERE {on('h', 'a')})""")


def account_entity() -> Step:
    """Per active account: the expected entity, or the ambiguity when rules disagree or none applies."""
    return Step("account_entity", f"""
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id,
               count(f.entity) AS n_fit,
               CASE WHEN count(f.entity) = 1 THEN min(f.entity) END AS expected_entity,
               count(f.entity) <> 1 AS entity_ambiguous,
               string_agg(f.entity, ', ' ORDER BY f.entity) AS entity_candidates,
               COALESCE(min(f.basis), 'none') AS entity_basis
        FROM __bw__account_activity a
        LEFT JOIN __bw__entity_fit f ON {on('f', 'a')}
        WHERE a.active_orders > 0
        GROUP BY a.workspace_id, a.platform, a.account_kind, a.account_id""")


def _keys_by_type(relation: str, cols: str, keys: dict[str, tuple[str, str, str]], owner: str | None = None) -> str:
    """One scan of ``relation`` emitting a row per key type (a cross join, not one scan per key).

    ``keys`` maps a key type to (value column, country column for VAT, SQL for the source field's
    name). ``key_source`` is that name, prefixed with ``owner`` (SQL such as ``concat('customer ',
    c.customer_id)``) when given. Rows whose value normalises to NULL are kept; callers filter.
    """
    types = ", ".join(f"('{k}')" for k in keys)
    value = " ".join(f"WHEN '{k}' THEN {KEY_SQL[k](col, country)}" for k, (col, country, _) in keys.items())
    field = f"CASE kt.key_type {' '.join(f'WHEN {k!r} THEN {label}' for k, (_, _, label) in keys.items())} END"
    source = f"concat({owner}, ' ', {field})" if owner else field
    return (f"SELECT {cols}, kt.key_type, CASE kt.key_type {value} END AS key_value, "
            f"{source} AS key_source, 1 AS n FROM {relation} CROSS JOIN (VALUES {types}) AS kt(key_type)")


def account_keys() -> Step:
    """Every normalised match key of every active account, with where it came from (long format).

    Keys come from the account's member customers, its company and the company's locations, and
    the emails on its counted orders; ``key_source`` names the first source (in text order) and
    ``n_sources`` how many carried the same value. Only accounts with a counted order are keyed.
    """
    active = f"(SELECT {ACCOUNT_COLS} FROM __bw__account_activity WHERE active_orders > 0) AS a"
    members = ("(SELECT m.*, COALESCE(m.country, p.home_country) AS own_country FROM __bw__account_members m "
               f"JOIN {active} ON {on('a', 'm')} JOIN bw_params p ON p.workspace_id = m.workspace_id) AS c")
    companies = ("(SELECT co.*, 'company' AS account_kind, co.company_id AS account_id, "
                 "COALESCE(co.country, p.home_country) AS own_country FROM bw_companies co "
                 f"JOIN {active} ON a.workspace_id = co.workspace_id AND a.platform = co.platform "
                 "AND a.account_kind = 'company' AND a.account_id = co.company_id "
                 "JOIN bw_params p ON p.workspace_id = co.workspace_id) AS c")
    locations = ("(SELECT l.*, 'company' AS account_kind, l.company_id AS account_id, "
                 "COALESCE(l.country, co.country, p.home_country) AS vat_country, "
                 "COALESCE(l.country, p.home_country) AS own_country FROM bw_company_locations l "
                 f"JOIN {active} ON a.workspace_id = l.workspace_id AND a.platform = l.platform "
                 "AND a.account_kind = 'company' AND a.account_id = l.company_id "
                 "JOIN bw_params p ON p.workspace_id = l.workspace_id "
                 "LEFT JOIN bw_companies co ON co.workspace_id = l.workspace_id AND co.platform = l.platform "
                 "AND co.company_id = l.company_id) AS c")
    order_email = KEY_SQL["email"]("o.email", "NULL")
    cols = "c.workspace_id, c.platform, c.account_kind, c.account_id"
    parts = [
        _keys_by_type(members, cols, owner="concat('customer ', c.customer_id)", keys={
            "vat": ("c.vat_number", "c.own_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'"),
            "email": ("c.email", "NULL", "'email'"),
            "external_id": ("COALESCE(c.external_id, c.customer_id)", "NULL",
                            "CASE WHEN c.external_id IS NULL THEN 'id' ELSE 'external_id' END")}),
        _keys_by_type(companies, cols, owner="concat('company ', c.company_id)", keys={
            "vat": ("c.vat_number", "c.own_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'"),
            "email": ("c.email", "NULL", "'email'"),
            "external_id": ("c.company_id", "NULL", "'id'")}),
        _keys_by_type(locations, cols, owner="concat('location ', c.location_id)", keys={
            "vat": ("c.vat_number", "c.vat_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'")}),
        # Order emails collapse per account first: many orders, few distinct addresses.
        f"SELECT o.workspace_id, o.platform, o.account_kind, o.account_id, 'email' AS key_type, "
        f"{order_email} AS key_value, min(concat('order ', o.order_id, ' email')) AS key_source, "
        f"count(*) AS n FROM __bw__orders o WHERE o.excluded_reason IS NULL AND o.account_id IS NOT NULL "
        f"GROUP BY o.workspace_id, o.platform, o.account_kind, o.account_id, {order_email}",
    ]
    union = "\nUNION ALL\n".join(parts)
    return Step("account_keys", f"""
        SELECT k.workspace_id, k.platform, k.account_kind, k.account_id, k.key_type, k.key_value,
               min(k.key_source) AS key_source, CAST(sum(k.n) AS BIGINT) AS n_sources
        FROM ({union}) AS k
        WHERE k.key_value IS NOT NULL
        GROUP BY k.workspace_id, k.platform, k.account_kind, k.account_id, k.key_type, k.key_value""")


def _long_keys(name: str, base: str, cols: str, keys: dict[str, tuple[str, str, str]]) -> Step:
    """A step holding one row per (record, key type, normalised value) of ``base``.

    ``keys`` maps a key type to (value column, country column for VAT, label of the source field).
    """
    labelled = {key: (column, country, f"'{label}'") for key, (column, country, label) in keys.items()}
    rows = _keys_by_type(base, cols, labelled)
    out = ", ".join(f"k.{c.strip().removeprefix('c.')}" for c in cols.split(","))
    return Step(name, f"SELECT {out}, k.key_type, k.key_value, k.key_source FROM ({rows}) AS k "
                      f"WHERE k.key_value IS NOT NULL")


def erp_keys() -> Step:
    """Every normalised key of every ERP record that existed at the as-of time (long format)."""
    base = ("(SELECT e.*, COALESCE(e.country, en.country, p.home_country) AS vat_country, "
            "e.status IN ('active', 'on_hold') AS is_live, "
            "EXISTS (SELECT 1 FROM bw_holding h WHERE h.workspace_id = e.workspace_id "
            f"AND h.account = {account_ref_sql('e.customer_account')} "
            "AND (h.entity IS NULL OR h.entity = e.legal_entity)) AS is_holding "
            "FROM bw_erp_customers e JOIN bw_params p ON p.workspace_id = e.workspace_id "
            "LEFT JOIN bw_entities en ON en.workspace_id = e.workspace_id AND en.entity = e.legal_entity "
            "WHERE e.created_at IS NULL OR e.created_at < p.as_of) AS c")
    cols = ("c.workspace_id, c.system, c.legal_entity, c.customer_account, c.name, c.status, c.merged_into, "
            "c.is_live, c.is_holding")
    return _long_keys("erp_keys", base, cols, {
        "vat": ("c.vat_number", "c.vat_country", "vat_number"),
        "account_ref": ("c.customer_account", "NULL", "customer_account"),
        "email": ("c.email", "NULL", "email"),
        "external_id": ("c.external_id", "NULL", "external_id"),
    })


def staging_keys() -> Step:
    """Keys of staging (Dataverse) records, for the 'present but not promoted' cross-reference."""
    base = ("(SELECT s.*, p.home_country FROM bw_staging_records s "
            "JOIN bw_params p ON p.workspace_id = s.workspace_id "
            "WHERE s.created_at IS NULL OR s.created_at < p.as_of) AS c")
    cols = "c.workspace_id, c.system, c.record_id, c.record_type, c.legal_entity, c.state, c.merged, c.master_id"
    return _long_keys("staging_keys", base, cols, {
        "vat": ("c.vat_number", "c.home_country", "vat_number"),
        "account_ref": ("c.account_ref", "NULL", "account_ref"),
        "email": ("c.email", "NULL", "email"),
        "external_id": ("c.external_id", "NULL", "external_id"),
    })


def account_events() -> Step:
    """Sync-log events that concern an active account (by company id or any member customer id)."""
    return Step("account_events", f"""
        WITH refs AS (
            SELECT workspace_id, platform, account_kind, account_id, account_id AS ref FROM __bw__account_activity
            WHERE active_orders > 0
            UNION
            SELECT m.workspace_id, m.platform, m.account_kind, m.account_id, m.customer_id
            FROM __bw__account_members m JOIN __bw__account_activity a ON {on('a', 'm')} AND a.active_orders > 0
        )
        SELECT DISTINCT r.workspace_id, r.platform, r.account_kind, r.account_id,
               s.source, s.event_id, s.customer_ref, s.occurred_at, s.operation, s.outcome, s.rejection_reason,
               s.legal_entity, s.erp_account, s.source_file, s.source_row,
               s.operation IN ('create', 'promote', 'other') AS is_attempt
        FROM bw_sync_events s
        JOIN bw_params p ON p.workspace_id = s.workspace_id
        JOIN refs r ON r.workspace_id = s.workspace_id AND r.ref = s.customer_ref
                   AND (s.platform IS NULL OR s.platform = r.platform)
        WHERE s.occurred_at < p.as_of""")


def account_sync() -> Step:
    """Per active account: its latest create attempt and the workspace's last successful sync run."""
    return Step("account_sync", f"""
        WITH ranked AS (
            SELECT e.*, row_number() OVER (
                PARTITION BY workspace_id, platform, account_kind, account_id
                ORDER BY occurred_at DESC,
                         CASE outcome WHEN 'failed' THEN 0 WHEN 'pending' THEN 1
                                      WHEN 'succeeded' THEN 2 ELSE 3 END,
                         event_id DESC) AS rn
            FROM __bw__account_events e WHERE is_attempt
        ), runs AS (
            SELECT s.workspace_id, max(s.occurred_at) AS last_success_run
            FROM bw_sync_events s JOIN bw_params p ON p.workspace_id = s.workspace_id
            WHERE s.outcome = 'succeeded' AND s.occurred_at < p.as_of
            GROUP BY s.workspace_id
        ), counts AS (
            SELECT {ACCOUNT_COLS}, count(*) AS attempts,
                   count(*) FILTER (WHERE outcome = 'failed') AS failed_attempts
            FROM __bw__account_events WHERE is_attempt GROUP BY {ACCOUNT_COLS}
        )
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id,
               COALESCE(c.attempts, 0) AS attempts, COALESCE(c.failed_attempts, 0) AS failed_attempts,
               l.occurred_at AS last_attempt_at, l.outcome AS last_outcome,
               NULLIF(trim(l.rejection_reason), '') AS last_reason, l.source AS last_source,
               r.last_success_run
        FROM __bw__account_activity a
        LEFT JOIN counts c ON {on('c', 'a')}
        LEFT JOIN ranked l ON {on('l', 'a')} AND l.rn = 1
        LEFT JOIN runs r ON r.workspace_id = a.workspace_id
        WHERE a.active_orders > 0""")


def shared_steps() -> list[Step]:
    """The steps every card builds on, in dependency order."""
    return [account_members(), orders(), accounts(), account_activity(), order_values(), entity_hits(),
            entity_fit(), account_entity(), account_keys(), erp_keys(), staging_keys(), account_events(),
            account_sync()]
