"""The floor: the bare DuckDB anti-join a hand-written check would do, on the same staged data.

Customers with a live order in the window whose normalised VAT, account reference and email
all miss the ERP master's live records, in that order (the Sage field map). No accounts, no
entities, no causes, no evidence: the least work that answers "who is absent". It uses the
product's own normalisation SQL, so the comparison is about everything else the cards do.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bridgewatch.matching.normalise import account_ref_sql, email_sql, vat_sql
from bridgewatch.sql import literal


def floor_sql(staged: Path, as_of: str, window_days: int, home_country: str) -> str:
    """One query: count and value of the absent customers."""
    src = {name: f"read_parquet({literal(str(staged / name) + '.parquet')})"
           for name in ("orders", "commerce_customers", "erp_customers")}
    country = f"COALESCE(c.country, {literal(home_country)})"
    erp_country = f"COALESCE(e.country, {literal(home_country)})"
    at = f"CAST({literal(as_of)} AS TIMESTAMP)"
    return f"""
        WITH live AS (
            SELECT platform, customer_id, sum(total) AS value FROM {src['orders']}
            WHERE customer_id IS NOT NULL AND NOT cancelled AND NOT quote AND NOT inactive
              AND created_at >= {at} - INTERVAL {int(window_days)} DAY AND created_at < {at}
            GROUP BY platform, customer_id
        ), cust AS (
            SELECT l.value, {vat_sql('c.vat_number', country)} AS vat, {account_ref_sql('c.account_ref')} AS ref,
                   {email_sql('c.email')} AS email
            FROM live l JOIN {src['commerce_customers']} c USING (platform, customer_id)
        ), erp AS (
            SELECT {vat_sql('e.vat_number', erp_country)} AS vat, {account_ref_sql('e.customer_account')} AS ref,
                   {email_sql('e.email')} AS email
            FROM {src['erp_customers']} e WHERE e.status IN ('active', 'on_hold')
        )
        SELECT count(*) AS absent, sum(value) AS value FROM cust c
        WHERE NOT EXISTS (SELECT 1 FROM erp WHERE erp.vat = c.vat)
          AND NOT EXISTS (SELECT 1 FROM erp WHERE erp.ref = c.ref)
          AND NOT EXISTS (SELECT 1 FROM erp WHERE erp.email = c.email)"""


def run_floor(staged: Path, *, as_of: str, window_days: int, home_country: str,
              threads: int | None = None, memory_limit: str | None = None) -> dict[str, object]:
    """Run the floor query on a fresh in-memory DuckDB (the cards' threads and memory limit); return what it found."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {literal(memory_limit)}")
    absent, value = con.execute(floor_sql(staged, as_of, window_days, home_country)).fetchall()[0]
    con.close()
    return {"absent": int(absent), "value": str(value)}
