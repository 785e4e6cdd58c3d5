"""A card's own SQL steps, built from its :class:`~bridgewatch.cards.base.Card` over the shared steps.

* ``population`` (view): every account seen, with ``scope_reason`` when it is not counted.
* ``matches`` (view, evidence): the account keys of the in-scope accounts that hit an ERP record
  on a key of the card's field map, with whether the record's entity fits.
* ``presence`` (table): per in-scope account, whether a live record in a fitting entity matches,
  on which key first, and the ambiguity flags.
* ``staging`` (table, cards that cross-reference Dataverse): staging records matching an account.
* ``gap`` (table): the counted accounts with every worklist column; sync history, blocked value
  and FX are computed here for these accounts only.
* ``keys_tried``, ``by_cause`` and ``scope`` (tables): per counted account and field-map key, what
  was found; the customers, orders and value per cause; every account seen by why it is or is not
  counted.

Every value in the SQL comes through :func:`bridgewatch.sql.literal`.
"""

from __future__ import annotations

from bridgewatch.cards.base import Card
from bridgewatch.cards.causes import CREATE_FAILED, NEVER_SYNCED
from bridgewatch.cards.keys import (
    STAGING_COLS,
    ambiguous_ids,
    key_sources_sql,
    keys_of,
    matches_of,
    resolved_ids,
    staging_keys_sql,
)
from bridgewatch.cards.steps import LATEST, entity_fits, valued
from bridgewatch.cards.sync import sync_sql
from bridgewatch.engine.base import Step
from bridgewatch.matching.normalise import (
    EU_VAT_AREA,
    NO_VAT_COUNTRIES,
    account_ref_sql,
    fold_sql,
    shown_key_sql,
    vat_country_sql,
)
from bridgewatch.sql import literal, literal_list

NOT_BLOCKED = "counted, not blocked: it posts only to entities that hold the customer"
"""What the evidence says of a counted order left out of its customer's active orders and blocked value."""
POPULATION_COLS = ("workspace_id, platform, account_kind, account_id, name, country, created_at, merged_into, "
                   "is_b2b, active_orders, first_order_at, last_order_at, first_sale_at")


def card_steps(card: Card) -> list[Step]:
    """The card's own steps, run after the shared steps."""
    steps = [_population(card), _presence(card), _matches(card)]
    if card.uses_staging:
        steps.append(_staging(card))
    steps += [_absent_accounts(card), _settled_orders(card), _absent_values(card), _absent_sync(card), _absent(card),
              _gap(card), _keys_tried(card), _by_cause(card), _scope(card), _old_rates(card)]
    return steps


def _population(card: Card) -> Step:
    cols = ", ".join(f"a.{c.strip()}" for c in POPULATION_COLS.split(","))
    return Step(f"{card.id}_population", f"""
        SELECT {cols},
               CASE WHEN a.active_orders = 0 AND a.quotes_in_window > 0
                         AND a.quotes_in_window = a.orders_in_window THEN 'quote-only in the window'
                    WHEN a.active_orders = 0 AND a.orders_in_window > 0
                         THEN 'no active order in the window (cancelled, not live or guest)'
                    WHEN a.active_orders = 0 THEN 'no order in the window'
                    WHEN NOT ({card.population}) THEN {literal(card.population_reason)} END AS scope_reason,
               a.acct
        FROM __bw__accounts a
        JOIN bw_card_params cp ON cp.workspace_id = a.workspace_id AND cp.card = {literal(card.id)}""", view=True)


def _in_scope(card: Card) -> str:
    return f"(SELECT acct FROM {card.table('population')} WHERE scope_reason IS NULL)"


