"""Put reader results together: one table per canonical name, records repeated across pages, files and
sources merged into one.

API exports overlap (Adobe Commerce repeats its last page past the end, paged pulls re-read rows
that moved, users export the same week twice), and one customer often comes from two routes (a
customers CSV and a GraphQL companies page naming the same person as a company contact). Records
with the same table key are merged **field by field in source precedence**: for each column, the
value of the first record that has one — sources in workspace.toml order, files in path order,
rows in file order — so a later source fills what an earlier one leaves empty and never
overwrites what it says. Flags that only ever add evidence (:data:`ANY_OF`, e.g. ``is_b2b``) are
set when any record sets them. The merged row keeps the first record's file and row.

Within one source (its reader's own merge, ``newest_first``), copies that disagree are ordered newest first where
the files say which is newer (the record's change time, else its file's newest time: :func:`_ordered`), so a week's
export sorting before the next week's no longer keeps its since-changed values; the older copy is counted
``duplicate, older (a newer export of the source wins): status``. Of versions dated by the record's own change time,
the newest one's empty field stays empty where its file carries the field (:func:`_carried`): a value removed from
the record since is not filled back from the older copy.
Copies that cannot be ordered keep path order.

Every later record is counted as excluded in its own file's accounting, so every file still
balances (read = used + excluded + quarantined): ``duplicate`` when it agrees with the merged row,
``duplicate, conflicting: email, name`` when it holds another value for those fields (emails
compared ignoring case), so a conflict is never silent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from bridgewatch.ingest.accounting import FileAccount
from bridgewatch.ingest.canonical import arrow_of, local_connection
from bridgewatch.ingest.pyvalues import positions, table_of, text_scalar
from bridgewatch.model.tables import TABLES_BY_NAME, ColumnType, Table
from bridgewatch.sources.base import ReadResult

DUPLICATE = "duplicate"
CONFLICTING = "duplicate, conflicting: "
SUPERSEDED = "duplicate, older (a newer export of the source wins): "
ANY_OF = {"commerce_customers": ("is_b2b",)}
"""Flags merged with OR: their false only means 'this source does not say so' (a customers export
knows nothing of companies), so another source saying true is evidence, not a conflict."""
LINEAGE = ("workspace_id", "source_file", "source_row")


def combine(results: Sequence[ReadResult], *, newest_first: bool = False) -> ReadResult:
    """Concatenate tables of the same name and merge records repeating a table key.

    ``newest_first``: the results are one source's files (exports of the same thing, perhaps from different weeks),
    so copies that disagree are merged newest first where their files say which is newer (:func:`_ordered`);
    between sources, precedence stays workspace.toml order."""
    accounts = merge_accounts([a for r in results for a in r.accounts])
    parts: dict[str, list[pa.Table]] = {}
    for r in results:
        for name, table in r.tables.items():
            parts.setdefault(name, []).append(table)
    tables = {name: pa.concat_tables(chunks) if len(chunks) > 1 else chunks[0] for name, chunks in parts.items()}
    _adopt_ids(tables)
    tables = {name: _merge(TABLES_BY_NAME[name], table, accounts, newest_first) for name, table in tables.items()}
    linked = frozenset().union(*(r.email_linked for r in results))
    shipped = frozenset().union(*(r.ship_to_from_customer for r in results))
    _link_by_email(tables, linked, shipped)
    return ReadResult(tables, accounts, [w for r in results for w in r.warnings], linked, shipped)


def _adopt_ids(tables: dict[str, pa.Table]) -> None:
    """A customer keyed by its email (a route without customer ids: the Adobe Commerce Data Transfer export, an
    old Shopify customers export, ``email_as_customer_id``) is the customer of the same platform with that email
    and an id of its own (of several, the least), when another source reads one: its rows, the orders and the
    sync-log events naming it take that id, so it is merged into that customer (its file counting it as a
    ``duplicate``) instead of standing beside it as a second customer holding the orders without the id's
    company link, B2B flag or keys."""
    customers = tables.get("commerce_customers")
    if customers is None or not customers.num_rows:
        return
    ids, emails = customers.column("customer_id"), pc.utf8_lower(pc.utf8_trim_whitespace(customers.column("email")))
    keyed = pc.equal(ids, emails)  # null where either is: ``any`` skips it (no Python constant: see pyvalues)
    if not pc.any(keyed).as_py() or not pc.any(pc.and_(pc.invert(keyed), pc.is_valid(emails))).as_py():
        return  # the usual case: no customer keyed by email, or none with an id to take
    con = local_connection()
    try:
        con.register("c", customers)
        moved = arrow_of(con, """
            WITH owned AS (SELECT platform, lower(trim(email)) AS e, min(customer_id) AS id FROM c
                           WHERE trim(email) <> '' AND customer_id <> lower(trim(email)) GROUP BY 1, 2)
            SELECT DISTINCT c.platform, c.customer_id AS old, owned.id AS new
            FROM c JOIN owned ON owned.platform = c.platform AND owned.e = c.customer_id
            WHERE c.customer_id = lower(trim(c.email))""")
        if not moved.num_rows:
            return
        con.register("m", moved)
        for name, column in (("commerce_customers", "customer_id"), ("orders", "customer_id"),
                             ("sync_events", "customer_ref")):
            table = tables.get(name)
            if table is None or not table.num_rows:
                continue
            con.register("t", table.append_column("__i", positions(table.num_rows)))
            platform = "(t.platform IS NULL OR m.platform = t.platform)" if name == "sync_events" \
                else "m.platform = t.platform"
            tables[name] = arrow_of(con, f"""
                SELECT t.* EXCLUDE (__i) REPLACE (COALESCE(n.new, t."{column}") AS "{column}")
                FROM t LEFT JOIN (SELECT t.__i, CASE WHEN count(DISTINCT m.new) = 1 THEN min(m.new) END AS new
                                  FROM t JOIN m ON m.old = t."{column}" AND {platform} GROUP BY t.__i) AS n
                  ON n.__i = t.__i
                ORDER BY t.__i""", table.num_rows).cast(table.schema)
            con.unregister("t")
    finally:
        con.close()


def _files(files: frozenset[str]) -> pa.Table:
    """``files`` as a one-column table ``file`` (built without pyarrow's Python-value conversion, which imports
    pandas where it is installed: :mod:`bridgewatch.ingest.pyvalues`)."""
    return table_of({"file": sorted(files)}, {"file": pa.string()})


def _link_by_email(tables: dict[str, pa.Table], files: frozenset[str], shipped: frozenset[str] = frozenset()) -> None:
    """Orders linked to their customer by email across sources, where a route keys one side by email only.

    * An order of ``files`` (whose export names its customer by email only: the Shopify orders export, an Adobe
      Commerce orders grid read without a customers export) that its reader linked to no customer takes the
      customer of the same platform with that email (any case; of several, the least id, as the readers' own
      links do), from whichever source read it: such an export read beside customers from the API. An order of
      ``shipped`` (an export without ship-to countries) linked so takes the customer's country as its ship-to.
    * An order whose customer id names no customer of its platform takes the customer keyed by the order's email
      (a route without customer ids, as the Adobe Commerce Data Transfer export, keys customers by email): API
      orders read beside such customers. A customer with an id of its own is never matched so. A sync-log event
      naming no customer or company by the id such orders gave (the entity id a connector reading the API logs)
      is about the customer they were linked to (when that id went to one customer only).
    """
    orders, customers = tables.get("orders"), tables.get("commerce_customers")
    if orders is None or customers is None or not orders.num_rows or not customers.num_rows:
        return
    ids, emails, named = customers.column("customer_id"), customers.column("email"), orders.column("customer_id")
    listed = _files(files)
    unlinked = bool(files) and pc.any(pc.and_(pc.is_null(named), pc.is_in(
        orders.column("source_file"), value_set=listed.column("file")))).as_py()
    stranger = pc.any(pc.equal(ids, pc.utf8_lower(pc.utf8_trim_whitespace(emails)))).as_py() and pc.any(
        pc.and_(pc.is_valid(named), pc.invert(pc.is_in(named, value_set=pc.unique(ids))))).as_py()
    if not unlinked and not stranger:
        return  # the usual case: every order linked as its reader linked it, nothing to look up
    con = local_connection()
    try:
        con.register("o", orders.append_column("__i", positions(orders.num_rows)))
        con.register("c", customers)
        con.register("f", listed)
        con.register("s", _files(shipped))
        linked = arrow_of(con, """
            WITH e AS (SELECT platform, lower(trim(email)) AS e, min(customer_id) AS cid,
                              arg_min(country, customer_id) AS country,
                              min(customer_id) FILTER (WHERE customer_id = lower(trim(email))) AS keyed
                       FROM c WHERE trim(email) <> '' GROUP BY 1, 2),
                 k AS (SELECT DISTINCT platform, customer_id FROM c)
            SELECT o.* EXCLUDE (__i) REPLACE (CASE
                       WHEN o.customer_id IS NULL AND o.source_file IN (SELECT file FROM f) THEN e.cid
                       WHEN o.customer_id IS NOT NULL AND k.customer_id IS NULL THEN COALESCE(e.keyed, o.customer_id)
                       ELSE o.customer_id END AS customer_id,
                   CASE WHEN o.customer_id IS NULL AND o.ship_to_country IS NULL AND e.cid IS NOT NULL
                             AND o.source_file IN (SELECT file FROM s) THEN e.country
                        ELSE o.ship_to_country END AS ship_to_country)
            FROM o LEFT JOIN e ON e.platform = o.platform AND e.e = lower(trim(o.email))
            LEFT JOIN k ON k.platform = o.platform AND k.customer_id = o.customer_id
            ORDER BY o.__i""", orders.num_rows)
        events = tables.get("sync_events")
        if stranger and events is not None and events.num_rows:
            tables["sync_events"] = _rekey_events(con, tables, linked, events)
    finally:
        con.close()
    tables["orders"] = linked.cast(orders.schema)


def _rekey_events(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], linked: pa.Table,
                  events: pa.Table) -> pa.Table:
    """Sync events naming, by an id no customer or company has, a customer the orders re-keyed to another id
    (the orders ``o`` as read, ``linked`` after :func:`_link_by_email`)."""
    companies = tables.get("companies")
    con.register("l", linked)
    con.register("ev", events.append_column("__i", positions(events.num_rows)))
    con.register("co", companies if companies is not None else table_of(
        {"platform": [], "company_id": []}, {"platform": pa.string(), "company_id": pa.string()}))
    moved = arrow_of(con, """
        WITH moved AS (
            SELECT o.platform, o.customer_id AS old, min(l.customer_id) AS new
            FROM o JOIN l ON l.platform = o.platform AND l.order_id = o.order_id
            WHERE o.customer_id IS NOT NULL AND l.customer_id <> o.customer_id
            GROUP BY 1, 2 HAVING count(DISTINCT l.customer_id) = 1),
        known AS (SELECT customer_id AS ref FROM c UNION SELECT company_id FROM co),
        target AS (
            SELECT ev.__i, CASE WHEN count(DISTINCT m.new) = 1 THEN min(m.new) END AS new
            FROM ev JOIN moved AS m ON m.old = ev.customer_ref AND (ev.platform IS NULL OR m.platform = ev.platform)
            WHERE ev.customer_ref NOT IN (SELECT ref FROM known WHERE ref IS NOT NULL)
            GROUP BY ev.__i)
        SELECT ev.* EXCLUDE (__i) REPLACE (COALESCE(t.new, ev.customer_ref) AS customer_ref)
        FROM ev LEFT JOIN target AS t ON t.__i = ev.__i ORDER BY ev.__i""", events.num_rows)
    return moved.cast(events.schema)


def merge_accounts(accounts: Sequence[FileAccount]) -> list[FileAccount]:
    """One account per (table, file), summing accounts that several maps made for the same pair."""
    merged: dict[tuple[str, str], FileAccount] = {}
    for a in accounts:
        m = merged.get((a.table, a.file))
        if m is None:
            merged[(a.table, a.file)] = FileAccount(a.table, a.file, a.read, a.used, Counter(a.excluded),
                                                    list(a.quarantined), list(a.notes))
            continue
        m.read += a.read
        m.used += a.used
        m.excluded.update(a.excluded)
        m.quarantined += a.quarantined
        m.notes += [n for n in a.notes if n not in m.notes]
    return list(merged.values())


def _merge(table: Table, data: pa.Table, accounts: list[FileAccount], newest_first: bool = False) -> pa.Table:
    if not table.key or data.num_rows == 0:
        return data
    if _keys_unique(data, table.key, table.keyless_when_empty):
        return data  # the usual case: one hash pass, nothing to merge
    keyless = table.keyless_sql()
    con = local_connection()
    try:
        con.register("t", data.append_column("__i", positions(data.num_rows)))
        con.execute(f"CREATE TEMP TABLE g0 AS SELECT *, min(__i) OVER (PARTITION BY {_group_sql(table, keyless)}) "
                    f"AS __g FROM {_occurrences(table, data.column_names, keyless)}")
        con.execute(f"CREATE TEMP TABLE g AS {_ordered(table, newest_first)}")
        merged = arrow_of(con, _merged_sql(table, data.column_names), data.num_rows)
        _count_later(con, table, accounts)
    finally:
        con.close()
    return merged.cast(data.schema)


def _content(table: Table, columns: Sequence[str]) -> list[str]:
    """The columns that say what a keyless row is: all but its lineage and its (empty) key columns."""
    return [c for c in columns if c not in LINEAGE and c not in table.keyless_when_empty and c != "__i"]


def _occurrences(table: Table, columns: Sequence[str], keyless: str | None) -> str:
    """The rows (``t``) with ``__occ``: for a row without a key, which occurrence it is of rows alike in every
    field within its own file (1 for the first); NULL for keyed rows."""
    if not keyless:
        return "t"
    alike = ", ".join(f'"{c}"' for c in ("source_file", *_content(table, columns)))
    return (f"(SELECT *, CASE WHEN {keyless} THEN row_number() OVER (PARTITION BY {alike}, ({keyless}) "
            f"ORDER BY __i) END AS __occ FROM t) AS t")


def _group_sql(table: Table, keyless: str | None) -> str:
    """What makes rows one record: the table key; for a row without one, every field and its occurrence.

    Overlapping exports repeat the same events: the n-th of identical id-less rows in one file is the
    same event as the n-th of them in another file (so two real attempts logged alike stay two, and an
    overlap adds none); rows alike in one file are never merged with each other.
    """
    if not keyless:
        return ", ".join(f'"{k}"' for k in table.key)
    keys = ", ".join(f'CASE WHEN {keyless} THEN NULL ELSE "{k}" END' for k in table.key)
    content = ", ".join(f'"{c}" := "{c}"' for c in _content(table, table.column_names))
    return f"{keys}, CASE WHEN {keyless} THEN struct_pack({content}) END, __occ"


def _keys_unique(data: pa.Table, key: Sequence[str], keyless: Sequence[str] = ()) -> bool:
    """No two rows share a key (NULL equal to NULL, as grouping does; rows whose ``keyless`` columns are
    empty or blank have no key and are left out), by one distinct count.

    A compute kernel, not ``Table.group_by``, whose engine (Arrow's Acero) costs ~30 ms to import, nor
    SQL (≈ 4 ms to plan, per table of every workspace). Keys of several columns are compared joined into
    one text; two different keys that join alike (a separator or NULL mark inside a value) only send
    the table to the exact merge, which finds nothing to merge. No constant is a Python value
    (:mod:`bridgewatch.ingest.pyvalues` says why): a value has a key when its trimmed length is valid
    and not 0.
    """
    for column in keyless:
        length = pc.utf8_length(pc.utf8_trim_whitespace(pc.cast(data.column(column), pa.string())))
        has_key = pc.and_kleene(pc.is_valid(length), pc.cast(length, pa.bool_()))
        if pc.count_distinct(data.filter(pc.invert(has_key)).column("source_file")).as_py() > 1:
            return False  # rows without a key in two files may be one event exported twice: the exact merge
        data = data.filter(has_key)
    columns = [data.column(k) for k in key]
    values = columns[0] if len(columns) == 1 else pc.binary_join_element_wise(
        *(pc.cast(c, pa.string()) for c in columns), text_scalar("\x1f"), null_handling="replace",
        null_replacement="\x00")
    return bool(pc.count_distinct(values, mode="all").as_py() == data.num_rows)


def _fields(table: Table) -> list[str]:
    return [c for c in table.column_names if c not in table.key]


RECORD_STAMP = {"erp_customers": "modified_at"}
"""The column saying when a record last changed, per table: of two copies, the one changed later is the newer."""


def _file_stamp(table: Table) -> str | None:
    """SQL (on a row): its newest time (created, modified, occurred), whose maximum over a file's rows is when the
    file was made at the earliest, as the freshness check reads an export's date (None: the table has no time)."""
    stamps = [f'"{c.name}"' for c in table.columns if c.type is ColumnType.TIMESTAMP]
    if not stamps:
        return None
    return stamps[0] if len(stamps) == 1 else f"greatest({', '.join(stamps)})"


def _ordered(table: Table, newest_first: bool) -> str:
    """The rows (``g0``) with ``__o``, each record's rank among the copies of its key (1 is the one whose values
    come first), ``__dated``, whether the copies were ranked by time, ``__by_rec``, whether by the record's own
    change time, and per field ``__h<i>``, whether the row's file carries that field (:func:`_carried`).

    In path order unless ``newest_first`` and the copies disagree on a field: then newest first where every copy
    says when it is from and they differ — the record's own change time (:data:`RECORD_STAMP`: an ERP record's
    modified time), else its file's newest time (the latest created / modified / occurred time of the file's rows
    of this table: a later week's export holds later ones). Copies that cannot be ordered so stay in path order.
    Between versions of a record dated by its change time, a copy leaving empty a field its file carries while
    another fills it disagrees too (a VAT number removed from the record since the older export)."""
    first = "row_number() OVER (PARTITION BY __g ORDER BY __i)"
    file_stamp = _file_stamp(table)
    fields = [c for c in _fields(table) if c not in ANY_OF.get(table.name, ())]
    if not newest_first or file_stamp is None:
        every = "".join(f", TRUE AS __h{i}" for i in range(len(fields)))
        return f"SELECT *, {first} AS __o, FALSE AS __dated, FALSE AS __by_rec{every} FROM g0"
    norm = {c: SAME.get(c, "{}").format(f'"{c}"') for c in fields}
    disagree = " OR ".join(f"min({n}) OVER w IS DISTINCT FROM max({n}) OVER w" for n in norm.values()) or "FALSE"
    emptied = " OR ".join(f"(count({n}) OVER w > 0 AND sum(CASE WHEN __h{i} AND {n} IS NULL THEN 1 ELSE 0 END) "
                          f"OVER w > 0)" for i, n in enumerate(norm.values())) or "FALSE"
    record = RECORD_STAMP.get(table.name)
    rec = f'"{record}"' if record else "CAST(NULL AS TIMESTAMP)"

    def known(stamp: str) -> str:
        return f"(count({stamp}) OVER w = count(*) OVER w AND min({stamp}) OVER w < max({stamp}) OVER w)"
    return f"""
        WITH f AS (SELECT source_file AS __f, max({file_stamp}) AS __fs FROM g0 GROUP BY 1),
             s AS (SELECT g0.*, {rec} AS __rs, f.__fs{_carried(fields)}
                   FROM g0 LEFT JOIN f ON f.__f IS NOT DISTINCT FROM g0.source_file),
             d AS (SELECT *, ({disagree} OR {emptied}) AND {known('__rs')} AS __by_rec,
                          ({disagree}) AND {known('__fs')} AS __by_file
                   FROM s WINDOW w AS (PARTITION BY __g))
        SELECT * EXCLUDE (__rs, __fs, __by_file),
               row_number() OVER (PARTITION BY __g ORDER BY CASE WHEN __by_rec THEN __rs END DESC NULLS LAST,
                                  CASE WHEN __by_file THEN __fs END DESC NULLS LAST, __i) AS __o,
               __by_rec OR __by_file AS __dated
        FROM d"""


def _carried(fields: Sequence[str]) -> str:
    """SQL columns ``__h<i>``: the row's file fills field ``i`` on at least one of its rows of the table. A file
    filling a field on none of them is taken not to carry it (an export route without that column, a page whose
    query did not select it): its empty cells say nothing, so an older copy's value stays. A one-record export
    clearing the field cannot be told from such a file (the older value stays then too)."""
    return "".join(f', bool_or("{c}" IS NOT NULL) OVER (PARTITION BY g0.source_file) AS __h{i}'
                   for i, c in enumerate(fields))


def _merged_sql(table: Table, order: Sequence[str], *, group: bool = False) -> str:
    """One row per key: each field from the first record (by ``__o``) that has it (flags in ANY_OF: any record).

    Versions of a record ranked by its own change time (``__by_rec``: an ERP record's modified time, across one
    source's exports of different weeks) take each field from the newest version whose file carries it, empty or
    not: a value removed from the record since stays removed. Copies ranked by their file's date only keep filling
    an empty field from the next copy (a page repeating a record may hold fewer of its fields)."""
    flags = ANY_OF.get(table.name, ())
    fields = [c for c in _fields(table) if c not in flags]
    picks = {c: (f'CASE WHEN bool_or(__by_rec) THEN struct_extract(arg_min(struct_pack(v := "{c}"), __o) '
                 f'FILTER (WHERE __h{i}), \'v\') ELSE arg_min("{c}", __o) FILTER (WHERE "{c}" IS NOT NULL) END')
             for i, c in enumerate(fields)}
    picks |= {c: f'bool_or("{c}")' for c in flags}
    picks |= {c: f'arg_min("{c}", __o)' for c in (*table.key, *LINEAGE)}
    select = ", ".join([*(["__g"] if group else []), *(f'{picks[c]} AS "{c}"' for c in order)])
    return f"SELECT {select} FROM g GROUP BY __g ORDER BY __g"


SAME = {"email": "lower(trim({}))", "vat_number": "regexp_replace(upper({}), '[^A-Z0-9]', '', 'g')",
        "account_ref": "upper(trim({}))"}
"""How values are compared for conflicts: as the matching keys are (an email in another case, a VAT
number written with spaces are the same value)."""


def _same(table: Table, column: str) -> str:
    """SQL comparing a later record's value (``d``) with the merged one (``m``)."""
    norm = SAME.get(column, "{}")
    left, right = (norm.format(f'{side}."{column}"') for side in ("d", "m"))
    return f"{left} = {right}"


def _count_later(con: duckdb.DuckDBPyConnection, table: Table, accounts: list[FileAccount]) -> None:
    """Count each later record as excluded in its file's account, naming the fields it conflicts on."""
    fields = [c for c in _fields(table) if c not in ANY_OF.get(table.name, ())]
    con.execute(f"CREATE TEMP TABLE m AS {_merged_sql(table, table.column_names, group=True)}")
    differs = ", ".join(f"CASE WHEN d.\"{c}\" IS NOT NULL AND (m.\"{c}\" IS NULL OR NOT ({_same(table, c)})) "
                        f"THEN '{c}' END"
                        for c in fields) or "NULL"
    rows = con.execute(f"""
        SELECT d.source_file, concat_ws(', ', {differs}) AS conflicts, d.__dated, count(*)
        FROM g AS d JOIN m ON m.__g = d.__g WHERE d.__o > 1 GROUP BY 1, 2, 3""").fetchall()
    by_file = {a.file: a for a in accounts if a.table == table.name}
    for file, conflicts, dated, n in rows:
        account = by_file[file]
        account.used -= n
        label = (SUPERSEDED if dated else CONFLICTING) + conflicts if conflicts else DUPLICATE
        account.excluded[label] += n
