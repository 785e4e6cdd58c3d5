"""Match keys: every normalised key of every account and of every ERP record, and where they meet.

An account's keys come from its member customers, its company and the company's locations, and
the emails on its counted orders. The first three do not depend on the window and are prepared
once (:mod:`bridgewatch.cards.prepare`: ``party_keys``, ``erp_keys``, ``party_matches``); each run
adds the order emails and keeps what concerns it:

* ``order_email_keys`` (table): the emails on counted orders that none of the account's own
  records already carries (as written);
* ``key_values`` (view): the keys of the active accounts, of the key types a field map of their
  workspace uses;
* ``match_summary`` (table): per account and key type, the ERP records its keys meet;
* ``account_keys`` (view, the evidence): distinct values with the first source that carried each
  and how many did, computed when ``explain`` asks for one account.

A value carried by two sources may appear twice in ``key_values`` and the matches; every
reader is insensitive to that (minimum, any, distinct lists).
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgewatch.cards.account_key import ACTIVE_ACCTS, MEMBERS_SQL, REMAP, with_acct
from bridgewatch.engine.base import Step
from bridgewatch.matching.normalise import (
    ANY,
    KEY_SQL,
    PARTIAL_ID,
    account_ref_sql,
    email_list_sql,
    external_id_sql,
    held_id_sql,
    shown_key_sql,
)
from bridgewatch.sql import literal

EMAIL = "'email'"


def used(alias: str, key_type: str | None = None) -> str:
    """SQL: the row ``alias`` has a key type some card of its own workspace matches on (its field maps).

    Per workspace, so an account's keys and evidence are the same whether its workspace runs alone
    or in a batch with others. ``key_type`` is SQL for the type when the row has no column for it.
    """
    kind = key_type or f"{alias}.key_type"
    return (f"EXISTS (SELECT 1 FROM bw_field_map fm WHERE fm.workspace_id = {alias}.workspace_id "
            f"AND fm.key_type = {kind})")
PARTY_REMAP = "__bw__party_remap"



@dataclass(frozen=True)
class KeySource:
    """One relation keys are read from: its SQL (aliased ``c``), who owns each row, and its key columns."""

    name: str
    relation: str
    owner: str
    """SQL naming the row's source record, e.g. ``concat('customer ', c.customer_id)``."""
    keys: dict[str, tuple[str, str, str]]
    """Key type -> (value column, country column for VAT or the id's ``<platform>:<kind>`` for an external id, SQL
    for the source field's name)."""

    def wide(self) -> str:
        """One row per source row: its account, the email as written, every normalised key and where it came from."""
        cols = ["c.acct", "c.workspace_id", "c.email AS raw_email" if "email" in self.keys else
                "CAST(NULL AS VARCHAR) AS raw_email"]
        for key_type, (column, country, field) in self.keys.items():
            cols.append(f"{KEY_SQL[key_type](column, country)} AS k_{key_type}")
            cols.append(f"concat({self.owner}, ' ', {field}) AS s_{key_type}")
        return f"SELECT {', '.join(cols)} FROM {self.relation} AS c"

    def long(self) -> str:
        """One row per key over :meth:`wide` (named ``self.name``): account, key type and value, its source, raw email.

        The wide rows are turned long by a cross join with the key types, so each is normalised once
        and nothing is materialised (at 10M customers a materialised wide form spills to disk).
        """
        types = tuple(self.keys)
        raw = "CASE WHEN t.key_type = 'email' THEN raw_email END" if "email" in self.keys else "NULL"
        return (f"SELECT * FROM (SELECT acct, workspace_id, t.key_type, {_pick(types, 'k_')} AS key_value, "
                f"{_pick(types, 's_')} AS key_source, {raw} AS raw "
                f"FROM {self.name} CROSS JOIN {_key_types(types)}) AS k WHERE key_value IS NOT NULL")


def _key_types(types: tuple[str, ...]) -> str:
    """A relation ``t(key_type)`` holding ``types``."""
    return f"(VALUES {', '.join(f'({literal(k)})' for k in types)}) AS t(key_type)"


