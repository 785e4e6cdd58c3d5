"""The reader contract: vendor files in, canonical tables out, every row accounted for.

A reader is one class per vendor file family, registered by its ``name``. Adding a source is one
new module in this package with a ``Reader`` subclass; ``get_reader("shopfy_csv")`` fails with a
did-you-mean error. A reader declares the options it accepts (``[sources.<name>.options]`` in
workspace.toml) with their defaults, so an unknown or mistyped option fails before any file is read.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import duckdb

from bridgewatch.errors import ConfigError, did_you_mean
from bridgewatch.ingest.accounting import FileAccount, OnBadRow, ReadWarning
from bridgewatch.ingest.canonical import local_connection
from bridgewatch.sql import literal

READERS: dict[str, type[Reader]] = {}


@dataclass(frozen=True)
class ReadContext:
    """What every reader is told about the run."""

    workspace_id: str
    timezone: str = "UTC"
    """Zone of naive timestamps in the files (a reader's ``timezone`` option overrides it)."""
    on_bad_row: OnBadRow = OnBadRow.QUARANTINE
    options: Mapping[str, Any] = field(default_factory=dict)
    """Per-source mapping overrides from workspace.toml (e.g. which custom field holds the VAT number)."""
    source: str = ""
    """Name of the ``[sources.<name>]`` entry being read (for messages)."""
    entities: tuple[str, ...] = ()
    """The workspace's configured legal entities (``[[legal_entities]]`` ids): several make it a multi-entity
    company, where an ERP record's owning entity decides where it is present."""


@dataclass
class ReadResult:
    """Canonical tables (Arrow, with lineage columns) produced by one reader, its accounting and its warnings."""

    tables: dict[str, Any] = field(default_factory=dict)
    accounts: list[FileAccount] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)
    """What the reader found incomplete in the source as a whole (``Session.warn``)."""
    email_linked: frozenset[str] = frozenset()
    """Order files (``source_file``) that name their customer by email only (the Shopify orders export): an order
    of theirs the reader linked to no customer is linked by :func:`~bridgewatch.sources.combine.combine` to the
    customer of the same platform with that email in any source read with it."""
    ship_to_from_customer: frozenset[str] = frozenset()
    """Of ``email_linked``, the files whose orders carry no ship-to country (the Adobe Commerce orders grid): an
    order linked so takes its customer's country, as the reader gives it the address of a customer it reads."""


@dataclass(frozen=True)
class Option:
    """One setting a reader accepts, with its default and why it exists."""

    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    """The only values the option takes, when it is one of a few words (checked like its kind)."""
    kind: type | None = None
    """The type of the value when the default (None) does not show it, e.g. ``bool``."""
    syntax: str | None = None
    """``regex``, ``strptime`` or ``json_path``: the value (each value of a list) is SQL the reader runs,
    checked by DuckDB when the options are read, so a mistyped one is a configuration error."""


SYNTAX = {"regex": ("regexp_matches('', {})", "not a regular expression DuckDB reads (RE2)"),
          "strptime": ("try_strptime('', [{}])", "not a strptime format"),
          "json_path": ("json_extract_string('{{}}', {})", "not a JSON path such as $.vat.value")}
"""Per option syntax: SQL that fails on a bad value, and what to call a bad one."""


class Reader(ABC):
    """Reads one family of vendor files into canonical tables."""

    name: ClassVar[str]
    """Registry key used in workspace.toml (``reader = "..."``)."""
    produces: ClassVar[tuple[str, ...]]
    """Canonical tables this reader can produce."""
    options: ClassVar[Mapping[str, Option]] = {}
    """Options accepted under ``[sources.<name>.options]``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "name", None):
            READERS[cls.name] = cls

    @abstractmethod
    def read(self, paths: Sequence[Path], context: ReadContext) -> ReadResult:
        """Read every file in ``paths``; never drop a row without counting it."""


def get_reader(name: str) -> Reader:
    """The registered reader called ``name``."""
    if name not in READERS:
        raise did_you_mean("reader", name, READERS)
    return READERS[name]()


def resolve_options(reader: type[Reader] | Reader, given: Mapping[str, Any], source: str = "") -> dict[str, Any]:
    """The reader's options with ``given`` applied over the defaults.

    Raises:
        ConfigError: an option the reader does not know (with the closest name), a value of the
            wrong kind (e.g. a string where a list is expected) or not among the option's choices.
            Every problem is listed.
    """
    known = reader.options
    where = f"sources.{source}.options" if source else "options"
    problems = []
    for key, value in given.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]}?" if close else ""
            problems.append(f"{where}.{key}: unknown option for reader '{reader.name}'.{hint} "
                            f"Known: {', '.join(sorted(known)) or '(none)'}.")
            continue
        default = known[key].default
        choices, kind = known[key].choices, known[key].kind
        if default is not None and not _same_kind(default, value):
            problems.append(f"{where}.{key}: expected {_kind(default)}, got {value!r}")
        elif default is None and kind is not None and not _same_kind(kind(), value):
            problems.append(f"{where}.{key}: expected {_kind(kind())}, got {value!r}")
        elif choices and value not in choices:
            close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.5)
            hint = f". Did you mean {close[0]}?" if close else ""
            problems.append(f"{where}.{key}: expected one of {', '.join(choices)}, got {value!r}{hint}")
        elif known[key].syntax and value is not None:
            problems += [f"{where}.{key}: {bad}" for bad in _bad_syntax(str(known[key].syntax), value)]
    if problems:
        raise ConfigError("\n".join(problems))
    return {**{k: o.default for k, o in known.items()}, **given}


def _bad_syntax(syntax: str, value: Any) -> list[str]:
    """What is wrong with each value of an option whose values are SQL patterns (none: an empty list).

    Tried on a cursor of the reading database: opening a database of its own cost ≈ 20 ms per option."""
    template, what = SYNTAX[syntax]
    con = local_connection()
    out = []
    try:
        for v in value if isinstance(value, list | tuple) else [value]:
            try:
                con.execute(f"SELECT {template.format(literal(str(v)))}")
            except duckdb.Error as exc:
                out.append(f"{what}: {v!r} ({str(exc).strip().splitlines()[0]})")
    finally:
        con.close()
    return out


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def _kind(default: Any) -> str:
    return {bool: "true or false", str: "a string", int: "a number", dict: "a table",
            list: "a list", tuple: "a list"}.get(type(default), type(default).__name__)
