"""What a card is (data) and the card-specific SQL steps built from it.

A :class:`Card` is a frozen description: who is in its population, which causes it tells apart
(in precedence order, each an SQL condition), and how it words next actions. ``card_steps``
turns it into named SQL steps over the shared steps in :mod:`bridgewatch.cards.steps`; no engine
is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgewatch.cards.causes import CREATE_FAILED, NEVER_SYNCED, Cause
from bridgewatch.cards.steps import ACCOUNT_COLS, on
from bridgewatch.engine.base import Step
from bridgewatch.matching.normalise import EU_VAT_AREA, NO_VAT_COUNTRIES, vat_country_sql


@dataclass(frozen=True)
class Card:
    """A customer-master-gap card."""

    id: str
    title: str
    erp_label: str
    erps: tuple[str, ...]
    """ERP systems (``model.tables.ERP_SYSTEMS``) this card is computed for by default."""
    field_map: tuple[str, ...]
    """Default match-key precedence (``[field_map]`` in workspace.toml overrides it)."""
    population: str
    """SQL condition (alias ``a`` = account) a customer must meet to be in the card's population."""
    population_reason: str
    """Why an account with active orders is out of the population (shown in accounting/explain)."""
    causes: tuple[Cause, ...]
    sentiment: str = "customer_master_gap"
    uses_staging: bool = False
    """Cross-reference staging (Dataverse) records: 'present but not promoted'."""
    b2b_action: str = "Manual onboarding: credit check, tax-ID validation, payment terms."
    dtc_action: str = "Auto-creatable: the sync flow can create it with default settings."
    dtc_ambiguous_action: str = ("Decide the legal entity first (the entity rules do not give exactly one), "
                                 "then let the sync flow create it.")
    """A DTC customer is only auto-creatable once the entity it belongs in is known."""

    def table(self, step: str) -> str:
        return f"__bw__{self.id}_{step}"

    @property
    def cause_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.causes)


def card_steps(card: Card) -> list[Step]:
    """The card's own steps, run after the shared steps."""
    steps = [_population(card), _matches(card), _presence(card)]
    if card.uses_staging:
        steps.append(_staging(card))
    steps += [_gap(card), _keys_tried(card), _by_cause(card)]
    return steps


def _population(card: Card) -> Step:
    return Step(f"{card.id}_population", f"""
        SELECT a.*, COALESCE(act.active_orders, 0) AS active_orders, act.first_order_at, act.last_order_at,
               act.last_ship_to, act.last_buyer,
               CASE WHEN COALESCE(act.active_orders, 0) = 0 AND act.quotes_in_window > 0
                         AND act.quotes_in_window = act.orders_in_window THEN 'quote-only in the window'
                    WHEN COALESCE(act.active_orders, 0) = 0 AND act.orders_in_window > 0
                         THEN 'no active order in the window (cancelled, not live or guest)'
                    WHEN COALESCE(act.active_orders, 0) = 0 THEN 'no order in the window'
                    WHEN NOT ({card.population}) THEN '{card.population_reason}' END AS scope_reason
        FROM __bw__accounts a
        JOIN bw_card_params cp ON cp.workspace_id = a.workspace_id AND cp.card = '{card.id}'
        LEFT JOIN __bw__account_activity act ON {on('act', 'a')}""")


def _matches(card: Card) -> Step:
    return Step(f"{card.id}_matches", f"""
        SELECT k.workspace_id, k.platform, k.account_kind, k.account_id, k.key_type, k.key_value, k.key_source,
               f.priority, e.system, e.legal_entity, e.customer_account, e.name AS erp_name, e.status,
               e.merged_into AS erp_merged_into, e.is_live, e.is_holding,
               (e.legal_entity IS NULL OR ae.n_fit = 0 OR fit.entity IS NOT NULL) AS entity_fits
        FROM __bw__account_keys k
        JOIN {card.table('population')} pop ON {on('pop', 'k')} AND pop.scope_reason IS NULL
        JOIN bw_field_map f ON f.workspace_id = k.workspace_id AND f.card = '{card.id}' AND f.key_type = k.key_type
        JOIN __bw__erp_keys e ON e.workspace_id = k.workspace_id AND e.key_type = k.key_type
                             AND e.key_value = k.key_value
        JOIN __bw__account_entity ae ON {on('ae', 'k')}
        LEFT JOIN __bw__entity_fit fit ON {on('fit', 'k')} AND fit.entity = e.legal_entity""")


