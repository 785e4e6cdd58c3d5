"""Vendor files → raw DuckDB relations, read by DuckDB's own CSV and JSON readers.

A :class:`Session` is one reader run: a private DuckDB connection holding every file of the
source as raw records. Tabular files (CSV, and XML converted to Arrow) become one relation per
*kind* with the kind's declared columns as text; JSON and JSON-lines records land in one table of
``(__file, __row, kind, j)`` where ``kind`` is decided by the envelope they came in or by the keys
they carry. Mapping onto canonical tables happens later, in SQL (``bridgewatch.sources.mapping``).

``__row`` is the record's position in its file: the data row (header not counted) of a CSV, the
record of a JSON file (pages in file order), the line of a JSON-lines file.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from bridgewatch.errors import InputError, Problem
from bridgewatch.ingest.canonical import local_connection
from bridgewatch.ingest.csvfile import CsvHead
from bridgewatch.sources.shapes import lit, q

MAX_JSON_OBJECT = 1 << 30
"""A whole API page is one JSON object; OData pages of 10,000 customers exceed DuckDB's 16 MB default."""


@dataclass(frozen=True)
class TabularKind:
    """A family of CSV exports recognised by its header."""

    name: str
    signature: tuple[str, ...]
    """Headers that must all be present for a file to be of this kind."""
    columns: Mapping[str, tuple[str, ...]]
    """Internal column name → the header names it may have (first found wins)."""
    required: tuple[str, ...] = ()
    """Internal columns whose header must be present."""
    label: str = ""
    """What users call the file (for messages)."""


@dataclass(frozen=True)
class Envelope:
    """Where a JSON response keeps its records: ``{array}[*]{suffix}``; optionally their kind."""

    array: str
    suffix: str = ""
    kind: str | None = None


@dataclass(frozen=True)
class JsonLayout:
    """How to find and classify the records of one vendor's JSON responses."""

    envelopes: tuple[Envelope, ...]
    kinds: tuple[tuple[str, str], ...]
    """(kind, SQL condition on the record ``j``), first match wins; otherwise ``unknown``."""
    context: tuple[str, ...] = ()
    """Keys of the page object copied into each of its records under ``__context`` (e.g. OData's
    ``@odata.context``, which names the company a Business Central page belongs to)."""


@dataclass
class Session:
    """One reader run: a private connection and the raw relations loaded so far."""

    timezone: str = "UTC"
    con: duckdb.DuckDBPyConnection = field(init=False)
    tabular: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: dict[str, list[Any]] = field(default_factory=dict)
    """What loaders learnt about the files that only matters across files (e.g. page counters)."""
    _count: int = 0

    def __post_init__(self) -> None:
        self.con = local_connection(self.timezone)
        self.con.execute("CREATE TEMP TABLE __rec (__file VARCHAR, __row BIGINT, kind VARCHAR, j JSON)")

    def fresh(self, prefix: str) -> str:
        self._count += 1
        return f"__{prefix}{self._count}"

    def declare(self, kind: str, columns: Sequence[str]) -> None:
        """Make ``kind`` exist (empty) even when no file of it was given."""
        self.tabular.setdefault(kind, [])
        self.columns[kind] = tuple(columns)

    def relation(self, kind: str) -> str:
        """SQL (a parenthesised query) of every record of ``kind`` loaded so far."""
        if kind not in self.tabular:
            return f"(SELECT * FROM __rec WHERE kind = {lit(kind)})"
        views = self.tabular[kind]
        if views:
            return "(" + " UNION ALL ".join(f"SELECT * FROM {v}" for v in views) + ")"
        cols = ", ".join(f"CAST(NULL AS VARCHAR) AS {q(c)}" for c in self.columns[kind])
        return (f"(SELECT CAST(NULL AS VARCHAR) AS __file, CAST(NULL AS BIGINT) AS __row, FALSE AS __dc, "
                f"{cols} WHERE FALSE)")

    def add_table(self, kind: str, path: Path, data: Any, *, decimal_comma: bool = False) -> None:
        """Register an Arrow table (columns = the kind's columns, as text) as records of ``kind``."""
        name = self.fresh("tab")
        self.con.register(name + "_arrow", data)
        self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        self.con.unregister(name + "_arrow")
        self._add_view(kind, path, name, decimal_comma)

    def _add_view(self, kind: str, path: Path, table: str, decimal_comma: bool) -> None:
        view = table + "_v"
        cols = ", ".join(q(c) for c in self.columns[kind])
        self.con.execute(f"CREATE TEMP VIEW {view} AS SELECT {lit(str(path))} AS __file, rowid + 1 AS __row, "
                         f"{'TRUE' if decimal_comma else 'FALSE'} AS __dc, {cols} FROM {table}")
        self.tabular[kind].append(view)
        self.files.append(str(path))

    def scratch(self) -> Path:
        """A private folder for transcoded copies, removed by :meth:`close`."""
        if "scratch" not in self.notes:
            self.notes["scratch"] = [Path(tempfile.mkdtemp(prefix="bridgewatch-"))]
        return Path(self.notes["scratch"][0])

    def close(self) -> None:
        self.con.close()
        for folder in self.notes.get("scratch", []):
            shutil.rmtree(folder, ignore_errors=True)


