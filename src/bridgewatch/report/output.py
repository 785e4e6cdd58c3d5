"""Writing card results in the format asked for, from whatever holds them (the engine or the run store).

A :class:`ResultView` pairs a summary with a way to stream its worklist rows (all of them, or the
first ``n``), so the same writers serve a fresh run and a stored one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from rich.console import Console

from bridgewatch.report.csv_out import meta_of, write_worklist_csv
from bridgewatch.report.json_out import write_results_json
from bridgewatch.report.result import CardSummary
from bridgewatch.report.table import DEFAULT_LIMIT, incomplete_lines, render_card
from bridgewatch.report.words import DEFAULT_LOCALE

FORMATS = ("table", "json", "csv")

Rows = Callable[[int | None], Iterator[dict[str, Any]]]
"""``rows(None)`` streams every worklist row in rank order; ``rows(n)`` the first ``n``."""


@dataclass(frozen=True)
class ResultView:
    """A card result as the writers need it: its summary and its rows on demand."""

    summary: CardSummary
    rows: Rows
    locale: str = DEFAULT_LOCALE
    """Locale for amounts shown to people (the workspace's)."""


def write_results(views: Sequence[ResultView], fmt: str, *, fh: IO[str], console: Console,
                  limit: int = DEFAULT_LIMIT) -> None:
    """Write every result as JSON or CSV to ``fh`` (streamed), or as a table on ``console``."""
    if fmt == "json":
        write_results_json(fh, ((v.summary.to_dict(), v.rows(None)) for v in views))
    elif fmt == "csv":
        write_worklist_csv(fh, ((meta_of(v.summary.to_dict()), v.rows(None)) for v in views))
    else:
        listed: set[str] = set()  # an incomplete export is listed once, on the first card it concerns
        for v in views:
            render_card(v.summary, list(v.rows(limit)), console, locale=v.locale, listed_above=listed)
            listed.update(incomplete_lines(v.summary))
