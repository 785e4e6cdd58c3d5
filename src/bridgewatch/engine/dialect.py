"""Dialects: the few places where engines spell SQL differently, as data.

Card SQL is written once in DuckDB's dialect. A dialect names the sqlglot dialect to transpile
to just before execution; where sqlglot's own translation is not enough, a dialect lists
``TRANSFORMS`` (expression class name → rewrite) applied to the parsed tree first. Adding an engine
is a subclass here with its name, its sqlglot dialect and (rarely) a transform or two.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, cast

if TYPE_CHECKING:  # sqlglot is imported when SQL is first translated (DuckDB never needs it)
    from sqlglot import exp

Transform = Callable[["exp.Expression"], "exp.Expression"]


class Dialect:
    """How one engine spells SQL."""

    name: ClassVar[str] = "duckdb"
    """The engine's name (``get_engine`` key, error messages)."""
    sqlglot_name: ClassVar[str] = "duckdb"
    """Dialect sqlglot writes for this engine; ``duckdb`` means the card SQL runs as written."""
    TRANSFORMS: ClassVar[Mapping[str, Transform]] = {}
    """Rewrites of DuckDB constructs sqlglot does not translate faithfully for this engine, by the name of
    the sqlglot expression class they apply to (names, so sqlglot is imported only when translating)."""

    def translate(self, sql: str) -> str:
        """Translate DuckDB-dialect SQL into this engine's dialect."""
        if self.sqlglot_name == "duckdb" and not self.TRANSFORMS:
            return sql
        return _transpile(self.name, sql)

    def rewrite(self, tree: exp.Expression) -> exp.Expression:
        """Apply this dialect's transforms to a parsed DuckDB statement."""
        if not self.TRANSFORMS:
            return tree
        return tree.transform(self._rewrite_node, copy=False)

    def _rewrite_node(self, node: exp.Expression) -> exp.Expression:
        transform = self.TRANSFORMS.get(type(node).__name__)
        return transform(node) if transform else node

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class DuckDBDialect(Dialect):
    """DuckDB: the dialect the card SQL is written in; nothing to translate."""


def _spark_function(node: exp.Expression) -> exp.Expression:
    """DuckDB functions Spark names differently: ``hash`` (64-bit there, 32-bit ``hash`` here) is ``xxhash64``."""
    from sqlglot import exp

    renamed = {"hash": "XXHASH64"}.get(str(node.this).lower())
    return exp.Anonymous(this=renamed, expressions=node.expressions) if renamed else node


def _spark_cte(node: exp.Expression) -> exp.Expression:
    """Spark has no ``AS MATERIALIZED`` hint (it plans a CTE where it is used); drop it."""
    node.set("materialized", None)
    return node


ASCII_BOUNDARY = "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"
"""RE2's ``\\b`` (a boundary between an ASCII word character, ``[0-9A-Za-z_]``, and anything else) in Java's syntax."""


def ascii_boundaries(pattern: str) -> str:
    """``pattern`` (RE2) with each word boundary ``\\b`` outside a character class spelt as RE2 reads it, for Java.

    Java 17 (Spark 4's oldest) counts every Unicode letter and digit as a word character for ``\\b``, RE2 only
    ASCII ones: ``Nº12345`` has a boundary before ``1`` on DuckDB and none on Spark, so a number next to an accented
    or CJK letter was masked on one engine only. Other escapes are copied as they are.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            out.append(ASCII_BOUNDARY if pair == "\\b" and not in_class else pair)
            i += 2
            continue
        out.append(c)
        i += 1
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            for literal in ("^", "]"):  # ``[^]...]`` / ``[]...]``: a leading ] is a member, not the end
                if pattern.startswith(literal, i):
                    out.append(literal)
                    i += 1
    return "".join(out)


def _spark_pattern(node: exp.Expression) -> exp.Expression:
    """A regular expression's literal pattern with RE2's ASCII word boundaries (:func:`ascii_boundaries`)."""
    from sqlglot import exp

    pattern = node.args.get("expression")
    if isinstance(pattern, exp.Literal) and pattern.is_string and "\\b" in pattern.this:
        node.set("expression", exp.Literal.string(ascii_boundaries(pattern.this)))
    return node


def _spark_regexp_replace(node: exp.Expression) -> exp.Expression:
    """A replacement's group references: DuckDB (RE2) writes ``\\1``, Spark (Java) ``$1``, where ``\\1`` is a
    literal ``1``; a ``$`` meant as itself is ``\\$`` there. sqlglot copies the text as written. The pattern's word
    boundaries are RE2's (:func:`ascii_boundaries`)."""
    import re

    from sqlglot import exp

    node = _spark_pattern(node)
    replacement = node.args.get("replacement")
    if not isinstance(replacement, exp.Literal) or not replacement.is_string:
        return node
    java = {"$": "\\$", "\\\\": "\\\\"}
    text = re.sub(r"\\(\d)|\\\\|\$", lambda m: f"${m[1]}" if m[1] else java[m[0]], replacement.this)
    node.set("replacement", exp.Literal.string(text))
    return node