# -- CSV -----------------------------------------------------------------------------------------

def match_kind(path: Path, head: CsvHead, kinds: Sequence[TabularKind]) -> TabularKind:
    """The kind whose signature the header carries."""
    present = {h.lower() for h in head.header}
    for kind in kinds:
        if all(s.lower() in present for s in kind.signature):
            return kind
    expected = "; ".join(f"{k.label or k.name}: {', '.join(k.signature)}" for k in kinds)
    raise InputError(f"{path}: not a file this reader knows. Its header does not have the columns of any "
                     f"supported export ({expected}). Check the source's reader and path.")


def load_csv(session: Session, path: Path, kind: TabularKind, head: CsvHead, *,
             overrides: Mapping[str, str] | None = None, decimal_comma: bool | None = None) -> None:
    """Read ``path`` with DuckDB's CSV reader into the raw relation of ``kind``."""
    chosen = resolve_columns(path, kind, head.header, overrides or {})
    names = _unique(head.header)
    source = path if head.encoding == "utf-8" else _transcode(session, path, head.encoding)
    columns = "{" + ", ".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
    reader = (f"read_csv({lit(str(source))}, header = true, auto_detect = false, columns = {columns}, "
              f"delim = {lit(head.delimiter)}, quote = '\"', escape = '\"')")
    select = ", ".join(f"{q(names[i])} AS {q(c)}" if i is not None else f"CAST(NULL AS VARCHAR) AS {q(c)}"
                       for c, i in chosen.items())
    table = session.fresh("csv")
    session.declare(kind.name, list(chosen))
    try:
        session.con.execute(f"CREATE TEMP TABLE {table} AS SELECT {select} FROM {reader}")
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot be read as CSV: {_first_line(exc)}. Check the file is complete and "
                         f"exported as CSV (separator {head.delimiter!r}, encoding {head.encoding}).") from exc
    dc = head.delimiter == ";" if decimal_comma is None else decimal_comma
    session._add_view(kind.name, path, table, dc)


