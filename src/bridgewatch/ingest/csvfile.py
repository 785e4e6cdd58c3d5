"""What the first bytes of a CSV file say: encoding, delimiter and header.

DuckDB's own sniffer gives up on a file whose rows disagree in length and falls back to a single
column, which would turn one bad row into a confusing header error. Reading the header ourselves
and handing DuckDB the dialect lets it reject only the bad rows, each with its line number.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from bridgewatch.errors import InputError

DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class CsvHead:
    """What the first bytes of a CSV file tell us."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]


def sniff_csv(path: Path, encoding: str | None = None) -> CsvHead:
    """Encoding, delimiter and header of a CSV file, from its first bytes only."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
    except OSError as exc:
        raise InputError(f"{path}: cannot be opened ({exc.strerror}). Check the path and permissions.") from exc
    encoding = encoding or _encoding(head)
    text = head.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(DELIMITERS, key=lambda d: (first.count(d), d == ","))
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return CsvHead(encoding, delimiter, tuple(h.strip() for h in header))


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "cp1252"  # what Excel writes on Windows; a superset of Latin-1's printable characters
    return "utf-8"
