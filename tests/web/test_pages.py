"""What each page says about the demo workspaces: the seed's numbers, exactly, as a finance lead reads them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bridgewatch.history import Store
from bridgewatch.web.app import create_app

from .conftest import D365, D365_CARD, FAST_HASHER, SAGE, SAGE_CARD, SCRIPT_NAME, Demo, signed_in
from .pagetext import table, text

SAGE_URL = f"/w/{SAGE}/cards/{SAGE_CARD}"
D365_URL = f"/w/{D365}/cards/{D365_CARD}"


@pytest.fixture(scope="module")
def owner(web: FastAPI) -> TestClient:
    return signed_in(web, "owner@example.com")


def test_the_overview_has_every_card_with_its_count_alert_change_and_value(owner: TestClient) -> None:
    rows = table(owner.get("/").text, "Every card of every workspace you can see, from its latest stored run")
    assert rows[0] == ["Workspace", "Card", "Customers absent", "Alert", "Vs prior run", "Vs 7 days earlier", "Trend",
                       "Blocked value", "Data", "As of"]
    by_ws = {r[0]: r for r in rows[1:]}
    sage, d365 = by_ws["UK B2B merchant on Sage Intacct"], by_ws["US wholesale distributor on D365 F&O"]
    assert sage[1:6] == ["Ecom Customers Absent from Sage Customer Master", "14", "Firing line 10",
                         "+0 (0 new, 0 cleared)", "no run 7 days earlier"]  # the prior run is an earlier run
    assert sage[7:] == ["£24,680.57", "Fresh", "14 Apr 2026, 18:00:00 UTC"]
    assert d365[2] == "17" and d365[7] == "$61,200.00" and d365[9] == "Apr 13, 2026, 12:00:00 AM UTC"


def test_the_sage_card_drills_by_sync_cause_as_the_worked_example(owner: TestClient) -> None:
    rows = table(owner.get(SAGE_URL).text, "By sync cause")
    assert [r[:4] for r in rows] == [
        ["Sync cause", "Customers", "Active orders", "Blocked (GBP)"],
        ["Merged or retired reference", "1", "2", "£1,208.00"],
        ["Sync failed (create rejected)", "4", "11", "£6,749.40"],
        ["Sync reported success, record not in master", "0", "0", "£0.00"],
        ["Sync lagging (will clear on next run)", "3", "7", "£4,346.50"],
        ["Never synced (no create attempt)", "6", "19", "£12,376.67"],
        ["Absent with active orders (this card)", "14", "39", "£24,680.57"],
    ]
    assert rows[2][4] == ("Record creation rejected: orders stranded, and it will fail again until the reason is "
                          "fixed.")
    assert rows[4][4] == "Will clear on the next sync; not a true failure yet."


def test_the_d365_card_splits_segment_entity_reasons_dataverse_and_awaiting_sync(owner: TestClient) -> None:
    html = owner.get(D365_URL).text
    assert table(html, "By segment") == [
        ["Segment", "Customers", "Active orders", "Blocked (USD)", "Next action"],
        ["DTC", "11", "12", "$8,400.00", "Auto-creatable: the sync flow can create it with default settings."],
        ["B2B", "6", "11", "$52,800.00", "Manual onboarding: credit check, tax-ID validation, payment terms."],
    ]
    assert table(html, "By expected entity")[1:] == [
        ["USTI", "12", "16", "$45,960.00"], ["CATU", "4", "5", "$14,760.00"],
        ["Ambiguous (no single entity)", "1", "2", "$480.00"]]
    assert table(html, "Create failures by rejection reason")[1:] == [
        ["Sales tax group must be specified for the customer.", "2", "2", "$2,180.00",
         "Sales tax group must be specified for the customer."],
        ["Customer group <value> does not exist.", "1", "1", "$7,200.00", "Customer group 'WHSL' does not exist."]]
    page = text(html)
    assert "4 of these customers already have a live Dataverse record" in page
    assert "1 of them are awaiting sync" in page
    top = table(html, "Top of the worklist")
    assert top[1] == ["1", "Wholesale-X", "Never synced (no create attempt)", "USTI", "3", "$18,400.00", "n/a (no VAT)"]


def test_filtering_the_card_by_entity_recomputes_every_drill_from_the_stored_rows(owner: TestClient) -> None:
    html = owner.get(D365_URL, params={"entity": "CATU"}).text
    page = text(html)
    assert "4 customers with active orders absent from the master (of 17 on this card)" in page
    assert table(html, "By expected entity")[1:] == [["CATU", "4", "5", "$14,760.00"]]
    assert [r[:2] for r in table(html, "By sync cause")[1:]] == [
        ["Merged or retired reference", "0"], ["In Dataverse, not promoted", "0"],
        ["Sync failed (create rejected)", "0"],
        ["Sync reported success, record not in master", "0"], ["Sync lagging (will clear on next run)", "0"],
        ["Never synced (no create attempt)", "4"], ["Absent with active orders (this card)", "4"]]


@pytest.mark.parametrize(("user", "lens", "first_heading"), [
    ("finance@example.com", "Blocked value and VAT", "Blocked value and VAT consequence by sync cause"),
    ("marketing@example.com", "Create failures", "Create failures by rejection reason (one fix each)"),
    ("operations@example.com", "Sync health", "Sync health: failure or lag"),
])
def test_each_role_lands_on_what_it_owns(web: FastAPI, user: str, lens: str, first_heading: str) -> None:
    client = signed_in(web, user)
    landing = client.get("/signin", follow_redirects=False).headers["location"]
    assert landing == D365_URL
    html = client.get(landing).text
    assert f'aria-current="page">{lens}</a>' in html
    assert html.split("<h2>", 1)[1].split("</h2>", 1)[0] == first_heading


def test_an_owner_of_several_workspaces_lands_on_the_overview_and_sees_everything(owner: TestClient) -> None:
    assert owner.get("/signin", follow_redirects=False).headers["location"] == "/"
    html = owner.get(D365_URL).text
    assert 'aria-current="page">Everything</a>' in html
    assert html.split("<h2>", 1)[1].split("</h2>", 1)[0] == "By sync cause"
    assert f'href="/w/{D365}/users"' in html


def test_the_run_picker_lists_every_stored_run_and_shows_the_one_picked(owner: TestClient, demo: Demo) -> None:
    with Store(demo.settings().workspace(SAGE).store_url) as store:  # type: ignore[union-attr]
        runs = [r.run_id for r in store.history(SAGE, card=SAGE_CARD)]
    assert len(runs) == 2
    html = owner.get(SAGE_URL, params={"run": runs[1]}).text
    assert f'<option value="{runs[1]}" selected>' in html and f'<option value="{runs[0]}" >' in html
    assert owner.get(SAGE_URL, params={"run": "no-such-run"}).status_code == 404


def test_the_worklist_is_ranked_sorted_filtered_and_paged_on_the_server(owner: TestClient) -> None:
    caption = "Customers absent from the master, ranked by blocked value"
    rows = table(owner.get(f"{D365_URL}/worklist").text, caption)
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, 18)]
    assert rows[1][1] == "Wholesale-X B-1001 bigcommerce · B2B"
    failed = table(owner.get(f"{D365_URL}/worklist", params={"cause": "create_failed"}).text, caption)
    assert [(r[0], r[1].split(" ")[0]) for r in failed[1:]] == [("4", "Great"), ("8", "Luis"), ("9", "Priya")]
    by_name = table(owner.get(f"{D365_URL}/worklist", params={"sort": "name", "dir": "reverse"}).text, caption)
    assert by_name[1][1].startswith("Wholesale-X") and by_name[-1][1].startswith(SCRIPT_NAME)
    paged = owner.get(f"{D365_URL}/worklist", params={"size": 25, "page": 1, "entity": "ambiguous"}).text
    assert "Rows 1–1 of 1" in text(paged)
    past_the_end = owner.get(f"{SAGE_URL}/worklist", params={"size": 25, "page": 2}).text
    assert "Rows 1–14 of 14" in text(past_the_end)
    bad = owner.get(f"{D365_URL}/worklist", params={"sort": "nonsense"})
    assert bad.status_code == 400
    assert ("Unknown worklist sort 'nonsense'; sorts: rank, name, active_orders, blocked_value, days_absent, cause, "
            "entity, segment, platform.") in text(bad.text)
    assert owner.get(f"{D365_URL}/worklist", params={"page": "x"}).status_code == 400


def test_an_htmx_request_gets_only_the_table(owner: TestClient) -> None:
    response = owner.get(f"{D365_URL}/worklist", params={"cause": "lagging"},
                         headers={"HX-Request": "true", "HX-Target": "worklist-results"})
    assert response.text.lstrip().startswith('<div id="worklist-results"') and "<html" not in response.text
    assert response.headers["vary"] == "HX-Request, Cookie"


def test_the_customer_page_shows_the_whole_evidence_and_its_episodes(owner: TestClient, demo: Demo) -> None:
    html = owner.get(f"{SAGE_URL}/customers/B2B-3101").text
    page = text(html)
    assert ("Counted: no create attempt in the sync log (created 2026-03-10T09:00:00Z; last successful sync run "
            "2026-04-14T06:00:00Z)") in page
    assert "Rank 1 of 14 (by blocked value)" in page and "£2,956.00 (£2,956.00)" in page
    assert table(html, "Keys tried") == [
        ["Key", "Priority", "Normalised values", "Result", "ERP records it hit"],
        ["vat", "1", "GB318224507", "no match", "—"], ["account_ref", "2", "—", "no value", "—"],
        ["email", "3", "accounts@thames.co.uk, buyer@thames.co.uk", "no match", "—"]]
    orders = table(html, "Orders (counted, or why not)")
    assert orders[0][4:9] == ["Total", "FX rate", "Rate dated", "In reporting currency", "Reporting currency"]
    assert orders[1][:11] == ["B2B-3101-O1", "8 Apr 2026, 10:15:00 UTC", "Awaiting Fulfillment", "GBP", "£536.50",
                              "1.00", "2026-04-08", "£536.50", "GBP", "GB", "counted"]
    assert orders[1][11].endswith("exports/bigcommerce/orders_page1.json") and len(orders) == 5
    episodes = table(html, "Absence episodes")
    assert len(episodes) == 2 and episodes[1][3] == "still absent"


def test_a_customer_the_run_did_not_count_says_so(owner: TestClient) -> None:
    page = text(owner.get(f"{SAGE_URL}/customers/' OR '1'='1").text)
    assert "Not counted in this run: '' OR '1'='1' is not among the 14 customers counted in run" in page


def test_history_has_the_runs_the_trend_ageing_and_time_to_fix(owner: TestClient) -> None:
    html = owner.get(f"{SAGE_URL}/history").text
    assert [r[2:] for r in table(html, "Stored runs, last stored first")[1:]] == [
        ["14", "Firing", "Fresh", "0", "0", "0", "14"], ["14", "Firing", "Fresh", "14", "0", "0", "0"]]
    assert table(html, "Change against earlier runs")[1][2:] == ["14", "14", "0", "0", "0", "14"]
    assert [r[0] for r in table(html, "Customers per cause over the runs shown")[1:]] == [
        "Merged or retired reference", "Sync failed (create rejected)", "Sync reported success, record not in master",
        "Sync lagging (will clear on next run)", "Never synced (no create attempt)"]
    assert "No absence has cleared yet." in text(html)
    assert 'aria-label="Customers still absent in the latest run, by days absent: under 1 day: 14; 1–3 days: 0' in html


def test_the_alerts_page_shows_state_and_says_notifications_are_not_configured(owner: TestClient) -> None:
    html = owner.get(f"/w/{D365}/alerts").text
    assert table(html, "Alert state per card, from the latest stored run")[1][1:4] == [
        "Firing ALERT: above the alert line", "17", "more than 10"]
    assert "Alerts are not configured" in text(html)


def test_numbers_and_dates_follow_the_workspace_locale(demo: Demo) -> None:
    settings = demo.settings(allow_anonymous=True)
    settings = replace(settings, workspaces=tuple(replace(w, locale="de_DE") if w.id == SAGE else w
                                                  for w in settings.workspaces))
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        html = client.get(SAGE_URL).text
    assert table(html, "By sync cause")[-1][:4] == ["Absent with active orders (this card)", "14", "39", "24.680,57 £"]
    assert "14.04.2026, 18:00:00 UTC" in text(html)


def test_a_workspace_never_run_says_how_to_store_a_run(tmp_path: Path) -> None:
    from bridgewatch.demo import write_demo
    from bridgewatch.web.settings import WebSettings, served_workspaces

    folders = write_demo(tmp_path, canonical=True)
    settings = WebSettings(served_workspaces(folders, environ={}), f"sqlite:///{tmp_path / 'users.sqlite'}",
                           allow_anonymous=True)
    with TestClient(create_app(settings, hasher=FAST_HASHER), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        assert "No stored run yet: run bridgewatch run -w" in text(client.get("/").text)
        assert "This card has no stored run yet." in text(client.get(SAGE_URL).text)
        assert "No stored run of this card yet" in text(client.get(f"{SAGE_URL}/history").text)
        assert "No stored run yet." in text(client.get(f"/w/{SAGE}/alerts").text)
        assert client.get(f"{SAGE_URL}/worklist.csv").status_code == 404


def test_the_customer_page_words_the_consequence_as_its_card_does(owner: TestClient) -> None:
    sage = text(owner.get(f"{SAGE_URL}/customers/B2B-3101").text)
    assert ("Consequence on the next invoice batch: No customer record: the next invoice cannot be given a VAT "
            "treatment or post.") in sage
    d365 = text(owner.get(f"{D365_URL}/customers/B-1003").text)
    assert ("Consequence on the next invoice batch: No customer record: its orders cannot become sales orders, "
            "invoices or GL revenue.") in d365
