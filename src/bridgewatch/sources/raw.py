"""Vendor files → raw DuckDB relations, read by DuckDB's own CSV and JSON readers.

A :class:`Session` is one reader run: a private DuckDB connection holding every file of the
source as raw records. Tabular files (CSV, and XML converted to Arrow) become one relation per
*kind* with the kind's declared columns as text (``bridgewatch.sources.rawcsv``); JSON and
JSON-lines records land in one table of ``(__file, __row, kind, j)`` where ``kind`` is decided by
the envelope they came in or by the keys they carry. Mapping onto canonical tables happens later,
in SQL (``bridgewatch.sources.mapping``).

``__row`` is the record's position in its file: the data row (header not counted) of a CSV, the
record of a JSON file (pages in file order), the line of a JSON-lines file.
"""

from __future__ import annotations

import codecs
import logging
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from bridgewatch.errors import InputError, Problem
from bridgewatch.ingest.accounting import ReadWarning
from bridgewatch.ingest.canonical import BLANK, local_connection
from bridgewatch.ingest.csvfile import detect_encoding, is_blank, utf8_copy
from bridgewatch.model.whitespace import trim_sql
from bridgewatch.sources import countries
from bridgewatch.sources.shapes import q
from bridgewatch.sql import literal

log = logging.getLogger(__name__)

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
    table: str | None = None
    """The canonical table its rows feed (where lines that cannot be read are quarantined)."""
    dates: bool = False
    """Its dates are written d/m or m/d by locale: the file's values decide which (``date_order``)."""


@dataclass(frozen=True)
class Envelope:
    """Where a JSON response keeps its records: ``{array}[*]{suffix}``; optionally their kind.

    With ``single`` the path holds one record object (``{"order": {...}}``) instead of an array.
    ``when`` is a SQL condition on the page (``t.json``) that must also hold, so a record's own
    list (an Adobe order's ``items``) is not taken for a search-results wrapper.
    """

    array: str
    suffix: str = ""
    kind: str | None = None
    single: bool = False
    when: str | None = None


@dataclass(frozen=True)
class JsonLayout:
    """How to find and classify the records of one vendor's JSON responses."""

    envelopes: tuple[Envelope, ...]
    kinds: tuple[tuple[str, str], ...]
    """(kind, SQL condition on the record ``j``), first match wins; otherwise ``unknown``."""
    context: tuple[str, ...] = ()
    """Keys of the page object copied into each of its records under ``__context`` (e.g. OData's
    ``@odata.context``, which names the company a Business Central page belongs to)."""
    accepts: str = ""
    """The responses this layout reads, named for users (in the error for a file it cannot read)."""


