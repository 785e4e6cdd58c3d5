"""Sync logs: the documented connector log, Power Automate flow runs, the BC connector's skipped records."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .helpers import accounts, problems, read, rows

EVENT = ("source", "event_id", "platform", "customer_ref", "occurred_at", "operation", "outcome", "rejection_reason",
         "legal_entity", "erp_account")


def test_connector_log_csv_and_jsonl_with_synonyms() -> None:
    result = read("sync_log", "synclogs/sage_connector_log.*")
    assert rows(result, "sync_events", *EVENT) == [
        ("sage_connector", "EV-1001", "shopify", "7210448301122", datetime(2026, 6, 18, 11, 5), "create", "failed",
         "BL01001973 Another customer with the ID C-10422 already exists.\n[Support ID: abc%7Exyz]", "UK01", None),
        ("sage_connector", "EV-1002", "shopify", "7210448301123", datetime(2026, 6, 18, 11, 6), "create",
         "succeeded", None, "UK01", "C-10430"),
        ("sage_connector", "EV-1003", "bigcommerce", "1042", datetime(2026, 6, 19, 8), "update", "succeeded", None,
         None, "C-10431"),
        ("sage_connector", "EV-1004", "shopify", "7210448301124", datetime(2026, 6, 19, 8), "create", "pending",
         None, "UK01", None),
        ("sage_connector", "EV-2001", "shopify", "7210448301125", datetime(2026, 6, 20, 10), "create", "failed",
         "Required field Name is missing", "UK01", None),
    ]
    assert problems(result) == [
        ("sage_connector_log.jsonl", 2, "outcome", "exploded",
         "unknown outcome (known: aborted, canceled, cancelled, completed, created, error, failed, failure, "
         "faulted, ignored, in_progress, ok, paused, pending, queued, rejected, retrying, running, skipped, "
         "succeeded, success, suspended, timedout, updated, waiting); add it to the outcomes option")]


def test_flow_runs_find_the_customer_in_the_error_and_filter_flows() -> None:
    result = read("power_automate_flowruns", "synclogs/flowruns.json", flows=["Shopify customer to F&O"],
                  platform="shopify", legal_entity="USMF")
    assert rows(result, "sync_events", *EVENT) == [
        ("power_automate", "08585201234567890123456789CU01", "shopify", "1042", datetime(2026, 6, 18, 11, 5),
         "create", "failed", "BadRequest: Create account failed for customer 1042: Write failed for table row of "
         "type 'CustCustomerV3Entity'. Infolog: Warning: Customer group TRADE does not exist.", "USMF", None),
        ("power_automate", "08585201234567890123456789CU04", "shopify", "C-77", datetime(2026, 6, 18, 14),
         "create", "pending", "customer: C-77 waiting for approval", "USMF", None),
    ]
    assert accounts(result)[("sync_events", "flowruns.json")] == {
        "read": 4, "used": 2, "quarantined": 0,
        "excluded": {"run of another flow": 1,
                     "run names no commerce customer (see options customer_ref_field, customer_ref_pattern)": 1}}


def test_every_workflow_run_status_is_an_outcome(tmp_path: Path) -> None:
    """A Flow API run list with each workflow run status: Faulted and Aborted runs (ended without creating the
    record, as TimedOut) are failures and Suspended pending; they were quarantined as unknown, so a faulted
    create read from Power Automate lost the create_failed cause the connector log's 'failed' gives."""
    statuses = ["Succeeded", "Failed", "Faulted", "TimedOut", "Aborted", "Cancelled", "Skipped", "Ignored",
                "Running", "Waiting", "Paused", "Suspended"]
    runs = [{"name": f"RUN{n:02d}", "properties": {"startTime": f"2026-06-18T10:{n:02d}:00Z", "status": status,
                                                      "error": {"code": "X", "message": f"customer {1000 + n}: no"}}}
            for n, status in enumerate(statuses)]
    page = tmp_path / "runs.json"
    page.write_text(json.dumps({"value": runs}))
    result = read("power_automate_flowruns", [page])
    assert problems(result) == []
    assert [r for r in rows(result, "sync_events", "customer_ref", "outcome")] == [
        ("1000", "succeeded"), ("1001", "failed"), ("1002", "failed"), ("1003", "failed"), ("1004", "failed"),
        ("1005", "skipped"), ("1006", "skipped"), ("1007", "skipped"), ("1008", "pending"), ("1009", "pending"),
        ("1010", "pending"), ("1011", "pending")]


