"""Dynamics 365 Finance & Operations: the *Customers V3* entity exported as CSV, Excel or XML by Data management.

An export project of the Data management workspace writes one data file per entity (CSV, an Excel
workbook of one sheet, or an XML file in the XML-Element or XML-Attribute layout, by the project's
target data format; ``d365_xml`` reads the XML), in a *data package*: a ZIP holding the package's
``Manifest.xml`` and ``PackageHeader.xml`` and the entities' data files (the package API's
``GetExportedPackageUrl`` gives the same ZIP). Either the package as downloaded or the entity's file
taken out of it is read, its format told by its content: in a package, the CSV, .xlsx and XML members
with the Customers V3 columns (an XML file: its ``CUSTCUSTOMERV3ENTITY`` records, or records writing
``CUSTOMERACCOUNT``) are read (each named ``<package>.zip/<member>`` in rows, quarantine and accounting;
a workbook's ``<member>[<sheet>]``), and the files of other entities are accounted as not read. Its
headers (an XML file's field names) are the entity's field names in upper
case (``CUSTOMERACCOUNT``, ``ORGANIZATIONNAME``, ``TAXEXEMPTNUMBER``, ...); headers are matched
without regard to case, so a file whose headers are the OData names (``CustomerAccount``) reads the
same. Each column is mapped exactly as the OData reader maps the field of the same name
(``bridgewatch.sources.d365.customer_map``), so both routes give the same rows. The legal entity
is the ``DATAAREAID`` column when the export has one, else the ``legal_entity`` option (an export
project runs in one company); a row with neither is quarantined, as an OData record without
``dataAreaId`` is.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.errors import InputError
from bridgewatch.ingest.csvfile import is_blank
from bridgewatch.ingest.workbook import is_workbook
from bridgewatch.sources.base import Option
from bridgewatch.sources.d365 import NO_STATUS, OPTIONS, customer_map
from bridgewatch.sources.d365_xml import RECORD as RECORD_NAME
from bridgewatch.sources.d365_xml import read_entity
from bridgewatch.sources.mapping import TableMap, VendorReader
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import load_csv, match_kind, read_head
from bridgewatch.sources.shapes import Field, col
from bridgewatch.sources.xmlfile import is_xml, load_sheet

FIELDS = ("CustomerAccount", "dataAreaId", "OrganizationName", "PersonFirstName", "PersonLastName", "NameAlias",
          "PrimaryContactEmail", "TaxExemptNumber", "AddressCountryRegionISOCode", "AddressCountryRegionId",
          "OnHoldStatus")
"""The Customers V3 fields read (entity names; the export's headers are these in upper case)."""
MISSING_AREA = "DATAAREAID is missing: export it (it is the legal entity) or set the legal_entity option"
PACKAGE_FILES = ("manifest.xml", "packageheader.xml")
"""A data package's own description files (lower case), beside its entities' data files: not data, not read."""
DATA_FILES = (".csv", ".xlsx", ".xml")
"""The entity data files read from a package (the target data formats CSV, Excel and XML), by their name's ending."""
OTHER_ENTITY = "another entity of the data package (its header has no {column} column), not read"
OTHER_XML_ENTITY = "another entity of the data package (its <{record}> records have no {column} field), not read"
NO_XML_RECORD = "the XML entity file holds no record"


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
        if _is_zip(path) and not is_workbook(path):
            self._load_package(session, path, options)
            return
        if not is_blank(path) and is_xml(path):
            if not self._load_xml(session, path, path, options):
                column = self._exported(options).signature[0]
                raise InputError(f"{path}: not a Customers V3 data management XML file: its records are not "
                                 f"<{RECORD_NAME}> and write no {column} field. Export the Customers V3 entity "
                                 f"(XML-Element, XML-Attribute or CSV), or check the source's path.")
            return
        head = read_head(session, path, "erp_customers", kinds=[self._exported(options)])
        if head is not None:
            match_kind(path, head, [self._exported(options)])
            load_csv(session, path, self.kind(options), head, overrides=options["columns"])
            _note_status(session, head.label(path), head.header, options)

    def _exported(self, options: Mapping[str, Any]) -> TabularKind:
        """The kind a file is recognised by: its header has the customer account column (or its override)."""
        kind = self.kind(options)
        signature = (options["columns"].get("CustomerAccount", kind.signature[0]),)
        return TabularKind(kind.name, signature, kind.columns, label=kind.label)

    def _load_package(self, session: Session, package: Path, options: Mapping[str, Any]) -> None:
        """Read the Customers V3 CSV or Excel member(s) of a data package ZIP (see the module's description)."""
        exported, read = self._exported(options), 0
        for member, copy in _members(session, package):
            label = package / member.lstrip("/")  # a member named from the root is still inside the package
            if not is_blank(copy) and is_xml(copy):
                read += self._load_xml(session, label, copy, options)
                continue
            head = read_head(session, label, "erp_customers", copy=copy, kinds=[exported])
            if head is None:  # an empty member is accounted as empty, as an empty CSV given alone is
                read += 1
                continue
            try:
                match_kind(label, head, [exported])
            except InputError:  # the data file of another entity exported in the same package
                session.add_empty(head.label(label), OTHER_ENTITY.format(column=exported.signature[0]),
                                  "erp_customers")
                continue
            load_csv(session, label, self.kind(options), head, overrides=options["columns"], copy=copy)
            _note_status(session, head.label(label), head.header, options)
            read += 1
        if not read:
            raise InputError(f"{package}: this data package holds no Customers V3 data file (no CSV or Excel member "
                             f"whose header has {exported.signature[0]}), nor an XML member of {RECORD_NAME} "
                             f"records. Add the Customers V3 entity to the export project (target data format CSV, "
                             f"Excel, XML-Element or XML-Attribute), or give the entity's file itself.")

    def _load_xml(self, session: Session, label: Path, source: Path, options: Mapping[str, Any]) -> bool:
        """Read an XML entity file (``source``, named ``label``) when it holds Customers V3 records; True when
        read or accounted as empty, False when it is another entity's (then accounted as not read)."""
        column = self._exported(options).signature[0]
        entity = read_entity(session, source, label=label, field=column)
        if not entity.record:
            session.add_empty(label, NO_XML_RECORD, "erp_customers")
            return True
        if not entity.holds(column):
            session.add_empty(label, OTHER_XML_ENTITY.format(record=entity.record, column=column), "erp_customers")
            return False
        load_sheet(session, label, self.kind(options), entity.sheet, overrides=options["columns"])
        _note_status(session, label, entity.sheet.header, options)
        return True

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("customer", list(self.kind(options).columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        columns = self.kind(options).columns
        names = {n.lower(): n for n in columns}
        return [customer_map(options, lambda name: _column(names, name), MISSING_AREA)]


def _note_status(session: Session, label: Path, header: Sequence[str], options: Mapping[str, Any]) -> None:
    """Note on a file with records whose header has no ONHOLDSTATUS column that each customer was read as active."""
    wanted = options["columns"].get("OnHoldStatus", "ONHOLDSTATUS").strip().lower()
    if str(label) not in session.empty and wanted not in (h.strip().lower() for h in header):
        column = options["columns"].get("OnHoldStatus", "ONHOLDSTATUS")
        session.note(label, NO_STATUS.format(what=f"{column} column", fix=f"add {column} to the export's fields"))


def _is_zip(path: Path) -> bool:
    """A ZIP by its directory, or by its first bytes (a package cut short has lost its directory)."""
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04" or zipfile.is_zipfile(path)


def _members(session: Session, package: Path) -> list[tuple[str, Path]]:
    """Each data file of the package ZIP (its name inside the ZIP, and a copy of its bytes in the session's
    scratch folder), in the ZIP's order; the package's description files and folders left out.

    Raises:
        InputError: the ZIP cannot be read, or holds an entity file that is neither CSV, Excel nor XML.
    """
    out = []
    try:
        with zipfile.ZipFile(package) as zf:
            for info in zf.infolist():
                name = info.filename
                base = name.rsplit("/", 1)[-1]
                if info.is_dir() or base.lower() in PACKAGE_FILES:
                    continue
                suffix = next((s for s in DATA_FILES if base.lower().endswith(s)), None)
                if suffix is None:
                    raise InputError(f"{package}: the data package holds {name!r}, an entity file that is neither "
                                     f"CSV, Excel nor XML, which this reader cannot read. Export the project with "
                                     f"CSV, Excel or XML as its target data format, or give the Customers V3 file "
                                     f"itself.")
                copy = session.scratch() / f"{session.fresh('pkg')}{suffix}"  # never a path taken from the ZIP
                with zf.open(info) as src, copy.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                out.append((name, copy))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        raise InputError(f"{package}: cannot be read as a data package ZIP ({exc}). Download the package "
                         f"again, or give the Customers V3 CSV taken out of it.") from exc
    return out


def _column(names: Mapping[str, str], name: str) -> Field:
    """The column holding entity field ``name`` (any case), labelled with the export's upper-case header."""
    own = names[name.lower()]
    return col(own, own.upper())