def _matched(card: Card, accounts: str, *, narrowed: bool = False) -> str:
    """Key matches on the card's field-map keys for the accounts in ``accounts`` (a set of ``acct``).

    ``narrowed`` (after ``presence``): an account absent from some of the entities its orders post to is counted
    against those (``missing_entities``), so only a record there fits it; its records in the others are other-entity
    records.
    """
    fits = entity_fits("km.legal_entity")
    join = ""
    if narrowed:
        fits = (f"({fits} AND (pr.missing_entities IS NULL OR km.legal_entity IS NULL "
                f"OR list_contains(pr.missing_entities, km.legal_entity)))")
        join = f"LEFT JOIN {card.table('presence')} pr ON pr.acct = km.acct"
    return f"""
        SELECT km.*, f.priority, {fits} AS entity_fits
        FROM ({matches_of(accounts)}) AS km
        JOIN bw_field_map f ON f.workspace_id = km.workspace_id AND f.card = {literal(card.id)}
                           AND f.key_type = km.key_type
        JOIN __bw__account_entity ae ON ae.acct = km.acct
        {join}"""


def _matches(card: Card) -> Step:
    """The evidence of the card's matches: per in-scope account, each key that hit an ERP record (a view).

    Keyed by ``acct`` inside and given the account's columns last, so a query about a few
    accounts (``explain``, the run store) makes the engine read only their matches.
    """
    return Step(f"{card.id}_matches", f"""
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id, x.key_type,
               {shown_key_sql('x.key_type', 'x.key_value')} AS key_value, x.key_source,
               x.priority, x.system, x.legal_entity, x.customer_account, x.erp_name, x.status, x.erp_merged_into,
               x.is_live, x.is_holding, x.entity_fits, x.acct
        FROM (
            SELECT DISTINCT m.acct, m.key_type, m.key_value, k.key_source, m.priority, m.system, m.legal_entity,
                   m.customer_account, e.name AS erp_name, m.status, e.merged_into AS erp_merged_into, m.is_live,
                   m.is_holding, m.entity_fits
            FROM ({_matched(card, _in_scope(card), narrowed=True)}) AS m
            JOIN ({key_sources_sql()}) AS k ON k.acct = m.acct AND k.key_type = m.key_type AND k.key_value = m.key_value
            JOIN bw_erp_customers e ON e.workspace_id = m.workspace_id AND e.system = m.system
                 AND e.customer_account = m.customer_account
                 AND (e.legal_entity = m.legal_entity OR (e.legal_entity IS NULL AND m.legal_entity IS NULL))
        ) AS x
        JOIN __bw__accounts a ON a.acct = x.acct""", view=True)


_LIVE = "entity_fits AND is_live AND NOT is_holding"