@dataclass
class Session:
    """One reader run: a private connection and the raw relations loaded so far."""

    timezone: str = "UTC"
    source: str = ""
    """The ``[sources.<name>]`` entry read (named in the warnings)."""
    con: duckdb.DuckDBPyConnection = field(init=False)
    tabular: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: dict[str, list[Any]] = field(default_factory=dict)
    """What loaders learnt about the files that only matters across files (e.g. page counters)."""
    rejects: dict[str, list[Problem]] = field(default_factory=dict)
    """Per file, the lines that could not be read as rows (quarantined in the file's table)."""
    blank_rows: dict[str, int] = field(default_factory=dict)
    """Per file, the rows left out as blank (every cell empty: excluded in the file's table)."""
    tables: dict[str, str] = field(default_factory=dict)
    """Per file, the canonical table it feeds, when known (where its notes and rejects are filed)."""
    empty: dict[str, str] = field(default_factory=dict)
    """Per file that holds no record, why (``the file is empty``)."""
    warnings: list[ReadWarning] = field(default_factory=list)
    """What :meth:`warn` recorded (they go into the ingest accounting)."""
    file_notes: dict[str, list[str]] = field(default_factory=dict)
    """Per file, what :meth:`note` recorded (it goes into the file's account, beside its counts)."""
    field_names: dict[str, Callable[[str], str]] = field(default_factory=dict)
    """Per file whose fields the file names otherwise than the maps do (an XML export's ``Order_Date`` for the
    CSV's ``Order Date``), the name in the file of a field the maps name (used in its quarantine rows)."""
    _count: int = 0

    def __post_init__(self) -> None:
        self.con = local_connection(self.timezone)
        self.con.execute("CREATE TEMP TABLE __rec (__file VARCHAR, __row BIGINT, kind VARCHAR, j JSON)")
        countries.share()

    def kinds_present(self) -> set[str]:
        """The record kinds loaded so far that may hold records (JSON kinds with a record, tabular kinds
        with a file)."""
        found = {r[0] for r in self.con.execute("SELECT DISTINCT kind FROM __rec").fetchall()}
        return found | {k for k, views in self.tabular.items() if views}

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
            return f"(SELECT * FROM __rec WHERE kind = {literal(kind)})"
        views = self.tabular[kind]
        if views:
            return "(" + " UNION ALL ".join(f"SELECT * FROM {v}" for v in views) + ")"
        cols = ", ".join(f"CAST(NULL AS VARCHAR) AS {q(c)}" for c in self.columns[kind])
        return (f"(SELECT CAST(NULL AS VARCHAR) AS __file, CAST(NULL AS BIGINT) AS __row, FALSE AS __dc, "
                f"CAST(NULL AS VARCHAR) AS __dmy, {cols} WHERE FALSE)")

    def add_table(self, kind: str, path: Path, data: Any, *, decimal_comma: bool = False) -> None:
        """Register an Arrow table (columns = the kind's columns, as text) as records of ``kind``."""
        name = self.fresh("tab")
        self.con.register(name + "_arrow", data)
        self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        self.con.unregister(name + "_arrow")
        self.add_view(kind, path, name, decimal_comma=decimal_comma)

    def add_view(self, kind: str, path: Path, table: str, *, decimal_comma: bool = False, row: str = "rowid + 1",
                 date_order: str | None = None, where: str = "TRUE") -> None:
        """Expose the rows of ``table`` where ``where`` holds as records of ``kind`` from ``path`` (``row``: SQL
        of each row's number, counted over every row of ``table``).

        Every value is trimmed of white space here (``bridgewatch.model.whitespace``), once for every tabular route
        (CSV, workbook, XML), so the readers' joins and keys see the value a JSON route's ``jpath`` gives."""
        view = table + "_v"
        cols = ", ".join(f"{trim_sql(q(c))} AS {q(c)}" for c in self.columns[kind])
        self.con.execute(f"CREATE TEMP VIEW {view} AS SELECT {literal(str(path))} AS __file, {row} AS __row, "
                         f"{'TRUE' if decimal_comma else 'FALSE'} AS __dc, {literal(date_order)} AS __dmy, {cols} "
                         f"FROM {table}" + ("" if where == "TRUE" else f" WHERE {where}"))
        self.tabular[kind].append(view)
        self.files.append(str(path))

    def add_empty(self, path: Path, why: str, table: str | None = None) -> None:
        """Account for a file that holds no record (``why`` is said in its accounting)."""
        self.files.append(str(path))
        self.empty[str(path)] = why
        if table:
            self.tables[str(path)] = table

    def warn(self, text: str, files: Sequence[str]) -> None:
        """Record that the source's export is incomplete: ``text`` says what is wrong and what to do, ``files``
        are the files concerned. It lands in the ingest accounting (and is logged, as before)."""
        log.warning("%s", text)
        self.warnings.append(ReadWarning(self.source, tuple(sorted(dict.fromkeys(files))), text))

    def note(self, path: Path, text: str) -> None:
        """Record what a user must know about a file that holds records (e.g. a column the export lacks, read as a
        default): ``text`` lands in the file's account as a note."""
        self.file_notes.setdefault(str(path), []).append(text)

    def utf8(self, path: Path, encoding: str, suffix: str) -> Path:
        """A UTF-8 copy of a Windows-1252 / UTF-16 file in the session's scratch folder."""
        return utf8_copy(path, encoding, self.scratch() / f"{self.fresh('utf8')}{suffix}")

    def scratch(self) -> Path:
        """A private folder for transcoded copies, removed by :meth:`close`."""
        if "scratch" not in self.notes:
            self.notes["scratch"] = [Path(tempfile.mkdtemp(prefix="bridgewatch-"))]
        return Path(self.notes["scratch"][0])

    def close(self) -> None:
        self.con.close()
        for folder in self.notes.get("scratch", []):
            shutil.rmtree(folder, ignore_errors=True)


# -- JSON ----------------------------------------------------------------------------------------

