"""Sync-log routes (issue 13 items 4, 11): the Shopify scenario's sync events written as each log the
readers take — the documented connector log as CSV (also ';' in Windows-1252, and as a pandas script
writes a float column: ids ``426793700.0``), JSON (also with the ids as JSON numbers written as floats),
JSON lines, an Excel workbook (ids as number cells, times as date cells), and Power Automate run history as
Dataverse ``flowruns`` JSON, its CSV export, and Flow management API runs. The flows name the customer in
``errormessage`` before the reason, which ``reason_pattern`` keeps apart; a successful run names no customer
and is excluded (docs/sources/power_automate.md).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl

from bridgewatch.scenario import Scenario

from .routes import Sources, rows, v, when, write_json, write_table

COLUMNS = ["event_id", "occurred_at", "platform", "customer_ref", "operation", "outcome", "rejection_reason"]
REASON = r"(?s)^Create account failed for customer [^:]+: (.*)$"
STATUS = {"failed": "Failed", "succeeded": "Succeeded", "pending": "Running", "skipped": "Cancelled"}


def _events(s: Scenario) -> list[dict[str, Any]]:
    return [{"event_id": f"EV-{n}", "occurred_at": when(e["occurred_at"]), "platform": v(e, "platform"),
             "customer_ref": e["customer_ref"], "operation": "create", "outcome": e["outcome"],
             "rejection_reason": v(e, "rejection_reason")} for n, e in enumerate(rows(s, "sync_events"), 1)]


def _log(path: str) -> Sources:
    return {"log": {"reader": "sync_log", "path": path, "options": {"source": "connector"}}}


def connector_csv(exports: Path, s: Scenario) -> Sources:
    return _log(write_table(exports / "logs" / "log.csv", COLUMNS, _events(s)))


def connector_csv_semicolon_cp1252(exports: Path, s: Scenario) -> Sources:
    return _log(write_table(exports / "logs" / "log.csv", COLUMNS, _events(s), delimiter=";", encoding="cp1252"))


def connector_json(exports: Path, s: Scenario) -> Sources:
    return _log(write_json(exports / "logs" / "log.json", {"events": _events(s)}))


def _float_ids(s: Scenario) -> list[dict[str, Any]]:
    """The events with each customer id as a float (``426793700.0``), as pandas holds an id column with a gap."""
    return [e | {"customer_ref": float(e["customer_ref"])} for e in _events(s)]


def connector_csv_float_ids(exports: Path, s: Scenario) -> Sources:
    return _log(write_table(exports / "logs" / "log.csv", COLUMNS, _float_ids(s)))


def connector_json_float_ids(exports: Path, s: Scenario) -> Sources:
    return _log(write_json(exports / "logs" / "log.json", {"events": _float_ids(s)}))


def connector_xlsx(exports: Path, s: Scenario) -> Sources:
    """The log as a workbook: ids as number cells, times as date cells (which hold no zone: the source's is UTC)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    for e in _events(s):
        sheet.append([int(e["customer_ref"]) if k == "customer_ref" else
                      datetime.fromisoformat(e[k].removesuffix("Z")) if k == "occurred_at" else e[k]
                      for k in COLUMNS])
    path = exports / "logs" / "log.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    sources = _log("exports/logs/log.xlsx")
    sources["log"]["options"]["timezone"] = "UTC"
    return sources


def connector_jsonl(exports: Path, s: Scenario) -> Sources:
    path = exports / "logs" / "log.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in _events(s)), encoding="utf-8")
    return _log("exports/logs/log.jsonl")


def _runs(s: Scenario) -> list[dict[str, Any]]:
    out = []
    for e in _events(s):
        message = (f"Create account failed for customer {e['customer_ref']}: {e['rejection_reason']}"
                   if e["outcome"] == "failed" else None)
        out.append({"name": e["event_id"], "starttime": e["occurred_at"], "status": STATUS[e["outcome"]],
                    "errormessage": message, "workflowname": "Shopify company to Intacct"})
    return out


def _flows(path: str, **options: Any) -> Sources:
    return {"flows": {"reader": "power_automate_flowruns", "path": path,
                      "options": {"platform": "shopify", "reason_pattern": REASON} | options}}


def flowruns_json(exports: Path, s: Scenario) -> Sources:
    return _flows(write_json(exports / "flows" / "flowruns.json", {"value": _runs(s)}))


def flowruns_csv(exports: Path, s: Scenario) -> Sources:
    header = ["name", "starttime", "status", "errorcode", "errormessage", "workflowname"]
    return _flows(write_table(exports / "flows" / "flowruns.csv", header, _runs(s)))


def flow_api_runs(exports: Path, s: Scenario) -> Sources:
    runs = [{"name": r["name"], "type": "Microsoft.ProcessSimple/environments/flows/runs",
             "properties": {"startTime": r["starttime"], "status": r["status"],
                            **({"error": {"message": r["errormessage"]}} if r["errormessage"] else {})}}
            for r in _runs(s)]
    return _flows(write_json(exports / "flows" / "runs.json", {"value": runs}))


ROUTES = {"connector_csv": connector_csv, "connector_csv_semicolon_cp1252": connector_csv_semicolon_cp1252,
          "connector_csv_float_ids": connector_csv_float_ids, "connector_json": connector_json,
          "connector_json_float_ids": connector_json_float_ids, "connector_jsonl": connector_jsonl,
          "connector_xlsx": connector_xlsx, "flowruns_json": flowruns_json,
          "flowruns_csv": flowruns_csv, "flow_api_runs": flow_api_runs}