class SparkDialect(Dialect):
    """Spark SQL via sqlglot's ``spark`` dialect; 4.0+ (ordered string aggregation becomes ``LISTAGG``)."""

    name = "spark"
    sqlglot_name = "spark"

    TRANSFORMS: ClassVar[Mapping[str, Transform]] = {"Anonymous": _spark_function, "CTE": _spark_cte,
                                                     "RegexpReplace": _spark_regexp_replace,
                                                     "RegexpExtract": _spark_pattern, "RegexpLike": _spark_pattern,
                                                     "RegexpSplit": _spark_pattern}


DUCKDB = DuckDBDialect()
SPARK = SparkDialect()
DIALECTS: dict[str, Dialect] = {d.name: d for d in (DUCKDB, SPARK)}
"""Every dialect by engine name."""


@lru_cache(maxsize=4096)
def _transpile(name: str, sql: str) -> str:
    import sqlglot

    dialect = DIALECTS[name]
    trees = [cast("exp.Expression", tree) for tree in sqlglot.parse(sql, read="duckdb") if tree is not None]
    return ";\n".join(dialect.rewrite(tree).sql(dialect=dialect.sqlglot_name, pretty=True) for tree in trees)


def split_materialized(sql: str, prefix: str) -> tuple[list[tuple[str, str]], str]:
    """Lift the top-level ``AS MATERIALIZED`` CTEs out of a DuckDB-dialect statement.

    Returns ``[(name, query), ...]`` in order, each query to be materialised as ``prefix + name``,
    and the statement that remains, reading those names instead. For engines that inline every
    CTE (Spark recomputes a CTE at each reference), this keeps a CTE the SQL marks as shared
    computed once. Queries keep the non-materialised CTEs they read. Returns ``([], sql)``
    when there is nothing to lift.
    """
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    key = "with_" if "with_" in tree.arg_types else "with"
    with_ = tree.args.get(key)
    if not isinstance(with_, exp.With) or not any(c.args.get("materialized") for c in with_.expressions):
        return [], sql
    renamed: dict[str, str] = {}
    kept: list[exp.CTE] = []
    lifted: list[tuple[str, str]] = []
    for cte in list(with_.expressions):
        body = _renamed(cte.this, renamed)
        if cte.args.get("materialized"):
            query = body.copy()
            if kept:
                query.set(key, exp.With(expressions=[k.copy() for k in kept]))
            lifted.append((cte.alias, query.sql(dialect="duckdb")))
            renamed[cte.alias] = prefix + cte.alias
        else:
            cte.set("this", body)
            kept.append(cte)
    main = _renamed(cast("exp.Expression", tree), renamed)
    main.set(key, exp.With(expressions=kept) if kept else None)
    return lifted, main.sql(dialect="duckdb")


def _renamed(node: exp.Expression, names: Mapping[str, str]) -> exp.Expression:
    from sqlglot import exp

    def rename(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Table) and not n.args.get("db") and n.name in names:
            return exp.Table(this=exp.to_identifier(names[n.name]), alias=n.args.get("alias") or
                             exp.TableAlias(this=exp.to_identifier(n.name)))
        return n

    return node.transform(rename) if names else node
