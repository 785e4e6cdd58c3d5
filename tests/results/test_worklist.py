"""Worklists stream from the engine into every destination, hostile names stay inert, and Spark streams too."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from bridgewatch.engine import get_engine
from bridgewatch.report.json_out import write_results_json
from bridgewatch.results import collect, compute
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, sage

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    s = sage()
    for n, total in enumerate(("500.00", "400.00", "300.00")):
        company(s, f"C{n}", vat=f"GB11111111{n}", total=total)
    s.rows["companies"][1]["name"] = HOSTILE
    s.rows["companies"][2]["name"] = "=HYPERLINK(\"http://evil.test\",\"x\")"
    return s.write(tmp_path / "ws")


def test_rows_head_and_count(workspace: Path) -> None:
    with compute([load_workspace(workspace)]) as run:
        wl = run.results[0].worklist
        assert [r["company_id"] for r in wl] == ["C0", "C1", "C2"]
        assert [r["rank"] for r in wl.head(2)] == [1, 2]
        assert wl.count() == 3
        assert [c.blocked_value_reporting for c in wl.customers()] == [r.blocked_value_reporting for r in
                                                                        collect([load_workspace(workspace)])[0]
                                                                        .customers]


def test_csv_is_formula_safe_and_numbers_stay_numbers(workspace: Path, tmp_path: Path) -> None:
    with compute([load_workspace(workspace)]) as run:
        assert run.results[0].worklist.to_csv(tmp_path / "w.csv") == 3
    rows = list(csv.DictReader((tmp_path / "w.csv").open(encoding="utf-8")))
    assert [r["name"] for r in rows] == ["C0 Ltd", "'" + HOSTILE, "'=HYPERLINK(\"http://evil.test\",\"x\")"]
    assert [r["blocked_value"] for r in rows] == ["500.00", "400.00", "300.00"]


def test_parquet_is_written_by_the_engine(workspace: Path, tmp_path: Path) -> None:
    with compute([load_workspace(workspace)]) as run:
        run.results[0].worklist.to_parquet(tmp_path / "w.parquet")
    table = pq.read_table(tmp_path / "w.parquet")
    assert table.column("account_id").to_pylist() == ["C0", "C1", "C2"]
    assert table.column("name").to_pylist()[1] == HOSTILE  # data, not a spreadsheet: kept verbatim
    assert [str(v) for v in table.column("blocked_value_reporting").to_pylist()] == ["500.00", "400.00", "300.00"]


def test_json_is_written_item_by_item_and_parses(workspace: Path) -> None:
    with compute([load_workspace(workspace)]) as run:
        fh = io.StringIO()
        write_results_json(fh, [(r.summary.to_dict(), iter(r.worklist)) for r in run.results])
    [card] = json.loads(fh.getvalue())
    assert card["count"] == 3 and [c["name"] for c in card["customers"]][1] == HOSTILE


def test_the_worklist_is_never_held_whole(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows come from the engine's batched stream, never a fetch of every row."""
    engine = get_engine("duckdb")
    calls: list[str] = []
    streamed: list[str] = []
    real_fetch, real_stream = engine.fetch, engine.stream

    def spy(sql: str) -> list[dict[str, Any]]:
        calls.append(sql)
        return real_fetch(sql)

    def stream_spy(sql: str, batch: int = 20_000) -> Any:
        streamed.append(sql)
        return real_stream(sql, batch)

    with compute([load_workspace(workspace)], engine=engine) as run:
        gap = run.results[0].card.table("gap")
        monkeypatch.setattr(engine, "fetch", spy)
        monkeypatch.setattr(engine, "stream", stream_spy)
        assert len(list(run.results[0].worklist)) == 3
    assert not [c for c in calls if gap in c and "count(" not in c]
    assert [c for c in streamed if gap in c]
    engine.close()


@pytest.mark.spark
def test_spark_streams_the_same_rows_and_writes_parquet(workspace: Path, tmp_path: Path,
                                                        spark_engine: Any) -> None:
    ws = load_workspace(workspace)
    with compute([ws]) as local:
        expected = list(local.results[0].worklist)
    run = compute([ws], engine=spark_engine)
    assert list(run.results[0].worklist) == expected
    run.results[0].worklist.to_parquet(tmp_path / "spark.parquet")
    assert pq.read_table(tmp_path / "spark.parquet").column("account_id").to_pylist() == ["C0", "C1", "C2"]
