"""Sage Intacct customers: XML API responses (``readByQuery`` / ``readMore`` / ``query``) and the AR
customer list exported as CSV.

XML is parsed in one streaming pass (records are cleared as they are read, so memory and time grow
linearly); a response whose control, authentication or result status is ``failure`` is an error
naming Intacct's ``errorno`` and description. Record elements may be ``<customer>`` (readByQuery)
or ``<CUSTOMER>`` (query); dotted fields (``DISPLAYCONTACT.EMAIL1``) and nested elements both work.

Mapping (reference §1.6-§1.9): ``CUSTOMERID`` is the account, ``MEGAENTITYID`` the owning entity
(empty = top level, visible in every entity), ``STATUS`` active/inactive with ``ONHOLD`` as on
hold. Whether ``TAXID`` holds the VAT number is a tenant convention, hence the ``vat_field``
option. ``MAILADDRESS.COUNTRY`` is a name ("United Kingdom"): it is read to its ISO code, so a bare
VAT number takes the prefix of the record's own country. ``WHENCREATED`` / ``WHENMODIFIED`` are
``MM/DD/YYYY HH:MM:SS`` without a zone in the XML API, read in the source's ``timezone`` (default:
the workspace's); a CSV export writes them in the user's locale, so its day/month order is decided
per file (``date_order``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from bridgewatch.errors import InputError, Problem
from bridgewatch.ingest.pyvalues import table_of
from bridgewatch.model.whitespace import strip
from bridgewatch.sources.base import Option, ReadContext
from bridgewatch.sources.countries import country
from bridgewatch.sources.dates import local_time, record_created
from bridgewatch.sources.mapping import COMMON_OPTIONS, EXTERNAL_ID_OPTIONS, TableMap, VendorReader
from bridgewatch.sources.raw import Session, TabularKind
from bridgewatch.sources.rawcsv import DATE_ORDER_OPTION, load_export, resolve_columns
from bridgewatch.sources.shapes import Field, col, const, first, setting, translate

SYSTEM = const("sage_intacct")
INTACCT_DATES = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y")
"""``MM/DD/YYYY HH:MM:SS`` as the XML API writes it; a list export opened and saved in Excel writes the minutes
only, or a 12-hour clock, as the user's locale shows them (day and month in the order the file proves)."""
FIELDS = ("RECORDNO", "CUSTOMERID", "NAME", "STATUS", "ONHOLD", "TAXID", "DISPLAYCONTACT.EMAIL1",
          "MEGAENTITYID", "WHENCREATED", "WHENMODIFIED", "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE",
          "DISPLAYCONTACT.MAILADDRESS.COUNTRY")
STATUS = {"active": "active", "t": "active", "true": "active", "inactive": "inactive", "f": "inactive",
          "false": "inactive", "active non-posting": "active", "activenonposting": "active"}
"""Intacct status texts (results say active/inactive; string queries T/F; the UI 'Active non-posting')."""

OPTIONS: dict[str, Option] = {
    **COMMON_OPTIONS,
    "vat_field": Option("TAXID", "Field holding the VAT number (TAXID by default; a custom field if your "
                                 "tenant keeps it elsewhere)."),
    "external_id_field": Option(None, "Custom field holding the commerce-side id (e.g. 'SHOPIFY_ID')."),
    **EXTERNAL_ID_OPTIONS,
    "legal_entity": Option(None, "Entity to assign to records that do not carry MEGAENTITYID (an export run "
                                 "inside one entity without the field; \"\" for an export of top-level records "
                                 "only). An empty MEGAENTITYID is a top-level record whatever this says. In a "
                                 "workspace of several entities, an export without the field needs this."),
}

ENTITYLESS = "entityless"
"""Session note key: the files (labels) whose customer records do not carry their entity field at all."""