def _presence(card: Card) -> Step:
    live = "m.entity_fits AND m.is_live AND NOT m.is_holding"
    return Step(f"{card.id}_presence", f"""
        WITH flags AS (
            SELECT {ACCOUNT_COLS},
                   min(priority) FILTER (WHERE entity_fits AND is_live AND NOT is_holding) AS best_priority,
                   bool_or(NOT entity_fits AND is_live AND NOT is_holding) AS other_entity_match,
                   bool_or(entity_fits AND NOT is_live AND NOT is_holding) AS retired_match,
                   bool_or(is_holding) AS holding_match
            FROM {card.table('matches')} GROUP BY {ACCOUNT_COLS}
        ), best AS (
            SELECT m.workspace_id, m.platform, m.account_kind, m.account_id,
                   min(m.key_type) AS matched_key,
                   count(DISTINCT concat(COALESCE(m.legal_entity, ''), '/', m.customer_account)) AS n_records,
                   min(concat(COALESCE(m.legal_entity, 'top level'), '/', m.customer_account)) AS matched_record
            FROM {card.table('matches')} m JOIN flags f ON {on('f', 'm')} AND m.priority = f.best_priority
            WHERE {live}
            GROUP BY m.workspace_id, m.platform, m.account_kind, m.account_id
        ), other AS (
            SELECT {ACCOUNT_COLS},
                   string_agg(DISTINCT concat(legal_entity, '/', customer_account), ', '
                              ORDER BY concat(legal_entity, '/', customer_account)) AS other_entity_records
            FROM {card.table('matches')} WHERE NOT entity_fits AND is_live AND NOT is_holding
            GROUP BY {ACCOUNT_COLS}
        )
        SELECT pop.workspace_id, pop.platform, pop.account_kind, pop.account_id,
               b.matched_key IS NOT NULL AS present, b.matched_key, b.matched_record,
               COALESCE(b.n_records, 0) > 1 AS match_ambiguous,
               CASE WHEN b.matched_record IS NULL THEN FALSE
                    ELSE count(*) OVER (PARTITION BY pop.workspace_id, b.matched_record) > 1 END AS record_shared,
               COALESCE(f.other_entity_match, FALSE) AS exists_in_other_entity, o.other_entity_records,
               COALESCE(f.retired_match, FALSE) AS retired_match, COALESCE(f.holding_match, FALSE) AS holding_match
        FROM {card.table('population')} pop
        LEFT JOIN flags f ON {on('f', 'pop')}
        LEFT JOIN best b ON {on('b', 'pop')}
        LEFT JOIN other o ON {on('o', 'pop')}
        WHERE pop.scope_reason IS NULL""")


def _staging(card: Card) -> Step:
    return Step(f"{card.id}_staging", f"""
        SELECT k.workspace_id, k.platform, k.account_kind, k.account_id,
               bool_or(s.state = 'active' AND NOT s.merged) AS in_staging,
               bool_or(s.merged) AS staging_merged,
               string_agg(DISTINCT concat(s.system, ' ', s.record_type, ' ', s.record_id), ', '
                          ORDER BY concat(s.system, ' ', s.record_type, ' ', s.record_id)) AS staging_records
        FROM __bw__account_keys k
        JOIN bw_field_map f ON f.workspace_id = k.workspace_id AND f.card = '{card.id}' AND f.key_type = k.key_type
        JOIN __bw__staging_keys s ON s.workspace_id = k.workspace_id AND s.key_type = k.key_type
                                 AND s.key_value = k.key_value
        GROUP BY k.workspace_id, k.platform, k.account_kind, k.account_id""")