FLOW = "396d5ec9-ae2d-4a84-967d-cd7f56cd8f30"
ANOTHER = "run of another flow"
BY_ID = ("run of a flow the flows option does not list by id (the run names its flow only by id, as Flow management "
         "API run lists do: add the id, the GUID in the flow's URL, to flows)")
NO_FLOW = "run names no flow, so the flows option cannot keep it (export the flow's name or id with the runs)"


def _api_runs(tmp_path: Path) -> Path:
    """A Flow management API run list as the API gives it: the runs name their flow only in their own id."""
    base = f"/providers/Microsoft.ProcessSimple/environments/Default-1/flows/{FLOW}/runs"
    runs = [{"name": f"RUN{n}", "id": f"{base}/RUN{n}",
             "type": "Microsoft.ProcessSimple/environments/flows/runs",
             "properties": {"startTime": f"2026-06-18T10:0{n}:00Z", "status": "Failed",
                            "error": {"code": "X", "message": f"customer {1040 + n}: no"}}} for n in (1, 2)]
    page = tmp_path / "runs.json"
    page.write_text(json.dumps({"value": runs}))
    return page


def test_flows_keeps_an_api_run_list_by_the_flow_id_in_its_runs_ids(tmp_path: Path) -> None:
    """The Flow API's runs carry no flow name: with flows set to names, every run was dropped as 'of another
    flow' and every failed create looked like a customer nobody tried to create."""
    page = _api_runs(tmp_path)
    kept = read("power_automate_flowruns", [page], flows=[FLOW.upper()])
    assert rows(kept, "sync_events", "customer_ref", "outcome") == [("1041", "failed"), ("1042", "failed")]
    by_name = read("power_automate_flowruns", [page], flows=["Shopify customer to F&O"])
    assert rows(by_name, "sync_events", "customer_ref") == []
    assert accounts(by_name)[("sync_events", "runs.json")]["excluded"] == {BY_ID: 2}


def test_flows_matches_dataverse_runs_by_name_or_workflow_id_and_says_when_a_run_names_no_flow(
        tmp_path: Path) -> None:
    result = read("power_automate_flowruns", "synclogs/flowruns.json", flows=["BB000000-0000-0000-0000-000000000001"])
    assert rows(result, "sync_events", "customer_ref") == [("1042",)]  # the only run carrying _workflow_value
    assert accounts(result)[("sync_events", "flowruns.json")]["excluded"] == {ANOTHER: 3}
    export = tmp_path / "flowruns.csv"
    export.write_text("name,starttime,status,errormessage\nR1,2026-06-18T10:00:00Z,Failed,customer 1042: no\n")
    unnamed = read("power_automate_flowruns", [export], flows=["Shopify customer to F&O"])
    assert accounts(unnamed)[("sync_events", "flowruns.csv")]["excluded"] == {NO_FLOW: 1}
    assert rows(read("power_automate_flowruns", [export]), "sync_events", "customer_ref") == [("1042",)]


def test_customer_ref_field_names_its_column_or_key_in_any_case(tmp_path: Path) -> None:
    """The CSV route matched the column in any case; the JSON route only the key as written, so the same runs
    as JSON named no customer and were all excluded."""
    page = tmp_path / "runs.json"
    page.write_text(json.dumps({"value": [{"name": "R1", "starttime": "2026-06-18T10:00:00Z", "status": "Failed",
                                           "errormessage": "no", "cr_shopifyid": "1042"}]}))
    export = tmp_path / "runs.csv"
    export.write_text("name,starttime,status,errormessage,cr_shopifyid\nR1,2026-06-18T10:00:00Z,Failed,no,1042\n")
    for path in (page, export):
        result = read("power_automate_flowruns", [path], customer_ref_field="CR_ShopifyId")
        assert rows(result, "sync_events", "customer_ref", "outcome") == [("1042", "failed")], path.name


def test_flow_runs_customer_ref_from_a_field() -> None:
    result = read("power_automate_flowruns", "synclogs/flowruns.json", customer_ref_field="workflowname")
    assert [r[0] for r in rows(result, "sync_events", "customer_ref")] == [
        "Shopify customer to F&O", "Shopify customer to F&O", "Nightly invoice export", "Shopify customer to F&O"]


