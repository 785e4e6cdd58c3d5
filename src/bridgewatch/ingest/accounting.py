"""Ingest accounting: for every file, rows read = rows used + rows excluded + rows quarantined; and what the
readers found wrong with a source as a whole (:class:`ReadWarning`, e.g. an API export missing its last page)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bridgewatch.errors import Problem


class OnBadRow(StrEnum):
    """What a loader does with a row holding an unusable value."""

    RAISE = "raise"
    """Stop with one error listing every bad cell (the default for canonical tables)."""
    QUARANTINE = "quarantine"
    """Set the row aside with file, row, field, value and reason; carry on with the rest."""


@dataclass
class FileAccount:
    """What happened to the rows of one input file."""

    table: str
    file: str
    read: int = 0
    used: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    quarantined: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What a user must know about the file beyond its counts (e.g. ``no orders: the file is empty``)."""

    @property
    def quarantined_rows(self) -> int:
        return len({p.row for p in self.quarantined})

    @property
    def balanced(self) -> bool:
        return self.read == self.used + sum(self.excluded.values()) + self.quarantined_rows

    def as_dict(self) -> dict[str, object]:
        """The counts; ``notes`` only when there is one (a file that yielded nothing says why)."""
        counts: dict[str, object] = {
            "table": self.table, "file": self.file, "read": self.read, "used": self.used,
            "excluded": dict(sorted(self.excluded.items())), "quarantined": self.quarantined_rows,
        }
        return {**counts, "notes": list(self.notes)} if self.notes else counts


@dataclass(frozen=True)
class ReadWarning:
    """An export a reader can tell is incomplete (e.g. every page read says another follows): which source,
    the files concerned, and what is wrong and what to do. Never a URL with its query (it may hold a token)."""

    source: str
    """The ``[sources.<name>]`` entry read."""
    files: tuple[str, ...]
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "files": list(self.files), "text": self.text}

    def describe(self, most: int = 3) -> str:
        """One line for people: the source, the text and the files concerned (the first ``most`` of them)."""
        where = f"sources.{self.source}: " if self.source else ""
        more = len(self.files) - most
        files = ", ".join(self.files[:most]) + (f" and {more} more" if more > 0 else "")
        return f"{where}{self.text}" + (f" (files: {files})" if files else "")

    def as_reason(self) -> str:
        """The warning as a reason the result is not fresh (``freshness.reasons``)."""
        return f"incomplete export: {self.describe()}"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReadWarning:
        return cls(str(d["source"]), tuple(str(f) for f in d["files"]), str(d["text"]))


@dataclass
class Accounting:
    """All files of one load, and the warnings its readers recorded."""

    files: list[FileAccount] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)

    def add(self, account: FileAccount) -> None:
        self.files.append(account)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.quarantined]

    @property
    def notes(self) -> list[str]:
        """Every file's notes, prefixed with the file (e.g. ``orders.csv: no orders: the file is empty``)."""
        return [f"{f.file}: {n}" for f in self.files for n in f.notes]

    def as_dicts(self) -> list[dict[str, object]]:
        return [f.as_dict() for f in self.files]

    def to_record(self) -> list[dict[str, object]]:
        """Everything, quarantined cells included, as plain data (see :meth:`from_record`)."""
        return [{**f.as_dict(), "problems": [asdict(p) for p in f.quarantined]} for f in self.files]

    def warnings_record(self) -> list[dict[str, object]]:
        """The warnings as plain data (see :meth:`from_record`)."""
        return [w.as_dict() for w in self.warnings]

    @classmethod
    def from_record(cls, record: list[dict[str, Any]], warnings: Sequence[Mapping[str, Any]] = ()) -> Accounting:
        """The accounting :meth:`to_record` (and :meth:`warnings_record`) wrote."""
        return cls([FileAccount(f["table"], f["file"], int(f["read"]), int(f["used"]), Counter(f["excluded"]),
                                [Problem(**p) for p in f["problems"]], list(f.get("notes", [])))
                    for f in record], [ReadWarning.from_dict(w) for w in warnings])
