"""Excel workbooks (.xlsx) read as CSV: the data sheet written to a UTF-8 CSV copy the CSV readers read.

Vendors offer "Export to Excel" beside CSV (D365 F&O Data management, Sage Intacct lists, Business
Central's "Open in Excel"), and users save a CSV as .xlsx. Rather than a second reading path, the
sheet is streamed (openpyxl, read-only, cached values: nothing is evaluated) into a CSV copy in a
scratch folder, the way a Windows-1252 file is copied to UTF-8; the CSV path then reads it, so
accounting, quarantine, blank rows and row numbers work as for any CSV.

Which sheet: the only visible sheet that holds a value, else the one whose header the caller
accepts (``accepts``); hidden and empty sheets are passed over. The header is the sheet's first row
that holds a value (empty rows above it are skipped); row n is the n-th row under it, counted as in
a CSV saved from the sheet (an empty row inside the data is a row, excluded as blank; empty rows
after the last value are not rows). Each cell becomes the text a vendor's CSV holds (:func:`cell_text`).
"""

from __future__ import annotations

import csv
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from bridgewatch.errors import InputError, Problem

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How an OLE compound file begins: an old .xls, and a password-protected .xlsx (an encrypted package)."""
ZIP = b"PK\x03\x04"
WORKBOOK_PARTS = (b"[Content_Types].xml", b"xl/", b"docProps/", b"_rels/")
"""How the name of a workbook's first ZIP member begins (Excel writes ``[Content_Types].xml`` first)."""
CHUNK = 1 << 22
EMPTY_WORKBOOK = "the workbook is empty (no visible sheet holds a value)"
"""Why a workbook whose visible sheets are all empty holds no record (said in its accounting)."""

HEADER_SCAN = 1000
"""Rows looked at for a sheet's header (its first row holding a value)."""
_EMPTY_FORMULA = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
"""A cell whose formula has no calculated value (no ``<v>``, or an empty one)."""
_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]+[0-9]+)["']""")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TIME_PART = re.compile(r"[hs]")
_FORMAT_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


@dataclass(frozen=True)
class SheetCopy:
    """The sheet read from a workbook and where its CSV copy is."""

    sheet: str
    header: tuple[str, ...]
    csv: Path


def without_sheet(label: str) -> str:
    """The file a sheet's label names (``customers.xlsx[Customers]`` → ``customers.xlsx``); other names as they are."""
    return label[:label.rindex("[")] if label.endswith("]") and "[" in Path(label).name else label


def is_workbook(path: Path) -> bool:
    """``path`` is an .xlsx/.xlsm workbook by its bytes: a ZIP holding ``xl/workbook.xml``, or, when its ZIP
    directory is lost (a file cut short), a ZIP whose first part is a workbook's or named ``.xlsx``/``.xlsm``."""
    with path.open("rb") as fh:
        head = fh.read(1 << 10)
    if not head.startswith(ZIP):
        return False
    names = _zip_names(path)
    if names is not None:
        return "xl/workbook.xml" in names
    first = head[30:30 + int.from_bytes(head[26:28], "little")]
    return first.startswith(WORKBOOK_PARTS) or path.suffix.lower() in (".xlsx", ".xlsm")


def _zip_names(path: Path) -> set[str] | None:
    """The member names of a ZIP, or None when its directory cannot be read."""
    try:
        with zipfile.ZipFile(path) as zf:
            return set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, struct.error):
        return None


def not_readable(path: Path, head: bytes) -> str | None:
    """What to say of a spreadsheet bridgewatch cannot read (password-protected .xlsx, .xls, .xlsb), or None."""
    if head.startswith(OLE):
        streams = _ole_names(path)
        if "EncryptedPackage" in streams:
            return (f"{path}: a password-protected (encrypted) Excel workbook, which cannot be read without its "
                    f"password. Open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt "
                    f"with Password: clear it) and save, or save the sheet as CSV UTF-8.")
        if streams & {"Workbook", "Book"}:
            return (f"{path}: an Excel 97-2003 workbook (.xls), which bridgewatch does not read. Open it in Excel "
                    f"and save it as Excel Workbook (.xlsx) or CSV UTF-8.")
    if head.startswith(ZIP) and "xl/workbook.bin" in (_zip_names(path) or ()):
        return (f"{path}: an Excel Binary Workbook (.xlsb), which bridgewatch does not read. Open it in Excel and "
                f"save it as Excel Workbook (.xlsx) or CSV UTF-8.")
    return None


def _ole_names(path: Path) -> set[str]:
    """Which of the stream names that tell Office files apart an OLE file's directory holds (a byte search:
    directory entries hold their names in UTF-16)."""
    wanted = {name: name.encode("utf-16-le") for name in ("EncryptedPackage", "Workbook", "Book")}
    found: set[str] = set()
    carry = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            text = carry + chunk
            found |= {name for name, raw in wanted.items() if raw + b"\x00\x00" in text}
            carry = text[-64:]
    return found