def test_an_email_naming_the_customer_is_lower_cased_on_every_log_route(tmp_path: Path) -> None:
    """A flow writing the customer's email as its reference links to the customer as the connector log's does
    (emails key customers lower-cased); Power Automate's route kept the case, so the same failed create
    read from the flow runs named no customer and lost its cause."""
    runs = tmp_path / "runs.json"
    runs.write_text(json.dumps({"value": [
        {"name": "RUN1", "properties": {"startTime": "2026-06-18T10:00:00Z", "status": "Failed",
                                        "error": {"code": "X", "message": "no"}, "customer": "Jane.Doe@Example.COM"}},
        {"name": "RUN2", "properties": {"startTime": "2026-06-18T10:01:00Z", "status": "Failed",
                                        "error": {"code": "X", "message": "no"}, "customer": "C-77"}}]}))
    log = tmp_path / "log.csv"
    log.write_text("occurred_at,customer_ref,outcome\n2026-06-18T10:00:00Z,Jane.Doe@Example.COM,failed\n"
                   "2026-06-18T10:01:00Z,C-77,failed\n")
    flow = read("power_automate_flowruns", [runs], customer_ref_field="properties.customer")
    connector = read("sync_log", [log])
    expected = [("jane.doe@example.com",), ("C-77",)]
    assert rows(flow, "sync_events", "customer_ref") == rows(connector, "sync_events", "customer_ref") == expected


def test_bc_skipped_records_are_skipped_events_for_customers_and_companies() -> None:
    result = read("business_central_connector_log", "synclogs/skipped_records.csv", company="CRONUS UK")
    assert rows(result, "sync_events", *EVENT) == [
        ("bc_shopify_connector", "1", "shopify", "7210448301122", datetime(2026, 6, 18, 11, 5), "create", "skipped",
         "Customer already exists with the same e-mail address.", "CRONUS UK", None),
        ("bc_shopify_connector", "3", "shopify", "426793626", datetime(2026, 6, 18, 11, 7), "create", "skipped",
         "Tax ID ESB12345678 is not in agreement with the format specified for Country/Region Code ES.",
         "CRONUS UK", None),
    ]
    assert accounts(result)[("sync_events", "skipped_records.csv")]["excluded"] == {
        "skipped record that is not a customer or company": 1}


def test_option_values_are_checked_like_data() -> None:
    result = read("power_automate_flowruns", "synclogs/flowruns.json", operation="upsertify")
    assert {(p[2], p[3], p[4]) for p in problems(result)} == {
        ("operation", "upsertify", "expected one of create, update, promote, delete, other")}


def test_flow_runs_keep_the_reason_part_of_the_message() -> None:
    result = read("power_automate_flowruns", "synclogs/flowruns.json", flows=["Shopify customer to F&O"],
                  reason_pattern=r"(?s)^Create account failed for customer [^:]+: (.*)$")
    assert [r[0] for r in rows(result, "sync_events", "rejection_reason")] == [
        "BadRequest: Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: Customer group "
        "TRADE does not exist.",
        "customer: C-77 waiting for approval"]


def test_a_jsonl_record_is_numbered_by_the_line_it_is_on_whatever_blank_lines_come_before(tmp_path: Path) -> None:
    def line(n: int, status: str) -> str:
        return (f'{{"event_id":"EV-{n}","timestamp":"2026-06-20T10:00:00Z","platform":"shopify",'
                f'"customer_id":"C{n}","action":"create","status":"{status}","entity":"UK01"}}')
    for newline in ("\n", "\r\n"):
        log = tmp_path / "log.jsonl"
        log.write_bytes(newline.join([line(1, "ok"), "", line(2, "ok"), "   ", "", line(4, "exploded"),
                                      line(5, "ok"), ""]).encode())
        result = read("sync_log", [log])
        assert rows(result, "sync_events", "event_id", "source_row") == [("EV-1", 1), ("EV-2", 3), ("EV-5", 7)]
        assert [(p[1], p[3]) for p in problems(result)] == [(6, "exploded")]
    plain = tmp_path / "plain.jsonl"  # no blank line: the records are its lines, as before
    plain.write_text("\n".join([line(1, "ok"), line(2, "ok")]) + "\n")
    assert rows(read("sync_log", [plain]), "sync_events", "event_id", "source_row") == [("EV-1", 1), ("EV-2", 2)]
    array = tmp_path / "log.json"  # one JSON value over many lines: records keep their position in it
    array.write_text("[\n" + ",\n\n".join([line(1, "ok"), line(2, "ok")]) + "\n]\n")
    assert rows(read("sync_log", [array]), "sync_events", "event_id", "source_row") == [("EV-1", 1), ("EV-2", 2)]