def _vat_treatment_sql() -> str:
    """Standard / zero-rated / reverse charge from home country, customer country and VAT number.

    Goods follow the ship-to country (exports are zero-rated; intra-EU B2B supplies are zero-rated
    only with a VAT number); services follow where the customer belongs (B2B with a VAT number is
    reverse charge). Domestic supplies (GB and XI count as one area) are standard-rated. A seller
    whose home country has no VAT (US sales tax, for one) has no VAT treatment at stake.
    """
    eu = ", ".join(f"'{c}'" for c in EU_VAT_AREA)
    goods_country = "COALESCE(a.last_ship_to, a.country, vat.vat_country)"
    service_country = "COALESCE(a.country, vat.vat_country, a.last_ship_to)"
    country = f"(CASE WHEN p.vat_supply = 'goods' THEN {goods_country} ELSE {service_country} END)"
    domestic = f"({country} = p.home_country OR ({country} IN ('GB', 'XI') AND p.home_country IN ('GB', 'XI')))"
    no_vat = ", ".join(f"'{c}'" for c in NO_VAT_COUNTRIES)
    return f"""CASE WHEN p.home_country IN ({no_vat}) THEN 'not_applicable'
            WHEN {country} IS NULL THEN 'unknown'
            WHEN {domestic} THEN 'standard'
            WHEN p.vat_supply = 'goods' AND p.home_country IN ({eu}) AND {country} IN ({eu})
                THEN CASE WHEN vat.vat_number IS NOT NULL THEN 'zero_rated' ELSE 'standard' END
            WHEN p.vat_supply = 'goods' THEN 'zero_rated'
            WHEN vat.vat_number IS NOT NULL THEN 'reverse_charge'
            ELSE 'standard' END"""


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _gap(card: Card) -> Step:
    if card.uses_staging:
        staging_join = f"LEFT JOIN {card.table('staging')} st ON {on('st', 'a')}"
    else:
        staging_join = ("LEFT JOIN (SELECT CAST(NULL AS BOOLEAN) AS in_staging, CAST(NULL AS BOOLEAN) AS "
                        "staging_merged, CAST(NULL AS VARCHAR) AS staging_records) AS st ON TRUE")
    cause_case = " ".join(f"WHEN {c.condition} THEN '{c.id}'" for c in card.causes)
    action_case = " ".join(f"WHEN '{c.id}' THEN {_sql_text(c.action)}" for c in card.causes if c.id != NEVER_SYNCED)
    return Step(f"{card.id}_gap", f"""
        WITH absent AS (
            SELECT a.workspace_id, a.platform, a.account_kind, a.account_id
            FROM {card.table('population')} a JOIN {card.table('presence')} pr ON {on('pr', 'a')}
            WHERE a.scope_reason IS NULL AND NOT pr.present
        ), vals AS (
            SELECT o.workspace_id, o.platform, o.account_kind, o.account_id, sum(o.total) AS blocked_value,
                   min(o.currency) AS currency, count(DISTINCT o.currency) AS n_currencies,
                   sum(o.value_reporting) AS blocked_value_reporting,
                   count(*) FILTER (WHERE o.fx_rate IS NULL) AS orders_missing_fx
            FROM __bw__order_values o JOIN absent x ON {on('x', 'o')}
            GROUP BY o.workspace_id, o.platform, o.account_kind, o.account_id
        ), vat AS (
            SELECT k.workspace_id, k.platform, k.account_kind, k.account_id, min(k.key_value) AS vat_number,
                   min({vat_country_sql('k.key_value')}) AS vat_country
            FROM __bw__account_keys k JOIN absent x ON {on('x', 'k')}
            WHERE k.key_type = 'vat'
            GROUP BY k.workspace_id, k.platform, k.account_kind, k.account_id
        ), base AS (
            SELECT a.*, pr.matched_key, pr.match_ambiguous, pr.exists_in_other_entity, pr.other_entity_records,
                   pr.retired_match, pr.holding_match,
                   ae.expected_entity, ae.entity_ambiguous, ae.entity_candidates, ae.entity_basis,
                   sy.attempts, sy.failed_attempts, sy.last_attempt_at, sy.last_outcome, sy.last_reason,
                   sy.last_source, sy.last_success_run,
                   COALESCE(st.in_staging, FALSE) AS in_staging, COALESCE(st.staging_merged, FALSE) AS staging_merged,
                   st.staging_records,
                   CASE WHEN a.is_b2b THEN 'b2b' ELSE 'dtc' END AS segment,
                   act.first_order_at >= p.grace_start AS awaiting_sync,
                   v.blocked_value, v.n_currencies, v.blocked_value_reporting, v.orders_missing_fx,
                   CASE WHEN v.n_currencies = 1 THEN v.currency ELSE 'MIXED' END AS currency,
                   p.reporting_currency, vat.vat_number,
                   {_vat_treatment_sql()} AS vat_treatment,
                   CASE {cause_case} END AS cause
            FROM {card.table('population')} a
            JOIN {card.table('presence')} pr ON {on('pr', 'a')}
            JOIN bw_params p ON p.workspace_id = a.workspace_id
            JOIN __bw__account_activity act ON {on('act', 'a')}
            JOIN __bw__account_entity ae ON {on('ae', 'a')}
            JOIN __bw__account_sync sy ON {on('sy', 'a')}
            LEFT JOIN vals v ON {on('v', 'a')}
            LEFT JOIN vat ON {on('vat', 'a')}
            {staging_join}
            WHERE a.scope_reason IS NULL AND NOT pr.present
        )
        SELECT base.*,
               CASE WHEN cause = '{CREATE_FAILED}' THEN last_reason END AS rejection_reason,
               CASE cause {action_case}
                    ELSE CASE WHEN is_b2b THEN {_sql_text(card.b2b_action)}
                              WHEN entity_ambiguous THEN {_sql_text(card.dtc_ambiguous_action)}
                              ELSE {_sql_text(card.dtc_action)} END
               END AS next_action,
               row_number() OVER (PARTITION BY workspace_id
                                  ORDER BY blocked_value_reporting DESC, platform, account_kind, account_id) AS rank
        FROM base""")