def refuse_entityless(session: Session, options: Mapping[str, Any], context: ReadContext, field: str,
                      fix: str) -> None:
    """In a workspace of several entities, a customer export without its entity field (``field``) and without the
    ``legal_entity`` option would read every record as top level (present in every entity): a customer whose
    entity's record is missing would count as present. Refuse it, naming the file and both fixes.

    Raises:
        InputError: such a file, in a workspace configuring more than one entity.
    """
    files = sorted(set(session.notes.get(ENTITYLESS, [])))
    if len(context.entities) < 2 or options["legal_entity"] is not None or not files:
        return
    where = f"sources.{context.source}.options.legal_entity" if context.source else "the legal_entity option"
    reason = (f"the customers carry no {field}, and the workspace has several entities "
              f"({', '.join(context.entities)}): read as top-level records (present in every entity), a customer "
              f"whose entity's record is missing would count as present. {fix}, or set {where} to the entity the "
              f"file was exported in (\"\" if it holds top-level customers only)")
    raise InputError(f"{files[0]}: {reason}", [Problem(f, None, field, None, reason) for f in files])


def _fields(options: Mapping[str, Any]) -> tuple[str, ...]:
    extra = [options[k].upper() for k in ("vat_field", "external_id_field") if options.get(k)]
    return tuple(dict.fromkeys((*FIELDS, *extra)))


def customer_map(options: Mapping[str, Any], no_entity: str = "r.\"MEGAENTITYID\" IS NULL") -> TableMap:
    """``CUSTOMER`` fields (XML names; the CSV reader maps its headers onto them) → erp_customers.

    ``no_entity`` is SQL saying the record does not carry ``MEGAENTITYID`` at all (an XML record without the
    element; a CSV file without the column): only then does the ``legal_entity`` option name its entity. An
    empty ``MEGAENTITYID`` is a top-level record, shared by every entity, whatever the option says.
    """
    statuses = {**STATUS, **{str(k).strip().lower(): str(v) for k, v in options.get("status_map", {}).items()}}
    advice = "; add it to the status_map option" if "status_map" in options else ""
    plain = translate(col("STATUS"), statuses, "customer status", default="active", advice=advice)
    on_hold = "lower(trim(r.\"ONHOLD\")) IN ('true', 't', 'yes', '1')"
    entity = entity_or_option(col("MEGAENTITYID"), no_entity, options["legal_entity"])
    ext = options["external_id_field"]
    return TableMap("erp_customers", "{customer} AS r", {
        "system": SYSTEM,
        "legal_entity": entity,
        "customer_account": col("CUSTOMERID"),
        "name": col("NAME"),
        "vat_number": col(options["vat_field"].upper(), options["vat_field"]),
        "email": col("DISPLAYCONTACT.EMAIL1"),
        "status": on_hold_status(plain, on_hold, "STATUS"),
        "external_id": col(ext.upper(), ext) if ext else const(None),
        "country": country(Field(first(col("DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE"),
                                       col("DISPLAYCONTACT.MAILADDRESS.COUNTRY")).sql,
                                 "DISPLAYCONTACT.MAILADDRESS.COUNTRY")),
        "created_at": record_created(col("WHENCREATED"), INTACCT_DATES, example="'03/12/2026 09:14:02'"),
        "modified_at": local_time(col("WHENMODIFIED"), INTACCT_DATES, example="'03/12/2026 09:14:02'"),
    })


def entity_or_option(entity: Field, no_entity: str, option: str | None) -> Field:
    """The record's owning entity (empty = top level); the ``legal_entity`` option's when the record does not
    carry the field (``no_entity``: an export made inside one entity without it)."""
    given = setting(option)
    return Field(f"CASE WHEN {no_entity} THEN {given.sql} ELSE {entity.sql} END", entity.source, entity.hint)


def on_hold_status(plain: Field, on_hold: str, source: str) -> Field:
    """The canonical status: ``on_hold`` when the record is held and its own status is active (also *active
    non-posting*, which is active too), else the status as translated."""
    return Field(f"CASE WHEN {on_hold} AND ({plain.sql}) = 'active' THEN 'on_hold' ELSE {plain.sql} END", source,
                 plain.hint)