def test_an_event_in_two_overlapping_exports_is_one_attempt_with_or_without_an_id(tmp_path: Path) -> None:
    """Two weekly log exports overlapping by a day: the event both hold is read once, the later copy excluded
    as a duplicate: by the log's id, or, for events without one, by being alike in every field (the n-th
    such event of one file is the n-th of the other). Events alike within one file are two attempts."""
    header = "event_id,occurred_at,platform,customer_ref,operation,outcome,rejection_reason\n"
    week1 = tmp_path / "week1.csv"
    week1.write_text(header + "EV-1,2026-06-18T11:05:00Z,shopify,C1,create,failed,Required field Name is missing\n"
                              "EV-2,2026-06-19T11:05:00Z,shopify,C2,create,succeeded,\n"
                              ",2026-06-19T12:00:00Z,shopify,C3,create,failed,Timeout\n"
                              ",2026-06-19T12:00:00Z,shopify,C3,create,failed,Timeout\n"
                              ",2026-06-19T13:00:00Z,shopify,C4,create,failed,Timeout\n")
    week2 = tmp_path / "week2.csv"
    week2.write_text(header + "EV-2,2026-06-19T11:05:00Z,shopify,C2,create,succeeded,\n"
                              ",2026-06-19T12:00:00Z,shopify,C3,create,failed,Timeout\n"
                              ",2026-06-19T12:00:00Z,shopify,C3,create,failed,Timeout\n"
                              ",2026-06-19T12:00:00Z,shopify,C3,create,failed,Timeout\n"
                              " ,2026-06-19T13:00:00Z,shopify,C4,create,failed,Timed out\n"
                              "EV-3,2026-06-20T09:00:00Z,shopify,C1,create,failed,Required field Name is missing\n")
    result = read("sync_log", [week1, week2])
    assert rows(result, "sync_events", "event_id", "customer_ref", "outcome", "source_file", "source_row") == [
        ("EV-1", "C1", "failed", str(week1), 1), ("EV-2", "C2", "succeeded", str(week1), 2),
        (None, "C3", "failed", str(week1), 3), (None, "C3", "failed", str(week1), 4),
        (None, "C4", "failed", str(week1), 5), (None, "C3", "failed", str(week2), 4),
        (None, "C4", "failed", str(week2), 5), ("EV-3", "C1", "failed", str(week2), 6)]
    assert accounts(result) == {
        ("sync_events", "week1.csv"): {"read": 5, "used": 5, "excluded": {}, "quarantined": 0},
        ("sync_events", "week2.csv"): {"read": 6, "used": 3, "excluded": {"duplicate": 3}, "quarantined": 0}}


# Error messages as Power Automate writes them into a run (Flow management API ``properties.error``, Dataverse
# ``errormessage``), each with the customer the default customer_ref_pattern must take from it, or None. Before,
# a piece of an email address or URL was taken (``john2``, ``.service2``, ``2.example``) and the failure was put
# on the card of a customer it was not about; a sentence's full stop was kept (``1042.``, linking to no one).
RUN_MESSAGES = [
    ("Create account failed for customer 1042: Write failed for table row of type 'CustCustomerV3Entity'.", "1042"),
    ("customer: C-77 waiting for approval", "C-77"),
    ("The execution of template action 'Apply_to_each' failed: customer 'C-10422' could not be created", "C-10422"),
    ("Customer No. CUST0042 is blocked.", "CUST0042"),
    ("Customer ID: 7210448301122 - see https://make.powerautomate.com/environments/Default-1/flows/2/runs/08585",
     "7210448301122"),
    ("Duplicate record for customer 1042.", "1042"),
    ("The customer john2@contoso.com already exists in legal entity USMF.", None),
    ("Action 'Create_customer' failed: customer john2@x.com could not be created", None),
    ("Could not notify customer.service2@shop.example about customer 1042: mailbox unavailable", "1042"),
    ("BadRequest: POST https://erp.example.com/api/sync?customer_id=1042&entity=USMF returned 400", None),
    ("support@customer2.example rejected the message", None),
    ("mailto:customer42@shop.example bounced", None),
    ("customer2@x.com (customer 77) failed", "77"),
]


def _flow_api_runs(tmp_path: Path) -> Path:
    runs = [{"name": f"085852012345678901234567{n:02d}CU01",
             "properties": {"startTime": f"2026-06-18T10:{n:02d}:00Z", "status": "Failed",
                            "error": {"code": "ActionFailed", "message": message}}}
            for n, (message, _) in enumerate(RUN_MESSAGES)]
    page = tmp_path / "runs.json"
    page.write_text(json.dumps({"value": runs}))
    return page