def _pick(types: tuple[str, ...], prefix: str) -> str:
    """SQL: the column ``<prefix><key type>`` of the row's key type ``t.key_type``."""
    return f"CASE t.key_type {' '.join(f'WHEN {literal(k)} THEN {prefix}{k}' for k in types)} END"


def sources(*, remap: str = REMAP, settings: str = "bw_params", only: str | None = None) -> list[KeySource]:
    """Where account keys come from, in the order their sources are named: customers, companies, locations.

    ``remap`` and ``settings`` name the relations giving colliding accounts their keys and each
    workspace's home country; ``only`` (a relation of ``acct``), when given, keeps the rows of those
    accounts, before any key is normalised.
    """
    def kept(relation: str) -> str:
        return f"(SELECT * FROM ({relation}) AS r WHERE r.acct IN {only})" if only else f"({relation})"

    home = f"JOIN {settings} p ON p.workspace_id = c0.workspace_id"
    members = kept(with_acct(f"SELECT c0.*, COALESCE(c0.country, p.home_country) AS own_country "
                             f"FROM ({MEMBERS_SQL}) AS c0 {home}", remap))
    companies = kept(with_acct(
        "SELECT c0.*, 'company' AS account_kind, c0.company_id AS account_id, "
        f"COALESCE(c0.country, p.home_country) AS own_country FROM bw_companies c0 {home}", remap))
    locations = kept(with_acct(
        "SELECT c0.*, 'company' AS account_kind, c0.company_id AS account_id, "
        f"COALESCE(c0.country, co.country, p.home_country) AS vat_country FROM bw_company_locations c0 {home} "
        "LEFT JOIN bw_companies co ON co.workspace_id = c0.workspace_id AND co.platform = c0.platform "
        "AND co.company_id = c0.company_id", remap))
    return [
        KeySource("member_keys", members, "concat('customer ', c.customer_id)", {
            "vat": ("c.vat_number", "c.own_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'"),
            "email": ("c.email", "NULL", "'email'"),
            "external_id": ("COALESCE(c.external_id, c.customer_id)", "c.platform || ':customer'",
                            "CASE WHEN c.external_id IS NULL THEN 'id' ELSE 'external_id' END")}),
        KeySource("company_keys", companies, "concat('company ', c.company_id)", {
            "vat": ("c.vat_number", "c.own_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'"),
            "email": ("c.email", "NULL", "'email'"),
            "external_id": ("c.company_id", "c.platform || ':company'", "'id'")}),
        KeySource("location_keys", locations, "concat('location ', c.location_id)", {
            "vat": ("c.vat_number", "c.vat_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'"),
            "external_id": ("c.location_id", "c.platform || ':location'", "'id'")}),
    ]


def order_email_keys() -> Step:
    """Emails on counted orders that none of the account's own records carries as written (normalised).

    Collapsed per account first (many orders, few distinct addresses); an address a customer of
    the account already holds would only repeat that customer's key.
    """
    email = KEY_SQL["email"]("o.email", "NULL")
    new = ("(SELECT DISTINCT o.acct, o.workspace_id, o.email FROM __bw__counted_orders o "
           "ANTI JOIN __bw__party_keys pk ON pk.acct = o.acct AND pk.key_type = 'email' AND pk.raw = o.email "
           f"WHERE o.email IS NOT NULL AND {used('o', EMAIL)}) AS o")
    return Step("order_email_keys", f"SELECT o.acct, o.workspace_id, 'email' AS key_type, {email} AS key_value "
                                    f"FROM {new}")


MATCH_COLS = ("acct", "workspace_id", "key_type", "key_value", "system", "legal_entity", "customer_account", "record",
              "status", "is_live", "is_holding", "created_at")


def order_email_matches() -> Step:
    """The order-email keys that equal an ERP record's email (usually none: most order emails are the customer's)."""
    cols = ", ".join(f"e.{c}" for c in MATCH_COLS[1:])
    return Step("order_email_matches", f"""
        SELECT k.acct, {cols} FROM __bw__order_email_keys k
        JOIN __bw__erp_keys e ON e.workspace_id = k.workspace_id AND e.key_type = 'email'
                             AND e.key_value = k.key_value""")


