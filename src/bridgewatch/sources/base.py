"""The reader contract: vendor files in, canonical tables out, every row accounted for.

A reader is one class per vendor file family, registered by its ``name``. Adding a source is one
new module in this package with a ``Reader`` subclass; ``get_reader("shopfy_csv")`` fails with a
did-you-mean error.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.errors import did_you_mean
from bridgewatch.ingest.accounting import FileAccount, OnBadRow

READERS: dict[str, type[Reader]] = {}


@dataclass(frozen=True)
class ReadContext:
    """What every reader is told about the run."""

    workspace_id: str
    timezone: str = "UTC"
    """Zone of naive timestamps in the files."""
    on_bad_row: OnBadRow = OnBadRow.QUARANTINE
    options: Mapping[str, Any] = field(default_factory=dict)
    """Per-source mapping overrides from workspace.toml (e.g. which custom field holds the VAT number)."""


@dataclass
class ReadResult:
    """Canonical tables (Arrow, with lineage columns) produced by one reader, and its accounting."""

    tables: dict[str, Any] = field(default_factory=dict)
    accounts: list[FileAccount] = field(default_factory=list)


class Reader(ABC):
    """Reads one family of vendor files into canonical tables."""

    name: ClassVar[str]
    """Registry key used in workspace.toml (``reader = "..."``)."""
    produces: ClassVar[tuple[str, ...]]
    """Canonical tables this reader can produce."""

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