def _presence(card: Card) -> Step:
    """Per in-scope account: the first field-map key (by priority) on which a live record in a fitting entity matches.

    Read from ``match_summary`` (per account and key type, shared by the cards). The matched
    record is the smallest record label at the best priority: a card's priorities number its
    field-map keys (each once), so an account's summary row at its best priority is one row, whose
    smallest label and whether another record matches there (``fit_several``) ``arg_min`` picks out; the match is
    ambiguous when another record matches at that priority; a record is shared when another account's matched
    record is the same.
    The other entities' records are listed for the few accounts that have any.

    An account whose orders post to several entities (``fit_entities``: orders shipped to two entities'
    countries, tags naming two entities) is present only when each of those entities holds a live record (or a
    top-level one does): an order for IE01 cannot post against the customer's UK01 record (seed row
    *Multi-entity master*). An account found in some of them only is absent, counted against the entities that
    lack it (``missing_entities``, ``missing_count``); its records in the others are listed as other-entity records.
    """
    several = ("(SELECT acct FROM flags WHERE matched_record IS NOT NULL AND acct IN "
               "(SELECT acct FROM __bw__account_entity WHERE fit_entities IS NOT NULL))")
    return Step(f"{card.id}_presence", f"""
        WITH pop AS MATERIALIZED (
            SELECT workspace_id, platform, account_kind, account_id, acct FROM {card.table('population')}
            WHERE scope_reason IS NULL
        ), flags AS MATERIALIZED (
            SELECT s.acct,
                   min(f.priority) FILTER (WHERE s.fit_first IS NOT NULL) AS best_priority,
                   arg_min(s.fit_first, f.priority) FILTER (WHERE s.fit_first IS NOT NULL) AS matched_record,
                   arg_min(s.fit_several, f.priority) FILTER (WHERE s.fit_first IS NOT NULL) AS several_records,
                   bool_or(s.other_entity) AS other_entity_match, bool_or(s.retired) AS retired_match,
                   bool_or(s.holding) AS holding_match
            FROM __bw__match_summary s
            JOIN bw_field_map f ON f.workspace_id = s.workspace_id AND f.card = {literal(card.id)}
                               AND f.key_type = s.key_type
            WHERE s.acct IN (SELECT acct FROM pop)
            GROUP BY s.acct
        ), held AS MATERIALIZED (
            SELECT acct, legal_entity FROM ({_matched(card, several)}) AS m
            WHERE entity_fits AND is_live AND NOT is_holding
        ), missing AS MATERIALIZED (
            SELECT c.acct, list_sort(list(c.entity)) AS missing_entities,
                   string_agg(c.entity, ', ' ORDER BY c.entity) AS missing_list, count(*) AS missing_count
            FROM (SELECT ae.acct, e.entity FROM __bw__account_entity ae, unnest(ae.fit_entities) AS e(entity)
                  WHERE ae.acct IN {several}) AS c
            WHERE c.acct NOT IN (SELECT acct FROM held WHERE legal_entity IS NULL)
              AND NOT EXISTS (SELECT 1 FROM held h WHERE h.acct = c.acct AND h.legal_entity = c.entity)
            GROUP BY c.acct
        ), gone AS (  -- of those, the ones whose only records in a lacking entity are not live (merged, retired)
            SELECT DISTINCT m.acct FROM ({_matched(card, '(SELECT acct FROM missing)')}) AS m
            JOIN missing mi ON mi.acct = m.acct
            WHERE m.entity_fits AND NOT m.is_live AND NOT m.is_holding
              AND list_contains(mi.missing_entities, m.legal_entity)
        ), other AS (
            SELECT m.acct, array_to_string(list_sort(list_distinct(list(m.record))), ', ') AS other_entity_records
            FROM ({_matched(card, '(SELECT acct FROM flags WHERE other_entity_match UNION SELECT acct FROM missing)')})
                 AS m
            LEFT JOIN missing mi ON mi.acct = m.acct
            WHERE is_live AND NOT is_holding
              AND (NOT entity_fits OR (mi.acct IS NOT NULL AND NOT list_contains(mi.missing_entities, m.legal_entity)))
            GROUP BY m.acct
        ), best AS (
            SELECT pop.*, CASE WHEN mi.acct IS NULL THEN f.best_priority END AS best_priority,
                   CASE WHEN mi.acct IS NULL THEN f.matched_record END AS matched_record,
                   CASE WHEN mi.acct IS NULL THEN f.several_records END AS several_records,
                   f.other_entity_match OR mi.acct IS NOT NULL AS other_entity_match,
                   CASE WHEN mi.acct IS NULL THEN f.retired_match ELSE g.acct IS NOT NULL END AS retired_match,
                   f.holding_match, mi.missing_entities, mi.missing_list, mi.missing_count
            FROM pop LEFT JOIN flags f ON f.acct = pop.acct LEFT JOIN missing mi ON mi.acct = pop.acct
            LEFT JOIN gone g ON g.acct = pop.acct
        ), shared AS (
            SELECT workspace_id, matched_record FROM best WHERE matched_record IS NOT NULL
            GROUP BY workspace_id, matched_record HAVING count(*) > 1
        )
        SELECT b.workspace_id, b.platform, b.account_kind, b.account_id,
               b.matched_record IS NOT NULL AS present, fm.key_type AS matched_key, b.matched_record,
               COALESCE(b.several_records, FALSE) AS match_ambiguous,
               sh.matched_record IS NOT NULL AS record_shared,
               COALESCE(b.other_entity_match, FALSE) AS exists_in_other_entity, o.other_entity_records,
               COALESCE(b.retired_match, FALSE) AS retired_match, COALESCE(b.holding_match, FALSE) AS holding_match,
               b.missing_entities, b.missing_list, b.missing_count, b.acct
        FROM best b
        LEFT JOIN other o ON o.acct = b.acct
        LEFT JOIN bw_field_map fm ON fm.workspace_id = b.workspace_id AND fm.card = {literal(card.id)}
                                 AND fm.priority = b.best_priority
        LEFT JOIN shared sh ON sh.workspace_id = b.workspace_id AND sh.matched_record = b.matched_record""")