def keys_of(accounts: str) -> str:
    """SQL: the key values (of the types in use) of the accounts whose ``acct`` is in ``accounts``."""
    return f"""
        SELECT pk.acct, pk.workspace_id, pk.key_type, pk.key_value FROM __bw__party_keys pk
        WHERE pk.acct IN {accounts} AND {used('pk')}
        UNION ALL
        SELECT acct, workspace_id, key_type, key_value FROM __bw__order_email_keys WHERE acct IN {accounts}"""


def matches_of(accounts: str | None) -> str:
    """SQL: key matches (of the types in use) with records existing at the as-of time, of the accounts in
    ``accounts`` (a set of ``acct``; None when the caller's joins already restrict them).

    ``record`` labels the record as the worklist shows it (``<entity or 'top level'>/<account>``).
    """
    cols = ", ".join(f"m.{c}" for c in MATCH_COLS[:-1])
    existed = "(m.created_at IS NULL OR m.created_at < p.as_of)"
    kept = f"m.acct IN {accounts} AND " if accounts else ""
    return " UNION ALL ".join(
        f"SELECT {cols} FROM {source} m JOIN bw_params p ON p.workspace_id = m.workspace_id "
        f"WHERE {kept}{used('m')} AND {existed}"
        for source in ("__bw__party_matches", "__bw__order_email_matches"))


def match_summary() -> Step:
    """Per active account and key type: the smallest live record in a fitting entity, whether there are more, flags.

    ``fit_first`` (the smallest label) is NULL when no live record in an entity the account's orders
    fit matches on that key; ``fit_several``: another such record matches too (an ambiguous match; the
    largest label itself is not kept: at 1M, presence picking it per account cost a string ``arg_min``);
    ``other_entity`` (a live record in another entity), ``retired`` (a fitting record that is not live)
    and ``holding`` (a holding customer, looked through) are what the causes read. Shared by the
    cards: each picks its field-map keys from it.
    """
    from bridgewatch.cards.steps import entity_fits

    live = "fits AND is_live AND NOT is_holding"
    return Step("match_summary", f"""
        SELECT acct, workspace_id, key_type,
               min(record) FILTER (WHERE {live}) AS fit_first,
               min(record) FILTER (WHERE {live}) <> max(record) FILTER (WHERE {live}) AS fit_several,
               bool_or(NOT fits AND is_live AND NOT is_holding) AS other_entity,
               bool_or(fits AND NOT is_live AND NOT is_holding) AS retired, bool_or(is_holding) AS holding
        FROM (SELECT m.*, {entity_fits('m.legal_entity')} AS fits
              FROM ({matches_of(None)}) AS m JOIN __bw__account_entity ae ON ae.acct = m.acct) AS m
        GROUP BY acct, workspace_id, key_type""")


def key_values() -> Step:
    """Every normalised key value of every active account, of the key types in use (long format)."""
    return Step("key_values", keys_of(ACTIVE_ACCTS), view=True)


def key_sources_sql() -> str:
    """SQL: per active account and key (type, value), the first source that carried it and how many did.

    Read from the prepared keys (which record each came from) and the counted orders, both
    keyed by ``acct``: a query that wants a few accounts' keys has the engine read only theirs.
    An order email that normalises to nothing is dropped after grouping (``HAVING``): a filter
    on the normalised value would be evaluated inside the scan, for every order.
    """
    email = KEY_SQL["email"]("o.email", "NULL")
    return f"""
        SELECT k.acct, k.key_type, k.key_value, min(k.key_source) AS key_source, CAST(sum(k.n) AS BIGINT) AS n_sources
        FROM (
            SELECT pk.acct, pk.key_type, pk.key_value, pk.key_source, 1 AS n FROM __bw__party_keys pk
            WHERE pk.acct IN {ACTIVE_ACCTS} AND {used('pk')}
            UNION ALL
            SELECT o.acct, 'email', {email}, concat('order ', o.order_id, ' email'), 1
            FROM __bw__counted_orders o WHERE o.email IS NOT NULL AND {used('o', EMAIL)}
        ) AS k
        GROUP BY k.acct, k.key_type, k.key_value
        HAVING count(k.key_value) > 0"""