NO_STATUS = ("no {what}: every customer of this export was read as active (an inactive one counts as present); "
             "{fix} and export it again")
"""The note on a file whose records do not carry their status (README, *a file read with a default*)."""
LISTTYPE = "__listtype"
"""The ``listtype`` of the ``<data>`` page a record was read from (a column of the XML records, never a field)."""
OTHER_OBJECT = (f"lower(COALESCE(NULLIF(trim(r.{LISTTYPE}), ''), 'customer')) <> 'customer'",
                f"'not a customer: a record of another object (<data listtype=\"' || r.{LISTTYPE} || '\">); only "
                f"the results of queries on CUSTOMER are read'")
"""A response may hold the result of a query on another object (a multi-function request, an ARINVOICE
export saved beside the customers): its records are not customers, even when they carry ``CUSTOMERID``."""


class SageIntacctXmlReader(VendorReader):
    """Saved Intacct XML API responses holding CUSTOMER records."""

    name = "sage_intacct_xml"
    produces = ("erp_customers",)
    kinds = ("customer",)
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        fields = (*_fields(options), LISTTYPE)
        session.declare("customer", fields)
        records, pages = parse_customers(path, fields)
        session.notes.setdefault("pages", []).extend(pages)
        if any(_of_customers(t) for t in records[LISTTYPE]) and all(
                v is None for v, t in zip(records["STATUS"], records[LISTTYPE], strict=True) if _of_customers(t)):
            session.note(path, NO_STATUS.format(what="STATUS field", fix="add STATUS to the query's fields"))
        if any(v is None for v, t in zip(records["MEGAENTITYID"], records[LISTTYPE], strict=True)
               if _of_customers(t)):
            session.notes.setdefault(ENTITYLESS, []).append(str(path))
        data = table_of(records, dict.fromkeys(fields, pa.string()))
        session.add_table("customer", path, data)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("customer", (*_fields(options), LISTTYPE))
        _warn_incomplete(session, [p for p in session.notes.get("pages", []) if _of_customers(p.get("listtype"))])

    def check(self, session: Session, options: Mapping[str, Any], context: ReadContext) -> None:
        refuse_entityless(session, options, context, "MEGAENTITYID field",
                          "Add MEGAENTITYID to the query's fields and export again")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [replace(customer_map(options), exclude=[OTHER_OBJECT])]


def parse_customers(path: Path, fields: tuple[str, ...]) -> tuple[dict[str, list[str | None]], list[dict[str, str]]]:
    """Every record under a ``<data>`` element, as columns of text (absent field = None).

    Returns:
        The columns, and the attributes of each ``<data>`` page (count, numremaining, resultId).

    Raises:
        InputError: the XML is malformed or truncated, Intacct reported a failure, or the document has no
            ``<data>`` element (not a read response: an HTML error page, a saved request).
    """
    out: dict[str, list[str | None]] = {f: [] for f in fields}
    stack: list[str] = []
    pages: list[dict[str, str]] = []
    failed: str | None = None
    root = ""
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                root = root or str(elem.tag)
                stack.append(elem.tag)
                if elem.tag == "data":
                    pages.append(dict(elem.attrib))
                continue
            stack.pop()
            if stack and stack[-1] == "data":
                _append(out, {**flatten(elem), LISTTYPE: pages[-1].get("listtype", "")})
                elem.clear()
            elif elem.tag in ("control", "authentication", "result") and _status(elem) == "failure":
                failed = failed or elem.tag
            if failed and elem.tag in ("result", "operation", "response"):
                _raise_failure(path, failed, elem)
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(f"{path}: not valid XML (line {line}, column {column}: {exc}). "
                         f"The file may be truncated; save the API response again.",
                         [Problem(str(path), line, None, None, "not valid XML")]) from exc
    if not pages:
        raise InputError(f"{path}: not a Sage Intacct API response holding records (no <data> element; the "
                         f"document is <{root}>). Save the response of readByQuery, readMore or query on "
                         f"CUSTOMER (an empty result is a <data count=\"0\"/>).",
                         [Problem(str(path), None, None, root, "no <data> element")])
    return out, [{**p, "file": str(path)} for p in pages]


