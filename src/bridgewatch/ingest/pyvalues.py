"""Arrow tables from Python values, without importing pandas.

pyarrow's constructors from Python objects (``pa.array``, ``pa.table``, ``Table.from_pylist``,
``pa.scalar``) first ask whether the object is a pandas one when numpy is loaded (pyarrow loads it
whenever it is installed), and the first such question in a process imports pandas if it is
installed: about 0.17 s, a sixth of ``bridgewatch run`` on a demo workspace, for a library no command
needs. In that case (numpy loaded, pandas not) lists bound as DuckDB parameters and unnested in one
SELECT make the same Arrow table without the question (≈ 1.5 ms a table, so ≈ 10 ms a workspace
load); otherwise pyarrow's own constructors, which then cost nothing extra, make it. DuckDB's route
costs ≈ 0.7 µs a value against pyarrow's ≈ 0.14 µs, so a table of more than :data:`DUCKDB_MOST`
values (a large Intacct XML export, a large stored run) takes pyarrow's route whatever it imports:
the import is then the smaller cost.
``tests/api/test_public_api.py`` checks that a run loads no pandas.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pyarrow as pa

from bridgewatch.ingest.canonical import arrow_of, local_connection
from bridgewatch.ingest.typing import _q

SQL_TYPES = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.bool_(): "BOOLEAN",
             pa.float64(): "DOUBLE", pa.timestamp("us"): "TIMESTAMP", pa.date32(): "DATE"}
"""The Arrow types a column can be given, as the DuckDB types whose Arrow form they are."""
DUCKDB_MOST = 100_000
"""The most values (rows × columns) a table is made of through DuckDB (≈ 70 ms; pandas' import ≈ 170 ms)."""


def pyarrow_is_quiet() -> bool:
    """pyarrow can convert Python values without importing pandas: numpy is not loaded (so pyarrow asks
    nothing), or pandas already is (so asking costs nothing)."""
    return "numpy" not in sys.modules or "pandas" in sys.modules


def table_of(columns: Mapping[str, Sequence[Any]], schema: Mapping[str, pa.DataType]) -> pa.Table:
    """An Arrow table with the columns ``schema`` names, in its order and of its types, holding the
    values of ``columns`` (lists of equal length; ``None`` is a null; an aware time is kept as its UTC
    wall time)."""
    arrow_schema = pa.schema(list(schema.items()))
    if not schema:
        return pa.Table.from_arrays([], names=[])
    lengths = {len(columns[name]) for name in schema}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    rows = lengths.pop()
    if pyarrow_is_quiet() or rows * len(schema) > DUCKDB_MOST:
        return pa.Table.from_pydict({name: list(columns[name]) for name in schema}, schema=arrow_schema)
    params = {f"c{i}": list(columns[name]) for i, name in enumerate(schema)}
    select = ", ".join(f"unnest($c{i}::{SQL_TYPES[kind]}[]) AS {_q(name)}"
                       for i, (name, kind) in enumerate(schema.items()))
    con = local_connection()
    try:
        table = arrow_of(con, f"SELECT {select}", rows, params)
    finally:
        con.close()
    return table.cast(arrow_schema)


def rows_table(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, pa.DataType]) -> pa.Table:
    """:func:`table_of` for rows given as mappings (a key a row lacks is a null)."""
    return table_of({name: [r.get(name) for r in rows] for name in schema}, schema)


def positions(count: int) -> pa.ChunkedArray:
    """0, 1, …, ``count`` − 1 as an int64 column (a row's position in a table of ``count`` rows)."""
    if pyarrow_is_quiet() or count > DUCKDB_MOST:
        return pa.chunked_array([pa.array(range(count), pa.int64())])
    con = local_connection()
    try:
        return arrow_of(con, "SELECT range AS i FROM range(?) ORDER BY range", count, [count]).column("i")
    finally:
        con.close()


@lru_cache(maxsize=16)
def text_scalar(value: str) -> pa.StringScalar:
    """``value`` as an Arrow string scalar, for a compute kernel's constant argument."""
    if pyarrow_is_quiet():
        return pa.scalar(value, pa.string())
    return table_of({"v": [value]}, {"v": pa.string()}).column("v")[0]
