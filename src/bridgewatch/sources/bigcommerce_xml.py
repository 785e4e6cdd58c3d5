"""BigCommerce control-panel exports saved as XML (Orders → Export / Customers → Export, "XML").

The XML export writes the template's columns as elements: ``<orders>`` holds one ``<order>`` per
order (``<customers>`` / ``<customer>``), each column an element named after its header with white
space as ``_`` and punctuation dropped (``Order Total (inc tax)`` → ``<Order_Total_inc_tax>``), its
value in CDATA; a column holding a list (an order's products, a customer's addresses) holds one
``<item>`` per entry. Names are matched without regard to case.

Each record becomes a row under the CSV header it stands for, so the CSV reader's columns, options
and mapping read it (``bigcommerce_csv`` reads both). A list column gives its first ``<item>``'s
fields (a customer's first address: ``Address_Country``) where the record has no field of that name.
"""

from __future__ import annotations

from pathlib import Path

from bridgewatch.errors import InputError, Problem
from bridgewatch.sources.raw import TabularKind
from bridgewatch.sources.xmlfile import Sheet, Target, Unexpected, element_name, html_hint, local, parse_xml

RECORDS = {"orders": "order", "customers": "customer"}
"""Root element → record element (lower case)."""


class _Records(Target):
    """Collects the records under the root: depth 1 is the root, 2 a record, 3 its fields, 5 an item's fields."""

    def __init__(self) -> None:
        self.root = ""
        self.depth = 0
        self.sheet = Sheet()
        self.columns: dict[str, int] = {}
        self.record: dict[str, str] = {}
        self.text: list[str] = []
        self.items = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        name = local(tag)
        if self.depth == 1:
            self.root = name
            if name.lower() not in RECORDS:
                raise Unexpected(name)
        elif self.depth == 2 and name.lower() != RECORDS[self.root.lower()]:
            raise Unexpected(f"{self.root}><{name}")
        elif self.depth == 4:
            self.items += 1
        self.text = []

    def data(self, text: str) -> None:
        self.text.append(text)

    def end(self, tag: str) -> None:
        if self.depth == 2:
            self._row()
        elif self.depth == 3:
            if not self.items:  # a list column holds its <item>s, not a value
                self._field(local(tag), "".join(self.text))
            self.items = 0
        elif self.depth == 5 and self.items == 1 and local(tag).lower() not in self.record:
            self._field(local(tag), "".join(self.text))
        self.text = []
        self.depth -= 1

    def _field(self, name: str, value: str) -> None:
        key = name.lower()
        if key not in self.columns:
            self.columns[key] = len(self.sheet.header)
            self.sheet.header.append(name)
        self.record[key] = value

    def _row(self) -> None:
        row = [""] * len(self.sheet.header)
        for key, value in self.record.items():
            row[self.columns[key]] = value
        self.sheet.rows.append(row)
        self.sheet.numbers.append(len(self.sheet.rows))
        self.record = {}


def read_export(path: Path) -> tuple[str, Sheet]:
    """The records of a control-panel XML export: its kind (``orders`` / ``customers``) and its rows.

    Raises:
        InputError: malformed XML (file and line), or a document that is not a BigCommerce orders or
            customers XML export (an HTML error page, another vendor's XML): never read as zero rows.
    """
    target = _Records()
    try:
        parse_xml(path, target)
    except Unexpected as exc:
        raise InputError(f"{path}: not a BigCommerce control-panel XML export: it holds <{exc}> where an export has "
                         f"<orders> of <order> or <customers> of <customer> elements{html_hint(str(exc))}. "
                         f"Export again from Orders → Export or Customers → Export, choosing XML.",
                         [Problem(str(path), None, None, str(exc), "not a BigCommerce XML export")]) from exc
    return RECORDS[target.root.lower()] + "s", target.sheet


def xml_kind(kind: TabularKind) -> TabularKind:
    """``kind`` with every header it accepts also written as an XML element name (``Order_Total_inc_tax``)."""
    columns = {c: tuple(dict.fromkeys((*names, *map(element_name, names)))) for c, names in kind.columns.items()}
    return TabularKind(kind.name, tuple(map(element_name, kind.signature)), columns, kind.required, kind.label,
                       kind.table, kind.dates)
