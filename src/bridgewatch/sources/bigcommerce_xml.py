"""BigCommerce control-panel exports saved as XML (Orders → Export / Customers → Export, "XML").

The XML export writes the template's columns as elements: ``<orders>`` holds one ``<order>`` per
order (``<customers>`` / ``<customer>``), each column an element named after its header with white
space as ``_`` and punctuation dropped (``Order Total (inc tax)`` → ``<Order_Total_inc_tax>``), its
value in CDATA; a column holding a list (an order's products, a customer's addresses) holds one
``<item>`` per entry. Names are matched without regard to case.

Each record becomes a row under the CSV header it stands for, so the CSV reader's columns, options
and mapping read it (``bigcommerce_csv`` reads both). A list column gives its first ``<item>``'s
fields (a customer's first address: ``Address_Country``) where the record has no field of that name.
Records are read one at a time (``xmlfile.elements``) and written to the session in batches.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from bridgewatch.errors import InputError, Problem
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.xmlfile import Sheet, SheetWriter, Unexpected, element_name, elements, html_hint, local, text

RECORDS = {"orders": "order", "customers": "customer"}
"""Root element → record element (lower case)."""


class _Records:
    """Turns each record (an element under the root) into a row: its fields, then its first list item's."""

    def __init__(self, writer: SheetWriter) -> None:
        self.writer = writer
        self.root = ""
        self.keys: dict[str, str] = {}
        """Element tag → its column's key (the local name in lower case), looked up once per tag."""
        self.columns: dict[str, int] = {}

    def check_root(self, tag: str) -> None:
        self.root = local(tag)
        if self.root.lower() not in RECORDS:
            raise Unexpected(self.root)

    def add(self, record: ET.Element) -> None:
        name = local(record.tag)
        if name.lower() != RECORDS[self.root.lower()]:
            raise Unexpected(f"{self.root}><{name}")
        values: dict[str, str] = {}
        lists = []
        for column in record:
            if len(column):  # a list column holds its <item>s, not a value
                lists.append(column)
            else:
                values[self._key(column.tag)] = column.text or ""
        for column in lists:  # a record's own field beats an item's of the same name, wherever it stands
            for item_field in column[0]:
                key = self.keys.get(item_field.tag) or local(item_field.tag).lower()
                if key not in values:
                    values[self._key(item_field.tag)] = text(item_field)
        row = [""] * len(self.writer.sheet.header)
        for key, value in values.items():
            row[self.columns[key]] = value
        self.writer.add(row, self.writer.count + 1)

    def _key(self, tag: str) -> str:
        """The key of the column of element ``tag``, the column added to the header when new."""
        key = self.keys.get(tag)
        if key is None:
            name = local(tag)
            key = self.keys[tag] = name.lower()
            if key not in self.columns:
                self.columns[key] = len(self.writer.sheet.header)
                self.writer.sheet.header.append(name)
        return key


def read_export(session: Session, path: Path) -> tuple[str, Sheet]:
    """The records of a control-panel XML export: its kind (``orders`` / ``customers``) and its rows.

    Raises:
        InputError: malformed XML (file and line), or a document that is not a BigCommerce orders or
            customers XML export (an HTML error page, another vendor's XML): never read as zero rows.
    """
    records = _Records(SheetWriter(session))
    try:
        for _, record in elements(path, 2, on_root=records.check_root):
            records.add(record)
    except Unexpected as exc:
        raise InputError(f"{path}: not a BigCommerce control-panel XML export: it holds <{exc}> where an export has "
                         f"<orders> of <order> or <customers> of <customer> elements{html_hint(str(exc))}. "
                         f"Export again from Orders → Export or Customers → Export, choosing XML.",
                         [Problem(str(path), None, None, str(exc), "not a BigCommerce XML export")]) from exc
    return RECORDS[records.root.lower()] + "s", records.writer.finish()


def xml_kind(kind: TabularKind) -> TabularKind:
    """``kind`` with every header it accepts also written as an XML element name (``Order_Total_inc_tax``)."""
    columns = {c: tuple(dict.fromkeys((*names, *map(element_name, names)))) for c, names in kind.columns.items()}
    return TabularKind(kind.name, tuple(map(element_name, kind.signature)), columns, kind.required, kind.label,
                       kind.table, kind.dates)
