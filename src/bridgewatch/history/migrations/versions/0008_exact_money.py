"""Blocked values are kept exactly, as whole ten-thousandths of the reporting currency (``blocked_e4``), instead of
whole cents (``blocked_cents``): a three-decimal currency lost its third decimal in the store (KWD 30.716 was kept,
summed and shown as 30.71) while the run's own JSON said 30.716.

Each row's exact value is read back from the JSON the store already keeps beside it (a version's worklist row, a
card run's summary: both written with the currency's own decimals); a row whose JSON has no value keeps its cents.

SQLite cannot drop a column's default without copying the table, so there the new column keeps ``DEFAULT 0`` (every
insert gives the value; PostgreSQL's default is dropped).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = {"card_runs": "summary", "episode_versions": "row"}
"""Each table with a blocked value, and its JSON column that has the exact value as ``blocked_value_reporting``."""


def _exact(json_column: str, dialect: str) -> str:
    """SQL: the ``blocked_value_reporting`` of ``json_column`` in ten-thousandths (NULL when it has none).

    PostgreSQL multiplies the decimal text exactly; SQLite in binary floating point, exact once rounded for any
    amount under 900 billion (four decimals kept to well within a double's 15 significant digits)."""
    if dialect == "postgresql":
        field = f"CAST(CAST(\"{json_column}\" AS json) ->> 'blocked_value_reporting' AS numeric)"
        return f"CAST(round({field} * 10000) AS bigint)"
    field = f"CAST(json_extract(\"{json_column}\", '$.blocked_value_reporting') AS REAL)"
    return f"CAST(round({field} * 10000) AS INTEGER)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, json_column in TABLES.items():
        op.add_column(table, sa.Column("blocked_e4", sa.BigInteger, nullable=False, server_default="0"))
        op.execute(f"UPDATE {table} SET blocked_e4 = COALESCE({_exact(json_column, dialect)}, blocked_cents * 100)")
        op.drop_column(table, "blocked_cents")
        if dialect == "postgresql":
            op.alter_column(table, "blocked_e4", server_default=None)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        op.add_column(table, sa.Column("blocked_cents", sa.BigInteger, nullable=False, server_default="0"))
        op.execute(f"UPDATE {table} SET blocked_cents = blocked_e4 / 100")
        op.drop_column(table, "blocked_e4")
        if dialect == "postgresql":
            op.alter_column(table, "blocked_cents", server_default=None)
