"""Sage Intacct customers from the REST API: ``GET /objects/accounts-receivable/customer/{key}`` and
``POST /services/core/query`` (or list) responses saved as JSON.

A response keeps its records under ``ia::result``: one object for a GET, an array for a query or list,
with ``ia::meta`` (``totalCount``, ``start``, ``pageSize``, ``next``, ``previous``) beside it. A GET
returns nested objects (``contacts.default.email1`` is ``{"contacts": {"default": {"email1": …}}}``);
a query returns the fields it was asked for under their dotted names as flat keys
(``"contacts.default.email1": …``). Both are read. A failed request (``ia::error``, under
``ia::result`` or at the top) is refused naming Intacct's code and message, as the XML reader refuses a
``failure`` response.

The mapping is the XML reader's (``bridgewatch.sources.intacct``) under the REST names: ``id`` is
``CUSTOMERID``, ``entity.id`` ``MEGAENTITYID`` (empty = top level), ``status`` active /
activeNonPosting / inactive with ``isOnHold`` as on hold, ``taxId`` the VAT number unless ``vat_field``
names another field, ``contacts.default.mailingAddress.country`` a country name. ``audit.createdDateTime``
and ``audit.modifiedDateTime`` are ISO-8601 in UTC (``2023-12-14T11:31:06Z``); a value without an
offset is read in the source's ``timezone``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.errors import InputError, Problem
from bridgewatch.sources.base import Option, ReadContext
from bridgewatch.sources.countries import country
from bridgewatch.sources.intacct import (
    ENTITYLESS,
    NO_STATUS,
    STATUS,
    entity_or_option,
    on_hold_status,
    refuse_entityless,
)
from bridgewatch.sources.mapping import COMMON_OPTIONS, EXTERNAL_ID_OPTIONS, TableMap, VendorReader, unrecognised
from bridgewatch.sources.raw import Envelope, JsonLayout, Session, load_json_files, note_files_without, pages_read
from bridgewatch.sources.shapes import Field, const, js, timestamp, translate

RESULT = '$."ia::result"'
ERROR = "json_exists(j, '$.\"ia::error\"')"
LAYOUT = JsonLayout(envelopes=(Envelope(RESULT), Envelope(RESULT, single=True)),
                    kinds=(("error", ERROR), ("customer", "json_exists(j, '$.id')")),
                    accepts="Sage Intacct REST responses holding customers ({\"ia::result\": …} of GET "
                            "/objects/accounts-receivable/customer/{key} or POST /services/core/query)")
REFERENCE = ("NOT json_exists(r.j, '$.name') AND NOT json_exists(r.j, '$.status')",
             "'a reference (key, id, href) without the customer''s fields: save a query response that selects "
             "them instead'")
"""A list response (``GET /objects/accounts-receivable/customer``) names customers without their fields."""
HREF = "r.j ->> '$.href'"
OTHER_OBJECT = (f"{HREF} IS NOT NULL AND NOT contains(lower({HREF}), '/accounts-receivable/customer/')",
                f"'not a customer: a record of another object (its href names ' || regexp_replace({HREF}, "
                f"'/[^/]*$', '') || '); only accounts-receivable/customer records are read'")
"""A vendor (``/objects/accounts-payable/vendor/…``) has the customer's shape (``id``, ``name``, ``status``,
``taxId``): when its ``href`` says what it is, it is not read as a customer."""

NO_ENTITY = "NOT json_exists(r.j, '$.entity') AND NOT json_exists(r.j, '$.\"entity.id\"')"
"""The record carries no entity id (a query that did not select ``entity.id``): ``entity.id`` null, or a GET's
``entity`` object without an id, is a top-level record."""
OPTIONS: dict[str, Option] = {
    **COMMON_OPTIONS,
    "vat_field": Option("taxId", "Field holding the VAT number (taxId by default; a dotted name such as "
                                 "'contacts.default.internationalTaxId' or a custom field if your tenant keeps "
                                 "it elsewhere)."),
    "external_id_field": Option(None, "Custom field holding the commerce-side id (e.g. 'SHOPIFY_ID').", kind=str),
    **EXTERNAL_ID_OPTIONS,
    "legal_entity": Option(None, "Entity to assign to records that do not carry entity.id (a query run inside "
                                 "one entity that did not select it). An empty or null entity.id is a top-level "
                                 "record whatever this says.", kind=str),
}


def field(name: str) -> Field:
    """A REST field by its dotted name, nested (GET) or flat (query): ``contacts.default.email1``."""
    return js(f"$.{name}", f'$."{name}"') if "." in name else js(f"$.{name}")


def customer_map(options: Mapping[str, Any]) -> TableMap:
    """REST customer fields → erp_customers, as the XML reader maps the same CUSTOMER fields."""
    plain = translate(field("status"), STATUS, "customer status", default="active")
    on_hold = f"lower({field('isOnHold').sql}) IN ('true', 't', 'yes', '1')"
    ext = options["external_id_field"]
    return TableMap("erp_customers", "{customer} AS r", {
        "system": const("sage_intacct"),
        "legal_entity": entity_or_option(field("entity.id"), NO_ENTITY, options["legal_entity"]),
        "customer_account": field("id"),
        "name": field("name"),
        "vat_number": field(options["vat_field"]),
        "email": field("contacts.default.email1"),
        "status": on_hold_status(plain, on_hold, "status"),
        "external_id": field(ext) if ext else const(None),
        "country": country(field("contacts.default.mailingAddress.country")),
        "created_at": timestamp(field("audit.createdDateTime")),
        "modified_at": timestamp(field("audit.modifiedDateTime")),
    }, exclude=[OTHER_OBJECT, REFERENCE])


class SageIntacctRestReader(VendorReader):
    """Saved Intacct REST API responses holding customer objects (GET, query or list)."""

    name = "sage_intacct_rest"
    produces = ("erp_customers",)
    kinds = ("customer",)
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        self.load_all(session, [path], options)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)
        refuse_errors(session)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        warn_incomplete(session)
        note_files_without(session, ["customer"], "$.status", NO_STATUS.format(
            what="status field", fix="add status to the query's fields"), among="json_exists(j, '$.name')")
        files = session.con.execute(f"SELECT DISTINCT __file FROM __rec AS r WHERE kind = 'customer' "
                                    f"AND NOT ({REFERENCE[0]}) AND {NO_ENTITY} ORDER BY 1").fetchall()
        session.notes.setdefault(ENTITYLESS, []).extend(str(f) for (f,) in files)

    def check(self, session: Session, options: Mapping[str, Any], context: ReadContext) -> None:
        refuse_entityless(session, options, context, "entity.id field",
                          "Add entity.id to the query's fields and export again")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [customer_map(options), unrecognised("erp_customers", "Sage Intacct REST customer")]


def refuse_errors(session: Session) -> None:
    """A saved ``ia::error`` response holds no customers: stop, naming Intacct's code and message.

    Raises:
        InputError: a file holds an ``ia::error`` (the whole response, or one operation of a multi-status one).
    """
    row = session.con.execute("""
        SELECT __file, concat_ws(' ', j ->> '$."ia::error".code', j ->> '$."ia::error".errorId',
                                 j ->> '$."ia::error".message', j ->> '$."ia::error".details[0].message')
        FROM __rec WHERE kind = 'error' ORDER BY __file, __row LIMIT 1""").fetchone()
    if row:
        detail = str(row[1] or "no error detail")
        raise InputError(f"{row[0]}: Intacct reported an error (ia::error): {detail}. Fix the request and save "
                         f"the response again.", [Problem(str(row[0]), None, "ia::error", detail,
                                                          "Intacct error response")])


def warn_incomplete(session: Session) -> None:
    """Warn when pages of a query say more customers exist (``ia::meta.totalCount``) than were read.

    Pages carry no query id, so pages are grouped by their ``totalCount``: a group holding fewer records
    than that count is missing pages (a single GET says 1 and holds 1). A page saved twice (the same
    ``ia::meta.start``) is counted once, so it cannot stand in for a missing one.
    """
    if not pages_read(session):
        return  # every file was empty
    short = session.con.execute("""
        SELECT total, sum(records), flatten(list(files)) FROM (
            SELECT total, max(records) AS records, list(__file) AS files FROM (
                SELECT __file, TRY_CAST(json ->> '$."ia::meta".totalCount' AS BIGINT) AS total,
                       COALESCE(json ->> '$."ia::meta".start', __file) AS start,
                       CASE json_type(json, '$."ia::result"')
                            WHEN 'ARRAY' THEN json_array_length(json, '$."ia::result"')
                            WHEN 'OBJECT' THEN 1 ELSE 0 END AS records
                FROM __top WHERE __env IS NOT NULL)
            WHERE total IS NOT NULL GROUP BY total, start)
        GROUP BY total HAVING sum(records) < total ORDER BY total""").fetchall()
    for total, read, files in short:
        session.warn(f"Intacct REST pages say totalCount={total} but hold {read} customers; fetch the remaining "
                     f"pages (start = ia::meta.next) and add them to the source, or customers will look missing",
                     sorted({str(f) for f in files}))
