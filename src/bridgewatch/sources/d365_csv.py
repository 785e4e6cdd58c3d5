"""Dynamics 365 Finance & Operations: the *Customers V3* entity exported as CSV by Data management.

An export project of the Data management workspace writes one CSV per entity (in a package ZIP
with its manifest: the CSV is the file to give). Its headers are the entity's field names in upper
case (``CUSTOMERACCOUNT``, ``ORGANIZATIONNAME``, ``TAXEXEMPTNUMBER``, ...); headers are matched
without regard to case, so a file whose headers are the OData names (``CustomerAccount``) reads the
same. Each column is mapped exactly as the OData reader maps the field of the same name
(``bridgewatch.sources.d365.customer_map``), so both routes give the same rows. The legal entity
is the ``DATAAREAID`` column when the export has one, else the ``legal_entity`` option (an export
project runs in one company); a row with neither is quarantined, as an OData record without
``dataAreaId`` is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.d365 import OPTIONS, customer_map
from bridgewatch.sources.mapping import TableMap, VendorReader
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import load_csv, match_kind, read_head
from bridgewatch.sources.shapes import Field, col

FIELDS = ("CustomerAccount", "dataAreaId", "OrganizationName", "PersonFirstName", "PersonLastName", "NameAlias",
          "PrimaryContactEmail", "TaxExemptNumber", "AddressCountryRegionISOCode", "AddressCountryRegionId",
          "OnHoldStatus")
"""The Customers V3 fields read (entity names; the export's headers are these in upper case)."""
MISSING_AREA = "DATAAREAID is missing: export it (it is the legal entity) or set the legal_entity option"


class D365FoCsvReader(VendorReader):
    """A Data management export of the Customers V3 entity (CSV, upper-case field names as headers)."""

    name = "d365_fo_csv"
    produces = ("erp_customers",)
    kinds = ("customer",)
    options: ClassVar[Mapping[str, Option]] = {
        **OPTIONS,
        "legal_entity": Option(None, "Entity for exports without a DATAAREAID column (an export project runs in "
                                     "one company)."),
        "columns": Option({}, "Header overrides: Customers V3 field name (e.g. 'PrimaryContactEmail') → the "
                              "header in your export."),
    }

    def kind(self, options: Mapping[str, Any]) -> TabularKind:
        """The export's columns: the fields read, and those the options name."""
        extra = [options[k] for k in ("vat_field", "external_id_field", "created_field") if options.get(k)]
        names: dict[str, str] = {}
        for n in (*FIELDS, *extra):
            names.setdefault(n.lower(), n)
        columns = {n: (n.upper(),) for n in names.values()}
        return TabularKind("customer", ("CUSTOMERACCOUNT",), columns, required=("CustomerAccount",),
                           label="Customers V3 data management export", table="erp_customers")

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        head = read_head(session, path, "erp_customers")
        if head is None:
            return
        kind = self.kind(options)
        signature = (options["columns"].get("CustomerAccount", kind.signature[0]),)
        match_kind(path, head, [TabularKind(kind.name, signature, kind.columns, label=kind.label)])
        load_csv(session, path, kind, head, overrides=options["columns"])

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("customer", list(self.kind(options).columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        columns = self.kind(options).columns
        names = {n.lower(): n for n in columns}
        return [customer_map(options, lambda name: _column(names, name), MISSING_AREA)]


def _column(names: Mapping[str, str], name: str) -> Field:
    """The column holding entity field ``name`` (any case), labelled with the export's upper-case header."""
    own = names[name.lower()]
    return col(own, own.upper())
