"""Rejection messages → templates: messages that differ only in ids, emails, numbers, dates, quoted values
or GUIDs become one template with ``<id>``-style holes, so a card can say "4 failures traced to one
missing mandatory field" instead of listing four messages.

A documented masking pipeline, in SQL written once (DuckDB's dialect, translated for Spark by
``bridgewatch.engine.dialect``), rather than a learnt template miner: the same message always gives
the same template, on every engine and every run. The steps, in order (each sees the previous one's
output):

1. white space (new lines, tabs, runs of spaces; any of Unicode's ``White_Space``: the same on every engine)
   becomes one space; ends trimmed;
2. a leading error code is set aside and kept: Intacct ``BL01001973``, gateway ``GW-0010``,
   Dataverse ``0x80040237`` — it names the kind of failure, not a record;
3. Intacct's per-call ``[Support ID: …]`` → ``[Support ID: <id>]``;
4. GUIDs (``f2a5738a-44e3-ea11-bb43-000d3a2feca1``, with or without braces) → ``<guid>``;
5. email addresses → ``<email>``;
6. URLs → ``<value>``;
7. quoted values: anything in single quotes, typographic quotes, or double quotes unless it is one
   word of letters (``"displayName"`` names a field, and which field is missing is the reason) →
   ``<value>``; the first name quoted after the word *field* is kept as written, whatever its quotes
   (F&O's ``Field 'Customer group' must be filled in.`` and ``Field 'Sales tax group' …`` are two
   causes, not one ``Field <value> …``);
8. dates and times (``2026-06-18``, ``2026-06-18T11:05:00Z``, ``06/18/2026 11:05``, ``11:05:00``) →
   ``<date>``;
9. ids: a token of letters and digits with at least one digit and one letter, joined by ``-`` ``_``
   ``.`` ``/`` ``#`` (``C-10422``, ``CUST0042``, ``INV/2026/0042``) → ``<id>``;
10. numbers, with sign, thousands separators and decimals (``1042``, ``7210448301122``, ``1,234.50``,
    ``-3``) → ``<number>``. A numeric id is a ``<number>``: ``customer 1042`` and ``customer
    7210448301122`` give one template, as they must.

So ``BL01001973 Another customer with the ID C-10422 already exists. [Support ID: abc%7Exyz]`` and
the same message for ``C-10500`` are both ``BL01001973 Another customer with the ID <id> already
exists. [Support ID: <id>]``.
"""

from __future__ import annotations

from bridgewatch.matching.normalise import SPACE
from bridgewatch.sql import literal

CODE = r"^([A-Z]{2}[0-9]{6,10}|[A-Z]{2,4}-[0-9]{3,6}|0x[0-9A-Fa-f]{6,8})\b"
"""A leading error code (Intacct errorno, gateway code, Dataverse hex code), kept as it is."""
STEPS: tuple[tuple[str, str], ...] = (
    (r"\[Support ID:[^\]]*\]", "[Support ID: <id>]"),
    (r"\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?", "<guid>"),
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "<email>"),
    (r"https?://[^ ]+", "<value>"),
    (r"'[^']*'|‘[^’]*’|“[^”]*”", "<value>"),
    (r"\"[^\"]*[^A-Za-z\"][^\"]*\"|\"\"", "<value>"),
    (r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?",
     "<date>"),
    (r"\b[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?( ?[AaPp][Mm])?)?", "<date>"),
    (r"\b[0-9]{1,2}:[0-9]{2}:[0-9]{2}\b", "<date>"),
    (r"\b([A-Za-z]+[-_./#]?)*[0-9]+[-_./#]?[A-Za-z][A-Za-z0-9]*([-_./#][A-Za-z0-9]+)*\b"
     r"|\b[A-Za-z]+[-_./#]?[0-9][A-Za-z0-9]*([-_./#][A-Za-z0-9]+)*\b", "<id>"),
    (r"[-+]?\b[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?\b|[-+]?\b[0-9]+([.,][0-9]+)?\b", "<number>"),
)
"""Steps 3-10 as (regular expression, replacement); the syntax is the subset RE2 (DuckDB) and Java
(Spark) read alike."""


FIELD = r"(?i)\bfield\s+('[^']*'|‘[^’]*’|“[^”]*”|\"[^\"]*\")"
"""A field named in quotes after the word *field* (F&O: ``Field 'Customer group' must be filled in.``): which field
is missing is the reason, so the first such name is kept as written, whatever its quotes and words."""
KEPT = "\ue000"
"""Stands in for the kept field name while the steps run (a private-use character no step matches)."""


def reason_template_sql(column: str) -> str:
    """SQL turning the rejection message in ``column`` into its template (NULL stays NULL).

    DuckDB dialect; run it on Spark through ``bridgewatch.engine.dialect.SPARK.translate``.
    """
    text = f"trim(regexp_replace(CAST({column} AS VARCHAR), '[{SPACE}]+', ' ', 'g'))"
    field = f"regexp_extract({text}, {literal(FIELD)}, 0)"
    kept = f"(CASE WHEN {field} = '' THEN {text} ELSE replace({text}, {field}, {literal(KEPT)}) END)"
    code = f"regexp_extract({text}, {literal(CODE)}, 1)"
    masked = f"regexp_replace({kept}, {literal(CODE)}, '')"
    for pattern, replacement in STEPS:
        masked = f"regexp_replace({masked}, {literal(pattern)}, {literal(replacement)}, 'g')"
    restored = f"(CASE WHEN {field} = '' THEN {masked} ELSE replace({masked}, {literal(KEPT)}, {field}) END)"
    return f"NULLIF(trim(concat({code}, {restored})), '')"