def test_the_default_customer_ref_pattern_never_takes_a_piece_of_an_email_or_url(tmp_path: Path) -> None:
    result = read("power_automate_flowruns", [_flow_api_runs(tmp_path)])
    found = dict(rows(result, "sync_events", "event_id", "customer_ref"))
    assert [found.get(f"085852012345678901234567{n:02d}CU01") for n in range(len(RUN_MESSAGES))] == [
        ref for _, ref in RUN_MESSAGES]
    assert accounts(result)[("sync_events", "runs.json")] == {
        "read": 13, "used": 8, "quarantined": 0,
        "excluded": {"run names no commerce customer (see options customer_ref_field, customer_ref_pattern)": 5}}


def test_dataverse_flowruns_csv_reads_the_same_customer_as_the_flow_api(tmp_path: Path) -> None:
    csv_file = tmp_path / "flowruns.csv"
    csv_file.write_text("name,starttime,status,errorcode,errormessage\n" + "".join(
        f"RUN{n:02d},2026-06-18T10:{n:02d}:00Z,Failed,ActionFailed,\"{message.replace(chr(34), chr(34) * 2)}\"\n"
        for n, (message, _) in enumerate(RUN_MESSAGES)), encoding="utf-8")
    result = read("power_automate_flowruns", [csv_file])
    found = dict(rows(result, "sync_events", "event_id", "customer_ref"))
    assert [found.get(f"RUN{n:02d}") for n in range(len(RUN_MESSAGES))] == [ref for _, ref in RUN_MESSAGES]


def test_an_id_a_spreadsheet_or_a_float_wrote_reads_as_the_customer_id_on_every_log_route(tmp_path: Path) -> None:
    """A numeric id written as a float (``7210448301122.0``: a pandas float column, a JSON number written as a
    float) or with the spreadsheet-safe ``'`` of Shopify's CSV exports reads as the id a workbook's number cell
    gives and the customer readers key the customer by; kept as written, the event linked to no one and a
    failed create showed as never synced."""
    log = tmp_path / "log.csv"
    log.write_text("occurred_at,customer_ref,outcome\n2026-06-18T10:00:00Z,7210448301122.0,failed\n"
                   "2026-06-18T10:01:00Z,'7210448301123,failed\n2026-06-18T10:02:00Z,1042.50,failed\n")
    log_json = tmp_path / "log.json"
    log_json.write_text(json.dumps([
        {"occurred_at": "2026-06-18T10:00:00Z", "customer_ref": 7210448301122.0, "outcome": "failed"},
        {"occurred_at": "2026-06-18T10:01:00Z", "customer_ref": "'7210448301123", "outcome": "failed"},
        {"occurred_at": "2026-06-18T10:02:00Z", "customer_ref": "1042.50", "outcome": "failed"}]))
    runs = tmp_path / "runs.json"
    runs.write_text(json.dumps({"value": [
        {"name": f"RUN{n}", "properties": {"startTime": "2026-06-18T10:00:00Z", "status": "Failed", "customer": ref}}
        for n, ref in enumerate([7210448301122.0, "'7210448301123", "1042.50"])]}))
    flowruns = tmp_path / "flowruns.csv"
    flowruns.write_text("name,starttime,status,cr_customer\nRUN0,2026-06-18T10:00:00Z,Failed,7210448301122.0\n"
                        "RUN1,2026-06-18T10:00:00Z,Failed,'7210448301123\nRUN2,2026-06-18T10:00:00Z,Failed,1042.50\n")
    skipped = tmp_path / "skipped.csv"
    skipped.write_text("Entry No.,Shopify Id,Table Name,Skipped Reason,Created At\n"
                       "1,7210448301122.0,Shpfy Customer,No,2026-06-18T10:00:00Z\n"
                       "2,'7210448301123,Shpfy Customer,No,2026-06-18T10:00:00Z\n"
                       "3,1042.50,Shpfy Company,No,2026-06-18T10:00:00Z\n")
    expected = [("7210448301122",), ("7210448301123",), ("1042.50",)]
    assert rows(read("sync_log", [log]), "sync_events", "customer_ref") == expected
    assert rows(read("sync_log", [log_json]), "sync_events", "customer_ref") == expected
    assert rows(read("power_automate_flowruns", [runs], customer_ref_field="properties.customer"),
                "sync_events", "customer_ref") == expected
    assert rows(read("power_automate_flowruns", [flowruns], customer_ref_field="cr_customer"),
                "sync_events", "customer_ref") == expected
    assert rows(read("business_central_connector_log", [skipped]), "sync_events", "customer_ref") == expected


