"""Match keys: every normalised key of every active account and of every ERP record, and where they meet.

An account's keys come from its member customers, its company and the company's locations, and
the emails on its counted orders. Only accounts with a counted order in the window are keyed,
and only the key types some card's field map uses are extracted (on both sides).

* ``key_values`` (table): one row per (account, key type, value) source, no provenance: what the
  matching reads. A value carried by two sources appears twice; every reader is insensitive to that.
* ``key_matches`` (table): every account key that equals an ERP key, with the ERP record's facts.
* ``account_keys`` (view, the evidence): distinct values with the first source that carried each
  and how many did, computed when ``explain`` asks for one account.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgewatch.cards.account_key import with_acct
from bridgewatch.engine.base import Step
from bridgewatch.engine.sql import literal
from bridgewatch.matching.normalise import KEY_SQL, account_ref_sql

KEY_TYPES = ("vat", "account_ref", "email", "external_id")
ACTIVE_ACCTS = "(SELECT acct FROM __bw__accounts WHERE active_orders > 0)"


EVIDENCE_OWNER = ("workspace_id", "platform", "account_kind", "account_id", "acct")
PIPELINE_OWNER = ("acct", "workspace_id")


@dataclass(frozen=True)
class KeySource:
    """One relation keys are read from: its SQL (aliased ``c``), who owns each row, and its key columns."""

    name: str
    relation: str
    owner: str
    """SQL naming the row's source record, e.g. ``concat('customer ', c.customer_id)``."""
    keys: dict[str, tuple[str, str, str]]
    """Key type -> (value column, country column for VAT, SQL for the source field's name)."""

    def wide(self, evidence: bool) -> str:
        """One row per source row: its owner, every normalised key (and where each came from), the raw email."""
        owner = EVIDENCE_OWNER if evidence else PIPELINE_OWNER
        cols = [f"c.{c}" for c in owner] + (["c.email AS raw_email"] if "email" in self.keys else [])
        for key_type, (column, country, field) in self.keys.items():
            cols.append(f"{KEY_SQL[key_type](column, country)} AS k_{key_type}")
            if evidence:
                cols.append(f"concat({self.owner}, ' ', {field}) AS s_{key_type}")
        return f"SELECT {', '.join(cols)} FROM {self.relation} AS c"

    def long(self, evidence: bool) -> list[str]:
        """One SELECT per key type over :meth:`wide` (named ``self.name``): owner, key type, value."""
        owner = ", ".join(EVIDENCE_OWNER if evidence else PIPELINE_OWNER)
        return [f"SELECT {owner}, {literal(key_type)} AS key_type, k_{key_type} AS key_value"
                f"{f', s_{key_type} AS key_source, 1 AS n' if evidence else ''} FROM {self.name} "
                f"WHERE k_{key_type} IS NOT NULL AND {_used(key_type)}" for key_type in self.keys]


def _used(key_type: str) -> str:
    """True when some card's field map uses ``key_type`` (other types are never extracted)."""
    return f"EXISTS (SELECT 1 FROM bw_field_map f WHERE f.key_type = {literal(key_type)})"


def _active(relation: str) -> str:
    return f"(SELECT * FROM {relation} AS r WHERE r.acct IN {ACTIVE_ACCTS})"


def sources() -> list[KeySource]:
    """Where account keys come from, in the order their sources are named: customers, companies, locations."""
    members = _active("(SELECT m.*, COALESCE(m.country, p.home_country) AS own_country FROM __bw__account_members m "
                      "JOIN bw_params p ON p.workspace_id = m.workspace_id)")
    companies = _active("(" + with_acct(
        "SELECT co.*, 'company' AS account_kind, co.company_id AS account_id, "
        "COALESCE(co.country, p.home_country) AS own_country FROM bw_companies co "
        "JOIN bw_params p ON p.workspace_id = co.workspace_id") + ")")
    locations = _active("(" + with_acct(
        "SELECT l.*, 'company' AS account_kind, l.company_id AS account_id, "
        "COALESCE(l.country, co.country, p.home_country) AS vat_country FROM bw_company_locations l "
        "JOIN bw_params p ON p.workspace_id = l.workspace_id "
        "LEFT JOIN bw_companies co ON co.workspace_id = l.workspace_id AND co.platform = l.platform "
        "AND co.company_id = l.company_id") + ")")
    return [
        KeySource("member_keys", members, "concat('customer ', c.customer_id)", {
            "vat": ("c.vat_number", "c.own_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'"),
            "email": ("c.email", "NULL", "'email'"),
            "external_id": ("COALESCE(c.external_id, c.customer_id)", "NULL",
                            "CASE WHEN c.external_id IS NULL THEN 'id' ELSE 'external_id' END")}),
        KeySource("company_keys", companies, "concat('company ', c.company_id)", {
            "vat": ("c.vat_number", "c.own_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'"),
            "email": ("c.email", "NULL", "'email'"),
            "external_id": ("c.company_id", "NULL", "'id'")}),
        KeySource("location_keys", locations, "concat('location ', c.location_id)", {
            "vat": ("c.vat_number", "c.vat_country", "'vat_number'"),
            "account_ref": ("c.account_ref", "NULL", "'account_ref'")}),
    ]


