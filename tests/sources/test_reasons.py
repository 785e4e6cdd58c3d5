"""Issue 13 item 11: rejection messages grouped by template, on DuckDB and on Spark.

The messages are the shapes the vendor reference (../shared/reference/erp-systems.md) records: an
Intacct XML business error (``errorno`` + ``description2`` + ``[Support ID: …]``), Power Automate
``errorcode: errormessage`` naming the customer, F&O ``Write failed … Infolog:`` text, Business
Central validation messages, Dataverse duplicate-key codes.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from bridgewatch.matching.reasons import reason_template_sql

MESSAGES: list[tuple[str | None, str | None]] = [
    ("BL01001973 Another customer with the ID C-10422 already exists. [Support ID: abc%7Exyz]",
     "BL01001973 Another customer with the ID <id> already exists. [Support ID: <id>]"),
    ("BL01001973 Another customer with the ID C-10500 already exists.\n[Support ID: Q9x%7E12]",
     "BL01001973 Another customer with the ID <id> already exists. [Support ID: <id>]"),
    ("BadRequest: Create account failed for customer 1042: Write failed for table row of type "
     "'CustCustomerV3Entity'. Infolog: Warning: Customer group TRADE does not exist.",
     "BadRequest: Create account failed for customer <number>: Write failed for table row of type <value>. "
     "Infolog: Warning: Customer group TRADE does not exist."),
    ("BadRequest: Create account failed for customer 7210448301122: Write failed for table row of type "
     "'CustCustomerV3Entity'. Infolog: Warning: Customer group TRADE does not exist.",
     "BadRequest: Create account failed for customer <number>: Write failed for table row of type <value>. "
     "Infolog: Warning: Customer group TRADE does not exist."),
    ('A "displayName" must be provided.', 'A "displayName" must be provided.'),
    ('The "currencyCode" does not match to a Currency.', 'The "currencyCode" does not match to a Currency.'),
    ("The entered VAT Registration number is not in agreement with the format specified for Country/Region "
     "Code ES.", "The entered VAT Registration number is not in agreement with the format specified for "
                 "Country/Region Code ES."),
    ("This VAT registration number has already been entered for the following customers: 10000, 20000",
     "This VAT registration number has already been entered for the following customers: <number>, <number>"),
    ("0x80040237: A record with matching key values already exists.",
     "0x80040237: A record with matching key values already exists."),
    ("An unexpected error occurred from ISV code. (ErrorType = ClientError) Unexpected exception from plug-in "
     "(Execute): Microsoft.Dynamics.Integrator.DualWriteRuntime.Plugins.PreCommitPlugin: Account "
     "f2a5738a-44e3-ea11-bb43-000d3a2feca1 for buyer@acme.example rejected at 2026-06-18T11:05:00Z",
     "An unexpected error occurred from ISV code. (ErrorType = ClientError) Unexpected exception from plug-in "
     "(Execute): Microsoft.Dynamics.Integrator.DualWriteRuntime.Plugins.PreCommitPlugin: Account <guid> for "
     "<email> rejected at <date>"),
    ("Customer \"Harbour Tools Ltd\" over credit limit 1,000.00 on 06/18/2026 11:05 (CUST0042)",
     "Customer <value> over credit limit <number> on <date> (<id>)"),
    ("GW-0010 Rate limit exceeded; see https://developer.intacct.com/errors?id=GW-0010",
     "GW-0010 Rate limit exceeded; see <value>"),
    # F&O names the missing field in single quotes: which field is missing is the reason, never masked
    ("Field 'Customer group' must be filled in.", "Field 'Customer group' must be filled in."),
    ("Field 'Sales tax group' must be filled in.", "Field 'Sales tax group' must be filled in."),
    ("The value 'GBPX' in field 'Currency' is not found in the related table 'Currency'.",
     "The value <value> in field 'Currency' is not found in the related table <value>."),
    # ids and numbers next to a letter outside ASCII: a word boundary is RE2's (ASCII) on every engine, not Java's
    ("Pedido Nº12345 rechazado", "Pedido Nº<number> rechazado"),
    ("顧客123が存在します", "顧客<number>が存在します"),
    # any white space, a vertical tab or a no-break space too, is one space on every engine
    ("Kunde\x0b42\x0bfehlt\u00a0 heute", "Kunde <number> fehlt heute"),
    ("   ", None),
    (None, None),
]


def _templates(fetch: Any) -> list[str | None]:
    values = " UNION ALL ".join(
        f"SELECT {i} AS i, {'NULL' if m is None else _lit(m)} AS msg" for i, (m, _) in enumerate(MESSAGES))
    return [r["t"] for r in fetch(f"SELECT i, {reason_template_sql('msg')} AS t FROM ({values}) AS m ORDER BY i")]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duckdb(sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect()
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_messages_differing_only_in_ids_emails_numbers_dates_quotes_or_guids_share_a_template() -> None:
    assert _templates(_duckdb) == [t for _, t in MESSAGES]


def test_one_group_per_template_with_its_count_and_a_verbatim_example() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE e (customer VARCHAR, reason VARCHAR)")
    con.executemany("INSERT INTO e VALUES (?, ?)", [
        ("A", "Required field NAME is missing for customer C-1"), ("B", "Required field NAME is missing for "
                                                                   "customer C-22"),
        ("C", "Required field NAME is missing for customer C-333"), ("D", "Required field NAME is missing for "
                                                                     "customer C-4444"),
        ("E", "Another customer with the ID C-10422 already exists.")])
    rows = con.execute(f"SELECT {reason_template_sql('reason')} AS template, count(*) AS n, min(reason) AS example "
                       f"FROM e GROUP BY 1 ORDER BY n DESC").fetchall()
    assert rows == [("Required field NAME is missing for customer <id>", 4,
                     "Required field NAME is missing for customer C-1"),
                    ("Another customer with the ID <id> already exists.", 1,
                     "Another customer with the ID C-10422 already exists.")]


@pytest.mark.spark
def test_the_same_templates_on_spark(spark_engine: Any) -> None:
    assert _templates(spark_engine.fetch) == [t for _, t in MESSAGES]