def _staging(card: Card) -> Step:
    """Per account: the staging (Dataverse) records that match it on a field-map key, in a company its orders
    should post to (or no company, or a company that is not one of the workspace's entities).

    A Dataverse record mapped to another of the workspace's entities is that entity's (dual-write keeps one per
    company): promoting it creates no record in the expected entity, so it is not 'not promoted' here. Nor is
    a record whose master twin the customer already matches (its account number is that record's account, in
    its company: dual-write writes the F&O customer account there), whatever the twin's status: a customer
    whose master record is blocked was promoted; its cause is the blocked record's.
    """
    cte, staged = staging_keys_sql()
    staged_keys = resolved_ids(f"({staged})", STAGING_COLS)
    return Step(f"{card.id}_staging", f"""
        WITH {cte}, keyed AS MATERIALIZED (  -- the accounts' keys a staging record holds: one pass over the keys
            SELECT k.acct, s.*
            FROM __bw__key_values k
            JOIN bw_field_map f ON f.workspace_id = k.workspace_id AND f.card = {literal(card.id)}
                               AND f.key_type = k.key_type
            JOIN ({staged_keys}) AS s
              ON s.workspace_id = k.workspace_id AND s.key_type = k.key_type AND s.key_value = k.key_value
        ), twins AS (
            SELECT DISTINCT m.acct, m.legal_entity, {account_ref_sql('m.customer_account')} AS ref
            FROM ({matches_of('(SELECT acct FROM keyed)')}) AS m
        ), hits AS (
            SELECT s.acct,
                   bool_or(s.state = 'active' AND NOT s.merged) AS in_staging,
                   bool_or(s.merged) AS staging_merged,
                   string_agg(DISTINCT concat(s.system, ' ', s.record_type, ' ', s.record_id), ', '
                              ORDER BY concat(s.system, ' ', s.record_type, ' ', s.record_id)) AS staging_records
            FROM keyed s
            JOIN __bw__account_entity ae ON ae.acct = s.acct
            LEFT JOIN bw_entities en ON en.workspace_id = s.workspace_id AND en.entity = s.legal_entity
            LEFT JOIN twins tw ON tw.acct = s.acct AND tw.legal_entity = s.legal_entity
                              AND tw.ref = {account_ref_sql('s.account_ref')}
            WHERE (en.entity IS NULL OR {entity_fits('s.legal_entity')}) AND tw.acct IS NULL
            GROUP BY s.acct
        )
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id, h.in_staging, h.staging_merged,
               h.staging_records, a.acct
        FROM hits h JOIN __bw__accounts a ON a.acct = h.acct""")


def _vat_treatment_sql() -> str:
    """Standard / zero-rated / reverse charge from home country, customer country and VAT number.

    Goods follow the ship-to country (exports are zero-rated; intra-EU B2B supplies are zero-rated
    only with a VAT number); services follow where the customer belongs (B2B with a VAT number is
    reverse charge). Domestic supplies (GB and XI count as one area) are standard-rated. A seller
    whose home country has no VAT (US sales tax, for one) has no VAT treatment at stake.
    """
    eu = literal_list(EU_VAT_AREA)
    goods_country = "COALESCE(v.last_ship_to, a.country, vat.vat_country)"
    service_country = "COALESCE(a.country, vat.vat_country, v.last_ship_to)"
    country = f"(CASE WHEN p.vat_supply = 'goods' THEN {goods_country} ELSE {service_country} END)"
    domestic = f"({country} = p.home_country OR ({country} IN ('GB', 'XI') AND p.home_country IN ('GB', 'XI')))"
    return f"""CASE WHEN p.home_country IN {literal_list(NO_VAT_COUNTRIES)} THEN 'not_applicable'
            WHEN {country} IS NULL THEN 'unknown'
            WHEN {domestic} THEN 'standard'
            WHEN p.vat_supply = 'goods' AND p.home_country IN {eu} AND {country} IN {eu}
                THEN CASE WHEN vat.vat_number IS NOT NULL THEN 'zero_rated' ELSE 'standard' END
            WHEN p.vat_supply = 'goods' THEN 'zero_rated'
            WHEN vat.vat_number IS NOT NULL THEN 'reverse_charge'
            ELSE 'standard' END"""


