"""Evidence digests: the hash the run store compares between runs is the same on every engine, so a workspace that
moves from DuckDB to Spark (or back) gets no new evidence version for a customer whose evidence did not change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bridgewatch.engine import get_engine
from bridgewatch.results import compute
from bridgewatch.results.evidence import evidence_digests, text_sql
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, sage


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Orders in currencies whose rate into GBP is below 0.000001 (Spark writes such a rate ``1.0000E-8``)."""
    s = sage()
    company(s, "TINY", currency="VND", total="25000000.00", country="VN")
    s.add("fx_rates", currency="VND", rate_date="2026-04-01", rate="0.00000001")
    company(s, "SMALL", currency="IDR", total="9000000.00", country="ID")
    s.add("fx_rates", currency="IDR", rate_date="2026-04-01", rate="0.000000999999")
    company(s, "PLAIN", currency="EUR", total="100.00", country="FR")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-01", rate="0.85714286")
    return s.write(tmp_path / "ws")


def _digests(workspace: Path, engine: Any) -> dict[str, str]:
    with compute([load_workspace(workspace)], engine=engine) as run:
        wl = run.results[0].worklist
        return {r["account_id"]: r["digest"] for r in evidence_digests(wl.engine, wl.card, wl.accounts_sql())}


@pytest.mark.spark
def test_evidence_digests_are_the_same_on_spark(workspace: Path, spark_engine: Any) -> None:
    duck = _digests(workspace, get_engine("duckdb"))
    assert sorted(duck) == ["PLAIN", "SMALL", "TINY"]
    assert _digests(workspace, spark_engine) == duck


def test_a_fine_rate_is_written_as_duckdb_always_wrote_it() -> None:
    """The engine-neutral text of a rate is DuckDB's own ``CAST`` text, every place written: digests already kept in
    a run store (computed on DuckDB) do not change."""
    rates = ["0.00000001", "0.000000999999", "0.000001", "0", "-0.000000000001", "0.85714286", "1", "9999999"]
    values = ", ".join(f"(CAST('{r}' AS DECIMAL(19,12)))" for r in rates)
    rows = get_engine("duckdb").fetch(f"SELECT {text_sql('x.fx_rate')} AS t, CAST(x.fx_rate AS VARCHAR) AS c "
                                      f"FROM (VALUES {values}) AS x(fx_rate)")
    assert [r["t"] for r in rows] == [r["c"] for r in rows]
    assert [r["t"] for r in rows][:2] == ["0.000000010000", "0.000000999999"]
    assert Decimal(rows[4]["t"]) == Decimal("-0.000000000001")
