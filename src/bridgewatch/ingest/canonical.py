"""Read canonical table files (CSV, Excel .xlsx or Parquet, one per table) into typed Arrow tables.

Files are read by DuckDB's own readers with every column as text, checked cell by cell in SQL,
and cast. Bad cells either stop the load with one error naming each file, row and field, or are
quarantined (``OnBadRow``); duplicate keys are excluded and counted. Nothing is dropped silently.
"""

from __future__ import annotations

import tempfile
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from bridgewatch.errors import InputError, Problem, did_you_mean
from bridgewatch.ingest.accounting import Accounting, FileAccount, OnBadRow
from bridgewatch.ingest.csvfile import (
    BLANK_ROW,
    CsvHead,
    blank_row_sql,
    is_blank,
    rejected_lines,
    row_number_sql,
    sniff_csv,
    utf8_copy,
)
from bridgewatch.ingest.csvlines import empty_rows
from bridgewatch.ingest.typing import Check, _q, any_bad_sql, duplicate_rows, problem_rows, rules_for, typed_sql
from bridgewatch.ingest.workbook import EMPTY_WORKBOOK, is_workbook, workbook_csv
from bridgewatch.model.tables import TABLES, Table
from bridgewatch.model.whitespace import light_trims
from bridgewatch.sql import literal

EXTENSIONS = (".csv", ".csv.gz", ".tsv", ".parquet", ".xlsx")


def find_table_file(folder: Path, table: Table) -> Path | None:
    """The file holding ``table`` in ``folder`` (``<table>.csv``, ``.tsv``, ``.csv.gz``, ``.parquet`` or ``.xlsx``)."""
    for ext in EXTENSIONS:
        candidate = folder / f"{table.name}{ext}"
        if candidate.is_file():
            return candidate
    return None


_LOCAL: list[duckdb.DuckDBPyConnection] = []
_LOCK = threading.Lock()


def local_connection(timezone: str = "UTC") -> duckdb.DuckDBPyConnection:
    """A private DuckDB connection for reading files; naive timestamps are read in ``timezone``.

    Connections are cursors of one in-memory database the process keeps: opening a database costs
    ~50-100 ms (its extensions load), a cursor nothing, and each cursor still has its own temp
    tables and settings. Close it when done (its temp tables go with it).
    """
    with _LOCK:
        if not _LOCAL:
            _LOCAL.append(duckdb.connect())
        con = _LOCAL[0].cursor()
    con.execute(f"SET TimeZone = '{timezone}'")
    return con


LIGHT_BYTES = 1 << 20
"""Inputs up to this size (every file one connection reads) are planned without DuckDB's optimizer."""