def _absent_accounts(card: Card) -> Step:
    """The counted accounts in scope with no ERP record: a table, so the facts step reads a small relation."""
    return Step(f"{card.id}_absent_accounts", f"""
        SELECT a.* FROM {card.table('population')} a JOIN {card.table('presence')} pr ON pr.acct = a.acct
        WHERE a.scope_reason IS NULL AND NOT pr.present""")


def _settled_orders(card: Card) -> Step:
    """The counted orders of an absent account that are not blocked: an account present in some of the entities its
    orders post to (``presence.missing_entities``) is counted against the others, and an order posting only to
    entities that hold the customer can be invoiced (seed row *Multi-entity master*).

    An order posts where the rule kind that decided the account's entities (``entity_basis``) sends it: its ship-to
    country, or its own tags and its customers' tags. An order no rule of that kind names is kept (blocked).
    """
    absent = card.table("absent_accounts")
    part = (f"(SELECT pr.acct, pr.missing_entities, ae.entity_basis FROM {card.table('presence')} pr "
            f"JOIN __bw__account_entity ae ON ae.acct = pr.acct "
            f"WHERE pr.missing_entities IS NOT NULL AND pr.acct IN (SELECT acct FROM {absent}))")
    rule = "r.workspace_id = t.workspace_id AND (r.platform IS NULL OR r.platform = t.platform)"
    tag = fold_sql("trim(tg.tag)")
    return Step(f"{card.id}_settled_orders", f"""
        WITH part AS MATERIALIZED {part},
        o AS MATERIALIZED (
            SELECT o.acct, o.workspace_id, o.platform, o.order_id, o.ship_to_country, o.tags, part.entity_basis,
                   part.missing_entities
            FROM __bw__counted_orders o JOIN part ON part.acct = o.acct
        ), tags AS (
            SELECT t.acct, t.order_id, {tag} AS tag FROM o AS t, unnest(string_split(t.tags, ',')) AS tg(tag)
            WHERE t.entity_basis = 'tag' AND t.tags IS NOT NULL
            UNION ALL
            SELECT t.acct, t.order_id, {tag} AS tag
            FROM (SELECT o.acct, o.order_id, c.tags FROM o JOIN __bw__account_members c ON c.acct = o.acct
                  WHERE o.entity_basis = 'tag' AND c.tags IS NOT NULL) AS t,
                 unnest(string_split(t.tags, ',')) AS tg(tag)
        ), posts AS (
            SELECT t.acct, t.order_id, t.missing_entities, r.entity FROM o AS t
            JOIN bw_entity_rules r ON {rule} AND r.kind = 'country' AND r.value = t.ship_to_country
            WHERE t.entity_basis = 'country'
            UNION ALL
            SELECT t.acct, t.order_id, t.missing_entities, r.entity
            FROM (SELECT DISTINCT o.*, g.tag FROM o JOIN tags g ON g.acct = o.acct AND g.order_id = o.order_id) AS t
            JOIN bw_entity_rules r ON {rule} AND r.kind = 'tag' AND r.value = t.tag
        )
        SELECT acct, order_id FROM posts GROUP BY acct, order_id
        HAVING NOT bool_or(list_contains(missing_entities, entity))""")


