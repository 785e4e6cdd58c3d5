"""The CLI: formats, exit codes, explain, ingest, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import EXIT_ALERT, EXIT_INPUT, EXIT_QUARANTINE, app
from bridgewatch.scenario import Scenario

from ..cards.builders import company, d365, erp, event, sage, shopper

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    s = sage()
    company(s, "ABSENT", vat="GB111111111", orders=("2026-04-14T10:00:00Z",))  # fresh: 8 hours before as-of
    event(s, "ABSENT", "failed", "2026-04-10T06:00:00Z", "Missing NAME")
    company(s, "HERE", vat="GB222222222")
    erp(s, "C2", vat_number="222222222", country="GB")
    return s.write(tmp_path / "ws")


def test_run_json_schema(workspace: Path) -> None:
    result = runner.invoke(app, ["run", "--workspace", str(workspace), "--format", "json"])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    assert {k: card[k] for k in ("card", "workspace", "as_of", "window_days", "count")} == {
        "card": "sage_customer_master_gap", "workspace": "sage-test", "as_of": "2026-04-14T18:00:00Z",
        "window_days": 7, "count": 1}
    assert card["alert"] == {"threshold": 10, "fired": False, "sentiment": "customer_master_gap", "state": "quiet"}
    customer = card["customers"][0]
    assert {k: customer[k] for k in ("customer_id", "company_id", "cause", "rejection_reason", "segment")} == {
        "customer_id": "ABSENT-U", "company_id": "ABSENT", "cause": "create_failed",
        "rejection_reason": "Missing NAME", "segment": "b2b"}
    assert customer["keys_tried"][0] == {"key": "vat", "priority": 1, "values": ["GB111111111"],
                                         "result": "no match", "erp_records": None}


def test_run_csv_worklist(workspace: Path) -> None:
    result = runner.invoke(app, ["run", "--workspace", str(workspace), "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("card,workspace,as_of,rank,customer_id,company_id,name")
    assert lines[1].startswith("sage_customer_master_gap,sage-test,2026-04-14T18:00:00Z,1,ABSENT-U,ABSENT,")
    assert len(lines) == 2


def test_table_output_and_fail_on_alert(workspace: Path) -> None:
    text = (workspace / "workspace.toml").read_text().replace("[workspace]", "[workspace]\nalert_threshold = 0")
    (workspace / "workspace.toml").write_text(text)
    result = runner.invoke(app, ["run", "-w", str(workspace), "--fail-on-alert"])
    assert result.exit_code == EXIT_ALERT
    assert "ALERT" in result.stdout
    assert runner.invoke(app, ["run", "-w", str(workspace)]).exit_code == 0


def test_as_of_option_moves_the_window(workspace: Path) -> None:
    result = runner.invoke(app, ["run", "-w", str(workspace), "--as-of", "2026-05-30", "-f", "json"])
    assert json.loads(result.stdout)[0]["count"] == 0


def _explain(workspace: Path, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["explain", "-w", str(workspace), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("source", [(), ("--recompute",)], ids=["stored", "recomputed"])
def test_explain_shows_the_evidence(workspace: Path, source: tuple[str, ...]) -> None:
    assert runner.invoke(app, ["run", "-w", str(workspace)]).exit_code == 0
    [e] = _explain(workspace, "ABSENT-U", *source)
    assert (e["verdict"], e["account_id"], e["cause"]) == ("counted", "ABSENT", "create_failed")
    assert e["reason"] == ("last create attempt (2026-04-10T06:00:00Z, connector) was rejected: Missing NAME; "
                           "1 failed attempt(s) in all")
    assert e["cause_definition"].startswith("The sync log holds a create attempt for this customer")
    assert [k["key_value"] for k in e["keys"] if k["key_type"] == "vat"] == ["GB111111111"]
    assert [o["order_id"] for o in e["orders"]] == ["ABSENT-0"]
    assert [ev["outcome"] for ev in e["sync_events"]] == ["failed"]
    assert e["customer"]["rank"] == 1 and e["customer"]["blocked_value"] == "100.00"


@pytest.mark.parametrize("source", [(), ("--recompute",)], ids=["stored", "recomputed"])
def test_explain_shows_the_reporting_value_and_the_fx_rate_of_each_order(tmp_path: Path,
                                                                        source: tuple[str, ...]) -> None:
    """D365 seed: each customer carries the blocked value in order currency "plus the Reporting Currency equivalent
    in the drill-down"; each order shows the rate and its date, so 1000.00 CAD x 0.7234 + 333.33 CAD x 0.7301 =
    723.40 + 243.36 = 966.76 USD can be checked by hand."""
    s = d365()
    shopper(s, "CA1", country="CA", currency="CAD", total="1000.00", orders=("2026-04-11T10:00:00Z",))
    s.add("orders", platform="shopify", order_id="CA1-late", customer_id="CA1", created_at="2026-04-12T10:00:00Z",
          currency="CAD", total="333.33", ship_to_country="CA")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-01", rate="0.7234")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-12", rate="0.7301")
    root = s.write(tmp_path / "ws")
    assert runner.invoke(app, ["run", "-w", str(root)]).exit_code == 0
    [e] = _explain(root, "CA1", *source)
    assert [(o["order_id"], o["total"], o["fx_rate"], o["fx_rate_date"], o["value_reporting"],
             o["reporting_currency"]) for o in e["orders"]] == [
        ("CA1-0", "1000.00", "0.7234", "2026-04-01", "723.40", "USD"),
        ("CA1-late", "333.33", "0.7301", "2026-04-12", "243.36", "USD")]
    assert e["customer"]["blocked_value_reporting"] == "966.76"
    shown = " ".join(runner.invoke(app, ["explain", "-w", str(root), "CA1", *source]).stdout.split())
    assert "2 active order(s), blocked CA$1,333.33 = $966.76 in USD;" in shown


def test_explain_dates_each_orders_rate_in_the_workspaces_time_zone(tmp_path: Path) -> None:
    """An order placed at 23:30 on 11 April in New York (03:30 UTC on the 12th) is booked on the 11th: its rate is
    the 11th's, and an order in reporting currency shows the 11th as its rate date (both said the 12th)."""
    s = d365(timezone="America/New_York")
    shopper(s, "CA1", country="CA", currency="CAD", total="1000.00", orders=("2026-04-12T03:30:00Z",))
    shopper(s, "US1", total="10.00", orders=("2026-04-12T03:30:00Z",))
    s.add("fx_rates", currency="CAD", rate_date="2026-04-11", rate="0.7234")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-12", rate="0.7301")
    root = s.write(tmp_path / "ws")
    assert runner.invoke(app, ["run", "-w", str(root)]).exit_code == 0
    got = {o["order_id"]: (o["fx_rate"], o["fx_rate_date"], o["value_reporting"])
           for cid in ("CA1", "US1") for o in _explain(root, cid)[0]["orders"]}  # type: ignore[attr-defined]
    assert got == {"CA1-0": ("0.7234", "2026-04-11", "723.40"), "US1-0": ("1.00", "2026-04-11", "10.00")}