def flatten(record: ET.Element, prefix: str = "") -> dict[str, str]:
    """A record's fields; nested elements become dotted names (``DISPLAYCONTACT.EMAIL1``)."""
    values: dict[str, str] = {}
    for child in record:
        name = f"{prefix}{child.tag}".upper()
        if len(child):
            values.update(flatten(child, name + "."))
        else:
            values[name] = strip(child.text or "")
    return values


def _of_customers(listtype: str | None) -> bool:
    """A ``<data>`` page of CUSTOMER records (``listtype`` ``customer`` or ``CUSTOMER``; a page saying none)."""
    return (listtype or "customer").strip().lower() == "customer"


def _append(out: dict[str, list[str | None]], values: dict[str, str]) -> None:
    for name in out:
        out[name].append(values.get(name))


def _status(elem: ET.Element) -> str:
    return (elem.findtext("status") or "").strip().lower()


def _raise_failure(path: Path, layer: str, elem: ET.Element) -> None:
    """Intacct said ``failure`` at the control, authentication or function layer: nothing to read."""
    errors = [" ".join(filter(None, [(e.findtext(tag) or "").strip() for tag in ("errorno", "description",
                                                                                 "description2")]))
              for e in elem.iter("error")]
    detail = "; ".join(errors) or "no error detail"
    raise InputError(f"{path}: Intacct reported a failure ({layer}): {detail}. Fix the request and save the "
                     f"response again.", [Problem(str(path), None, layer, detail, "Intacct failure response")])


def _warn_incomplete(session: Session, pages: list[dict[str, str]]) -> None:
    """Warn for each query whose pages read leave customers out: no page reaches ``numremaining="0"``, or the
    pages hold fewer than the query's ``totalcount`` (a ``readMore`` or ``query`` page in the middle is missing).

    ``readByQuery`` / ``readMore`` pages are one query by their ``resultId``; ``query`` pages carry none (they
    page by ``offset``), so they are one query by ``listtype`` and ``totalcount``; other pages (a ``read``, or
    pages saying neither) stand alone.
    """
    by_query: dict[str, list[dict[str, str]]] = {}
    for page in pages:
        total = _number(page.get("totalcount"))
        key = (f"query {page['resultId']}" if page.get("resultId") else
               f"{page.get('listtype', '').upper()} query (totalcount={total})" if total is not None else
               f"query {page['file']}")
        by_query.setdefault(key, []).append(page)
    for name, group in by_query.items():
        left = min(_number(p.get("numremaining")) or 0 for p in group)
        total = _number(group[0].get("totalcount"))
        held = _held(group)
        files = list(dict.fromkeys(p["file"] for p in group))
        how = "readMore" if group[0].get("resultId") else "query at the offsets left out"
        if total is not None and held is not None and total - held > left:
            session.warn(f"Intacct {name}: the pages read hold {held} of its totalcount={total} customers, so a "
                         f"page before its last is missing; fetch the missing pages ({how}) and add those responses "
                         f"to the source, or customers will look missing", files)
        elif left > 0:
            session.warn(f"Intacct {name} stops with numremaining={left} (last file {group[-1]['file']}); "
                         f"fetch the rest with {how} and add those responses to the source", files)


def _number(value: str | None) -> int | None:
    """A page attribute as a whole number; None when absent or not a number."""
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


