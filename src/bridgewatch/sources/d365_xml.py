"""Dynamics 365 F&O data management entity files in the XML target formats (XML-Element, XML-Attribute).

An export project whose target data format is XML writes each entity's records under one root element
(``<Document>``), one element per record named after the entity (``<CUSTCUSTOMERV3ENTITY>`` for
Customers V3), its fields either as child elements (XML-Element: ``<CUSTOMERACCOUNT>US-001</CUSTOMERACCOUNT>``)
or as attributes of the record (XML-Attribute: ``CUSTOMERACCOUNT="US-001"``). A field the record does not
write, or writes empty (``<NAMEALIAS/>``), is an empty field. Names are matched without regard to case
(Data management can write entity and field names in lower case).

Each record becomes a row under the field names, numbered by its position among the records (the CSV
route's data row for the same customers); a record writing a field twice is set aside as a problem with
its number and field. Records are read one at a time (``xmlfile.elements``), so a file of any size reads
in bounded memory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from bridgewatch.errors import InputError, Problem
from bridgewatch.sources.raw import Session
from bridgewatch.sources.xmlfile import Sheet, SheetWriter, Unexpected, elements, html_hint, local, text

RECORD = "CUSTCUSTOMERV3ENTITY"
"""The record element of the Customers V3 entity (the entity's name, upper case)."""


@dataclass
class EntityFile:
    """An XML entity file's records as a sheet, and the name of its record element (``""`` when it has none)."""

    sheet: Sheet
    record: str

    def holds(self, field: str) -> bool:
        """The file is of the entity whose records carry ``field``: its record element is Customers V3's, or
        its records write ``field`` (as a CSV whose header has the column)."""
        return self.record.upper() == RECORD or field.lower() in (h.lower() for h in self.sheet.header)


class _Records:
    """Turns each record (an element under the root) into a row of its attributes and child elements."""

    def __init__(self, label: Path, writer: SheetWriter) -> None:
        self.label = label
        self.writer = writer
        self.columns: dict[str, int] = {}
        self.positions: dict[str, int] = {}
        """Attribute or element name as written → its column, looked up once per name."""
        self.record = ""
        self.number = 0

    def check_root(self, tag: str) -> None:
        if local(tag).lower() == "html":
            raise Unexpected(local(tag))

    def add(self, record: ET.Element) -> None:
        self.number += 1
        self.record = self.record or local(record.tag)
        fields = [*record.attrib.items(), *((f.tag, f.text or "" if not len(f) else text(f)) for f in record)]
        row = [""] * len(self.writer.sheet.header)
        seen: set[int] = set()
        for name, value in fields:
            position = self.positions.get(name)
            if position is None:
                position = self.positions[name] = self.column(local(name))
                row.extend([""] * (position + 1 - len(row)))
            if position in seen:
                self.writer.sheet.problems.append(Problem(str(self.label), self.number, local(name), value,
                                                          "the record writes this field twice"))
                return
            seen.add(position)
            row[position] = value
        self.writer.add(row, self.number)

    def column(self, name: str) -> int:
        """The position of field ``name`` (any case) in the header, added when new."""
        key = name.lower()
        if key not in self.columns:
            self.columns[key] = len(self.writer.sheet.header)
            self.writer.sheet.header.append(name)
        return self.columns[key]


def read_entity(session: Session, source: Path, *, label: Path, field: str) -> EntityFile:
    """The records of an XML entity file (``source``; named ``label`` in rows and messages). A file whose
    record element is Customers V3's has the ``field`` column even when no record writes it (each record
    then lacks it, as an empty CSV cell).

    Raises:
        InputError: malformed or truncated XML (file, line and what to do), a document type, an HTML page.
    """
    records = _Records(label, SheetWriter(session))
    try:
        for _, record in elements(source, 2, label=label, on_root=records.check_root):
            records.add(record)
    except Unexpected as exc:
        raise InputError(f"{label}: not a data management XML entity file: the document is <{exc}>"
                         f"{html_hint(str(exc))}. Download the data package again, or export the entity with "
                         f"CSV as its target data format.",
                         [Problem(str(label), None, None, f"<{exc}>", "not an XML entity file")]) from exc
    if records.record.upper() == RECORD:
        records.column(field)
    return EntityFile(records.writer.finish(), records.record)
