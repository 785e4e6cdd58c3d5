"""Arrow tables from Python values, made by DuckDB (``bridgewatch.ingest.pyvalues``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from bridgewatch.ingest import pyvalues
from bridgewatch.ingest.pyvalues import positions, rows_table, table_of, text_scalar


@pytest.fixture(autouse=True, params=["duckdb", "pyarrow"])
def route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both routes: DuckDB's (numpy loaded, pandas not) and pyarrow's own."""
    monkeypatch.setattr(pyvalues, "pyarrow_is_quiet", lambda: request.param == "pyarrow")
    return str(request.param)


def test_columns_keep_their_values_order_types_and_nulls() -> None:
    schema = {"name": pa.string(), "n": pa.int32(), "big": pa.int64(), "ok": pa.bool_(), "at": pa.timestamp("us")}
    at = datetime(2026, 3, 1, 9, 30, 15, 123456)
    table = table_of({"ok": [True, None, False], "name": ["b", None, "a é"], "n": [3, 1, None],
                      "big": [2**40, None, -1], "at": [at, None, at]}, schema)
    assert table.schema == pa.schema(list(schema.items()))
    assert table.to_pylist() == [
        {"name": "b", "n": 3, "big": 2**40, "ok": True, "at": at},
        {"name": None, "n": 1, "big": None, "ok": None, "at": None},
        {"name": "a é", "n": None, "big": -1, "ok": False, "at": at}]


def test_an_aware_time_is_kept_as_its_utc_wall_time() -> None:
    paris = timezone(timedelta(hours=1))
    table = table_of({"at": [datetime(2026, 3, 1, 10, 0, tzinfo=paris), datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]},
                     {"at": pa.timestamp("us")})
    assert table.column("at").to_pylist() == [datetime(2026, 3, 1, 9, 0)] * 2


def test_rows_empty_lists_and_lengths() -> None:
    schema = {"a": pa.string(), "b": pa.int64()}
    assert rows_table([{"a": "x"}, {"b": 2}], schema).to_pylist() == [{"a": "x", "b": None}, {"a": None, "b": 2}]
    empty = table_of({"a": [], "b": []}, schema)
    assert (empty.num_rows, empty.schema) == (0, pa.schema(list(schema.items())))
    with pytest.raises(ValueError, match="different lengths"):
        table_of({"a": ["x"], "b": []}, schema)


def test_positions_and_text_scalars() -> None:
    assert positions(5).to_pylist() == [0, 1, 2, 3, 4]
    assert positions(0).to_pylist() == []
    assert positions(90_000).to_pylist()[-3:] == [89_997, 89_998, 89_999]
    assert text_scalar("\x1f") == pa.scalar("\x1f", pa.string())


def test_pyarrow_is_quiet_unless_numpy_is_loaded_and_pandas_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real function, not the route fixture's
    import sys

    monkeypatch.delitem(sys.modules, "numpy", raising=False)
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    assert pyvalues.pyarrow_is_quiet()
    monkeypatch.setitem(sys.modules, "numpy", sys.modules["sys"])
    assert not pyvalues.pyarrow_is_quiet()
    monkeypatch.setitem(sys.modules, "pandas", sys.modules["sys"])
    assert pyvalues.pyarrow_is_quiet()


def test_a_large_table_takes_pyarrows_route_whatever_it_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB's route is ≈ 5× slower a value: above DUCKDB_MOST values pandas' import is the smaller cost."""
    monkeypatch.setattr(pyvalues, "pyarrow_is_quiet", lambda: False)
    monkeypatch.setattr(pyvalues, "DUCKDB_MOST", 2)

    def no_duckdb(*args: object) -> None:
        raise AssertionError("DuckDB's route taken")

    monkeypatch.setattr(pyvalues, "local_connection", no_duckdb)
    assert table_of({"a": ["x", "y", None]}, {"a": pa.string()}).column("a").to_pylist() == ["x", "y", None]
    assert positions(6).to_pylist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(AssertionError, match="DuckDB's route"):
        table_of({"a": ["x"], "b": [1]}, {"a": pa.string(), "b": pa.int64()})  # 2 values: DuckDB's route