def account_keys() -> Step:
    """Every normalised match key of every active account, with where it came from (the evidence).

    ``key_source`` names the first source (in text order) and ``n_sources`` how many carried the
    same value. A view: computed for the accounts a query asks about (``explain``, the run store).
    """
    return Step("account_keys", f"""
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id, k.key_type,
               {shown_key_sql('k.key_type', 'k.key_value')} AS key_value, k.key_source, k.n_sources, k.acct
        FROM ({key_sources_sql()}) AS k JOIN __bw__accounts a ON a.acct = k.acct""", view=True)


# -- the other side: ERP records and staging records ----------------------------------------------------------

def _records(name: str, relation: str, cols: tuple[str, ...], keys: dict[str, str]) -> tuple[str, str]:
    """A record relation keyed for matching: (its CTE, normalising each key once; the long form over it).

    ``relation`` (aliased ``c``) holds the records; ``cols`` are kept; ``keys`` maps each key
    type to its normalised value (SQL over ``c``), except ``email``: the record's e-mail column
    ``c.email``, which may hold several addresses (:func:`~bridgewatch.matching.normalise.email_list_sql`:
    the field normalised whole, then split), each a key of the record. The long form has one row per
    (record, key type, value); values that normalise to nothing are left out. It reads the CTE
    once (a cross join with the key types), so nothing is materialised.
    """
    values = {k: email_list_sql("c.email") if k == "email" else value for k, value in keys.items()}
    wide = ", ".join([*(f"c.{col}" for col in cols), *(f"{value} AS k_{k}" for k, value in values.items())])
    cte = f"{name} AS (SELECT {wide} FROM {relation} AS c)"
    kept = ", ".join(cols)
    types = tuple(keys)
    scalar = tuple(k for k in types if k != "email")
    listed = f"CASE WHEN t.key_type = 'email' THEN k_email ELSE [{_pick(scalar, 'k_')}] END"
    long = (f"SELECT * FROM (SELECT {kept}, t.key_type, unnest({listed}) AS key_value "
            f"FROM {name} CROSS JOIN {_key_types(types)}) AS k WHERE key_value IS NOT NULL AND key_value <> ''")
    return cte, long


HELD_ID = held_id_sql("c.external_id", "c.external_id_platform", "c.external_id_kind")
"""The key of the commerce id an ERP or staging record holds (``*`` for a platform or kind nothing says)."""

ERP_COLS = ("workspace_id", "system", "legal_entity", "customer_account", "record", "status", "is_live", "is_holding",
            "created_at")


def erp_keys_sql(settings: str) -> tuple[str, str]:
    """Every normalised key of every ERP record: (CTE, long form). ``settings`` gives the home country.

    A record is a holding customer when its account reference (normalised) is configured as
    one, for its entity or for every entity. A top-level record (no entity) is configured for an entity when its
    account is: it is that one record, seen in every entity, so a holding customer kept at top level and named for
    UK01 is looked through, never read as the customer's own record.
    """
    holding = ("(SELECT workspace_id, account, bool_or(entity IS NULL) AS everywhere, list(entity) AS entities "
               "FROM bw_holding GROUP BY workspace_id, account)")
    base = ("(SELECT r.*, h.account IS NOT NULL AND (h.everywhere OR r.legal_entity IS NULL OR "
            "COALESCE(list_contains(h.entities, r.legal_entity), FALSE)) AS is_holding FROM "
            "(SELECT e.*, COALESCE(e.country, en.country, p.home_country) AS vat_country, "
            f"{account_ref_sql('e.customer_account')} AS ref_key, "
            "concat(COALESCE(e.legal_entity, 'top level'), '/', e.customer_account) AS record, "
            "e.status IN ('active', 'on_hold') AS is_live "
            f"FROM bw_erp_customers e JOIN {settings} p ON p.workspace_id = e.workspace_id "
            "LEFT JOIN bw_entities en ON en.workspace_id = e.workspace_id AND en.entity = e.legal_entity) AS r "
            f"LEFT JOIN {holding} AS h ON h.workspace_id = r.workspace_id AND h.account = r.ref_key)")
    return _records("erp", base, ERP_COLS, {
        "vat": KEY_SQL["vat"]("c.vat_number", "c.vat_country"), "account_ref": "c.ref_key",
        "email": "c.email", "external_id": HELD_ID})