def _held(group: list[dict[str, str]]) -> int | None:
    """How many of a query's records its pages hold, a page saved twice counted once: ``query`` pages by the
    positions their ``offset`` and ``count`` cover, ``readMore`` pages (each with its own ``numremaining``) by
    their ``count``; None when a page does not say its count."""
    counts = [_number(p.get("count")) for p in group]
    if any(c is None for c in counts):
        return None
    offsets = [_number(p.get("offset")) for p in group]
    if any(o is None for o in offsets):
        return sum({p.get("numremaining"): c or 0 for p, c in zip(group, counts, strict=True)}.values())
    held = end = 0
    for start, stop in sorted((o or 0, (o or 0) + (c or 0)) for o, c in zip(offsets, counts, strict=True)):
        held += max(0, stop - max(start, end))
        end = max(end, stop)
    return held


CSV_KIND = TabularKind("customer", ("Customer ID",), {
    "CUSTOMERID": ("Customer ID", "CUSTOMERID"), "NAME": ("Name", "Customer name", "NAME"),
    "STATUS": ("Status", "STATUS"), "ONHOLD": ("On hold", "ONHOLD"),
    "TAXID": ("Tax ID", "Tax identification number", "TAXID"),
    "DISPLAYCONTACT.EMAIL1": ("Primary email address", "Email address", "Email", "DISPLAYCONTACT.EMAIL1"),
    "MEGAENTITYID": ("Entity", "Entity ID", "Owning entity", "MEGAENTITYID"),
    "WHENCREATED": ("Date created", "Created", "WHENCREATED"), "WHENMODIFIED": ("Date modified", "Modified",
                                                                                  "WHENMODIFIED"),
    "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": ("Country code", "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE"),
    "DISPLAYCONTACT.MAILADDRESS.COUNTRY": ("Country", "DISPLAYCONTACT.MAILADDRESS.COUNTRY"),
}, required=("CUSTOMERID",), label="Intacct customer list export")


class SageIntacctCsvReader(VendorReader):
    """The Accounts Receivable customer list exported to CSV (column labels or field names)."""

    name = "sage_intacct_csv"
    produces = ("erp_customers",)
    kinds = ("customer",)
    options: ClassVar[Mapping[str, Option]] = {
        **OPTIONS,
        "columns": Option({}, "Header overrides: Intacct field name (e.g. 'DISPLAYCONTACT.EMAIL1') → the header "
                              "in your export."),
        "date_order": DATE_ORDER_OPTION,
        "status_map": Option({}, "Status value → status (active, inactive), for a list exported in another language "
                                 "(e.g. {Actif = 'active', Inactif = 'inactive'})."),
    }

    def _kind(self, options: Mapping[str, Any]) -> TabularKind:
        extra = {f: (f,) for f in _fields(options) if f not in CSV_KIND.columns}
        return TabularKind(CSV_KIND.name, CSV_KIND.signature, {**CSV_KIND.columns, **extra}, CSV_KIND.required,
                           CSV_KIND.label, table="erp_customers", dates=True)

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        kind = self._kind(options)
        signature = [options["columns"].get("CUSTOMERID", kind.signature[0])]
        head = load_export(session, path, kind, signature, overrides=options["columns"],
                           date_order=options["date_order"])
        if head is None:
            return
        chosen = resolve_columns(path, kind, head.header, options["columns"])
        if chosen["MEGAENTITYID"] is not None:
            session.notes.setdefault("entity_files", []).append(str(head.label(path)))
        elif str(head.label(path)) not in session.empty:
            session.notes.setdefault(ENTITYLESS, []).append(str(head.label(path)))
        if chosen["STATUS"] is None and str(head.label(path)) not in session.empty:
            session.note(head.label(path), NO_STATUS.format(what="Status column",
                                                            fix="add the Status column to the list view"))

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("customer", list(self._kind(options).columns))
        files = session.notes.get("entity_files", [])
        session.con.execute("CREATE TEMP TABLE __intacct_entity_files AS SELECT unnest(?::VARCHAR[]) AS file", [files])

    def check(self, session: Session, options: Mapping[str, Any], context: ReadContext) -> None:
        refuse_entityless(session, options, context, "Entity column (MEGAENTITYID)",
                          "Add the Entity column to the list view and export again")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [customer_map(options, "r.__file NOT IN (SELECT file FROM __intacct_entity_files)")]