def test_a_shopify_gid_reads_as_the_id_the_shopify_readers_key_by_on_every_log_route(tmp_path: Path) -> None:
    """An integration built on Shopify's GraphQL API logs ``gid://shopify/Customer/7210448301122``; the Shopify
    readers key that customer ``7210448301122`` (and a company ``gid://shopify/Company/42`` as ``42``). Kept as
    written, the event linked to no one and a failed create showed as never synced. Other ids stay as written."""
    refs = ["gid://shopify/Customer/7210448301122", "gid://shopify/Company/42", "gid://other/Customer/7",
            "gid://shopify/Customer/abc"]
    log = tmp_path / "log.csv"
    log.write_text("occurred_at,customer_ref,outcome\n" + "".join(f"2026-06-18T10:0{n}:00Z,{ref},failed\n"
                                                                  for n, ref in enumerate(refs)))
    log_json = tmp_path / "log.json"
    log_json.write_text(json.dumps([{"occurred_at": f"2026-06-18T10:0{n}:00Z", "customer_ref": ref,
                                     "outcome": "failed"} for n, ref in enumerate(refs)]))
    runs = tmp_path / "runs.json"
    runs.write_text(json.dumps({"value": [
        {"name": f"RUN{n}", "properties": {"startTime": f"2026-06-18T10:0{n}:00Z", "status": "Failed",
                                           "customer": ref}} for n, ref in enumerate(refs)]}))
    expected = [("7210448301122",), ("42",), ("gid://other/Customer/7",), ("gid://shopify/Customer/abc",)]
    assert rows(read("sync_log", [log]), "sync_events", "customer_ref") == expected
    assert rows(read("sync_log", [log_json]), "sync_events", "customer_ref") == expected
    assert rows(read("power_automate_flowruns", [runs], customer_ref_field="properties.customer"),
                "sync_events", "customer_ref") == expected


def test_an_event_id_written_as_a_float_is_the_same_event(tmp_path: Path) -> None:
    """The same failed create in two exports of one log, its id written ``1001`` in one and ``1001.0`` in the other
    (a pandas float column, a JSON float): one event, so one attempt, not two."""
    log = tmp_path / "log.csv"
    log.write_text("event_id,occurred_at,customer_ref,outcome\n1001,2026-06-18T10:00:00Z,7210448301122,failed\n")
    again = tmp_path / "log_again.json"
    again.write_text(json.dumps([{"event_id": 1001.0, "occurred_at": "2026-06-18T10:00:00Z",
                                  "customer_ref": "7210448301122", "outcome": "failed"},
                                 {"event_id": "1002.50", "occurred_at": "2026-06-18T11:00:00Z",
                                  "customer_ref": "7210448301122", "outcome": "failed"}]))
    result = read("sync_log", [log, again])
    assert rows(result, "sync_events", "event_id", "customer_ref") == [("1001", "7210448301122"),
                                                                       ("1002.50", "7210448301122")]
    skipped = tmp_path / "skipped.csv"
    skipped.write_text("Entry No.,Shopify Id,Table Name,Skipped Reason,Created At\n"
                       "7.0,7210448301122,Shpfy Customer,No,2026-06-18T10:00:00Z\n")
    assert rows(read("business_central_connector_log", [skipped]), "sync_events", "event_id") == [("7",)]


def test_an_id_in_scientific_notation_is_quarantined_never_linked(tmp_path: Path) -> None:
    """``7.21045E+12`` is how Excel writes a 13-digit id it shows in General format into a CSV it saves: the
    digits are lost, so the event is quarantined with why on every log route, not read as some customer."""
    log = tmp_path / "log.csv"
    log.write_text("occurred_at,customer_ref,outcome\n2026-06-18T10:00:00Z,7.21045E+12,failed\n"
                   "2026-06-18T10:01:00Z,7210448301123,failed\n")
    skipped = tmp_path / "skipped.csv"
    skipped.write_text("Entry No.,Shopify Id,Table Name,Skipped Reason,Created At\n"
                       "1,7.21045E+12,Shpfy Customer,No,2026-06-18T10:00:00Z\n"
                       "2,7210448301123,Shpfy Customer,No,2026-06-18T10:00:00Z\n")
    flowruns = tmp_path / "flowruns.csv"
    flowruns.write_text("name,starttime,status,cr_customer\nRUN0,2026-06-18T10:00:00Z,Failed,7.21045E+12\n"
                        "RUN1,2026-06-18T10:00:00Z,Failed,7210448301123\n")
    reason = ("a number in scientific notation, as a spreadsheet writes a long id it shows in General format: the "
              "id's last digits are lost, so it cannot name one customer; format the column as text (or as a number "
              "without decimals) and export the log again")
    for reader, path, field, options in [("sync_log", log, "customer_ref", {}),
                                         ("business_central_connector_log", skipped, "Shopify Id", {}),
                                         ("power_automate_flowruns", flowruns, "cr_customer",
                                          {"customer_ref_field": "cr_customer"})]:
        result = read(reader, [path], **options)
        assert rows(result, "sync_events", "customer_ref") == [("7210448301123",)]
        assert problems(result) == [(path.name, 1, field, "7.21045E+12", reason)]