STAGING_COLS = ("workspace_id", "system", "record_id", "record_type", "legal_entity", "account_ref", "state", "merged",
                "master_id")


def staging_keys_sql() -> tuple[str, str]:
    """Keys of staging (Dataverse) records that existed at the as-of time, for 'present but not promoted'.

    A staging record has no country of its own: a bare VAT number on it is read in the country of the
    legal entity (company) it is mapped to, else the home country, as an ERP record without one is.
    """
    base = ("(SELECT s.*, COALESCE(en.country, p.home_country) AS vat_country FROM bw_staging_records s "
            "JOIN bw_params p ON p.workspace_id = s.workspace_id "
            "LEFT JOIN bw_entities en ON en.workspace_id = s.workspace_id AND en.entity = s.legal_entity "
            "WHERE s.created_at IS NULL OR s.created_at < p.as_of)")
    return _records("staged", base, STAGING_COLS, {
        "vat": KEY_SQL["vat"]("c.vat_number", "c.vat_country"),
        "account_ref": KEY_SQL["account_ref"]("c.account_ref", "NULL"),
        "email": "c.email", "external_id": HELD_ID})


# -- ids that do not say their platform or kind -----------------------------------------------------------------

def _partial(alias: str) -> str:
    """SQL: the key of row ``alias`` is an id whose platform or kind nothing says (``*:*:42``)."""
    return (f"(CASE WHEN {alias}.key_type = 'external_id' THEN regexp_matches({alias}.key_value, '{PARTIAL_ID}') "
            "ELSE FALSE END)")


def id_claims_sql(erp_keys: str) -> str:
    """SQL: per id key of an ERP record (``erp_keys``, long form) or a staging record that does not say its platform
    or kind (``key_value``: ``*:*:42``; ``p``, ``k`` and ``v`` its parts), how many account ids of the workspace it
    could name (``n_owners``), the first of them (``owner``: ``shopify:customer:42``, the one when there is one),
    what they are in words (``owners``: ``bigcommerce customer 42, shopify customer 42``) and whether they span
    several platforms or kinds (``min <> max``: Spark fails planning a ``count(DISTINCT ...)`` beside an ordered
    ``string_agg``). An id naming no account has no row.

    Read from every customer, company and company location of the workspace (not only the accounts a card counts):
    a bare ``42`` in the master is the Shopify company's only when no customer or location of any platform, counted
    or not, is ``42`` too.
    """
    staged = (f"SELECT DISTINCT workspace_id, key_value FROM (SELECT c.workspace_id, 'external_id' AS key_type, "
              f"{HELD_ID} AS key_value FROM bw_staging_records c) AS s WHERE {_partial('s')}")
    owned = (f"SELECT workspace_id, platform, 'customer' AS kind, "
             f"{external_id_sql('COALESCE(external_id, customer_id)')} AS v FROM bw_commerce_customers "
             f"UNION ALL SELECT workspace_id, platform, 'company', {external_id_sql('company_id')} FROM bw_companies "
             f"UNION ALL SELECT workspace_id, platform, 'location', {external_id_sql('location_id')} "
             "FROM bw_company_locations")
    scope = "'^([^:]*):([^:]*):'"
    return f"""
        WITH held AS (
            SELECT DISTINCT e.workspace_id, e.key_value FROM {erp_keys} e WHERE {_partial('e')}
            UNION {staged}
        ), wanted AS (
            SELECT workspace_id, key_value, regexp_extract(key_value, {scope}, 1) AS p,
                   regexp_extract(key_value, {scope}, 2) AS k, regexp_replace(key_value, {scope}, '') AS v
            FROM held
        ), claims AS (  -- each account id (platform, kind) a held id could be, once
            SELECT DISTINCT w.workspace_id, w.key_value, w.p, w.k, w.v, o.platform, o.kind,
                   o.platform || ' ' || o.kind || ' ' || w.v AS named
            FROM wanted w JOIN ({owned}) AS o ON o.workspace_id = w.workspace_id AND o.v = w.v
            WHERE (w.p = '{ANY}' OR o.platform = w.p) AND (w.k = '{ANY}' OR o.kind = w.k)
        )
        SELECT workspace_id, key_value, min(p) AS p, min(k) AS k, min(v) AS v, count(*) AS n_owners,
               min(platform || ':' || kind || ':' || v) AS owner, min(platform) <> max(platform) AS several_platforms,
               min(kind) <> max(kind) AS several_kinds, string_agg(named, ', ' ORDER BY named) AS owners
        FROM claims GROUP BY workspace_id, key_value"""


