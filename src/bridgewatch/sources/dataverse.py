"""Dataverse Web API ``accounts`` and ``contacts`` pages → staging records (dual-write layer).

A Dataverse row is evidence for two causes (reference §2.7, §4.2): *present but not promoted* (the
row exists, the F&O master has no customer for it; ``_msdyn_company_value`` null is the classic
signature) and *merged* (``merged`` true, ``_masterid_value`` the survivor). The company lookup is
a GUID; with ``Prefer: odata.include-annotations="OData.Community.Display.V1.FormattedValue"`` the
response also carries its label, which is used as the entity (else the ``companies`` option, else
the GUID). ``statecode`` 0 is active, 1 inactive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.d365 import CASES, entity_case
from bridgewatch.sources.mapping import COMMON_OPTIONS, EXTERNAL_ID_OPTIONS, TableMap, VendorReader, unrecognised
from bridgewatch.sources.raw import (
    Envelope,
    JsonLayout,
    Session,
    load_json,
    load_json_files,
    note_files_without,
    unfinished_queries,
)
from bridgewatch.sources.shapes import Field, blank, const, first, flag, js, translate
from bridgewatch.sql import literal

LAYOUT = JsonLayout(envelopes=(Envelope("$.value"),),
                    kinds=(("account", "json_exists(j, '$.accountid')"), ("contact", "json_exists(j, '$.contactid')")),
                    accepts="Dataverse Web API accounts and contacts pages or single records (accountid, contactid)")
PAGES = """SELECT * FROM (
    SELECT COALESCE(NULLIF(regexp_extract(json ->> '$."@odata.context"', '#([A-Za-z_]+)', 1), ''),
                    CASE WHEN json_exists(json, '$.value[0].accountid') THEN 'accounts'
                         WHEN json_exists(json, '$.value[0].contactid') THEN 'contacts' END) AS query,
           CASE WHEN json_type(json, '$.value') = 'ARRAY' THEN json ->> '$."@odata.nextLink"' IS NOT NULL END AS more,
           __file
    FROM __top) WHERE query IS NOT NULL"""
"""Each page's entity set (from ``@odata.context``, else from its first record) and whether it has a next link."""
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
EXPANDED_CONTACTS = "contact_customer_accounts"
"""The account's contacts collection (the relationship whose ``parentcustomerid`` is the account), when expanded."""
STATES = {"0": "active", "1": "inactive"}
UNSELECTED = {
    "statecode": "read as active (an inactive one counts as active)",
    "merged": "read as not merged (a merged one counts as a live record, not as merged / retired)",
    "_msdyn_company_value": "read without a company (no legal entity: not eligible for dual-write)",
}
"""What a record of a page without the field is read as, said on the file as ``dataverse_csv`` says it of a
file without the column."""


class DataverseApiReader(VendorReader):
    """Saved Dataverse Web API responses of accounts and contacts."""

    name = "dataverse_api"
    produces = ("staging_records",)
    kinds = ("account", "contact")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "companies": Option({}, "cdm_company id (GUID) → entity id, when the response has no formatted values."),
        "legal_entity_case": Option("upper", "upper, lower or as_is: how the company is written as the entity.",
                                    choices=tuple(CASES)),
        "external_id_field": Option(None, "Column holding the commerce-side id (e.g. a custom 'new_shopifyid')."),
        **EXTERNAL_ID_OPTIONS,
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        load_json(session, path, LAYOUT)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        load_json_files(session, paths, LAYOUT)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        lift_expanded_contacts(session)
        for entity_set, files in unfinished_queries(session, PAGES).items():
            session.warn(f"Every Dataverse {entity_set} page read has an @odata.nextLink, so the last page is missing; "
                         f"follow the links and add the remaining pages to the source, or its records will be "
                         f"missing from the evidence (customers in Dataverse but not promoted look never created)",
                         files)
        company_names(session, options["companies"])
        for kind in self.kinds:
            for key, read_as in UNSELECTED.items():
                note_files_without(session, [kind], f"$.{key}", f"no {key} field: every {kind} of this export was "
                                                                 f"{read_as}; add {key} to $select")

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        return [_records("account", "accountid", "accountnumber", options),
                _records("contact", "contactid", "msdyn_contactpersonid", options),
                unrecognised("staging_records", "Dataverse account or contact")]


def lift_expanded_contacts(session: Session) -> None:
    """Contacts expanded inside an account (``$expand=primarycontactid``, ``contact_customer_accounts``) are
    contact rows of their own: lift them out as contact records, numbered in their own sequence per file (a
    contact also on a contacts page is then a duplicate, merged)."""
    session.con.execute(f"""
        INSERT INTO __rec
        SELECT a.__file, row_number() OVER (PARTITION BY a.__file ORDER BY a.__row, x.ord), 'contact', x.item
        FROM __rec AS a, unnest(list_concat(
                 CASE WHEN json_exists(a.j, '$.primarycontactid.contactid')
                      THEN [json_extract(a.j, '$.primarycontactid')] ELSE [] END,
                 COALESCE(json_extract(a.j, '$.{EXPANDED_CONTACTS}[*]'), []))) WITH ORDINALITY AS x(item, ord)
        WHERE a.kind = 'account' AND json_exists(x.item, '$.contactid')""")


def company_names(session: Session, companies: Mapping[str, Any]) -> None:
    """The ``companies`` option (cdm_company GUID → entity) as the table ``__dv_names`` the maps join, GUIDs in
    lower case."""
    rows = ", ".join(f"({literal(str(k).lower())}, {literal(str(v))})" for k, v in companies.items())
    session.con.execute("CREATE TEMP TABLE __dv_names (id VARCHAR, name VARCHAR)")
    if rows:
        session.con.execute(f"INSERT INTO __dv_names VALUES {rows}")


def _records(kind: str, id_field: str, account_field: str, options: Mapping[str, Any]) -> TableMap:
    company = "r.j ->> '$._msdyn_company_value'"
    label = f"r.j ->> '$.\"_msdyn_company_value{FORMATTED}\"'"
    entity = entity_case(f"COALESCE({blank(label)}, n.name, {blank(company)})",
                         options["legal_entity_case"])
    state = "CAST(r.j ->> '$.statecode' AS VARCHAR)"
    ext = options["external_id_field"]
    source = f"{{{kind}}} AS r LEFT JOIN __dv_names AS n ON n.id = lower({company})"
    return TableMap("staging_records", source, {
        "system": const("dataverse"),
        "record_id": js(f"$.{id_field}"),
        "record_type": const(kind),
        "legal_entity": Field(entity, "_msdyn_company_value"),
        "account_ref": js(f"$.{account_field}"),
        "email": js("$.emailaddress1"),
        "vat_number": js("$.msdyn_taxexemptnumber") if kind == "account" else const(None),
        "external_id": js(f"$.{ext}") if ext else const(None),
        "state": translate(Field(state, "statecode"), STATES, "statecode"),
        "merged": flag("COALESCE(TRY_CAST(r.j ->> '$.merged' AS BOOLEAN), FALSE)"),
        "master_id": js("$._masterid_value"),
        "created_at": first(js("$.createdon"), js("$.overriddencreatedon")),
    })