def workbook_csv(path: Path, target: Path, *, label: Path,
                 accepts: Callable[[Sequence[str]], bool]) -> SheetCopy | None:
    """Write the data sheet of workbook ``path`` to ``target`` as UTF-8 CSV (header first).

    ``label`` names the workbook in messages (a package member is read from a copy); ``accepts`` tells
    whether a header is one the caller reads (it decides between several sheets).

    Returns:
        The sheet read, or None when no visible sheet holds a value.

    Raises:
        InputError: the workbook cannot be read (damaged, cut short), several sheets or none of several
            fit, or a formula has no calculated value.
    """
    with _broken(label):
        book = _open(path)
        try:
            heads = _sheet_heads(book)
            if not heads:
                return None
            sheet, start, header = _choose(label, heads, accepts)
            _check_formulas(path, label, book[sheet])
            width = _write_sheet(book[sheet], start, header, target)
            return SheetCopy(sheet, tuple(_fit(list(header), width)), target)
        finally:
            book.close()


def _open(path: Path) -> Any:
    """The workbook, read-only with the values Excel cached (formulas are never evaluated); as openpyxl's
    ``load_workbook`` but for the shared strings, read by :func:`shared_strings`."""
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader

    # openpyxl warns of what it drops (data validation, conditional formats): nothing a reader uses. One
    # process-wide filter on openpyxl's own warnings (catch_warnings is not safe with readers in threads).
    warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")

    class Reader(ExcelReader):  # type: ignore[misc]
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with self.archive.open(part.PartName[1:]) as src:
                    self.shared_strings = shared_strings(src)

    reader = Reader(path, read_only=True, data_only=True, keep_links=False)
    reader.read()
    return reader.wb


def shared_strings(source: IO[bytes]) -> list[str]:
    """The text of each ``<si>`` of a shared-strings part: its ``<t>`` and its runs' ``<t>``, phonetic hints
    (``<rPh>``) left out, as Excel shows it. One expat pass: openpyxl's reader builds an object per string
    and takes ~4x the time, which is most of reading a workbook whose cells are text."""
    strings: list[str] = []
    parts: list[str] = []
    state = {"t": False, "rph": 0}

    def start(name: str, _attrs: Any) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "t":
            state["t"] = not state["rph"]
        elif tag == "rPh":
            state["rph"] += 1
        elif tag == "si":
            parts.clear()

    def end(name: str) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "t":
            state["t"] = False
        elif tag == "rPh":
            state["rph"] -= 1
        elif tag == "si":
            strings.append("".join(parts))

    def text(data: str) -> None:
        if state["t"]:
            parts.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.ParseFile(source)
    return strings


BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError, KeyError, IndexError,
          ValueError, TypeError, AttributeError, ParseError, expat.ExpatError, NotImplementedError)
"""What openpyxl, zipfile and the XML parser raise on a damaged or cut-short workbook."""


@contextmanager
def _broken(label: Path) -> Iterator[None]:
    """Turn what reading a damaged workbook raises into one InputError saying what to do."""
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        yield
    except InputError:
        raise
    except OSError as exc:
        if exc.errno is None:  # openpyxl's own "File contains no valid workbook part"
            raise _damaged(label, exc) from exc
        raise InputError(f"{label}: cannot be opened ({exc.strerror}). Check the path and permissions.") from exc
    except (*BROKEN, InvalidFileException) as exc:
        raise _damaged(label, exc) from exc


def _damaged(label: Path, exc: Exception) -> InputError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"{label}: an Excel workbook that cannot be read ({detail}): it may be cut short or damaged. "
                      f"Download or export it again, or open it in Excel and save it again.",
                      [Problem(str(label), None, None, None, "damaged Excel workbook")])


def _sheet_heads(book: Any) -> list[tuple[str, int, tuple[str, ...]]]:
    """Each visible worksheet holding a value: its name, the row after its header, and its header."""
    heads = []
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        ws.reset_dimensions()  # a program's stated size may be wrong: read what is there
        for number, row in enumerate(ws.iter_rows(min_row=1, max_row=HEADER_SCAN, values_only=True), 1):
            cells = [cell_text(v).strip() for v in row]
            if any(cells):
                heads.append((ws.title, number + 1, tuple(_trimmed(cells))))
                break
    return heads


def _choose(label: Path, heads: list[tuple[str, int, tuple[str, ...]]],
            accepts: Callable[[Sequence[str]], bool]) -> tuple[str, int, tuple[str, ...]]:
    """The sheet to read: the only one, or the only one of several whose header ``accepts`` takes."""
    if len(heads) == 1:
        return heads[0]
    fits = [h for h in heads if accepts(h[2])]
    if len(fits) == 1:
        return fits[0]
    names = ", ".join(repr(h[0]) for h in (fits or heads))
    if fits:
        raise InputError(f"{label}: several sheets of this workbook ({names}) have a header this reader reads; "
                         f"keep the one to read in this workbook (or one workbook per sheet), or save it as CSV.",
                         [Problem(str(label), None, None, None, "several sheets to read")])
    raise InputError(f"{label}: none of this workbook's sheets ({names}) has a header this reader reads. Check the "
                     f"source's reader and path, or keep only the export's sheet in the workbook.",
                     [Problem(str(label), None, None, None, "no sheet with a known header")])


