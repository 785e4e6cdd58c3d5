"""The inputs page of a stored card run: what it was computed from (the run's ingest accounting).

Per file: rows read, used, excluded (by reason), quarantined, and whether read = used + excluded +
quarantined; the quarantined cells (file, row, field, value, reason), the first ``SHOWN_CELLS`` on the
page and all of them in the CSV download. Files are named as ``bridgewatch ingest`` names them:
relative to the folder they share (the workspace, typically). Nothing here is HTML: the template
escapes every value; a quarantined value's control characters are shown as ``\\xNN`` escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bridgewatch.cards import Card
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.ingest.accounting import Accounting, FileAccount
from bridgewatch.report.accounting_view import QUARANTINE_COLUMNS, short_names
from bridgewatch.report.safe import csv_chunks
from bridgewatch.web import reads
from bridgewatch.web.settings import ServedWorkspace

SHOWN_CELLS = 200
"""Quarantined cells listed on the page; the rest are counted there and all are in the CSV download."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class InputFile:
    """One file of the run: its counts, as the accounting kept them."""

    table: str
    file: str
    read: int
    used: int
    excluded: tuple[tuple[str, int], ...]
    """(reason, rows), by reason."""
    quarantined: int
    notes: tuple[str, ...]

    @property
    def excluded_rows(self) -> int:
        return sum(n for _, n in self.excluded)

    @property
    def balanced(self) -> bool:
        return self.read == self.used + self.excluded_rows + self.quarantined


@dataclass(frozen=True)
class QuarantinedCell:
    file: str
    row: int | None
    field: str | None
    value: str | None
    reason: str

    @property
    def shown_value(self) -> str | None:
        """The value with control characters written as ``\\xNN`` (a bell or an escape is seen, not swallowed)."""
        return None if self.value is None else _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", self.value)


@dataclass(frozen=True)
class InputsView:
    ws: ServedWorkspace
    card: Card
    stored: StoredCardRun
    runs: tuple[StoredCardRun, ...]
    """The run picker's runs (the card page's), the one shown among them."""
    files: tuple[InputFile, ...]
    cells: tuple[QuarantinedCell, ...]
    """The first ``SHOWN_CELLS`` quarantined cells."""
    total_cells: int

    @property
    def total(self) -> InputFile:
        """Every file's counts added up (excluded by reason across files)."""
        reasons: dict[str, int] = {}
        for f in self.files:
            for reason, n in f.excluded:
                reasons[reason] = reasons.get(reason, 0) + n
        return InputFile("", "", sum(f.read for f in self.files), sum(f.used for f in self.files),
                         tuple(sorted(reasons.items())), sum(f.quarantined for f in self.files), ())

    @property
    def unbalanced(self) -> int:
        return sum(not f.balanced for f in self.files)


def _file(account: FileAccount, name: str) -> InputFile:
    return InputFile(account.table, name, account.read, account.used, tuple(sorted(account.excluded.items())),
                     account.quarantined_rows, tuple(account.notes))


def _names(accounting: Accounting) -> dict[str, str]:
    """Each file of the accounting by the name the page gives it (relative to the folder the files share)."""
    files = [f.file for f in accounting.files]
    return dict(zip(files, short_names(files), strict=True))


def cells(accounting: Accounting, names: dict[str, str] | None = None) -> Iterator[QuarantinedCell]:
    """Every quarantined cell, in the accounting's order, its file named as on the page (``names``: :func:`_names`)."""
    shown = names if names is not None else _names(accounting)
    for p in accounting.problems:
        yield QuarantinedCell(shown.get(p.file, p.file), p.row, p.field, p.value, p.reason)


def inputs_view(store: Store, ws: ServedWorkspace, card: Card, stored: StoredCardRun, *,
                recent: list[StoredCardRun]) -> InputsView:
    """``recent``: the card's latest stored runs (the run picker), latest first."""
    accounting = reads.accounting(store, stored)
    names = _names(accounting)
    files = tuple(_file(f, names[f.file]) for f in accounting.files)
    found = list(cells(accounting, names))
    runs = tuple(recent) if stored.id in {r.id for r in recent} else (stored, *recent)
    return InputsView(ws, card, stored, runs, files, tuple(found[:SHOWN_CELLS]), len(found))


def quarantine_csv(accounting: Accounting) -> Iterator[str]:
    """Every quarantined cell as CSV (file, row, field, value, reason), each text cell formula-safe."""
    return csv_chunks(QUARANTINE_COLUMNS, ((c.file, c.row, c.field, c.value, c.reason) for c in cells(accounting)))