def test_a_json_log_reads_its_keys_in_any_case_as_the_csv_route_reads_headers(tmp_path: Path) -> None:
    """The same log as CSV (headers are matched in any case) and as JSON lines with the same names: the JSON
    route read only lower-case keys, so an update logged with ``Action``, ``Platform``, ``Entity``, ``Error``
    silently lost them: it counted as a create attempt, without its reason, on a customer of any platform
    (a required key so written, ``Timestamp``, had every event quarantined)."""
    header = ["Event_ID", "timestamp", "Platform", "customer_id", "Action", "status", "Error", "Entity"]
    values = [["EV-1", "2026-06-18T10:00:00Z", "shopify", "7210448301122", "update", "failed", "Name is missing",
               "UK01"], ["EV-2", "2026-06-18T11:00:00Z", "bigcommerce", "1042", "create", "ok", "", "US01"]]
    log = tmp_path / "log.csv"
    log.write_text("\n".join(",".join(v) for v in [header, *values]) + "\n")
    lines = tmp_path / "log.jsonl"
    lines.write_text("".join(json.dumps(dict(zip(header, v, strict=True))) + "\n" for v in values))
    renamed = tmp_path / "renamed.json"  # a header override matches a key in any case too
    renamed.write_text(json.dumps([{"occurred_at": "2026-06-18T10:00:00Z", "SHOPIFY CUSTOMER": "7210448301122",
                                    "outcome": "failed"}]))
    expected = [("EV-1", "shopify", "7210448301122", datetime(2026, 6, 18, 10), "update", "failed", "Name is missing",
                 "UK01"),
                ("EV-2", "bigcommerce", "1042", datetime(2026, 6, 18, 11), "create", "succeeded", None, "US01")]
    columns = ("event_id", "platform", "customer_ref", "occurred_at", "operation", "outcome", "rejection_reason",
               "legal_entity")
    assert rows(read("sync_log", [log]), "sync_events", *columns) == expected
    assert rows(read("sync_log", [lines]), "sync_events", *columns) == expected
    assert rows(read("sync_log", [renamed], columns={"customer_ref": "Shopify customer"}), "sync_events",
                "customer_ref") == [("7210448301122",)]


def test_an_empty_cell_takes_the_next_synonym_on_the_csv_route_as_a_missing_json_key_does(tmp_path: Path) -> None:
    """A log with both ``customer_id`` and ``customer_email``, a guest's id empty: JSON took the email (the next
    key present), CSV kept the first column's empty cell and quarantined the event, so the same failed create
    was on the guest's card through one route and nowhere through the other."""
    log = tmp_path / "log.csv"
    log.write_text("timestamp,date,customer_id,customer_email,status,error,message\n"
                   "2026-06-18T10:00:00Z,,,Guest@Example.com,failed,,Email is invalid\n"
                   ",2026-06-18T10:01:00Z,42,a@example.com,failed,Name is missing,Rejected\n")
    lines = tmp_path / "log.jsonl"
    lines.write_text(
        '{"timestamp":"2026-06-18T10:00:00Z","customer_id":null,"customer_email":"Guest@Example.com",'
        '"status":"failed","message":"Email is invalid"}\n'
        '{"date":"2026-06-18T10:01:00Z","customer_id":"42","customer_email":"a@example.com","status":"failed",'
        '"error":"Name is missing","message":"Rejected"}\n')
    expected = [("guest@example.com", datetime(2026, 6, 18, 10), "Email is invalid"),
                ("42", datetime(2026, 6, 18, 10, 1), "Name is missing")]
    for path in (log, lines):
        result = read("sync_log", [path])
        assert problems(result) == []
        assert rows(result, "sync_events", "customer_ref", "occurred_at", "rejection_reason") == expected
        overridden = read("sync_log", [path], columns={"customer_ref": "customer_id"})  # the named column only
        assert rows(overridden, "sync_events", "customer_ref") == [("42",)]
        assert [p[1:] for p in problems(overridden)] == [(1, "customer_id", None, "required value is empty")]


