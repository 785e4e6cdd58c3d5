"""Values written into SQL text are inert on every engine: quotes, backslashes, unicode, NULL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from bridgewatch.engine.dialect import SPARK
from bridgewatch.sql import equals, literal, literal_list

HOSTILE = ["O'Brien", "a\\b", "\\'", "'; DROP TABLE x; --", "C-10422\\n", "naïve “quotes”", "", "x' OR '1'='1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_strings_round_trip_on_duckdb(value: str) -> None:
    import duckdb

    con = duckdb.connect()
    assert con.execute(f"SELECT {literal(value)}").fetchone() == (value,)


@pytest.mark.parametrize("value", HOSTILE)
def test_strings_survive_the_spark_translation(value: str) -> None:
    """sqlglot re-spells the DuckDB literal for Spark (where a backslash escapes)."""
    translated = SPARK.translate(f"SELECT {literal(value)} AS v")
    expected = value.replace("\\", "\\\\").replace("'", "\\'")
    assert f"'{expected}'" in translated or f"'{value.replace(chr(39), chr(39) * 2)}'" in translated


@pytest.mark.spark
@pytest.mark.parametrize("value", HOSTILE)
def test_strings_round_trip_on_spark(value: str, spark_engine: Any) -> None:
    assert spark_engine.fetch(f"SELECT {literal(value)} AS v") == [{"v": value}]


@pytest.mark.parametrize(("value", "sql"), [
    (None, "NULL"), (True, "TRUE"), (False, "FALSE"), (3, "3"), (Decimal("1.50"), "1.50"), (0.25, "0.25"),
    (date(2026, 4, 14), "DATE '2026-04-14'"), (datetime(2026, 4, 14, 9, 5), "TIMESTAMP '2026-04-14 09:05:00'"),
])
def test_other_values(value: Any, sql: str) -> None:
    assert literal(value) == sql


def test_lists_and_equality() -> None:
    assert literal_list(["a", "b'c"]) == "('a', 'b''c')"
    assert literal_list([]) == "(NULL)"
    assert equals("x", None) == "x IS NULL"
    assert equals("x", "it's") == "x = 'it''s'"


def test_unknown_types_are_refused() -> None:
    with pytest.raises(TypeError):
        literal(object())  # type: ignore[arg-type]