def test_explain_a_present_customer(workspace: Path) -> None:
    assert runner.invoke(app, ["run", "-w", str(workspace)]).exit_code == 0
    [stored] = _explain(workspace, "HERE")
    assert stored["verdict"] == "not counted in this run" and "--recompute" in stored["reason"]
    [present] = _explain(workspace, "HERE", "--recompute")
    assert (present["verdict"], present["reason"]) == ("present", "found in the master on key 'vat' as top level/C2")


def test_explain_before_any_stored_run_says_what_to_do(workspace: Path) -> None:
    result = runner.invoke(app, ["explain", "-w", str(workspace), "ABSENT"])
    assert result.exit_code == EXIT_INPUT
    assert "No stored run for workspace 'sage-test'" in result.stderr and "bridgewatch run" in result.stderr


def test_explain_unknown_customer_suggests(workspace: Path) -> None:
    result = runner.invoke(app, ["explain", "-w", str(workspace), "ABSENTT", "--recompute"])
    assert result.exit_code == EXIT_INPUT
    assert "Unknown customer 'ABSENTT'. Did you mean ABSENT?" in result.stderr


def test_explain_has_no_csv_form(workspace: Path) -> None:
    result = runner.invoke(app, ["explain", "-w", str(workspace), "ABSENT", "--format", "csv"])
    assert result.exit_code == 2 and "use one of table, json" in result.output


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "workspace.toml").write_text('[workspace]\nid = "x"\nerp = "sap"\n')
    result = runner.invoke(app, ["run", "-w", str(tmp_path)])
    assert result.exit_code == EXIT_INPUT
    assert "workspace.erp: Unknown ERP 'sap'. Known: business_central, d365_fo, sage_intacct." in result.stderr
    assert "Traceback" not in result.output


def test_unknown_card_and_format(workspace: Path) -> None:
    result = runner.invoke(app, ["run", "-w", str(workspace), "--card", "sage_customer_master_gp"])
    assert result.exit_code == EXIT_INPUT
    assert "Did you mean sage_customer_master_gap?" in result.stderr
    assert runner.invoke(app, ["run", "-w", str(workspace), "--format", "xml"]).exit_code == 2


def test_ingest_prints_accounting_and_strict_fails(tmp_path: Path) -> None:
    s: Scenario = sage()
    company(s, "A")
    s.rows["orders"].append(dict(s.rows["orders"][0]))  # a duplicate order row
    root = s.write(tmp_path / "ws")
    result = runner.invoke(app, ["ingest", "-w", str(root), "-f", "json"])
    assert result.exit_code == 0, result.output
    files = {f["table"]: f for f in json.loads(result.stdout)["files"]}
    assert files["orders"] | {"file": ""} == {"table": "orders", "file": "", "read": 2, "used": 1,
                                              "excluded": {"duplicate key": 1}, "quarantined": 0}
    assert runner.invoke(app, ["ingest", "-w", str(root), "--strict"]).exit_code == 0
    assert EXIT_QUARANTINE == 4


def test_run_quarantines_a_bad_vendor_row_and_strict_fails(tmp_path: Path) -> None:
    from bridgewatch.demo import write_demo

    root = write_demo(tmp_path)[0]
    page = root / "exports" / "bigcommerce" / "orders_page1.json"
    page.write_text(page.read_text().replace('"Wed, 08 Apr 2026 10:15:00 +0000"', '"sometime in April"', 1))
    result = runner.invoke(app, ["run", "-w", str(root), "-f", "json"])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    [entry] = [f for f in card["ingest"] if f["file"].endswith("bigcommerce/orders_page1.json")]
    assert (entry["read"], entry["used"], entry["quarantined"]) == (25, 24, 1)
    quarantine = (root / "quarantine.csv").read_text().splitlines()
    assert quarantine[0] == "file,row,field,value,reason"
    assert len(quarantine) == 2 and "sometime in April" in quarantine[1]
    assert f"warning: 1 quarantined cell(s) written to {root / 'quarantine.csv'}\n" in result.stderr
    assert runner.invoke(app, ["run", "-w", str(root), "--strict"]).exit_code == EXIT_QUARANTINE