def _check_formulas(path: Path, label: Path, ws: Any) -> None:
    """Refuse a sheet holding a formula without a calculated value (a program wrote it, Excel never saved
    it): its value is unknown, and reading it as empty would lose it silently."""
    member = getattr(ws, "_worksheet_path", None)
    if member is None:
        return
    carry = b""
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        while chunk := fh.read(CHUNK):
            text = carry + chunk
            found = _EMPTY_FORMULA.search(text)
            if found:
                ref = _REF.search(found.group(1))
                cell = f"cell {ref.group(1).decode()} of sheet '{ws.title}'" if ref else f"sheet '{ws.title}'"
                raise InputError(f"{label}: {cell} holds a formula without a calculated value (the workbook was "
                                 f"written by a program and never saved by Excel), so its value is unknown. Open "
                                 f"the workbook in Excel and save it, or export the file again.",
                                 [Problem(str(label), None, None, None, "formula without a calculated value")])
            carry = text[-(1 << 16):]


def _write_sheet(ws: Any, start: int, header: tuple[str, ...], target: Path) -> int:
    """Write ``header`` and every row from ``start`` to ``target``, as many cells each as the header has; when a
    row holds values past the header's last column, write it all again as wide as the widest row (a value
    without a column name is then reported as in a CSV). Returns the number of cells a row has."""
    widest = _write_rows(ws, start, header, len(header), target)
    if widest > len(header):
        _write_rows(ws, start, header, widest, target)
    return widest


def _write_rows(ws: Any, start: int, header: tuple[str, ...], width: int, target: Path) -> int:
    widest = width
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_fit(list(header), width))
        pending = 0  # empty rows seen since the last row with a value: rows only if one follows
        for cells in _row_texts(ws, start):
            used = len(_trimmed(cells))
            if not used:
                pending += 1
                continue
            widest = max(widest, used)
            writer.writerows([[""] * width] * pending)
            pending = 0
            writer.writerow(_fit(cells, width))
    return widest


def _row_texts(ws: Any, start: int) -> Iterator[list[str]]:
    for row in ws.iter_rows(min_row=start):
        yield [_text(c) for c in row]


def _text(cell: Any) -> str:
    value = cell.value
    if value is None:
        return ""
    if type(value) is str:  # most cells: their number format (a lookup) is not needed
        return _unescaped(value)
    return cell_text(value, cell.number_format)


def _trimmed(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _fit(cells: list[str], width: int) -> list[str]:
    return cells[:width] + [""] * (width - len(cells))


# -- cells ---------------------------------------------------------------------------------------

def cell_text(value: object, number_format: str | None = None) -> str:
    """The text a vendor's CSV holds for a cell's value: text as it is, whole numbers without ``.0``, other
    numbers as their shortest exact decimal, dates ``2026-06-16``, times ``2026-06-16 09:12:44``, booleans
    ``TRUE`` / ``FALSE`` (as Excel writes them), an error (``#N/A``) as its text; a whole number shown with
    leading zeros (number format ``00000``) keeps them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _unescaped(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return _zero_padded(str(value), number_format)
    if isinstance(value, float):
        return _number(value, number_format)
    if isinstance(value, datetime):
        return _datetime(value, number_format)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    return str(value)


def _unescaped(text: str) -> str:
    """``text`` with the characters a workbook's XML escapes as ``_xHHHH_`` (a carriage return ``_x000D_``, an
    underscore before such a pattern ``_x005F_``) written as themselves."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _number(value: float, number_format: str | None) -> str:
    if value.is_integer() and abs(value) < 2 ** 53:
        return _zero_padded(str(int(value)), number_format)
    text = repr(value)  # the shortest decimal that reads back as this value: 12.1, not 12.0999...
    return format(Decimal(text), "f") if "e" in text else text


def _zero_padded(text: str, number_format: str | None) -> str:
    if number_format and number_format.strip("0") == "" and not text.startswith("-"):
        return text.zfill(len(number_format))
    return text


def _datetime(value: datetime, number_format: str | None) -> str:
    value += timedelta(microseconds=500)  # Excel keeps milliseconds; a day's fraction may land a hair below
    ms = value.microsecond // 1000
    if not (value.hour or value.minute or value.second or ms) and not _shows_time(number_format):
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M:%S") + (f".{ms:03d}" if ms else "")


def _shows_time(number_format: str | None) -> bool:
    return bool(number_format and _TIME_PART.search(_FORMAT_NOISE.sub("", number_format).lower()))