def _order_emails(evidence: bool) -> str:
    """Emails on counted orders, collapsed per account first (many orders, few distinct addresses).

    In the pipeline an address one of the account's customers already carries (as written) is
    left out: it would only repeat that customer's key (the evidence view counts every source).
    """
    email = KEY_SQL["email"]("o.email", "NULL")
    if evidence:
        counted = f"o.excluded_reason IS NULL AND o.email IS NOT NULL AND {_used('email')}"
        owner = ", ".join(f"o.{c}" for c in EVIDENCE_OWNER)
        return (f"SELECT {owner}, 'email' AS key_type, {email} AS key_value, "
                f"min(concat('order ', o.order_id, ' email')) AS key_source, count(*) AS n "
                f"FROM __bw__orders o WHERE {counted} AND {email} IS NOT NULL GROUP BY {owner}, {email}")
    counted = f"o.email IS NOT NULL AND {_used('email')}"
    new = (f"(SELECT DISTINCT o.acct, o.workspace_id, o.email FROM __bw__counted_orders o "
           f"ANTI JOIN member_keys mk ON mk.acct = o.acct AND mk.raw_email = o.email WHERE {counted}) AS o")
    return f"SELECT o.acct, o.workspace_id, 'email' AS key_type, {email} AS key_value FROM {new}"


def _keys_sql(evidence: bool) -> str:
    """All key rows: the sources (each normalised once, in a CTE) stacked with the order emails.

    In the pipeline a value that normalises to nothing (all blanks) stays as a NULL key, which
    matches nothing and every aggregate ignores; filtering it out before the CTE would let the
    engine evaluate the normalisation inside the file scan, before any join has narrowed the rows.
    """
    found = sources()
    materialized = "" if evidence else " MATERIALIZED"
    ctes = ",\n".join(f"{src.name} AS{materialized} ({src.wide(evidence)})" for src in found)
    union = "\nUNION ALL\n".join([*(q for src in found for q in src.long(evidence)), _order_emails(evidence)])
    return f"WITH {ctes}\n{union}"


def key_values() -> Step:
    """Every normalised key value of every active account (long format; repeats across sources kept)."""
    return Step("key_values", f"SELECT acct, workspace_id, key_type, key_value FROM ({_keys_sql(False)}) AS k")


def account_keys() -> Step:
    """Every normalised match key of every active account, with where it came from (the evidence).

    ``key_source`` names the first source (in text order) and ``n_sources`` how many carried the
    same value. A view: computed for the account ``explain`` shows.
    """
    return Step("account_keys", f"""
        SELECT k.workspace_id, k.platform, k.account_kind, k.account_id, k.key_type, k.key_value,
               min(k.key_source) AS key_source, CAST(sum(k.n) AS BIGINT) AS n_sources, k.acct
        FROM ({_keys_sql(True)}) AS k
        GROUP BY k.workspace_id, k.platform, k.account_kind, k.account_id, k.acct, k.key_type, k.key_value""",
                view=True)


# -- the other side: ERP records and staging records ----------------------------------------------------------