def _blocked_orders(card: Card) -> str:
    """The counted orders of the card's absent accounts that are blocked (the settled ones left out): the orders
    its active orders and blocked value are made of."""
    absent = card.table("absent_accounts")
    return (f"(SELECT c.* FROM __bw__counted_orders c WHERE c.acct IN (SELECT acct FROM {absent}) "
            f"AND NOT EXISTS (SELECT 1 FROM {card.table('settled_orders')} s "
            f"WHERE s.acct = c.acct AND s.order_id = c.order_id))")


def _absent_values(card: Card) -> Step:
    """Per absent account: the value its counted orders block, in order and reporting currency, and the ship-to
    country and buyer of its latest counted order (orders placed at the same time: the greatest order id; both
    from that one order, so a tie never mixes two orders)."""
    return Step(f"{card.id}_absent_values", f"""
        SELECT acct, blocked_value, currency, n_currencies, blocked_value_reporting, orders_missing_fx,
               latest.ship_to AS last_ship_to, latest.buyer AS last_buyer, active_orders
        FROM (
            SELECT o.acct, sum(o.total) AS blocked_value, min(o.currency) AS currency,
                   count(DISTINCT o.currency) AS n_currencies, sum(o.value_reporting) AS blocked_value_reporting,
                   count(*) FILTER (WHERE o.fx_rate IS NULL) AS orders_missing_fx, max({LATEST}) AS latest,
                   count(*) AS active_orders
            FROM ({valued(_blocked_orders(card))}) AS o
            GROUP BY o.acct
        ) AS v""")


def _absent_sync(card: Card) -> Step:
    """Per absent account: its create attempts, the latest one, and the last successful sync run.

    Only the attempts at the entities it is counted against (or naming none): those lacking it when it is held in
    some of its orders' entities, else its expected entity, else its candidates (none: every entity).
    """
    absent = card.table("absent_accounts")
    entities = (f"(SELECT ae.acct, CASE WHEN pr.missing_entities IS NOT NULL THEN pr.missing_entities "
                f"WHEN ae.expected_entity IS NOT NULL THEN [ae.expected_entity] ELSE ae.fit_entities END AS entities "
                f"FROM __bw__account_entity ae JOIN {card.table('presence')} pr ON pr.acct = ae.acct "
                f"WHERE ae.acct IN (SELECT acct FROM {absent}))")
    return Step(f"{card.id}_absent_sync", sync_sql(absent, entities))


