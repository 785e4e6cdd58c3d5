"""Business Central per company, Power Automate flow runs by flow, and the sync log served over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bridgewatch.connectors.fakes.base import FakeClock, Table, route
from bridgewatch.connectors.fakes.microsoft import CLIENT_ID, CLIENT_SECRET, TENANT, FakeEntra, FakeOData
from bridgewatch.connectors.fakes.sync_log import FakeSyncLog
from tests.connectors.helpers import pull, read_back, workspace

ENTRA = {"tenant": TENANT, "client_id": CLIENT_ID, "auth_url": "https://login.test",
         "secrets": {"client_secret": "SECRET"}}
ENV = {"SECRET": CLIENT_SECRET}
BC = f"/v2.0/{TENANT}/production/api/v2.0"
UK, US = "5b1f2c8e-0001", "5b1f2c8e-0002"


def _bc_fake(clock: FakeClock, us_id: str = "c-2") -> tuple[FakeEntra, FakeOData]:
    entra = FakeEntra(clock=clock)
    companies = Table("id", [{"id": UK, "name": "UK01", "systemVersion": "24.0"},
                             {"id": US, "name": "US01", "systemVersion": "24.0"}])
    customers = {UK: [{"id": "c-1", "number": "C00010", "displayName": "Harbour Tools", "blocked": " "}],
                 US: [{"id": us_id, "number": "C00010", "displayName": "Bay Supply", "blocked": "All"}]}
    collections = {f"{BC}/companies": (companies, None)}
    context = {}
    for company, rows in customers.items():
        path = f"{BC}/companies({company})/customers"
        collections[path] = (Table("id", rows), "lastModifiedDateTime")
        context[path] = f"https://api.test{BC}/$metadata#companies({company})/customers"
    return entra, FakeOData(clock=clock, entra=entra, collections=collections, context=context)


def test_business_central_pages_keep_their_company(tmp_path: Path) -> None:
    clock = FakeClock()
    entra, odata = _bc_fake(clock)
    api = {**ENTRA, "base_url": "https://api.test", "environment": "production"}
    root = workspace(tmp_path, {"bc": {"reader": "business_central_api", "path": "pulled/bc", "api": api}},
                     erp="business_central")
    report = pull(root, route({"login.test": entra, "api.test": odata}), ENV, clock)
    assert report.sources[0].ok, report.sources[0].error
    assert report.sources[0].fetched == {"companies": 2, "customers": 2}
    rows = read_back(root, "bc", "business_central_api").tables["erp_customers"]
    assert sorted(zip(rows.column("legal_entity").to_pylist(), rows.column("status").to_pylist(), strict=True)) == \
        [("UK01", "active"), ("US01", "blocked")]


def test_business_central_unknown_company_lists_the_known_ones(tmp_path: Path) -> None:
    clock = FakeClock()
    entra, odata = _bc_fake(clock)
    api = {**ENTRA, "base_url": "https://api.test", "environment": "production", "companies": ["DE01"]}
    root = workspace(tmp_path, {"bc": {"reader": "business_central_api", "path": "pulled/bc", "api": api}},
                     erp="business_central")
    report = pull(root, route({"login.test": entra, "api.test": odata}), ENV, clock)
    assert report.sources[0].error == (
        "source 'bc': Business Central has no company de01 in environment production; api.companies must name "
        "companies by id or name (found: UK01, US01) (nothing pulled yet for this source)")


def test_flow_runs_only_of_the_named_flows(tmp_path: Path) -> None:
    clock = FakeClock()
    entra = FakeEntra(clock=clock)
    runs = [{"name": f"run-{i}", "status": "Failed", "starttime": "2026-04-10T09:00:00Z", "workflowname": flow,
             "errormessage": f"customer {i} rejected", "bw_ref": str(i)}
            for i, flow in enumerate(["create customer", "update customer", "create customer"])]
    odata = FakeOData(clock=clock, entra=entra, collections={"/api/data/v9.2/flowruns": (Table("name", runs),
                                                                                         "modifiedon")})
    api = {**ENTRA, "base_url": "https://org.test", "flows": ["create customer"]}
    root = workspace(tmp_path, {"runs": {"reader": "power_automate_flowruns", "path": "pulled/runs", "api": api,
                                         "options": {"customer_ref_field": "bw_ref", "platform": "shopify"}}})
    report = pull(root, route({"login.test": entra, "org.test": odata}), ENV, clock)
    assert report.sources[0].fetched == {"flowruns": 2}
    assert odata.requests[0].url.params["$filter"] == "(workflowname eq 'create customer')"
    rows = read_back(root, "runs", "power_automate_flowruns", {"customer_ref_field": "bw_ref",
                                                                "platform": "shopify"}).tables["sync_events"]
    assert sorted(rows.column("customer_ref").to_pylist()) == ["0", "2"]


def test_sync_log_url_pages_and_since(tmp_path: Path) -> None:
    events = [{"event_id": f"e{i}", "occurred_at": f"2026-04-0{i}T10:00:00Z", "customer_ref": str(i),
               "outcome": "failed", "operation": "create"} for i in range(1, 6)]
    fake = FakeSyncLog(clock=FakeClock(), events=Table("event_id", events), page_size=2, token="log-token-1234")
    api = {"base_url": "https://log.test/events", "secrets": {"token": "LOG_TOKEN"}}
    root = workspace(tmp_path, {"log": {"reader": "sync_log", "path": "pulled/log", "api": api}})
    env = {"LOG_TOKEN": "log-token-1234"}
    assert pull(root, fake, env).sources[0].fetched == {"events": 5}
    fake.events.put({"event_id": "e9", "occurred_at": "2026-04-12T10:00:00Z", "customer_ref": "9",
                     "outcome": "succeeded"}, datetime(2026, 4, 12, tzinfo=UTC))
    fake.requests.clear()
    report = pull(root, fake, env)
    assert fake.requests[0].url.params["since"] == "2026-04-05T09:00:00Z"
    assert report.sources[0].fetched == {"events": 1} and report.sources[0].totals == {"events": 6}
    rows = read_back(root, "log", "sync_log").tables["sync_events"]
    assert sorted(rows.column("event_id").to_pylist()) == ["e1", "e2", "e3", "e4", "e5", "e9"]


def test_sync_log_since_is_utc_when_events_carry_an_offset(tmp_path: Path) -> None:
    events = [{"event_id": "e1", "occurred_at": "2026-04-05T12:00:00+02:00", "customer_ref": "1",
               "outcome": "failed", "operation": "create"}]
    fake = FakeSyncLog(clock=FakeClock(), events=Table("event_id", events))
    root = workspace(tmp_path, {"log": {"reader": "sync_log", "path": "pulled/log",
                                        "api": {"base_url": "https://log.test/events"}}})
    assert pull(root, fake, {}).sources[0].ok
    fake.requests.clear()
    assert pull(root, fake, {}).sources[0].ok
    # 12:00+02:00 is 10:00Z; minus the 60-minute look-back: 09:00Z (not 11:00Z, which would skip two hours)
    assert fake.requests[0].url.params["since"] == "2026-04-05T09:00:00Z"


def test_a_change_time_in_the_future_never_freezes_the_cursor(tmp_path: Path) -> None:
    events = [{"event_id": "e1", "occurred_at": "2026-04-05T10:00:00Z", "customer_ref": "1", "outcome": "failed"},
              {"event_id": "e2", "occurred_at": "9999-12-31T23:59:59Z", "customer_ref": "2", "outcome": "failed"}]
    fake = FakeSyncLog(clock=FakeClock(), events=Table("event_id", events))
    root = workspace(tmp_path, {"log": {"reader": "sync_log", "path": "pulled/log",
                                        "api": {"base_url": "https://log.test/events"}}})
    first = pull(root, fake, {}, now=lambda: datetime(2026, 4, 10, 12, tzinfo=UTC)).sources[0]
    assert first.warnings == [
        "source 'log': events holds a change time after the pull started (9999-12-31T23:59:59+00:00); the next "
        "refresh reads from the pull's own time (2026-04-10T12:00:00+00:00) instead, so later changes are not "
        "skipped"]
    fake.events.put({"event_id": "e3", "occurred_at": "2026-04-12T10:00:00Z", "customer_ref": "3",
                     "outcome": "failed"}, datetime(2026, 4, 12, 10, tzinfo=UTC))
    fake.requests.clear()
    second = pull(root, fake, {}, now=lambda: datetime(2026, 4, 13, tzinfo=UTC)).sources[0]
    assert fake.requests[0].url.params["since"] == "2026-04-10T11:00:00Z"  # was: 9999-12-31T22:59:59Z
    assert second.totals == {"events": 3}


def test_business_central_company_new_since_the_last_pull_is_read_in_full(tmp_path: Path) -> None:
    clock = FakeClock()
    entra, odata = _bc_fake(clock)
    api = {**ENTRA, "base_url": "https://api.test", "environment": "production"}
    root = workspace(tmp_path, {"bc": {"reader": "business_central_api", "path": "pulled/bc", "api": api}},
                     erp="business_central")
    handler = route({"login.test": entra, "api.test": odata})
    assert pull(root, handler, ENV, clock).sources[0].ok
    de = "5b1f2c8e-0003"  # a company the app sees now (created by copying one, or newly granted): older customers
    odata.collections[f"{BC}/companies"][0].put({"id": de, "name": "DE01", "systemVersion": "24.0"},
                                                datetime(2026, 4, 1, tzinfo=UTC))
    odata.collections[f"{BC}/companies({de})/customers"] = (
        Table("id", [{"id": "c-3", "number": "C00030", "displayName": "Rhein Werkzeug", "blocked": " "}],
              spacing=timedelta(days=90)), "lastModifiedDateTime")
    odata.requests.clear()
    report = pull(root, handler, ENV, clock)
    assert report.sources[0].fetched == {"companies": 3, "customers": 3}  # UK01, US01 in the look-back; DE01
    filters = {r.url.path.rsplit("/", 2)[-2]: r.url.params.get("$filter") for r in odata.requests
               if r.url.path.endswith("/customers")}
    assert filters == {f"companies({UK})": "lastModifiedDateTime ge 2025-12-30T23:00:00Z",
                       f"companies({US})": "lastModifiedDateTime ge 2025-12-30T23:00:00Z", f"companies({de})": None}
    rows = read_back(root, "bc", "business_central_api").tables["erp_customers"]
    assert sorted(rows.column("legal_entity").to_pylist()) == ["DE01", "UK01", "US01"]


def test_credentials_written_into_base_url_stay_out_of_the_pull_state_and_errors(tmp_path: Path) -> None:
    """A log server behind basic auth or a key parameter (``https://user:password@host/path?key=...``)."""
    import json

    import httpx

    from bridgewatch.connectors.fakes.base import json_response

    events = [{"event_id": "e1", "occurred_at": "2026-04-05T10:00:00Z", "customer_ref": "1", "outcome": "failed"}]
    fake = FakeSyncLog(clock=FakeClock(), events=Table("event_id", events))
    url = "https://bw:log-pass-5521@log.test/events?key=k-77af31&view=all"
    root = workspace(tmp_path, {"log": {"reader": "sync_log", "path": "pulled/log", "api": {"base_url": url}}})
    assert pull(root, fake, {}).sources[0].ok
    state = (root / "pulled" / "log" / ".pull.json").read_text()
    assert json.loads(state)["selection"]["api.base_url"] == "https://bw:***@log.test/events?key=***&view=all"

    def elsewhere(request: httpx.Request) -> httpx.Response:
        return json_response({"events": [], "next": "https://bw:log-pass-5521@grab.test/x?key=k-77af31"})
    [failed] = pull(root, elsewhere, {}).sources
    assert failed.error is not None and failed.error.startswith(
        "source 'log': the sync log server answered sync log page 1 with a next page at https://grab.test/x, another "
        "address than the one asked (https://log.test); it was not followed")
    assert "log-pass-5521" not in failed.error and "k-77af31" not in failed.error
    assert "log-pass-5521" not in (root / ".bridgewatch" / "pulls.json").read_text()


def test_a_secret_inside_a_pulled_record_is_masked_in_the_saved_page(tmp_path: Path) -> None:
    """A log whose event quotes the request that failed, token and all: the page on disk holds *** instead."""
    events = [{"event_id": "e1", "occurred_at": "2026-04-05T10:00:00Z", "customer_ref": "1", "outcome": "failed",
               "error": "401 for Authorization: Bearer log-token-1234 (expired?)"},
              {"event_id": "e2", "occurred_at": "2026-04-05T11:00:00Z", "customer_ref": "2", "outcome": "failed",
               "error": 'sent {"token": "log-token-1234"}'}]
    fake = FakeSyncLog(clock=FakeClock(), events=Table("event_id", events), token="log-token-1234")
    api = {"base_url": "https://log.test/events", "secrets": {"token": "LOG_TOKEN"}}
    root = workspace(tmp_path, {"log": {"reader": "sync_log", "path": "pulled/log", "api": api}})
    assert pull(root, fake, {"LOG_TOKEN": "log-token-1234"}).sources[0].ok
    saved = b"".join(p.read_bytes() for p in (root / "pulled" / "log").iterdir())
    assert b"log-token-1234" not in saved  # was: both events' text as sent
    rows = read_back(root, "log", "sync_log").tables["sync_events"]
    assert sorted(rows.column("event_id").to_pylist()) == ["e1", "e2"]
    pages = [p for p in (root / "pulled" / "log").iterdir() if p.name.startswith("events-")]
    [records] = [json.loads(p.read_text())["events"] for p in pages]
    assert [r["error"] for r in records] == ["401 for Authorization: Bearer *** (expired?)", 'sent {"token": "***"}']


def test_business_central_customers_sharing_an_id_across_companies_are_both_kept(tmp_path: Path) -> None:
    """A company made by copying another keeps its customers' ids (SystemId): the same id in UK01 and US01 is
    two customers. Keyed by id alone, the later company's copy replaced the earlier's: UK01's customer was
    dropped from its page and its entity read it as absent, the pull fresh."""
    clock = FakeClock()
    entra, odata = _bc_fake(clock, us_id="c-1")
    api = {**ENTRA, "base_url": "https://api.test", "environment": "production"}
    root = workspace(tmp_path, {"bc": {"reader": "business_central_api", "path": "pulled/bc", "api": api}},
                     erp="business_central")
    handler = route({"login.test": entra, "api.test": odata})
    assert pull(root, handler, ENV, clock).sources[0].totals == {"companies": 2, "customers": 2}
    odata.collections[f"{BC}/companies({UK})/customers"][0].put(
        {"id": "c-1", "number": "C00010", "displayName": "Harbour Tools Ltd", "blocked": " "},
        datetime(2026, 4, 1, tzinfo=UTC))
    refreshed = pull(root, handler, ENV, clock).sources[0]
    assert refreshed.modes == {"companies": "full", "customers": "incremental"}
    rows = read_back(root, "bc", "business_central_api").tables["erp_customers"]
    assert sorted(zip(rows.column("legal_entity").to_pylist(), rows.column("name").to_pylist(), strict=True)) == \
        [("UK01", "Harbour Tools Ltd"), ("US01", "Bay Supply")]


def test_an_index_kept_before_scoped_keys_is_rebuilt_so_a_refresh_leaves_no_second_copy(tmp_path: Path) -> None:
    import sqlite3

    clock = FakeClock()
    entra, odata = _bc_fake(clock)
    api = {**ENTRA, "base_url": "https://api.test", "environment": "production"}
    root = workspace(tmp_path, {"bc": {"reader": "business_central_api", "path": "pulled/bc", "api": api}},
                     erp="business_central")
    handler = route({"login.test": entra, "api.test": odata})
    assert pull(root, handler, ENV, clock).sources[0].ok
    with sqlite3.connect(root / ".bridgewatch" / "pulls" / "bc" / "index.sqlite") as con:  # as bridgewatch kept it
        con.execute("UPDATE rec SET key = substr(key, instr(key, '|') + 1) WHERE resource = 'customers'")
        con.execute("DELETE FROM meta WHERE name = 'version'")
    odata.collections[f"{BC}/companies({UK})/customers"][0].put(
        {"id": "c-1", "number": "C00010", "displayName": "Harbour Tools Ltd", "blocked": " "},
        datetime(2026, 4, 1, tzinfo=UTC))
    assert pull(root, handler, ENV, clock).sources[0].totals == {"companies": 2, "customers": 2}
    rows = read_back(root, "bc", "business_central_api").tables["erp_customers"]
    assert sorted(rows.column("name").to_pylist()) == ["Bay Supply", "Harbour Tools Ltd"]
