"""Dialects: the few places where engines spell SQL differently, as data.

Card SQL is written once in DuckDB's dialect. A dialect names the sqlglot dialect to transpile
to just before execution and holds the handful of snippets sqlglot cannot translate by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlglot


@dataclass(frozen=True)
class Dialect:
    """How one engine spells SQL."""

    name: str
    sqlglot_name: str
    """Dialect sqlglot writes for this engine; ``duckdb`` means no translation."""

    def translate(self, sql: str) -> str:
        """Translate DuckDB-dialect SQL into this engine's dialect."""
        if self.sqlglot_name == "duckdb":
            return sql
        return _transpile(sql, self.sqlglot_name)


@lru_cache(maxsize=512)
def _transpile(sql: str, write: str) -> str:
    return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=write, pretty=True))


DUCKDB = Dialect("duckdb", "duckdb")
SPARK = Dialect("spark", "spark")