def _absent(card: Card) -> Step:
    """Every counted absent account with its facts (value, VAT, sync history, entity, staging) and cause.

    The value and the sync history are steps of their own: at 10M, building them in this query held
    their hash tables and window sorts at once and ran out of a 1.2 GB DuckDB limit.
    """
    if card.uses_staging:
        staging_join = f"LEFT JOIN {card.table('staging')} st ON st.acct = a.acct"
    else:
        staging_join = ("LEFT JOIN (SELECT CAST(NULL AS BOOLEAN) AS in_staging, CAST(NULL AS BOOLEAN) AS "
                        "staging_merged, CAST(NULL AS VARCHAR) AS staging_records) AS st ON TRUE")
    cause_case = " ".join(f"WHEN {c.condition} THEN {literal(c.id)}" for c in card.causes)
    blocked = {"active_orders": "COALESCE(v.active_orders, a.active_orders) AS active_orders"}  # settled ones left out
    cols = ", ".join(blocked.get(c.strip(), f"a.{c.strip()}") for c in POPULATION_COLS.split(","))
    return Step(f"{card.id}_absent", f"""
        WITH absent AS (SELECT * FROM {card.table('absent_accounts')}
        ), vals AS (SELECT * FROM {card.table('absent_values')}
        ), vat AS (  -- the VAT number whatever the field map matches on: the VAT treatment needs it
            SELECT k.acct, min(k.key_value) AS vat_number, min({vat_country_sql('k.key_value')}) AS vat_country
            FROM __bw__party_keys k WHERE k.key_type = 'vat' AND k.acct IN (SELECT acct FROM absent)
            GROUP BY k.acct
        ), sy AS (SELECT * FROM {card.table('absent_sync')}
        ), base AS (
            SELECT {cols}, v.last_ship_to, v.last_buyer, a.scope_reason,
                   pr.matched_key, pr.match_ambiguous, pr.exists_in_other_entity, pr.other_entity_records,
                   pr.retired_match, pr.holding_match,
                   CASE WHEN pr.missing_count IS NULL THEN ae.expected_entity
                        WHEN pr.missing_count = 1 THEN pr.missing_list END AS expected_entity,
                   CASE WHEN pr.missing_count IS NULL THEN ae.entity_ambiguous ELSE pr.missing_count > 1 END
                       AS entity_ambiguous,
                   COALESCE(pr.missing_list, ae.entity_candidates) AS entity_candidates, ae.entity_basis,
                   sy.attempts, sy.failed_attempts, sy.last_attempt_at, sy.last_outcome, sy.last_reason,
                   sy.last_source, sy.last_success_run,
                   COALESCE(st.in_staging, FALSE) AS in_staging, COALESCE(st.staging_merged, FALSE) AS staging_merged,
                   st.staging_records,
                   CASE WHEN a.is_b2b THEN 'b2b' ELSE 'dtc' END AS segment,
                   a.first_sale_at > p.grace_start AS awaiting_sync,
                   v.blocked_value, v.n_currencies, v.blocked_value_reporting, v.orders_missing_fx,
                   CASE WHEN v.n_currencies = 1 THEN v.currency ELSE 'MIXED' END AS currency,
                   p.reporting_currency, vat.vat_number,
                   {_vat_treatment_sql()} AS vat_treatment,
                   CASE {cause_case} END AS cause, a.acct
            FROM absent a
            JOIN {card.table('presence')} pr ON pr.acct = a.acct
            JOIN bw_params p ON p.workspace_id = a.workspace_id
            JOIN __bw__account_entity ae ON ae.acct = a.acct
            JOIN sy ON sy.acct = a.acct
            LEFT JOIN vals v ON v.acct = a.acct
            LEFT JOIN vat ON vat.acct = a.acct
            {staging_join}
        )
        SELECT * FROM base""")


def _gap(card: Card) -> Step:
    """The absent accounts ranked by blocked value, with the next action: a step of its own, so the ranking
    (one sort of every absent account) never holds memory alongside the joins that built them."""
    action_case = " ".join(f"WHEN {literal(c.id)} THEN {literal(c.action)}" for c in card.causes
                           if c.id != NEVER_SYNCED)
    return Step(f"{card.id}_gap", f"""
        SELECT base.*,
               CASE WHEN cause = {literal(CREATE_FAILED)} THEN last_reason END AS rejection_reason,
               CASE cause {action_case}
                    ELSE CASE WHEN is_b2b THEN {literal(card.b2b_action)}
                              WHEN entity_ambiguous THEN {literal(card.dtc_ambiguous_action)}
                              ELSE {literal(card.dtc_action)} END
               END AS next_action,
               row_number() OVER (PARTITION BY workspace_id
                                  ORDER BY blocked_value_reporting DESC, platform, account_kind, account_id) AS rank
        FROM {card.table('absent')} base""")