def load_json(session: Session, path: Path, layout: JsonLayout) -> None:
    """Read one JSON response, an array of responses, or JSON lines into ``__rec`` (see :func:`load_json_files`)."""
    load_json_files(session, [path], layout)


def load_json_files(session: Session, paths: Sequence[Path], layout: JsonLayout) -> None:
    """Read JSON responses, arrays of responses or JSON lines into ``__rec``, every file in one scan.

    Raises:
        InputError: a file is not JSON, is a saved API error, or holds records of which none has
            a shape the layout knows (the error names the shapes it accepts).
    """
    sources: dict[str, Path] = {}
    for path in paths:
        if is_blank(path):
            session.add_empty(path, BLANK)
            continue
        encoding = detect_encoding(path)
        if encoding == "utf-8" and _has_bom(path):
            encoding = "utf-8-sig"  # DuckDB takes a BOM'd top-level array for one value: read a copy without it
        sources[str(path if encoding == "utf-8" else session.utf8(path, encoding, path.suffix))] = path
    if not sources:
        return
    _read_objects(session, sources, layout)
    gaps = _blank_line_gaps(session.con, sources)
    records = " ".join(f"WHEN {i} THEN {_env_records(e)}" for i, e in enumerate(layout.envelopes, 1)) \
        or "WHEN 0 THEN NULL"
    env_kind = (f"CAST(([{', '.join(literal(e.kind) for e in layout.envelopes)}])[t.__env] AS VARCHAR)"
                if layout.envelopes else "CAST(NULL AS VARCHAR)")
    rec_kind = kind_case(layout)
    # Each page's records are listed in a table first: unnested straight from the page (a lateral join on
    # ``t.json``), DuckDB took seconds and gigabytes for one page of 5,000 customers.
    session.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __pages AS
        SELECT t.__file, {gaps[0]} AS __order, {gaps[1].removeprefix(' + ') or '0'} AS __gap, t.__env, t.__ctx,
               CASE t.__env {records} ELSE [t.json] END AS __recs
        FROM {gaps[2]}""")
    session.con.execute(f"""
        INSERT INTO __rec
        SELECT __file, __row, COALESCE(env_kind, CASE {rec_kind or 'WHEN FALSE THEN NULL'} ELSE 'unknown' END), j
        FROM (SELECT t.__file, row_number() OVER (PARTITION BY t.__file ORDER BY t.__order, x.ord) + t.__gap AS __row,
                     {env_kind} AS env_kind, {_with_context(layout)} AS j
              FROM __pages AS t, unnest(t.__recs) WITH ORDINALITY AS x(rec, ord))
        """)
    session.con.execute("DROP TABLE __pages")
    session.files.extend(str(p) for p in sources.values())
    _refuse(session.con, layout)


def _has_bom(path: Path) -> bool:
    """The file starts with a UTF-8 byte-order mark (as Windows PowerShell 5 and Notepad save UTF-8)."""
    with path.open("rb") as fh:
        return fh.read(3) == codecs.BOM_UTF8


def _read_objects(session: Session, sources: Mapping[str, Path], layout: JsonLayout) -> None:
    """Every top-level JSON value of every file, in file order, as ``__top(__file, json, __env)`` (``__file``:
    the user's path, also for a transcoded copy; ``__env``: the position of the first of the layout's
    envelopes the value is, NULL for none). The envelopes are tested here once: the records' insert and
    the refusal of error responses read ``__env`` (DuckDB plans each test again wherever it is written)."""
    names = "[" + ", ".join(literal(s) for s in sources) + "]"
    copies = " ".join(f"WHEN {literal(s)} THEN {literal(str(p))}" for s, p in sources.items() if s != str(p))
    user_path = f"CASE filename {copies} ELSE filename END" if copies else "filename"
    found = " ".join(f"WHEN {_env_present(e)} THEN {i}" for i, e in enumerate(layout.envelopes, 1))
    envelope = f"CASE {found} END" if found else "CAST(NULL AS INTEGER)"
    try:
        session.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE __top AS SELECT {user_path} AS __file, json, {envelope} AS __env,
                   {_context_of(layout)} AS __ctx
            FROM read_json_objects({names}, format = 'auto', filename = true,
                                   maximum_object_size = {MAX_JSON_OBJECT}) AS t""")
    except duckdb.Error as exc:
        if len(sources) > 1:  # say which file: read them one by one
            for source, original in sources.items():
                _read_objects(session, {source: original}, layout)
        culprit = next(iter(sources.values()))
        raise InputError(f"{culprit}: not valid JSON ({first_line(exc)}). The file may be truncated or not a "
                         f"saved API response; export it again.",
                         [Problem(str(culprit), None, None, None, "not valid JSON")]) from exc


