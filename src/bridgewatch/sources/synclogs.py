"""Integration logs → sync events: why a commerce customer is missing from the ERP.

Three readers:

* ``sync_log`` — the connector log format bridgewatch documents (``docs/sources/sync_log.md``) for
  the Sage-side connector (or any integration that can write a CSV / JSON log): one event per row.
* ``power_automate_flowruns`` — Power Automate run history: Dataverse ``flowruns`` rows (Web API
  JSON or CSV with the logical column names) or Flow management API run objects. A run names its
  commerce customer only where the flow wrote it: a column (``customer_ref_field``) or the error
  message (``customer_ref_pattern``); runs naming none are excluded, counted. ``reason_pattern``
  keeps only the reason part of the message (``Create account failed for customer 1042: <reason>``).
* ``business_central_connector_log`` — Business Central Shopify connector *Skipped Records* page
  exported to CSV: each skipped customer or company is a ``skipped`` event with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from bridgewatch.sources.base import Option
from bridgewatch.sources.dates import local_time
from bridgewatch.sources.mapping import COMMON_OPTIONS, TableMap, VendorReader
from bridgewatch.sources.raw import Envelope, JsonLayout, Session, TabularKind, load_json_files, unfinished_queries
from bridgewatch.sources.rawcsv import DATE_ORDER_OPTION, load_csv, read_head, resolve_columns
from bridgewatch.sources.shapes import (
    Field,
    Rule,
    blank,
    case_map,
    col,
    const,
    derive,
    first,
    jpath,
    js,
    lookup_sql,
    setting,
    timestamp,
    translate,
)
from bridgewatch.sql import literal

OUTCOMES = {
    "succeeded": "succeeded", "success": "succeeded", "ok": "succeeded", "created": "succeeded",
    "updated": "succeeded", "completed": "succeeded",
    "failed": "failed", "failure": "failed", "error": "failed", "rejected": "failed", "timedout": "failed",
    "faulted": "failed", "aborted": "failed",
    "skipped": "skipped", "ignored": "skipped", "cancelled": "skipped", "canceled": "skipped",
    "pending": "pending", "queued": "pending", "retrying": "pending", "running": "pending", "waiting": "pending",
    "in_progress": "pending", "paused": "pending", "suspended": "pending",
}
"""Status words of logs → canonical outcome (compared lower-case). A Power Automate run's status is one of the
workflow run statuses (Succeeded, Failed, Faulted, TimedOut, Aborted, Cancelled, Skipped, Ignored, Running,
Waiting, Paused, Suspended): a run that ended without creating the record (Faulted, Aborted: stopped before it
finished, as TimedOut) is a failure, one not yet finished (Suspended) pending."""
OPERATIONS = {"create": "create", "insert": "create", "add": "create", "update": "update", "upsert": "update",
              "modify": "update", "promote": "promote", "delete": "delete", "remove": "delete", "other": "other"}
JSON_EXTENSIONS = (".json", ".jsonl", ".ndjson")
PLATFORMS = {"shopify": "shopify", "shopifyplus": "shopify", "bigcommerce": "bigcommerce",
             "adobecommerce": "adobe_commerce", "adobe": "adobe_commerce", "magento": "adobe_commerce",
             "magentocommerce": "adobe_commerce", "magentoopensource": "adobe_commerce"}
"""A log's platform as people write it, by its letters in lower case (``Adobe Commerce``, ``adobe_commerce``,
``Magento 2``, ``Big Commerce``, ``Shopify Plus``) → the platform; another value is passed on (and quarantined)."""


def platform(field: Field) -> Field:
    """The platform an event names (:data:`PLATFORMS`), else the value as written, for the canonical check."""
    letters = f"regexp_replace(lower({field.sql}), '[^a-z]', '', 'g')"
    return Field(f"COALESCE({lookup_sql(letters, PLATFORMS)}, {field.sql})", field.source, field.hint)


def load_mixed(session: Session, paths: Sequence[Path], layout: JsonLayout,
               load_csv_file: Callable[[Path], None]) -> None:
    """JSON files (by extension) in one scan, the others as CSV, accounted in path order."""
    load_json_files(session, [p for p in paths if p.suffix.lower() in JSON_EXTENSIONS], layout)
    for path in paths:
        if path.suffix.lower() not in JSON_EXTENSIONS:
            load_csv_file(path)
    order = {str(p): i for i, p in enumerate(paths)}
    session.files.sort(key=lambda f: order.get(f, len(order)))


def _outcomes(options: Mapping[str, Any]) -> dict[str, str]:
    return {**OUTCOMES, **{k.lower(): v for k, v in options.get("outcomes", {}).items()}}


# -- sync_log ------------------------------------------------------------------------------------

LOG_FIELDS: dict[str, tuple[str, ...]] = {
    "occurred_at": ("occurred_at", "timestamp", "time", "date"),
    "customer_ref": ("customer_ref", "customer_id", "commerce_id", "company_id", "customer_email", "email"),
    "outcome": ("outcome", "status", "result"),
    "operation": ("operation", "action"),
    "rejection_reason": ("rejection_reason", "error", "error_message", "message"),
    "platform": ("platform",),
    "event_id": ("event_id", "id", "log_id"),
    "legal_entity": ("legal_entity", "entity", "entity_id"),
    "erp_account": ("erp_account", "customer_account", "erp_customer_id"),
}
LOG_CSV = TabularKind("log", ("occurred_at",), LOG_FIELDS, required=("occurred_at", "customer_ref", "outcome"),
                      label="sync log", table="sync_events")
LOG_JSON = JsonLayout(envelopes=(Envelope("$.events"), Envelope("$.value")), kinds=(("log_json", "TRUE"),),
                      accepts="sync events as a JSON array, JSON lines, or an object with events / value")


WHOLE_NUMBER = r"^([0-9]+)\.0+$"
"""A whole number written with a decimal part of zeros: ``7210448301122.0`` (a float column written by pandas,
a JSON number written as a float), the id a workbook's number cell and the other routes give as
``7210448301122``."""
SHOPIFY_GID = r"^gid://shopify/[A-Za-z]+/([0-9]+)$"
"""A Shopify GraphQL id (``gid://shopify/Customer/42``, ``gid://shopify/Company/7``): its number is the id the
Shopify readers key customers and companies by (``legacyResourceId``)."""
SCIENTIFIC = r"[0-9]+(\.[0-9]+)?[eE][+]?[0-9]+"
"""A number in scientific notation: ``7.21045E+12``, as Excel's General format shows an id of 12 digits or
more and writes it into a CSV it saves: the digits past the sixth are gone."""
SCIENTIFIC_REF = ("a number in scientific notation, as a spreadsheet writes a long id it shows in General "
                  "format: the id's last digits are lost, so it cannot name one customer; format the column as "
                  "text (or as a number without decimals) and export the log again")
EXACT_FLOATS = 2 ** 53
"""Whole numbers below 2^53 are exact as floats; from it on, ``9007199254740993`` is held as ``…992``, so a float
written ``9007199254740992.0`` may be another id rounded."""
ROUNDED_REF = ("a whole number written as a float, from 9007199254740992 (2^53) on, where floats round: the "
               "id's last digits may have been rounded, so it cannot name one customer for sure; write the id as "
               "text and export the log again")


def whole_number(field: Field) -> Field:
    """A whole number written as a float (``1001.0``) as the other routes write it (``1001``); anything else as
    given. An event id so normalised is one key however the log was exported, so a repeated event merges."""
    return derive(field, f"regexp_replace({{0}}, {literal(WHOLE_NUMBER)}, '\\1')")


def customer_ref(field: Field) -> Field:
    """The commerce customer an event names, written as the customer readers key customers: without the
    spreadsheet-safe leading ``'`` (Shopify's CSV exports write ids ``'7210448301122``; its customers reader
    strips it), a Shopify GID as its number (``gid://shopify/Customer/7210448301122``, as integrations built on
    Shopify's GraphQL API log it; the Shopify readers key customers and companies by that number), a whole
    number without a ``.0`` (as a workbook's number cell reads), an email lower-cased (customers keyed by their
    email: Adobe Commerce CSV, old Shopify exports, email_as_customer_id).

    A number in scientific notation (``7.21045E+12``) has lost digits, and a float from 2^53 on may have been
    rounded: either could name another customer, so it is quarantined with the reason, never linked."""
    unquoted = derive(field, f"NULLIF(regexp_replace(regexp_replace({{0}}, '^''', ''), {literal(SHOPIFY_GID)}, "
                             "'\\1'), '')")
    whole = whole_number(unquoted)
    ref = derive(whole, "CASE WHEN contains({0}, '@') THEN lower({0}) ELSE {0} END")
    digits = f"regexp_extract({unquoted.sql}, {literal(WHOLE_NUMBER)}, 1)"
    rounded = f"COALESCE(TRY_CAST({digits} AS HUGEINT) >= {EXACT_FLOATS}, TRUE)"
    rules = (Rule(field.sql, f"COALESCE(regexp_full_match({unquoted.sql}, {literal(SCIENTIFIC)}), FALSE)",
                  SCIENTIFIC_REF),
             Rule(field.sql, f"COALESCE(regexp_matches({unquoted.sql}, {literal(WHOLE_NUMBER)}) AND {rounded}, "
                             f"FALSE)", ROUNDED_REF))
    return Field(ref.sql, ref.source, ref.hint, rules=(*field.rules, *rules))


def log_kind(overrides: Mapping[str, str]) -> TabularKind:
    """The CSV log's columns: per field its first header present (or the one ``overrides`` names) and, for a
    field not overridden, every synonym's own column, so that a row whose cell is empty takes the next
    synonym's value, as a JSON record without the key (or with null) does: a log with ``customer_id`` and
    ``customer_email`` columns names a guest by email on both routes."""
    extra = {f"{k}:{n}": (n,) for k, names in LOG_FIELDS.items() if k not in overrides for n in names[1:]}
    return replace(LOG_CSV, columns={**LOG_CSV.columns, **extra})


def with_keys(relation: str) -> str:
    """The JSON records of ``relation`` with their keys, for :func:`any_case`."""
    return ("(SELECT *, list_transform(__mk, lambda k: lower(k)) AS __lk FROM (SELECT *, CASE WHEN "
            "lower(array_to_string(__k, '/')) <> array_to_string(__k, '/') THEN __k END AS __mk FROM "
            f"(SELECT *, json_keys(j) AS __k FROM {relation}))) AS r")


LOG_RECORDS = with_keys("{log_json}")
"""The log's JSON records with their keys, as written (``__mk``: only for a record with a key not in lower case)
and lower-cased (for :func:`any_case`)."""


def any_case(names: Sequence[str]) -> Field:
    """The first present of the keys ``names`` in a log record (``LOG_RECORDS``), in any case: ``Platform``,
    ``Error`` as the CSV route reads a header ``Platform``, ``Error``. The key as written is read first, then
    (for a name not in lower case: ``customer_ref_field = "CR_ShopifyId"`` on Dataverse's lower-case keys) the
    key in lower case; other cases are looked for only in a record that has a key not in lower case."""
    def one(name: str) -> str:
        key = f"r.__mk[list_position(r.__lk, {literal(name.lower())})]"
        pointer = f"'/' || replace(replace({key}, '~', '~0'), '/', '~1')"
        other_case = f"CASE WHEN r.__mk IS NOT NULL THEN {blank(f'json_extract_string(r.j, {pointer})')} END"
        lower = f"{jpath('$.' + name.lower())}, " if name != name.lower() else ""
        return f"{jpath('$.' + name)}, {lower}{other_case}"
    return Field(f"COALESCE({', '.join(one(n) for n in names)})", names[0])


class SyncLogReader(VendorReader):
    """The documented connector log (CSV or JSON / JSON lines), e.g. for the Sage-side connector."""

    name = "sync_log"
    produces = ("sync_events",)
    kinds = ("log", "log_json")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "source": Option("sage_connector", "Name of the log in reports (sync_events.source)."),
        "platform": Option(None, "Platform of every event when the log has no platform column."),
        "outcomes": Option({}, "Extra status word → outcome (succeeded, failed, skipped, pending)."),
        "columns": Option({}, "Header overrides: field (e.g. customer_ref) → column name in your log."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        self.load_all(session, [path], options)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        kind = log_kind(options["columns"])

        def one(path: Path) -> None:
            head = read_head(session, path, "sync_events", kinds=[kind])
            if head is not None:
                load_csv(session, path, kind, head, overrides=options["columns"])

        load_mixed(session, paths, LOG_JSON, one)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("log", list(log_kind(options["columns"]).columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        overrides = options["columns"]
        as_json = {k: any_case((overrides[k],) if k in overrides else names) for k, names in LOG_FIELDS.items()}
        as_csv = {k: first(col(k, overrides.get(k) or names[0]),
                           *(col(f"{k}:{n}") for n in names[1:] if k not in overrides))
                  for k, names in LOG_FIELDS.items()}
        return [self._map("{log} AS r", as_csv, options), self._map(LOG_RECORDS, as_json, options)]

    @staticmethod
    def _map(source: str, f: Mapping[str, Field], options: Mapping[str, Any]) -> TableMap:
        outcomes = _outcomes(options)
        operation = Field(f"COALESCE({case_map(f['operation'], OPERATIONS)}, "
                          f"CASE WHEN {f['operation'].sql} IS NOT NULL THEN 'other' END)", f["operation"].source)
        return TableMap("sync_events", source, {
            "source": setting(options["source"]),
            "event_id": whole_number(f["event_id"]),
            "platform": platform(first(f["platform"], setting(options["platform"]))),
            "customer_ref": customer_ref(f["customer_ref"]),
            "occurred_at": timestamp(f["occurred_at"]),
            "operation": operation,
            "outcome": translate(f["outcome"], outcomes, "outcome", advice="; add it to the outcomes option"),
            "rejection_reason": f["rejection_reason"],
            "legal_entity": f["legal_entity"],
            "erp_account": f["erp_account"],
        })


# -- Power Automate ------------------------------------------------------------------------------

DEFAULT_REF_PATTERN = (r"(?i)(?:^|[^_.@/%+?&=#-])customer[\s_-]*(?:id|ref|no\.?|number)?\s*[:#=]?\s*'?"
                       r"([A-Za-z0-9_.-]*[0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)\.*(?:[^A-Za-z0-9_.@%+-]|$)")
"""The id after the word *customer* in a run's error message (``customer 1042: …``, ``Customer No. CUST0042``).

Never a piece of an email address or a URL, which would attribute the failure to another customer: *customer*
preceded by ``_ . @ / % + ? & = # -`` (``customer.service2@…``, ``…/customers?customer_id=42``) is no match, nor
is an id the address goes on after (``customer john2@x.com``: ``john2`` is not taken). An id ends with a letter,
digit or ``_``: the full stop ending a sentence (``… for customer 1042.``) is not part of it. RE2 has no
look-around, so the characters around the id are matched, outside its group."""
RUN_CSV = TabularKind("run", ("status",), {
    "name": ("name", "Run ID"), "flowrunid": ("flowrunid",), "starttime": ("starttime", "Start time", "startTime"),
    "status": ("status", "Status"), "errorcode": ("errorcode",), "errormessage": ("errormessage", "Error"),
    "workflowname": ("workflowname", "Flow name"), "workflowid": ("_workflow_value", "workflowid"),
}, required=("starttime", "status"), label="Power Automate run history", table="sync_events")
RUN_PAGES = ("SELECT 'runs' AS query, CASE WHEN json_type(json, '$.value') = 'ARRAY' THEN "
             "COALESCE(json ->> '$.nextLink', json ->> '$.\"@odata.nextLink\"') IS NOT NULL END AS more, __file "
             "FROM __top")
"""Every JSON run list read and whether it has a next link (one query: the pages do not say which flow)."""
RUN_JSON = JsonLayout(envelopes=(Envelope("$.value"),), kinds=(("run_json", "TRUE"),),
                      accepts="Dataverse flowruns pages or Flow management API run lists (value)")


class PowerAutomateFlowRunsReader(VendorReader):
    """Power Automate run history (Dataverse flowruns or Flow management API runs)."""

    name = "power_automate_flowruns"
    produces = ("sync_events",)
    kinds = ("run", "run_json")
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "customer_ref_field": Option(None, "Column / JSON key holding the commerce customer id the run was for "
                                           "(in any case)."),
        "customer_ref_pattern": Option(DEFAULT_REF_PATTERN, "Regular expression whose first group finds the "
                                                            "customer id in the error message (the default: the "
                                                            "id after the word customer, never a piece of an email "
                                                            "address or URL).", syntax="regex"),
        "reason_pattern": Option(None, "Regular expression whose first group is the reason part of the error "
                                       "message (e.g. '(?s)customer [^:]+:\\s*(.*)' keeps what follows "
                                       "'customer 1042: '); a message it does not match is kept whole.",
                                 syntax="regex"),
        "flows": Option([], "Only runs of these flows, each by its name (workflowname) or its id (the GUID in "
                            "its URL, Dataverse _workflow_value); empty = every flow."),
        "operation": Option("create", "What the flow attempts (create, update, promote)."),
        "platform": Option(None, "Platform of the customers the flow syncs."),
        "legal_entity": Option(None, "Entity the flow writes to."),
        "outcomes": Option({}, "Extra run status → outcome."),
        "columns": Option({}, "Header overrides for CSV exports: field → column name."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        self.load_all(session, [path], options)

    def load_all(self, session: Session, paths: Sequence[Path], options: Mapping[str, Any]) -> None:
        kind = RUN_CSV
        if options["customer_ref_field"]:
            kind = TabularKind(kind.name, kind.signature, {**kind.columns, "ref": (options["customer_ref_field"],)},
                               kind.required, kind.label, table="sync_events")

        def one(path: Path) -> None:
            head = read_head(session, path, "sync_events", kinds=[kind])
            if head is not None:
                load_csv(session, path, kind, head, overrides=options["columns"])

        load_mixed(session, paths, RUN_JSON, one)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("run", [*RUN_CSV.columns, *(["ref"] if options["customer_ref_field"] else [])])
        for files in unfinished_queries(session, RUN_PAGES).values():
            session.warn("Every Power Automate run-history page read has a nextLink (@odata.nextLink for Dataverse "
                         "flowruns), so the last page is missing; follow the links and add the remaining pages to the "
                         "source, or failed syncs will look like customers nobody tried to create", files)

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        ref = options["customer_ref_field"]
        as_csv = {k: col(k) for k in RUN_CSV.columns} | {"ref": col("ref", ref) if ref else const(None)}
        as_json = {
            "name": js("$.name"), "flowrunid": js("$.flowrunid"),
            "starttime": js("$.starttime", "$.properties.startTime"), "status": js("$.status", "$.properties.status"),
            "errorcode": js("$.errorcode", "$.properties.error.code"),
            "errormessage": js("$.errormessage", "$.properties.error.message"),
            "workflowname": js("$.workflowname", "$.properties.workflow.name"),
            "workflowid": Field(f"COALESCE({js('$._workflow_value').sql}, {FLOW_OF_RUN})", "id"),
            "ref": any_case([ref]) if ref else const(None),
        }
        runs = with_keys("{run_json}") if ref else "{run_json} AS r"  # the key named in any case, as a CSV header
        return [self._map("{run} AS r", as_csv, options), self._map(runs, as_json, options)]

    @staticmethod
    def _map(source: str, f: Mapping[str, Field], options: Mapping[str, Any]) -> TableMap:
        outcomes = _outcomes(options)
        found = f"NULLIF(regexp_extract({f['errormessage'].sql}, {literal(options['customer_ref_pattern'])}, 1), '')"
        ref = Field(f"COALESCE({f['ref'].sql}, {found})", f["ref"].source or "errormessage")
        by_id, no_flow, other_flow = _flow_filter(f["workflowname"].sql, f["workflowid"].sql, options["flows"])
        return TableMap("sync_events", source, {
            "source": const("power_automate"),
            "event_id": first(f["name"], f["flowrunid"]),
            "platform": platform(setting(options["platform"])),
            "customer_ref": customer_ref(ref),
            "occurred_at": timestamp(f["starttime"]),
            "operation": setting(options["operation"]),
            "outcome": translate(f["status"], outcomes, "run status", advice="; add it to the outcomes option"),
            "rejection_reason": Field(blank(f"concat_ws(': ', {f['errorcode'].sql}, "
                                            f"{_reason(f['errormessage'].sql, options['reason_pattern'])})"),
                                      "errormessage"),
            "legal_entity": setting(options["legal_entity"]),
        }, exclude=[(by_id, literal(UNNAMED_FLOW)), (no_flow, literal(NO_FLOW)),
                    (other_flow, literal("run of another flow")),
                    (f"{ref.sql} IS NULL", literal("run names no commerce customer (see options customer_ref_field, "
                                               "customer_ref_pattern)"))])


FLOW_OF_RUN = "NULLIF(regexp_extract(r.j ->> '$.id', '/flows/([^/]+)/runs/', 1), '')"
"""The flow id in a Flow management API run's own id (``…/flows/{flow id}/runs/{run}``): its run lists name no flow."""
UNNAMED_FLOW = ("run of a flow the flows option does not list by id (the run names its flow only by id, as Flow "
                "management API run lists do: add the id, the GUID in the flow's URL, to flows)")
NO_FLOW = "run names no flow, so the flows option cannot keep it (export the flow's name or id with the runs)"


def _flow_filter(name: str, flow_id: str, flows: Sequence[str]) -> tuple[str, str, str]:
    """SQL true for a run of no flow ``flows`` lists by name or by id (ids compared in any case), told apart:
    the run names its flow only by id; the run names no flow; the run names another flow. All false when
    ``flows`` is empty (every run is kept)."""
    if not flows:
        return "FALSE", "FALSE", "FALSE"
    names = ", ".join(literal(x) for x in flows)
    ids = ", ".join(literal(x.lower()) for x in flows)
    unlisted = f"NOT (COALESCE({name} IN ({names}), FALSE) OR COALESCE(lower({flow_id}) IN ({ids}), FALSE))"
    return (f"{unlisted} AND {name} IS NULL AND {flow_id} IS NOT NULL",
            f"{unlisted} AND {name} IS NULL AND {flow_id} IS NULL", f"{unlisted} AND {name} IS NOT NULL")


def _reason(message: str, pattern: str | None) -> str:
    """The reason part of ``message`` by ``pattern``'s first group (the whole message when it does not match)."""
    if not pattern:
        return message
    return f"COALESCE(NULLIF(trim(regexp_extract({message}, {literal(pattern)}, 1)), ''), {message})"


# -- Business Central Shopify connector ----------------------------------------------------------

SKIPPED = TabularKind("skipped", ("Shopify Id", "Skipped Reason"), {
    "entry": ("Entry No.",), "shopify_id": ("Shopify Id", "Skipped Record Id"), "table": ("Table Name", "Table Id"),
    "description": ("Description",), "reason": ("Skipped Reason",),
    "created": ("Created At", "Created On", "SystemCreatedAt", "Date and Time"),
}, required=("shopify_id", "reason", "created"), label="Shopify Skipped Records export", table="sync_events",
   dates=True)


NO_TABLE = ("no Table Name column: every skipped record was read as a customer's or company's (one of an order or "
            "product names no customer, so it links to none); add the Table Name column to the page and export it "
            "again")
"""The note on a Skipped Records export that does not say which table each record is of."""


class BusinessCentralConnectorLogReader(VendorReader):
    """Business Central Shopify connector: the Skipped Records page exported to CSV."""

    name = "business_central_connector_log"
    produces = ("sync_events",)
    kinds = ("skipped",)
    options: ClassVar[Mapping[str, Option]] = {
        **COMMON_OPTIONS,
        "company": Option(None, "Business Central company (entity) the connector writes to."),
        "date_formats": Option([], "strptime formats of the Created At column when it is not ISO-8601 "
                                   "(BC exports use the user's locale, e.g. '%d/%m/%Y %H:%M').", syntax="strptime"),
        "date_order": DATE_ORDER_OPTION,
        "columns": Option({}, "Header overrides: field → column name."),
    }

    def load(self, session: Session, path: Path, options: Mapping[str, Any]) -> None:
        head = read_head(session, path, "sync_events", kinds=[SKIPPED])
        if head is not None:
            load_csv(session, path, SKIPPED, head, overrides=options["columns"], date_order=options["date_order"])
            label = head.label(path)
            table = resolve_columns(label, SKIPPED, head.header, options["columns"])["table"]
            if table is None and str(label) not in session.empty:
                session.note(label, NO_TABLE)

    def prepare(self, session: Session, options: Mapping[str, Any]) -> None:
        session.declare("skipped", list(SKIPPED.columns))

    def maps(self, options: Mapping[str, Any]) -> list[TableMap]:
        table = "lower(r.\"table\")"
        return [TableMap("sync_events", "{skipped} AS r", {
            "source": const("bc_shopify_connector"),
            "event_id": whole_number(col("entry", "Entry No.")),
            "platform": const("shopify"),
            "customer_ref": customer_ref(col("shopify_id", "Shopify Id")),
            "occurred_at": local_time(col("created", "Created At"), options["date_formats"]),
            "operation": const("create"),
            "outcome": const("skipped"),
            "rejection_reason": first(col("reason", "Skipped Reason"), col("description")),
            "legal_entity": setting(options["company"]),
        }, exclude=[(f"regexp_matches({table}, '[a-z]') AND NOT (contains({table}, 'customer') "
                     f"OR contains({table}, 'company'))",
                     literal("skipped record that is not a customer or company"))])]
