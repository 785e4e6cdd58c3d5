"""The JSON form of card results, written item by item (``docs/output.md``).

A result is its summary object with a ``customers`` array; the customers are written one at a
time as they stream in, so a worklist of any size passes through in constant memory. The run
store's ``show`` writes stored runs with the same function, so a stored run reprints exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from bridgewatch.report.safe import json_text

INDENT = "  "


def write_results_json(fh: IO[str], cards: Iterable[tuple[Mapping[str, Any], Iterator[dict[str, Any]]]]) -> None:
    """Write ``[ {summary..., "customers": [...]}, ... ]`` for each (summary dict, rows) pair."""
    fh.write("[")
    for n, (summary, rows) in enumerate(cards):
        fh.write(",\n" if n else "\n")
        _write_card(fh, summary, rows)
    fh.write("\n]\n")


def _write_card(fh: IO[str], summary: Mapping[str, Any], rows: Iterator[dict[str, Any]]) -> None:
    inner = _dumps(dict(summary))[1:-1].rstrip()
    fh.write(INDENT + "{" + (_shift(inner, 1) + "," if inner.strip() else ""))
    fh.write("\n" + INDENT * 2 + '"customers": [')
    wrote = False
    for row in rows:
        fh.write(("," if wrote else "") + "\n" + _shift(_dumps(row), 3))
        wrote = True
    fh.write(("\n" + INDENT * 2 if wrote else "") + "]\n" + INDENT + "}")


def _dumps(value: Any) -> str:
    return json_text(value, indent=2)


def _shift(text: str, depth: int) -> str:
    pad = INDENT * depth
    return "\n".join(pad + line if line else line for line in text.split("\n"))