def _blank_line_gaps(con: duckdb.DuckDBPyConnection, sources: Mapping[str, Path]) -> tuple[str, str, str]:
    """SQL (the values' order, a term added to each record's number, the relation of the values) that numbers the
    records of a JSON-lines file by the line they are on, when the file has blank lines.

    A file is JSON lines when it holds several top-level values, each on a line of its own; blank lines
    between them (which the JSON reader skips) would otherwise shift the number of every later record.
    The usual file has none: its size is its values plus one newline each, and nothing is added.
    """
    plain = ("t.rowid", "", "__top AS t")
    found = con.execute("SELECT __file, count(*), sum(strlen(json)) FROM __top GROUP BY __file "
                        "HAVING count(*) > 1").fetchall()
    by_user = {str(user): source for source, user in sources.items()}
    suspects = [(f, n) for f, n, size in found if Path(by_user[f]).stat().st_size not in (size + n, size + n - 1)]
    if not suspects:
        return plain
    con.execute("CREATE OR REPLACE TEMP TABLE __gaps (__file VARCHAR, k BIGINT, gap BIGINT)")
    for user, values in suspects:
        con.execute(f"""
            INSERT INTO __gaps SELECT ?, k, line - k FROM (
                SELECT line, row_number() OVER (ORDER BY line) AS k, count(*) OVER () AS lines
                FROM (SELECT unnest(l) AS text, generate_subscripts(l, 1) AS line
                      FROM (SELECT string_split(content, chr(10)) AS l FROM read_text({literal(by_user[user])})))
                WHERE NOT regexp_full_match(text, '[[:space:]]*'))
            WHERE lines = ? AND line > k""", [user, values])
    if not con.execute("SELECT count(*) FROM __gaps").fetchall()[0][0]:
        return plain
    return ("t.__rid", " + COALESCE(g.gap, 0)",
            "(SELECT *, rowid AS __rid, row_number() OVER (PARTITION BY __file ORDER BY rowid) AS __k FROM __top) "
            "AS t LEFT JOIN __gaps AS g ON g.__file = t.__file AND g.k = t.__k")


def pages_read(session: Session) -> bool:
    """True when JSON values were read into ``__top`` (not when every file was empty)."""
    found = session.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '__top'").fetchone()
    return bool(found and found[0])


def kind_case(layout: JsonLayout) -> str:
    """SQL ``WHEN`` branches naming the layout's kind of a record ``j`` (for ``CASE ... END``)."""
    return " ".join(f"WHEN {cond} THEN {literal(kind)}" for kind, cond in layout.kinds)


def unfinished_queries(session: Session, pages_sql: str) -> dict[str, list[str]]:
    """The paged queries whose every page read says more pages follow (their last page is missing), each with
    the files of its pages.

    ``pages_sql`` selects ``(query, more, __file)`` from ``__top`` (every top-level JSON value read): the
    query a page belongs to, whether it says more pages follow (NULL: the page has no paging information)
    and its file. Page files may sort in any order (``page10`` before ``page2``): only a query none of
    whose pages is its last is reported.
    """
    if not pages_read(session):
        return {}
    rows = session.con.execute(f"SELECT query, list(DISTINCT __file ORDER BY __file) FROM ({pages_sql}) "
                               f"WHERE more IS NOT NULL GROUP BY 1 HAVING bool_and(more) ORDER BY 1").fetchall()
    return {str(query): list(files) for query, files in rows}


def note_files_without(session: Session, kinds: Sequence[str], key: str, text: str, among: str = "TRUE") -> None:
    """Note ``text`` on every file whose records of ``kinds`` (those where the SQL ``among`` holds) all lack the
    JSON ``key`` (``$.status``): a field the export did not select, read as a default."""
    listed = ", ".join(literal(k) for k in kinds)
    files = session.con.execute(f"SELECT __file FROM __rec WHERE kind IN ({listed}) AND {among} GROUP BY __file "
                                f"HAVING bool_and(NOT json_exists(j, {literal(key)})) ORDER BY __file").fetchall()
    for (file,) in files:
        session.note(Path(file), text)