def plan_lightly(con: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> bool:
    """Turn DuckDB's optimizer off for this connection when ``paths`` hold at most :data:`LIGHT_BYTES`.

    On a few hundred rows, optimising a reader's statements (common subexpressions, expression
    rewriting, join order) costs more than it saves: about a sixth of a demo workspace's load. The
    results are the same either way; large inputs keep the optimizer, where it pays. The setting is
    the connection's own (``SET SESSION``), not the reading database's.

    Returns:
        Whether the input is light: the caller then writes its statements inside
        :func:`bridgewatch.model.whitespace.light_trims` (trims cheap to plan, for the same reason).
    """
    try:
        size = sum(p.stat().st_size for p in paths)
    except OSError:
        return False  # the reader reports the file it cannot read
    if size > LIGHT_BYTES:
        return False
    con.execute("SET SESSION enable_optimizer = false")
    return True


SMALL = 100_000
"""Rows up to which a result is fetched by :func:`arrow_of` with one planning (and one extra copy)."""
_FETCH_LOCK = threading.Lock()


def arrow_of(con: duckdb.DuckDBPyConnection, sql: str, rows: int = 0, params: Any = None) -> Any:
    """The rows of ``sql`` (with bound ``params``) as an Arrow table; ``rows`` is about how many there are.

    ``con.sql(sql).to_arrow_table()`` binds a SELECT for its schema, then plans it again to run it: for a
    reader's typing statement (every column of a canonical table) on a few hundred rows, that second
    planning is about a third of the statement's time. Up to :data:`SMALL` rows the statement is run
    once and its result fetched as Arrow, which DuckDB's DB-API layer copies once more (and warns that
    it does; the warning is silenced here, not elsewhere); larger results take the relation path.
    """
    if rows > SMALL:
        return con.sql(sql, params=params).to_arrow_table()
    result = con.execute(sql, params)
    with _FETCH_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        return result.to_arrow_table()


_SHARED: set[str] = set()
_SHARED_LOCK = threading.Lock()


def shared_table(name: str, make: Callable[[], Any]) -> None:
    """Make ``name`` a table of the reading database (:func:`local_connection`), built once per process
    from the Arrow table ``make()`` returns: every cursor then reads it as a native table, with nothing
    registered per cursor (for constant lookups such as the country names)."""
    with _SHARED_LOCK:
        if name in _SHARED:
            return
        con = local_connection()
        try:
            con.register(f"{name}_arrow", make())
            con.execute(f"CREATE OR REPLACE TABLE main.{_q(name)} AS SELECT * FROM {_q(name + '_arrow')}")
        finally:
            con.close()
        _SHARED.add(name)


def load_folder(folder: Path, *, workspace_id: str, timezone: str = "UTC",
                on_bad_row: OnBadRow = OnBadRow.RAISE, require: bool = True) -> tuple[dict[str, Any], Accounting]:
    """Load every canonical table from ``folder``.

    Args:
        require: a missing required table file is an error (False when vendor sources supply tables).

    Returns:
        The Arrow table per canonical table name, and the accounting of every file read.

    Raises:
        InputError: a required file or column is missing, a file cannot be parsed, or (with
            ``OnBadRow.RAISE``) any cell is unusable. All problems are listed at once.
    """
    if folder.exists() and not folder.is_dir():
        raise InputError(f"Data folder {folder} is a file, not a folder, so the canonical tables in it (fx_rates, "
                         f"...) cannot be read. Move the file aside and put the table files in a folder of that "
                         f"name, or set data_dir in workspace.toml.")
    if not folder.is_dir():
        raise InputError(f"Data folder {folder} does not exist. Put the canonical table files there "
                         f"(see docs/model.md) or set data_dir in workspace.toml.")
    con = local_connection(timezone)
    found = {table.name: find_table_file(folder, table) for table in TABLES}
    light = plan_lightly(con, [p for p in found.values() if p is not None])
    tables: dict[str, Any] = {}
    accounting = Accounting()
    problems: list[Problem] = []
    with light_trims(light):
        for table in TABLES:
            path = found[table.name]
            if path is None and not require:
                continue
            if path is None and not table.optional:
                problems.append(Problem(str(folder / f"{table.name}.csv"), None, None, None,
                                        "required file is missing (also accepted: .tsv, .csv.gz, .parquet, .xlsx)"))
                continue
            try:
                arrow, account = load_table(con, table, path, workspace_id=workspace_id, on_bad_row=on_bad_row)
            except InputError as exc:
                problems.extend(exc.problems or [Problem(str(path), None, None, None, str(exc))])
                continue
            tables[table.name] = arrow
            if account is not None:
                accounting.add(account)
    con.close()
    if problems:
        raise InputError(f"Cannot load workspace '{workspace_id}' from {folder}: {len(problems)} problem(s). "
                         f"Fix these and run again:", problems)
    return tables, accounting


def load_table(con: duckdb.DuckDBPyConnection, table: Table, path: Path | None, *, workspace_id: str,
               on_bad_row: OnBadRow = OnBadRow.RAISE) -> tuple[Any, FileAccount | None]:
    """Load one canonical file (or an empty table when ``path`` is None).

    A 0-byte file and a header without rows load as an empty table whose account says so
    (``no orders: the file is empty``), so an empty export is never a quiet zero.
    """
    if path is None or is_blank(path):
        arrow = empty_table(con, table)
        account = None if path is None else FileAccount(table.name, str(path), notes=[empty_note(table.name, BLANK)])
        return arrow, account
    read = _read_raw(con, table, path)
    if read is None:  # a workbook whose sheets hold no value
        return empty_table(con, table), FileAccount(table.name, str(path), notes=[empty_note(table.name,
                                                                                             EMPTY_WORKBOOK)])
    present, rejected, path = read
    try:
        arrow, account = cast_relation(con, table, "__raw", present, workspace_id=workspace_id, file=str(path),
                                       on_bad_row=on_bad_row, options=CastOptions(exclude_column="__exclude"))
    except InputError as exc:
        raise InputError(f"{path}: bad values", sorted([*rejected, *exc.problems], key=lambda p: p.row or 0)) from exc
    if rejected and on_bad_row is OnBadRow.RAISE:
        raise InputError(f"{path}: lines that do not fit the header", rejected)
    account.read += len(rejected)
    account.quarantined.extend(rejected)
    if account.read == 0:
        account.notes.append(empty_note(table.name, HEADER_ONLY))
    return arrow, account


_EMPTY: dict[str, Any] = {}


def empty_table(con: duckdb.DuckDBPyConnection, table: Table) -> Any:
    """``table`` with no rows, typed as loaded tables are (made once per process: it holds no value of any
    workspace or file)."""
    if table.name not in _EMPTY:
        empty = "(SELECT CAST(0 AS BIGINT) AS __row WHERE FALSE)"
        _EMPTY[table.name] = arrow_of(con, _select_sql(table, set(), "", "''", empty, None))
    return _EMPTY[table.name]


BLANK = "the file is empty"
HEADER_ONLY = "the file has a header and no rows"
BLANK_HEADER = "__no_header_"
"""Name given to a column whose header cell is blank (it is dropped when it holds no value)."""


def empty_note(table: str, why: str) -> str:
    """The note on a file that holds no row of ``table``: ``no orders: the file is empty``."""
    return f"no {table.replace('_', ' ')}: {why}"


@dataclass(frozen=True)
class CastOptions:
    """How a reader wants its all-text relation checked (see :func:`cast_relation`)."""

    exclude_column: str | None = None
    """Column holding a reason text for rows that can never be canonical rows (NULL = use the row)."""
    checks: Sequence[Check] = ()
    """Reader-specific rules (e.g. an unknown status code) checked with the canonical ones."""
    hints: Mapping[str, str] = field(default_factory=dict)
    """Per column, the reason given when a value cannot be read (names the vendor's format)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Per column, the field name reported in problems (the vendor's name for it)."""
    duplicate_reason: str | None = "duplicate key"
    """Exclude rows repeating an earlier row's key with this reason; None leaves duplicates in."""
    unchecked: frozenset[str] = frozenset()
    """Columns the canonical rules skip: values the reader produced itself (constants, flags), valid by
    construction, or checked by the reader's own ``checks`` instead (looked-up countries)."""
    empty: Mapping[str, str] = field(default_factory=dict)
    """Per required column, the reason given when it is empty (where the value should have come from)."""


def cast_relation(con: duckdb.DuckDBPyConnection, table: Table, relation: str, present: set[str], *,
                  workspace_id: str, file: str, on_bad_row: OnBadRow = OnBadRow.RAISE,
                  options: CastOptions = CastOptions()) -> tuple[Any, FileAccount]:
    """Check and cast an all-text relation (canonical column names plus ``__row``) of one file to ``table``.

    Returns:
        The typed Arrow table (lineage columns first) and the file's accounting.

    Raises:
        InputError: with ``OnBadRow.RAISE``, every unusable cell of the relation.
    """
    rows = f"(SELECT *, {literal(file)} AS __file FROM {relation})"
    arrow, accounts = cast_files(con, table, rows, present, workspace_id=workspace_id, files=[file],
                                 on_bad_row=on_bad_row, options=options)
    return arrow, accounts[0] if accounts else FileAccount(table.name, file)


def cast_files(con: duckdb.DuckDBPyConnection, table: Table, relation: str, present: set[str], *,
               workspace_id: str, files: Sequence[str], on_bad_row: OnBadRow = OnBadRow.RAISE,
               options: CastOptions = CastOptions()) -> tuple[Any, list[FileAccount]]:
    """Check and cast an all-text relation (canonical column names, ``__file``, ``__row``) to ``table``.

    This is the one typing layer: the canonical loader and every vendor reader end here, so a bad
    value is reported the same way whatever file it came from. The rows of every file are checked
    and cast together, in a few passes whatever the number of files, each file accounted apart.

    Returns:
        The typed Arrow table (lineage columns first; files in ``files`` order, rows in file order)
        and one account per file of ``files`` that has a row in the relation.

    Raises:
        InputError: with ``OnBadRow.RAISE``, every unusable cell of the relation.
    """
    rules = rules_for(table, present - options.unchecked, extra=options.checks, hints=options.hints,
                      labels=options.labels, empty=options.empty)
    exclude = _q(options.exclude_column) if options.exclude_column else "CAST(NULL AS VARCHAR)"
    con.execute(f"CREATE OR REPLACE TEMP TABLE __checked AS SELECT *, {exclude} AS __why, "
                f"{exclude} IS NULL AND ({any_bad_sql(rules)}) AS __bad FROM {relation}")
    accounts: dict[str, FileAccount] = {}
    bad = 0
    for f, why, n, n_bad in con.execute("SELECT __file, __why, count(*), count(*) FILTER (WHERE __bad) "
                                        "FROM __checked GROUP BY 1, 2").fetchall():
        accounts.setdefault(f, FileAccount(table.name, f)).read += n
        bad += n_bad
        if why is not None:
            accounts[f].excluded[why] += n
    problems = problem_rows(con, "(SELECT * FROM __checked WHERE __bad)", rules, "__file") if bad else ()
    if problems and on_bad_row is OnBadRow.RAISE:
        raise InputError(f"{files[0] if len(files) == 1 else problems[0].file}: bad values", problems)
    for problem in problems:
        accounts[problem.file].quarantined.append(problem)
    live = "(SELECT * FROM __checked WHERE __why IS NULL AND NOT __bad)"
    dups = _duplicates(con, table, files[0], present, live) if options.duplicate_reason else ()
    for dup in dups:
        accounts[dup.file].excluded[options.duplicate_reason or ""] += 1
    if dups:
        con.execute("CREATE OR REPLACE TEMP TABLE __dropped (f VARCHAR, r BIGINT)")
        con.executemany("INSERT INTO __dropped VALUES (?, ?)", [[d.file, d.row] for d in dups])
    present_files = [f for f in files if f in accounts]
    order = "list_position(" + _sql_list(present_files) + ", __file)" if len(present_files) > 1 else "1"
    arrow = arrow_of(con, _select_sql(table, present, workspace_id, "__file", live, "__dropped" if dups else None,
                                      order), sum(a.read for a in accounts.values()))
    used = Counter(arrow.column("source_file").to_pylist()) if len(accounts) > 1 else {f: arrow.num_rows
                                                                                      for f in accounts}
    for f, account in accounts.items():
        account.used = used.get(f, 0)
    return arrow, [accounts[f] for f in present_files]


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _duplicates(con: duckdb.DuckDBPyConnection, table: Table, file: str, present: set[str],
                relation: str) -> tuple[Problem, ...]:
    """Rows of one file repeating an earlier row's key (the canonical loader's files: one relation a file)."""
    return duplicate_rows(con, relation, table, file, present)


def _read_raw(con: duckdb.DuckDBPyConnection, table: Table,
              path: Path) -> tuple[set[str], list[Problem], Path] | None:
    """Read ``path`` as all-text table ``__raw`` with a 1-based ``__row`` and ``__exclude`` (:data:`BLANK_ROW`
    for a CSV row whose every cell is empty).

    Returns:
        The columns present, one problem per CSV line DuckDB could not split into the header's
        columns (too many or too few fields, broken quoting), and the name of what was read (``path``,
        or ``path[sheet]`` for a workbook); None for a workbook whose sheets hold no value.
    """
    rejected: list[Problem] = []
    empty: list[int] = []
    blank = "FALSE"
    if path.suffix == ".parquet":
        _create_file_table(con, path, f"read_parquet({literal(str(path))})", "Parquet")
        columns = [r[0] for r in con.execute("DESCRIBE __file").fetchall()]
    else:
        read = _read_csv(con, table, path)
        if read is None:
            return None
        columns, rejected, empty, path = read
        blank = blank_row_sql(columns)
        columns = _without_blank_columns(con, path, columns)
    by_name = {c.strip().lower(): c for c in columns}
    _check_columns(table, path, set(by_name))
    casts = ", ".join(f"CAST({_q(orig)} AS VARCHAR) AS {_q(name)}" for name, orig in by_name.items())
    row = row_number_sql(con, [p.row for p in rejected if p.row is not None] + empty, "__skipped", "__file.rowid")
    con.execute(f"CREATE OR REPLACE TEMP TABLE __raw AS SELECT {row} AS __row, {casts}, "
                f"CASE WHEN {blank} THEN {literal(BLANK_ROW)} END AS __exclude FROM __file")
    return set(by_name), rejected, path


def _without_blank_columns(con: duckdb.DuckDBPyConnection, path: Path, columns: list[str]) -> list[str]:
    """``columns`` less those without a header and without a value (the trailing ``,,`` a spreadsheet leaves).

    Raises:
        InputError: a column without a header holds values (whose are they?).
    """
    blank = [c for c in columns if c.startswith(BLANK_HEADER)]
    if not blank:
        return columns
    counts = con.execute("SELECT " + ", ".join(f"count(NULLIF(trim({_q(c)}), ''))" for c in blank)
                         + " FROM __file").fetchone() or ()
    filled = [c for c, n in zip(blank, counts, strict=True) if n]
    if filled:
        raise InputError(f"{path}: header problems", [
            Problem(str(path), None, f"column {int(c.removeprefix(BLANK_HEADER)) + 1}", None,
                    "the column has values but no name in the header row") for c in filled])
    return [c for c in columns if c not in blank]


def _create_file_table(con: duckdb.DuckDBPyConnection, path: Path, reader: str, kind: str) -> None:
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __file AS SELECT * FROM {reader}")
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot be read as {kind}: {_first_line(exc)}. Check the file is complete "
                         f"and in the expected format.") from exc


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table,
              path: Path) -> tuple[list[str], list[Problem], list[int], Path] | None:
    """Read a CSV with the dialect of its header line; lines that do not fit are returned as problems, and
    the data rows that are empty lines (DuckDB skips them: the rows after them keep their numbers), and the
    name of what was read.

    Windows-1252 and UTF-16 files are read from a UTF-8 copy, like vendor exports; an Excel workbook
    from a CSV copy of its data sheet (of several, the one whose header has the table's required
    columns), named ``path[sheet]``. None for a workbook whose sheets hold no value.
    """
    with tempfile.TemporaryDirectory(prefix="bridgewatch-") as scratch:
        head = _head(table, path, Path(scratch))
        if head is None:
            return None
        path = head.label(path)
        if not head.header or not any(head.header):
            raise InputError(f"{path}: the file is empty or has no header row. Export it again with a header.")
        names = list(dict.fromkeys(h or f"{BLANK_HEADER}{i}" for i, h in enumerate(head.header)))
        if len(names) != len(head.header):
            raise InputError(f"{path}: the header repeats a column name ({', '.join(head.header)}).")
        spec = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
        con.execute("DROP TABLE IF EXISTS __rejects; DROP TABLE IF EXISTS __reject_scans")
        source = head.source or path
        source = source if head.encoding == "utf-8" else utf8_copy(path, head.encoding, Path(scratch) / "utf8.csv")
        _create_file_table(con, path, (
            f"read_csv({literal(str(source))}, header = true, auto_detect = false, columns = {spec}, "
            f"delim = {literal(head.delimiter)}, quote = '\"', escape = '\"', "
            f"store_rejects = true, rejects_table = '__rejects', rejects_scan = '__reject_scans')"), "CSV")
        return names, rejected_lines(con, path, "__rejects", source), empty_rows(con, source, head.delimiter), path


