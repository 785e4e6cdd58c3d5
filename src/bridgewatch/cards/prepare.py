"""The steps that do not depend on the window: prepared once per staged data, reused by every run.

Everything here is a function of the staged tables and a few settings (the home country, the
legal entities' countries, the holding customers; when some workspace runs only cards counting
part of its accounts, which cards each workspace runs), never of the as-of time, the window or
the field maps:

* ``party_accounts``: one row per account a customer or a company names, with its display
  facts and its integer key ``acct`` (accounts named only by an order are added per run);
* ``party_keys``: every normalised key (VAT with its country prefix, account reference, email,
  external id) of every customer, company and location, by account (of the accounts some card
  of the pass could count: :mod:`bridgewatch.cards.scope`);
* ``erp_keys``: every normalised key of every ERP record, with the record's facts and creation
  time (each run keeps the records that existed at its as-of time);
* ``id_claims``: for each id an ERP or staging record holds without saying its platform or kind
  (``42``), the account ids of the workspace it could name;
* ``party_matches``: where the two meet.

These are the bulk of a run's work. A DuckDB engine given a prepared store keeps them there and
reuses them while the staged tables and those settings are unchanged (see
:mod:`bridgewatch.engine.duckdb`); without one (or on Spark) they are ordinary steps.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridgewatch.cards.account_key import ACCOUNT, ACCOUNT_COLS, MEMBERS_SQL, account_key, on
from bridgewatch.cards.base import Card
from bridgewatch.cards.keys import ERP_COLS, PARTY_REMAP, erp_keys_sql, id_claims_sql, resolved_ids, sources
from bridgewatch.cards.scope import CARD_SCOPE, examined_sql
from bridgewatch.engine.base import Step

_FIRST_MEMBER = "struct_pack(t := COALESCE(created_at, TIMESTAMP '9999-12-31 00:00:00'), id := customer_id)"
"""Orders an account's member customers: earliest created first (no date last), then by id."""

SETTINGS = "__bw__settings"
"""The settings prepared steps may read (a view over ``bw_params`` without the as-of time and window)."""


def _greater(a: str, b: str) -> str:
    """The larger of two values, ignoring NULLs (as ``max`` over both would)."""
    return f"(CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL OR {a} >= {b} THEN {a} ELSE {b} END)"


def collision_free(keyed: str, taken: str | None = None, below: str = "0") -> str:
    """SQL giving each row of ``keyed`` (``ACCOUNT`` columns and a hash ``h``) whose ``h`` is not unique a new key.

    A hash is not unique when two rows of ``keyed`` share it, or ``taken`` (a relation with an
    ``acct`` column) already uses it. The new keys are negative, counting down from ``below``,
    in account order, so they can never clash with a hash (which is never negative).
    """
    clash = f"SELECT h FROM {keyed} GROUP BY h HAVING count(*) > 1"
    if taken:
        clash += f" UNION ALL SELECT h FROM {keyed} WHERE h IN (SELECT acct FROM {taken})"
    return (f"SELECT {ACCOUNT_COLS}, {below} - row_number() OVER (ORDER BY {ACCOUNT_COLS}) AS acct "
            f"FROM {keyed} WHERE h IN ({clash})")


def settings() -> Step:
    """The window-free settings: each workspace's home country (its customers' VAT numbers are read in it)."""
    return Step("settings", "SELECT workspace_id, home_country FROM bw_params", view=True)


def party_accounts() -> Step:
    """One row per account a customer or company names: display name, country, creation, merge, B2B, ``acct``.

    The display name follows a fixed precedence (docs/cards.md): for a company account, the
    company record's name, else the company name held on its earliest-created member customer,
    else that member's own name; for an individual, the customer's name, else its company name.
    """
    keys = ", ".join(f"COALESCE(m.{c}, co.{c}) AS {c}" for c in ACCOUNT)
    kind = "COALESCE(m.account_kind, co.account_kind)"
    return Step("party_accounts", f"""
        WITH m AS (
            SELECT {ACCOUNT_COLS},
                   arg_min(company_name, {_FIRST_MEMBER}) FILTER (WHERE company_name IS NOT NULL) AS company_name,
                   arg_min(name, {_FIRST_MEMBER}) FILTER (WHERE name IS NOT NULL) AS member_name,
                   max(country) AS country, min(created_at) AS created_at,
                   max(CASE WHEN account_kind = 'customer' THEN merged_into END) AS merged_into,
                   bool_or(is_b2b) AS is_b2b
            FROM ({MEMBERS_SQL}) AS mem GROUP BY {ACCOUNT_COLS}
        ), co AS (
            SELECT workspace_id, platform, 'company' AS account_kind, company_id AS account_id, max(name) AS name,
                   max(country) AS country, max(created_at) AS created_at, max(merged_into) AS merged_into
            FROM bw_companies GROUP BY workspace_id, platform, company_id
        ), g AS (
            SELECT {keys},
                   CASE WHEN {kind} = 'company' THEN COALESCE(co.name, m.company_name, m.member_name)
                        ELSE COALESCE(m.member_name, m.company_name) END AS name,
                   COALESCE(co.country, m.country) AS country, COALESCE(co.created_at, m.created_at) AS created_at,
                   {_greater('co.merged_into', 'm.merged_into')} AS merged_into,
                   COALESCE(m.is_b2b, FALSE) OR {kind} = 'company' AS is_b2b
            FROM m FULL JOIN co ON {on('co', 'm')}
        ), keyed AS MATERIALIZED (
            SELECT g.*, {account_key('g')} AS h FROM g
        ), fix AS ({collision_free('keyed')})
        SELECT k.workspace_id, k.platform, k.account_kind, k.account_id, k.name, k.country, k.created_at,
               k.merged_into, k.is_b2b, COALESCE(fix.acct, k.h) AS acct
        FROM keyed k LEFT JOIN fix ON {on('fix', 'k')}""",
                prepared=True, inputs=("bw_commerce_customers", "bw_companies"))