def _transcode(session: Session, path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a Windows-1252 / UTF-16 export (DuckDB reads UTF-8), written in 1 MB chunks."""
    target = session.scratch() / f"{session.fresh('utf8')}.csv"
    with path.open("r", encoding=encoding, errors="replace", newline="") as src, \
            target.open("w", encoding="utf-8", newline="") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    return target


def resolve_columns(path: Path, kind: TabularKind, header: Sequence[str],
                    overrides: Mapping[str, str]) -> dict[str, int | None]:
    """Internal column → position in the header (None when absent); missing required ones are an error."""
    position = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    chosen: dict[str, int | None] = {}
    problems = []
    for name, alternatives in kind.columns.items():
        wanted = (overrides[name],) if name in overrides else alternatives
        found = next((position[a.lower()] for a in wanted if a.lower() in position), None)
        chosen[name] = found
        if found is None and name in kind.required:
            problems.append(Problem(str(path), None, " or ".join(wanted), None,
                                    f"required column is missing from the header of this {kind.label or kind.name}"))
    if problems:
        raise InputError(f"{path}: header problems", problems)
    return chosen


def _unique(header: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 else f"{h} ({n + 1})")
    return out


# -- JSON ----------------------------------------------------------------------------------------

def load_json(session: Session, path: Path, layout: JsonLayout) -> None:
    """Read a JSON response, an array of responses, or JSON lines into ``__rec``."""
    con = session.con
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __top AS SELECT json FROM read_json_objects({lit(str(path))}, "
                    f"format = 'auto', maximum_object_size = {MAX_JSON_OBJECT})")
    except duckdb.Error as exc:
        raise InputError(f"{path}: not valid JSON ({_first_line(exc)}). The file may be truncated or not a "
                         f"saved API response; export it again.",
                         [Problem(str(path), None, None, None, "not valid JSON")]) from exc
    _raise_api_error(con, path, layout)
    records = " ".join(f"WHEN {_env_present(e)} THEN json_extract(t.json, {lit(e.array + '[*]' + e.suffix)})"
                       for e in layout.envelopes)
    env_kind = " ".join(f"WHEN {_env_present(e)} THEN {lit(e.kind)}" for e in layout.envelopes)
    rec_kind = " ".join(f"WHEN {cond} THEN {lit(kind)}" for kind, cond in layout.kinds)
    con.execute(f"""
        INSERT INTO __rec
        SELECT __file, __row, COALESCE(env_kind, CASE {rec_kind or 'WHEN FALSE THEN NULL'} ELSE 'unknown' END), j
        FROM (SELECT {lit(str(path))} AS __file, row_number() OVER (ORDER BY t.__top, x.ord) AS __row,
                     CASE {env_kind or 'WHEN FALSE THEN NULL'} END AS env_kind, {_with_context(layout)} AS j
              FROM (SELECT rowid AS __top, json FROM __top) AS t,
                   unnest(CASE {records or 'WHEN FALSE THEN NULL'} ELSE [t.json] END) WITH ORDINALITY AS x(rec, ord))
        """)
    session.files.append(str(path))


def _with_context(layout: JsonLayout) -> str:
    if not layout.context:
        return "x.rec"
    pairs = ", ".join(f"{lit(k)}, t.json -> {lit('$.' + json_key(k))}" for k in layout.context)
    return (f"CASE WHEN json_type(x.rec) = 'OBJECT' THEN json_merge_patch(x.rec, json_object('__context', "
            f"json_object({pairs}))) ELSE x.rec END")


def json_key(key: str) -> str:
    """A JSON path step for a key with dots or ``@`` in it (``"@odata.context"``)."""
    return '"' + key + '"' if any(c in key for c in '.@ "') else key


def _env_present(envelope: Envelope) -> str:
    return f"COALESCE(json_type(t.json, {lit(envelope.array)}) = 'ARRAY', FALSE)"


def _raise_api_error(con: duckdb.DuckDBPyConnection, path: Path, layout: JsonLayout) -> None:
    """A saved error response (GraphQL ``errors``, OData ``error``) holds no data: say so."""
    data = " OR ".join(_env_present(e).replace("t.json", "json") for e in layout.envelopes) or "FALSE"
    row = con.execute(f"""
        SELECT COALESCE(json ->> '$.errors[0].message', json ->> '$.error.message', 'an error response')
        FROM __top WHERE json_type(json) = 'OBJECT' AND NOT ({data})
          AND (json_type(json, '$.errors') = 'ARRAY' OR json_type(json, '$.error') = 'OBJECT')
        LIMIT 1""").fetchone()
    if row:
        raise InputError(f"{path}: this is an API error response, not data: {row[0]}. Fix the request "
                         f"(permissions, throttling, query) and save the response again.",
                         [Problem(str(path), None, None, row[0], "API error response")])


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