def _keys_tried(card: Card) -> Step:
    """Per counted customer and field-map key: the values tried and the ERP records they hit.

    Only the counted (absent) customers are explained, so this is built over the gap, not the
    whole population: at a million customers that is the difference between 5 % and all of them.
    """
    gap = f"(SELECT acct FROM {card.table('gap')})"
    return Step(f"{card.id}_keys_tried", f"""
        WITH vals AS (
            SELECT k.acct, k.key_type, string_agg(DISTINCT k.shown, ', ' ORDER BY k.shown) AS key_values
            FROM (SELECT k.*, {shown_key_sql('k.key_type', 'k.key_value')} AS shown FROM ({keys_of(gap)}) AS k) AS k
            GROUP BY k.acct, k.key_type
        ), hits AS (
            SELECT acct, key_type,
                   bool_or(matched) AS matched,
                   string_agg(DISTINCT label, '; ' ORDER BY label) AS erp_records
            FROM (SELECT m.acct, m.key_type, {_LIVE} AS matched, concat(m.record,
                         CASE WHEN m.is_holding THEN ' (holding customer, looked through)'
                              WHEN NOT m.is_live THEN concat(' (', m.status, ')')
                              WHEN NOT m.entity_fits THEN ' (other entity)' ELSE '' END) AS label
                  FROM ({_matched(card, gap, narrowed=True)}) AS m
                  UNION ALL
                  SELECT acct, key_type, FALSE, label FROM ({ambiguous_ids(gap)}) AS a) AS m
            GROUP BY acct, key_type
        )
        SELECT g.workspace_id, g.platform, g.account_kind, g.account_id, f.key_type, f.priority,
               v.key_values, h.erp_records,
               CASE WHEN v.key_values IS NULL THEN 'no value'
                    WHEN h.matched THEN 'matched'
                    WHEN h.erp_records IS NULL THEN 'no match'
                    ELSE 'not usable' END AS result, g.acct
        FROM {card.table('gap')} g
        JOIN bw_field_map f ON f.workspace_id = g.workspace_id AND f.card = {literal(card.id)}
        LEFT JOIN vals v ON v.acct = g.acct AND v.key_type = f.key_type
        LEFT JOIN hits h ON h.acct = g.acct AND h.key_type = f.key_type""")


def _by_cause(card: Card) -> Step:
    causes = ", ".join(f"({literal(c.id)}, {i}, {literal(c.label)})" for i, c in enumerate(card.causes))
    return Step(f"{card.id}_by_cause", f"""
        SELECT cp.workspace_id, c.cause, c.ord, c.label,
               count(g.account_id) AS customers, COALESCE(sum(g.active_orders), 0) AS active_orders,
               COALESCE(sum(g.blocked_value_reporting), 0) AS blocked_value_reporting
        FROM bw_card_params cp
        CROSS JOIN (VALUES {causes}) AS c(cause, ord, label)
        LEFT JOIN {card.table('gap')} g ON g.workspace_id = cp.workspace_id AND g.cause = c.cause
        WHERE cp.card = {literal(card.id)}
        GROUP BY cp.workspace_id, c.cause, c.ord, c.label""")


def _scope(card: Card) -> Step:
    """Per workspace: every account seen, by why it is or is not counted (the summary's ``scope``)."""
    scope = """CASE WHEN pop.scope_reason IS NOT NULL THEN pop.scope_reason
                    WHEN pr.present THEN concat('present in master (matched on ', pr.matched_key, ')')
                    ELSE 'counted: absent from master' END"""
    return Step(f"{card.id}_scope", f"""
        SELECT pop.workspace_id, {scope} AS scope, count(*) AS accounts
        FROM {card.table('population')} pop
        LEFT JOIN {card.table('presence')} pr ON pr.acct = pop.acct
        GROUP BY pop.workspace_id, {scope}""")


def _old_rates(card: Card) -> Step:
    """Per workspace: the blocked orders converted at a rate dated more than ``fx_max_age_days`` before the order's
    date (in the workspace's time zone), per currency pair and rate date (the summary's ``fx_warnings``). They are
    still valued at it (a missing rate stops the workspace; an old one is used, and said); a step of the pass, so a
    repeatable pass run again reads it back."""
    return Step(f"{card.id}_old_rates", f"""
        SELECT o.workspace_id, o.currency, o.reporting_currency, o.fx_rate_date AS rate_date, count(*) AS orders,
               count(DISTINCT o.acct) AS customers, min(o.order_date) AS first_day, max(o.order_date) AS last_day
        FROM ({valued(_blocked_orders(card))}) AS o
        JOIN bw_params wp ON wp.workspace_id = o.workspace_id
        WHERE o.currency <> o.reporting_currency AND o.fx_rate IS NOT NULL
          AND date_diff('day', o.fx_rate_date, o.order_date) > wp.fx_max_age_days
        GROUP BY o.workspace_id, o.currency, o.reporting_currency, o.fx_rate_date""")