def _head(table: Table, path: Path, scratch: Path) -> CsvHead | None:
    """The head of a CSV file, or of a workbook's data sheet written as CSV into ``scratch`` (None: no sheet
    holds a value)."""
    if not is_workbook(path):
        return sniff_csv(path)
    required = [c.name for c in table.columns if c.required]
    sheet = workbook_csv(path, scratch / "sheet.csv", label=path,
                         accepts=lambda header: set(required) <= {h.strip().lower() for h in header})
    return None if sheet is None else CsvHead("utf-8", ",", sheet.header, source=sheet.csv, sheet=sheet.sheet)


def _check_columns(table: Table, path: Path, present: set[str]) -> None:
    problems = []
    for col in table.columns:
        if col.required and col.name not in present:
            problems.append(Problem(str(path), None, col.name, None, "required column is missing from the header"))
    for name in sorted(present - set(table.column_names)):
        hint = str(did_you_mean("column", name, table.column_names)).split(". ", 1)[1].split(" Known")[0]
        problems.append(Problem(str(path), None, name, None, f"unknown column for table '{table.name}'. {hint}"
                                .rstrip()))
    if problems:
        raise InputError(f"{path}: header problems", problems)


def _select_sql(table: Table, present: set[str], workspace_id: str, file_sql: str, relation: str,
                dropped: str | None, order: str = "1") -> str:
    """The typed rows of ``relation``; ``file_sql`` gives their file, ``dropped`` holds (file, row) left out."""
    cols = [f"{literal(workspace_id)} AS workspace_id", f"CAST({file_sql} AS VARCHAR) AS source_file",
            "CAST(__row AS BIGINT) AS source_row"]
    for col in table.columns:
        value = typed_sql(col) if col.name in present else _absent_sql(col)
        cols.append(f"CAST({value} AS {col.type.sql}) AS {_q(col.name)}")
    where = (f" WHERE NOT EXISTS (SELECT 1 FROM {dropped} AS d WHERE d.f = r.__file AND d.r = r.__row)"
             if dropped else "")
    return f"SELECT {', '.join(cols)} FROM {relation} AS r{where} ORDER BY {order}, __row"


def _absent_sql(col: Any) -> str:
    if col.default is None:
        return "NULL"
    return typed_sql(col).replace(f'"{col.name}"', "NULL")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