def _keys_tried(card: Card) -> Step:
    """Per counted customer and field-map key: the values tried and the ERP records they hit.

    Only the counted (absent) customers are explained, so this is built over the gap, not the
    whole population: at a million customers that is the difference between 5 % and all of them.
    """
    return Step(f"{card.id}_keys_tried", f"""
        WITH vals AS (
            SELECT k.workspace_id, k.platform, k.account_kind, k.account_id, k.key_type,
                   string_agg(DISTINCT k.key_value, ', ' ORDER BY k.key_value) AS key_values
            FROM __bw__account_keys k JOIN {card.table('gap')} g ON {on('g', 'k')}
            GROUP BY k.workspace_id, k.platform, k.account_kind, k.account_id, k.key_type
        ), hits AS (
            SELECT {ACCOUNT_COLS}, key_type,
                   bool_or(entity_fits AND is_live AND NOT is_holding) AS matched,
                   string_agg(DISTINCT record, '; ' ORDER BY record) AS erp_records
            FROM (SELECT m.*, concat(COALESCE(m.legal_entity, 'top level'), '/', m.customer_account,
                         CASE WHEN m.is_holding THEN ' (holding customer, looked through)'
                              WHEN NOT m.is_live THEN concat(' (', m.status, ')')
                              WHEN NOT m.entity_fits THEN ' (other entity)' ELSE '' END) AS record
                  FROM {card.table('matches')} m JOIN {card.table('gap')} g ON {on('g', 'm')}) AS m
            GROUP BY {ACCOUNT_COLS}, key_type
        )
        SELECT pop.workspace_id, pop.platform, pop.account_kind, pop.account_id, f.key_type, f.priority,
               v.key_values, h.erp_records,
               CASE WHEN v.key_values IS NULL THEN 'no value'
                    WHEN h.matched THEN 'matched'
                    WHEN h.erp_records IS NULL THEN 'no match'
                    ELSE 'not usable' END AS result
        FROM {card.table('gap')} pop
        JOIN bw_field_map f ON f.workspace_id = pop.workspace_id AND f.card = '{card.id}'
        LEFT JOIN vals v ON {on('v', 'pop')} AND v.key_type = f.key_type
        LEFT JOIN hits h ON {on('h', 'pop')} AND h.key_type = f.key_type""")


def _by_cause(card: Card) -> Step:
    causes = ", ".join(f"('{c.id}', {i}, {_sql_text(c.label)})" for i, c in enumerate(card.causes))
    return Step(f"{card.id}_by_cause", f"""
        SELECT cp.workspace_id, c.cause, c.ord, c.label,
               count(g.account_id) AS customers, COALESCE(sum(g.active_orders), 0) AS active_orders,
               COALESCE(sum(g.blocked_value_reporting), 0) AS blocked_value_reporting
        FROM bw_card_params cp
        CROSS JOIN (VALUES {causes}) AS c(cause, ord, label)
        LEFT JOIN {card.table('gap')} g ON g.workspace_id = cp.workspace_id AND g.cause = c.cause
        WHERE cp.card = '{card.id}'
        GROUP BY cp.workspace_id, c.cause, c.ord, c.label""")
