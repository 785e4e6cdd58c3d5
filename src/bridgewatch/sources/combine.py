"""Put reader results together: one table per canonical name, duplicates across pages and files removed.

API exports overlap (Adobe Commerce repeats its last page past the end, paged pulls re-read rows
that moved, users export the same week twice). A record whose table key repeats an earlier one's is
dropped and counted as excluded ``duplicate`` in the accounting of the file it came from, so every
file still balances: read = used + excluded + quarantined. The first record wins: sources in
workspace.toml order, files in path order, rows in file order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from bridgewatch.ingest.accounting import FileAccount
from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.sources.base import ReadResult

DUPLICATE = "duplicate"


def combine(results: Sequence[ReadResult]) -> ReadResult:
    """Concatenate tables of the same name and drop duplicate records on the table key."""
    accounts = merge_accounts([a for r in results for a in r.accounts])
    parts: dict[str, list[pa.Table]] = {}
    for r in results:
        for name, table in r.tables.items():
            parts.setdefault(name, []).append(table)
    tables = {}
    for name, chunks in parts.items():
        table = pa.concat_tables(chunks) if len(chunks) > 1 else chunks[0]
        tables[name] = _dedupe(name, table, accounts)
    return ReadResult(tables, accounts)


def merge_accounts(accounts: Sequence[FileAccount]) -> list[FileAccount]:
    """One account per (table, file), summing accounts that several maps made for the same pair."""
    merged: dict[tuple[str, str], FileAccount] = {}
    for a in accounts:
        m = merged.get((a.table, a.file))
        if m is None:
            merged[(a.table, a.file)] = FileAccount(a.table, a.file, a.read, a.used, Counter(a.excluded),
                                                    list(a.quarantined))
            continue
        m.read += a.read
        m.used += a.used
        m.excluded.update(a.excluded)
        m.quarantined += a.quarantined
    return list(merged.values())


def _dedupe(name: str, table: pa.Table, accounts: list[FileAccount]) -> pa.Table:
    key = TABLES_BY_NAME[name].key
    if not key or table.num_rows == 0:
        return table
    con = duckdb.connect()
    cols = ", ".join(f'"{k}"' for k in key)
    con.register("keys", table.select(list(key)))
    distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM keys)").fetchall()[0][0]
    if distinct == table.num_rows:  # the usual case: one hash pass, no window over every row
        con.close()
        return table
    con.register("t", table.append_column("__i", pa.array(range(table.num_rows), pa.int64())))
    dups = con.execute(f"SELECT __i, source_file FROM (SELECT __i, source_file, row_number() OVER "
                       f"(PARTITION BY {cols} ORDER BY __i) AS rn FROM t) WHERE rn > 1").fetchall()
    con.close()
    if not dups:
        return table
    by_file = Counter(f for _, f in dups)
    for account in accounts:
        if account.table == name and account.file in by_file:
            account.used -= by_file[account.file]
            account.excluded[DUPLICATE] += by_file[account.file]
    drop = pa.array(sorted(i for i, _ in dups), pa.int64())
    keep = pc.invert(pc.is_in(pa.array(range(table.num_rows), pa.int64()), value_set=drop))
    return table.filter(keep)
