"""Dynamics 365 Finance & Operations: OData ``CustomersV3`` pages (``value`` + ``@odata.nextLink``).

Pull with ``cross-company=true`` so every legal entity is in the pages (reference §2.2); each
record's ``dataAreaId`` is its legal entity, upper-cased by default because OData returns ``usmf``
where users write ``USMF``. A record without ``dataAreaId`` is quarantined unless the source names
its entity: an empty entity would mean "top level", which F&O does not have. ``TaxExemptNumber`` is
the VAT registration number (CustTable.VATNum). ``OnHoldStatus`` ``No``/``Never`` is active,
``All`` blocked, ``Invoice``/``Payment``/``Requisition`` on hold (the enum's value list is
unconfirmed, hence ``status_map``). The standard entity has no created/modified timestamps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.countries import country
from bridgewatch.sources.dates import iso_record_created
from bridgewatch.sources.mapping import (
    COMMON_OPTIONS,
    EXTERNAL_ID_OPTIONS,
    RowCheck,
    TableMap,
    VendorReader,
    unrecognised,
)
from bridgewatch.sources.raw import Envelope, JsonLayout, Session, load_json, load_json_files, note_files_without
from bridgewatch.sources.shapes import Field, const, first, full_name, js, setting, translate
from bridgewatch.sql import literal

ON_HOLD = {"no": "active", "never": "active", "all": "blocked", "invoice": "on_hold", "payment": "on_hold",
           "requisition": "on_hold"}
LAYOUT = JsonLayout(envelopes=(Envelope("$.value"),),
                    kinds=(("customer", "json_exists(j, '$.CustomerAccount')"),),
                    context=("@odata.context", "@odata.nextLink"),
                    accepts="Dynamics 365 F&O OData CustomersV3 pages or single records (CustomerAccount)")
CASES = {"upper": "upper({})", "lower": "lower({})", "as_is": "{}"}


def entity_set(record: str = "r.j") -> str:
    """SQL: the entity set a record's page names in its ``@odata.context`` (``…/$metadata#CustomersV3``; ``''``
    when it names none)."""
    return f"COALESCE(regexp_extract({record} ->> '$.__context.\"@odata.context\"', '#([A-Za-z0-9_]+)', 1), '')"


def of_other_entity(record: str = "r.j") -> str:
    """SQL: the record's page names an entity set that is not a customers one (``CustomersV3``, ``CustomersV2``)."""
    return f"({entity_set(record)} <> '' AND NOT starts_with(lower({entity_set(record)}), 'customers'))"


OTHER_ENTITY_SET = (of_other_entity(), f"'not a customer: a record of the ' || {entity_set()} || ' entity set (its "
                                       f"page''s @odata.context), not of CustomersV3; save CustomersV3 pages'")
"""Pages of another entity whose records name a ``CustomerAccount`` (``FreeTextInvoiceHeaders``, sales orders) are
not customers: read as such, the customer of every invoice would look present in the master."""

OPTIONS: dict[str, Option] = {
    **COMMON_OPTIONS,
    "legal_entity": Option(None, "Entity for pages pulled without dataAreaId (single-company pulls)."),
    "legal_entity_case": Option("upper", "upper, lower or as_is: how dataAreaId is written as the entity.",
                                choices=tuple(CASES)),
    "vat_field": Option("TaxExemptNumber", "Field holding the VAT registration number."),
    "external_id_field": Option(None, "Field holding the commerce-side id (an extension field)."),
    **EXTERNAL_ID_OPTIONS,
    "status_map": Option({}, "OnHoldStatus value → status (active, on_hold, blocked, inactive) overrides."),
    "created_field": Option(None, "Field holding the record's creation time (the standard entity has none; "
                                  "an extension field, ISO-8601; a date alone counts from the next day)."),
}


def entity_case(expr: str, option: str) -> str:
    """Apply the ``legal_entity_case`` option (one of :data:`CASES`, checked with the source's other options, so
    a wrong value is a ``sources.<name>.options.legal_entity_case`` error) to a legal-entity expression."""
    return CASES[option].format(expr)


class D365FoODataReader(VendorReader):
    """Saved ``/data/CustomersV3`` OData responses (one page per file or many)."""

    name = "d365_fo_odata"
    produces = ("erp_customers",)
    kinds = ("customer",)
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        """Warn when every page read has an ``@odata.nextLink``: the query's last page (the one without it)
        is missing. Page files are not assumed to sort in page order (``page10`` sorts before ``page2``)."""
        ends = session.con.execute("SELECT count(*) FILTER (WHERE j ->> '$.__context.\"@odata.nextLink\"' IS NULL), "
                                   f"list(DISTINCT __file) FROM __rec WHERE NOT {of_other_entity('j')} "
                                   "HAVING count(*) > 0").fetchall()
        if ends and not ends[0][0]:
            session.warn("Every CustomersV3 page read has an @odata.nextLink, so the last page is missing; follow "
                         "the links and add the remaining pages to the source, or customers will look missing",
                         ends[0][1])
        note_files_without(session, ["customer"], "$.OnHoldStatus", NO_STATUS.format(
            what="OnHoldStatus field", fix="add OnHoldStatus to $select"), among=f"NOT {of_other_entity('j')}")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        customers = customer_map(options, lambda name: js(f"$.{name}"))
        return [replace(customers, exclude=[OTHER_ENTITY_SET]), unrecognised("erp_customers", "CustomersV3")]


NO_STATUS = ("no {what}: every customer of this export was read as active (one on hold or blocked counts as "
             "active, so a blocked one counts as present); {fix} and export it again")
"""The note on a file whose records do not carry OnHoldStatus (README, *a file read with a default*)."""
MISSING_AREA = "dataAreaId is missing: add it to $select (it is the legal entity) or set the legal_entity option"


def customer_map(options: Mapping[str, Any], get: Callable[[str], Field], missing_area: str = MISSING_AREA) -> TableMap:
    """``CustomersV3`` fields → erp_customers; ``get`` reads a field by its entity name (``CustomerAccount``):
    from the OData record, or from the data management export's column of that name. ``missing_area`` is
    the reason given to a record without a legal entity."""
    statuses = {**ON_HOLD, **{k.lower(): v for k, v in options["status_map"].items()}}
    area = get("dataAreaId")
    ext, created = options["external_id_field"], options["created_field"]
    return TableMap("erp_customers", "{customer} AS r", {
        "system": const("d365_fo"),
        "legal_entity": first(Field(entity_case(area.sql, options["legal_entity_case"]), area.source),
                              setting(options["legal_entity"])),
        "customer_account": get("CustomerAccount"),
        "name": first(get("OrganizationName"), full_name(get("PersonFirstName").sql, get("PersonLastName").sql),
                      get("NameAlias")),
        "vat_number": get(options["vat_field"]),
        "email": get("PrimaryContactEmail"),
        "status": translate(get("OnHoldStatus"), statuses, "OnHoldStatus", default="active",
                            advice="; add it to the status_map option"),
        "external_id": get(ext) if ext else const(None),
        "country": country(first(get("AddressCountryRegionISOCode"), get("AddressCountryRegionId"))),
        "created_at": iso_record_created(get(created)) if created else const(None),
    }, checks=[
        RowCheck(area.source or "dataAreaId", "NULL",
                 f"{area.sql} IS NULL AND {literal(options['legal_entity'])} IS NULL", missing_area),
    ])