def _refuse(con: duckdb.DuckDBPyConnection, layout: JsonLayout) -> None:
    """Refuse a saved error response (GraphQL ``errors``, OData ``error``: it holds no data), or one whose
    data came with GraphQL ``errors`` (a partial answer: fields it could not give are null), then a file
    whose records all have a shape the reader does not know (it is not a response this reader reads)."""
    row = con.execute("""
        (SELECT CASE WHEN __env IS NULL THEN 1 ELSE 0 END AS what, __file,
                COALESCE(json ->> '$.errors[0].message', json ->> '$.errors[0]', json ->> '$.error.message',
                         'an error response') AS detail
         FROM __top WHERE json_type(json) = 'OBJECT'
           AND (__env IS NULL AND (json_type(json, '$.errors') = 'ARRAY' OR json_type(json, '$.error') = 'OBJECT')
                OR __env IS NOT NULL AND COALESCE(json_array_length(json, '$.errors'), 0) > 0)
         ORDER BY rowid LIMIT 1)
        UNION ALL
        (SELECT 2, __file, any_value(array_to_string(json_keys(j)[1:8], ', ')) FILTER (WHERE kind = 'unknown')
         FROM __rec GROUP BY __file HAVING count(*) = count(*) FILTER (WHERE kind = 'unknown')
         ORDER BY __file LIMIT 1)
        ORDER BY what LIMIT 1""").fetchone()
    if row and row[0] == 0:
        detail = str(row[2]).rstrip(".")
        raise InputError(f"{row[1]}: this API response reports errors beside its data: {detail}. Its records are "
                         f"incomplete (fields the app may not read come back null, e.g. Shopify's protected "
                         f"customer data); fix the request (permissions, query) and save the response again.",
                         [Problem(str(row[1]), None, None, row[2], "API response with errors beside its data")])
    if row and row[0] == 1:
        raise InputError(f"{row[1]}: this is an API error response, not data: {row[2]}. Fix the request "
                         f"(permissions, throttling, query) and save the response again.",
                         [Problem(str(row[1]), None, None, row[2], "API error response")])
    if row:
        raise InputError(f"{row[1]}: no record in this file has a shape this reader knows (the first has keys: "
                         f"{row[2] or 'none'}). It reads {layout.accepts}. Check the source's reader and path.",
                         [Problem(str(row[1]), None, None, row[2], "unrecognised file")])


def _context_of(layout: JsonLayout) -> str:
    """SQL: the layout's context keys of a top-level value ``json``, as one small object (NULL without context).

    Taken once per page: read from the page in each record's row instead, DuckDB carried the whole page
    along every record unnested from it (a page of 5,000 customers held 14 GB and took 40 s of CPU)."""
    if not layout.context:
        return "CAST(NULL AS JSON)"
    pairs = ", ".join(f"{literal(k)}, json -> {literal('$.' + json_key(k))}" for k in layout.context)
    return f"json_object({pairs})"


def _with_context(layout: JsonLayout) -> str:
    if not layout.context:
        return "x.rec"
    return ("CASE WHEN json_type(x.rec) = 'OBJECT' THEN json_merge_patch(x.rec, json_object('__context', t.__ctx)) "
            "ELSE x.rec END")


def json_key(key: str) -> str:
    """A JSON path step for a key with dots or ``@`` in it (``"@odata.context"``)."""
    return '"' + key + '"' if any(c in key for c in '.@ "') else key


def _env_present(envelope: Envelope, page: str = "t.json") -> str:
    shape = "OBJECT" if envelope.single else "ARRAY"
    present = f"COALESCE(json_type({page}, {literal(envelope.array)}) = '{shape}', FALSE)"
    when = f" AND COALESCE({envelope.when.replace('t.json', page)}, FALSE)" if envelope.when else ""
    return f"({present}{when})"


def _env_records(envelope: Envelope) -> str:
    if envelope.single:
        return f"[json_extract(t.json, {literal(envelope.array)})]"
    return f"json_extract(t.json, {literal(envelope.array + '[*]' + envelope.suffix)})"


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