def resolved_ids(records: str, cols: tuple[str, ...]) -> str:
    """SQL: ``records`` (a long form of record keys: ``cols``, ``key_type``, ``key_value``) with each id key that does
    not say its platform or kind (``*:*:42``) made the key of the one account id of the workspace it can name
    (``__bw__id_claims``). One that names several (never a guess: none of them is present on it) or none keeps its
    ``*``, which no account's key has: it matches nothing. A lookup in the few claims, not a second pass over the
    records (at 100,000 customers a filtered union of two passes cost 0.6 s more than one)."""
    kept = ", ".join(f"r.{c}" for c in cols)
    return (f"SELECT {kept}, r.key_type, COALESCE(c.owner, r.key_value) AS key_value FROM {records} r "
            "LEFT JOIN (SELECT workspace_id, key_value, owner FROM __bw__id_claims WHERE n_owners = 1) AS c "
            "ON r.key_type = 'external_id' AND c.workspace_id = r.workspace_id AND c.key_value = r.key_value")


def ambiguous_ids(accounts: str) -> str:
    """SQL: per account in ``accounts`` (a set of ``acct``), the ERP records existing at the as-of time that hold an
    id of the account's without saying its platform or kind while other accounts' ids are the same (``42`` naming
    Shopify customer 42 and BigCommerce customer 42), each with why it was not used (``label``)."""
    option = ("CASE WHEN c.several_platforms AND c.several_kinds THEN 'external_id_platform and external_id_kind' "
              "WHEN c.several_platforms THEN 'external_id_platform' ELSE 'external_id_kind' END")
    parts = "'^([^:]*):([^:]*):'"
    return f"""
        SELECT k.acct, k.key_type, concat(e.record, ' (holds external id ', c.v, ', which names ', c.owners,
               ': used for none of them; set ', {option}, ' on the source reading ',
               regexp_extract(r.source_file, '[^/]*$', 0), ')') AS label
        FROM (SELECT k.acct, k.workspace_id, k.key_type, regexp_extract(k.key_value, {parts}, 1) AS platform,
                     regexp_extract(k.key_value, {parts}, 2) AS kind, regexp_replace(k.key_value, {parts}, '') AS v
              FROM __bw__party_keys k
              WHERE k.acct IN {accounts} AND k.key_type = 'external_id' AND {used('k')}) AS k
        JOIN __bw__id_claims c ON c.workspace_id = k.workspace_id AND c.v = k.v AND c.n_owners > 1
             AND (c.p = '{ANY}' OR c.p = k.platform) AND (c.k = '{ANY}' OR c.k = k.kind)
        JOIN __bw__erp_keys e ON e.workspace_id = c.workspace_id AND e.key_type = 'external_id'
                             AND e.key_value = c.key_value
        JOIN bw_params p ON p.workspace_id = e.workspace_id
        JOIN bw_erp_customers r ON r.workspace_id = e.workspace_id AND r.system = e.system
             AND r.customer_account = e.customer_account
             AND (r.legal_entity = e.legal_entity OR (r.legal_entity IS NULL AND e.legal_entity IS NULL))
        WHERE e.created_at IS NULL OR e.created_at < p.as_of"""
