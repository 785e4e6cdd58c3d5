"""Arrow tables from Python values, made by DuckDB.

pyarrow's constructors from Python objects (``pa.array``, ``pa.table``, ``Table.from_pylist``,
``pa.scalar``) first ask whether the object is a pandas one, and the first such question in a process
imports pandas when it is installed: about 0.17 s, a sixth of ``bridgewatch run`` on a demo workspace,
for a library no command needs. Lists bound as DuckDB parameters and unnested in one SELECT become
the same Arrow table without that probe (and faster on long lists). ``tests/api/test_public_api.py``
checks that a run loads no pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pyarrow as pa

from bridgewatch.ingest.canonical import arrow_of, local_connection
from bridgewatch.ingest.typing import _q

SQL_TYPES = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.bool_(): "BOOLEAN",
             pa.float64(): "DOUBLE", pa.timestamp("us"): "TIMESTAMP", pa.date32(): "DATE"}
"""The Arrow types a column can be given, as the DuckDB types whose Arrow form they are."""


def table_of(columns: Mapping[str, Sequence[Any]], schema: Mapping[str, pa.DataType]) -> pa.Table:
    """An Arrow table with the columns ``schema`` names, in its order and of its types, holding the
    values of ``columns`` (lists of equal length; ``None`` is a null)."""
    if not schema:
        return pa.Table.from_arrays([], names=[])
    lengths = {len(columns[name]) for name in schema}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    params = {f"c{i}": list(columns[name]) for i, name in enumerate(schema)}
    select = ", ".join(f"unnest($c{i}::{SQL_TYPES[kind]}[]) AS {_q(name)}"
                       for i, (name, kind) in enumerate(schema.items()))
    con = local_connection()
    try:
        table = arrow_of(con, f"SELECT {select}", lengths.pop(), params)
    finally:
        con.close()
    return table.cast(pa.schema(list(schema.items())))


def rows_table(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, pa.DataType]) -> pa.Table:
    """:func:`table_of` for rows given as mappings (a key a row lacks is a null)."""
    return table_of({name: [r.get(name) for r in rows] for name in schema}, schema)


def positions(count: int) -> pa.ChunkedArray:
    """0, 1, …, ``count`` − 1 as an int64 column (a row's position in a table of ``count`` rows)."""
    con = local_connection()
    try:
        return arrow_of(con, "SELECT range AS i FROM range(?) ORDER BY range", count, [count]).column("i")
    finally:
        con.close()


@lru_cache(maxsize=16)
def text_scalar(value: str) -> pa.StringScalar:
    """``value`` as an Arrow string scalar, for a compute kernel's constant argument."""
    return table_of({"v": [value]}, {"v": pa.string()}).column("v")[0]