def party_remap() -> Step:
    """The customer and company accounts whose hashed key collided, with the key each was given instead."""
    return Step("party_remap", f"SELECT {ACCOUNT_COLS}, acct FROM __bw__party_accounts WHERE acct < 0", view=True)


def card_scope() -> Step:
    """Which workspace runs which card (what limits the keyed accounts; the thresholds left out)."""
    return Step("card_scope", "SELECT DISTINCT workspace_id, card FROM bw_card_params", view=True)


def party_keys(scoped: Sequence[Card] = ()) -> Step:
    """Every normalised key of every customer, company and location, by account.

    ``key_source`` names the record and field it came from (``customer C1 email``); ``raw`` is
    the email as written (an order email equal to it adds nothing). With ``scoped`` cards
    (:func:`~bridgewatch.cards.scope.scoping_cards`), only the accounts in the population of a card
    their workspace runs are keyed: a workspace of the Sage card alone keys its B2B accounts.
    """
    only: str | None = None
    inputs: tuple[str, ...] = ("bw_commerce_customers", "bw_companies", "bw_company_locations", SETTINGS,
                               "__bw__party_accounts")
    if scoped:
        join, condition = examined_sql(scoped, CARD_SCOPE)
        only, inputs = f"(SELECT a.acct FROM __bw__party_accounts a {join} WHERE {condition})", (*inputs, CARD_SCOPE)
    found = sources(remap=PARTY_REMAP, settings=SETTINGS, only=only)
    ctes = ",\n".join(f"{src.name} AS ({src.wide()})" for src in found)
    union = "\nUNION ALL\n".join(src.long() for src in found)
    return Step("party_keys", f"WITH {ctes}\n{union}", prepared=True, inputs=inputs)


def erp_keys() -> Step:
    """Every normalised key of every ERP record (long format), with the record's facts and creation time."""
    cte, long = erp_keys_sql(SETTINGS)
    return Step("erp_keys", f"WITH {cte}\n{long}", prepared=True,
                inputs=("bw_erp_customers", SETTINGS, "bw_entities", "bw_holding"))


def id_claims() -> Step:
    """The accounts each ERP or staging id that does not say its platform or kind could name
    (:func:`~bridgewatch.cards.keys.id_claims_sql`): usually few rows, none when every source says what it holds."""
    return Step("id_claims", id_claims_sql("__bw__erp_keys"), prepared=True,
                inputs=("__bw__erp_keys", "bw_staging_records", "bw_commerce_customers", "bw_companies",
                        "bw_company_locations"))


def party_matches() -> Step:
    """Every key of a customer, company or location that equals a key of an ERP record (an id the record holds
    without its platform or kind is the one account id the workspace's accounts give it, if one:
    :func:`~bridgewatch.cards.keys.resolved_ids`)."""
    return Step("party_matches", f"""
        SELECT k.acct, k.workspace_id, k.key_type, k.key_value, e.system, e.legal_entity, e.customer_account,
               e.record, e.status, e.is_live, e.is_holding, e.created_at
        FROM __bw__party_keys k
        JOIN ({resolved_ids('__bw__erp_keys', ERP_COLS)}) AS e ON e.workspace_id = k.workspace_id
             AND e.key_type = k.key_type AND e.key_value = k.key_value""",
                prepared=True, inputs=("__bw__party_keys", "__bw__erp_keys", "__bw__id_claims"))


def prepared_steps(scoped: Sequence[Card] = ()) -> list[Step]:
    """The window-independent steps, in dependency order (``scoped``: see :func:`party_keys`)."""
    scope = [card_scope()] if scoped else []
    return [settings(), *scope, party_accounts(), party_remap(), party_keys(scoped), erp_keys(), id_claims(),
            party_matches()]