def test_a_whole_number_float_from_2_53_on_is_quarantined_not_read_as_an_id(tmp_path: Path) -> None:
    """Floats are exact only below 2^53: the JSON number 9007199254740993.0 is held (and written back) as
    ``9007199254740992.0``. Read without its ``.0`` it would name customer …992, another customer; it is
    quarantined with why. An integer (a JSON integer, text) of any size is the id as written."""
    log = tmp_path / "log.json"
    log.write_text("[" + ",".join(f'{{"occurred_at":"2026-06-18T10:00:00Z","customer_ref":{ref},"outcome":"failed"}}'
                                  for ref in ["9007199254740993.0", "9007199254740991.0", "72104483011221234567.0",
                                              "9007199254740993", '"72104483011221234567"']) + "]")
    result = read("sync_log", [log])
    assert rows(result, "sync_events", "customer_ref") == [
        ("9007199254740991",), ("9007199254740993",), ("72104483011221234567",)]
    reason = ("a whole number written as a float, from 9007199254740992 (2^53) on, where floats round: the id's last "
              "digits may have been rounded, so it cannot name one customer for sure; write the id as text and "
              "export the log again")
    assert problems(result) == [("log.json", 1, "customer_ref", "9007199254740992.0", reason),
                                ("log.json", 3, "customer_ref", "72104483011221230000.0", reason)]


def test_a_platform_written_as_its_name_reads_as_the_platform_on_every_log_route(tmp_path: Path) -> None:
    """A connector writes the platform as people name it (``Adobe Commerce``, ``Magento``, ``Big Commerce``,
    ``Shopify Plus``): each is the platform, not an unknown value quarantined with the failed create it logs
    (the customer then showed as never synced)."""
    names = ["Shopify Plus", "Big Commerce", "Adobe Commerce", "Magento", "adobe-commerce", "Magento 2"]
    (tmp_path / "log.csv").write_text("event_id,occurred_at,platform,customer_ref,outcome\n" + "".join(
        f"E{n},2026-06-18T11:0{n}:00Z,{name},10{n},failed\n" for n, name in enumerate(names)))
    (tmp_path / "log.jsonl").write_text("".join(
        json.dumps({"event_id": f"J{n}", "occurred_at": f"2026-06-18T11:0{n}:00Z", "platform": name,
                    "customer_ref": f"10{n}", "outcome": "failed"}) + "\n" for n, name in enumerate(names)))
    expected = ["shopify", "bigcommerce", "adobe_commerce", "adobe_commerce", "adobe_commerce", "adobe_commerce"]
    for log in ("log.csv", "log.jsonl"):
        result = read("sync_log", [tmp_path / log])
        assert [r[0] for r in rows(result, "sync_events", "platform")] == expected
        assert problems(result) == []


def test_bc_skipped_records_without_a_table_column_are_read_not_excluded_as_other_tables(tmp_path: Path) -> None:
    """An export of Shopify Skipped Records whose view hides Table Name cannot say which rows are customers: its
    rows were all excluded as 'not a customer or company', so the customer the connector skipped showed as never
    synced. They are read (an order's Shopify Id names no customer), and the file says the column is missing."""
    (tmp_path / "skipped.csv").write_text(
        "Entry No.,Shopify Id,Description,Skipped Reason,Created At\n"
        "1,7210448301122,Ana Pérez,Customer already exists with the same e-mail address.,2026-06-18T11:05:00Z\n")
    result = read("business_central_connector_log", [tmp_path / "skipped.csv"], company="CRONUS UK")
    assert rows(result, "sync_events", "customer_ref", "outcome", "rejection_reason") == [
        ("7210448301122", "skipped", "Customer already exists with the same e-mail address.")]
    assert accounts(result)[("sync_events", "skipped.csv")] == {
        "read": 1, "used": 1, "excluded": {}, "quarantined": 0,
        "notes": ["no Table Name column: every skipped record was read as a customer's or company's (one of an "
                  "order or product names no customer, so it links to none); add the Table Name column to the "
                  "page and export it again"]}