def _records(name: str, relation: str, cols: tuple[str, ...], keys: dict[str, str]) -> tuple[str, str]:
    """A record relation keyed for matching: (its CTE, normalising each key once; the long form over it).

    ``relation`` (aliased ``c``) holds the records; ``cols`` are kept; ``keys`` maps each key
    type to its normalised value (SQL over ``c``). The long form has one row per (record, key
    type, value); values that normalise to nothing are NULL and match nothing.
    """
    wide = ", ".join([*(f"c.{col}" for col in cols), *(f"{value} AS k_{k}" for k, value in keys.items())])
    cte = f"{name} AS MATERIALIZED (SELECT {wide} FROM {relation} AS c)"
    kept = ", ".join(cols)
    long = "\nUNION ALL\n".join(
        f"SELECT {kept}, {literal(k)} AS key_type, k_{k} AS key_value FROM {name} "
        f"WHERE k_{k} IS NOT NULL AND {_used(k)}" for k in keys)
    return cte, long


ERP_COLS = ("workspace_id", "system", "legal_entity", "customer_account", "record", "status", "is_live", "is_holding")


def erp_keys_sql() -> tuple[str, str]:
    """Every normalised key of every ERP record that existed at the as-of time: (CTE, long form).

    A record is a holding customer when its account reference (normalised) is configured as
    one, for its entity or for every entity.
    """
    holding = ("(SELECT workspace_id, account, bool_or(entity IS NULL) AS everywhere, list(entity) AS entities "
               "FROM bw_holding GROUP BY workspace_id, account)")
    base = ("(SELECT r.*, h.account IS NOT NULL AND (h.everywhere OR "
            "COALESCE(list_contains(h.entities, r.legal_entity), FALSE)) AS is_holding FROM "
            "(SELECT e.*, COALESCE(e.country, en.country, p.home_country) AS vat_country, "
            f"{account_ref_sql('e.customer_account')} AS ref_key, "
            "concat(COALESCE(e.legal_entity, 'top level'), '/', e.customer_account) AS record, "
            "e.status IN ('active', 'on_hold') AS is_live "
            "FROM bw_erp_customers e JOIN bw_params p ON p.workspace_id = e.workspace_id "
            "LEFT JOIN bw_entities en ON en.workspace_id = e.workspace_id AND en.entity = e.legal_entity "
            "WHERE e.created_at IS NULL OR e.created_at < p.as_of) AS r "
            f"LEFT JOIN {holding} AS h ON h.workspace_id = r.workspace_id AND h.account = r.ref_key)")
    return _records("erp", base, ERP_COLS, {
        "vat": KEY_SQL["vat"]("c.vat_number", "c.vat_country"), "account_ref": "c.ref_key",
        "email": KEY_SQL["email"]("c.email", "NULL"), "external_id": KEY_SQL["external_id"]("c.external_id", "NULL")})


STAGING_COLS = ("workspace_id", "system", "record_id", "record_type", "legal_entity", "state", "merged", "master_id")


def staging_keys_sql() -> tuple[str, str]:
    """Keys of staging (Dataverse) records that existed at the as-of time, for 'present but not promoted'."""
    base = ("(SELECT s.*, p.home_country FROM bw_staging_records s "
            "JOIN bw_params p ON p.workspace_id = s.workspace_id "
            "WHERE s.created_at IS NULL OR s.created_at < p.as_of)")
    return _records("staged", base, STAGING_COLS, {
        key: KEY_SQL[key](column, country) for key, (column, country) in {
            "vat": ("c.vat_number", "c.home_country"), "account_ref": ("c.account_ref", "NULL"),
            "email": ("c.email", "NULL"), "external_id": ("c.external_id", "NULL")}.items()})


def key_matches() -> Step:
    """Every active account key that equals a key of an ERP record, with the facts the cards decide on.

    ``record`` labels the record as the worklist shows it (``<entity or 'top level'>/<account>``).
    Its name and merge target, shown only as evidence, are looked up by the ``matches`` view.
    """
    cte, erp_keys = erp_keys_sql()
    return Step("key_matches", f"""
        WITH {cte}
        SELECT k.acct, k.workspace_id, k.key_type, k.key_value, e.system, e.legal_entity, e.customer_account,
               e.record, e.status, e.is_live, e.is_holding
        FROM __bw__key_values k
        JOIN ({erp_keys}) AS e
          ON e.workspace_id = k.workspace_id AND e.key_type = k.key_type AND e.key_value = k.key_value""")
