"""Sage Intacct: sessions, readMore paging, WHENMODIFIED refresh, 524 reported (never retried), sign-in errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors.fakes.base import FakeClock, Table
from bridgewatch.connectors.fakes.intacct import COMPANY, SENDER, SENDER_PASSWORD, USER, USER_PASSWORD, FakeIntacct
from tests.connectors.helpers import files, pull, read_back, workspace

ENV = {"IA_SENDER": SENDER_PASSWORD, "IA_USER": USER_PASSWORD}
API = {"sender_id": SENDER, "user": USER, "company_id": COMPANY, "page_size": 2,
       "secrets": {"sender_password": "IA_SENDER", "user_password": "IA_USER"}}


def _customer(i: int, entity: str = "UK01") -> dict[str, object]:
    return {"RECORDNO": i, "CUSTOMERID": f"C-{i:03d}", "NAME": f"Customer {i}", "STATUS": "active",
            "MEGAENTITYID": entity, "DISPLAYCONTACT.EMAIL1": f"c{i}@trade.test"}


@pytest.fixture
def fake() -> FakeIntacct:
    return FakeIntacct(clock=FakeClock(), customers=Table("RECORDNO", [_customer(i) for i in range(1, 6)]))


def _ws(tmp_path: Path, **api: object) -> Path:
    return workspace(tmp_path, {"intacct": {"reader": "sage_intacct_xml", "path": "pulled/intacct",
                                            "options": {"timezone": "UTC"}, "api": {**API, **api}}})


def _functions(fake: FakeIntacct) -> list[str]:
    import xml.etree.ElementTree as ET

    return [ET.fromstring(r.content).find("operation/content/function")[0].tag for r in fake.requests]  # type: ignore[index]


def test_read_by_query_then_read_more_until_nothing_remains(tmp_path: Path, fake: FakeIntacct) -> None:
    root = _ws(tmp_path)
    report = pull(root, fake, ENV)
    assert report.sources[0].ok and report.sources[0].fetched == {"customers": 5}
    assert _functions(fake) == ["getAPISession", "readByQuery", "readMore", "readMore"]
    rows = read_back(root, "intacct", "sage_intacct_xml", {"timezone": "UTC"}).tables["erp_customers"]
    assert sorted(rows.column("customer_account").to_pylist()) == ["C-001", "C-002", "C-003", "C-004", "C-005"]
    assert set(rows.column("legal_entity").to_pylist()) == {"UK01"}


def test_refresh_asks_for_records_modified_since_the_cursor(tmp_path: Path, fake: FakeIntacct) -> None:
    root = _ws(tmp_path)
    pull(root, fake, ENV)
    fake.customers.put({**_customer(3), "NAME": "Renamed"}, datetime(2026, 2, 1, 10, tzinfo=UTC))
    fake.requests.clear()
    report = pull(root, fake, ENV)
    assert report.sources[0].fetched == {"customers": 2}  # 5 (inside the look-back) and the renamed 3
    assert "WHENMODIFIED &gt;= '12/30/2025 23:00:00'" in fake.requests[1].content.decode()
    rows = read_back(root, "intacct", "sage_intacct_xml", {"timezone": "UTC"}).tables["erp_customers"]
    names = dict(zip(rows.column("customer_account").to_pylist(), rows.column("name").to_pylist(), strict=True))
    assert names["C-003"] == "Renamed" and len(names) == 5


def test_524_on_read_more_is_reported_not_retried_and_keeps_previous_data(tmp_path: Path, fake: FakeIntacct) -> None:
    root = _ws(tmp_path)
    pull(root, fake, ENV)
    before = files(root, "intacct")
    fake.fail(lambda r: httpx.Response(524, text="A timeout occurred"), after=2)  # the first readMore
    report = pull(root, fake, ENV, full=True)
    source = report.sources[0]
    assert not source.ok
    assert source.error is not None and source.error.startswith(
        "source 'intacct': Sage Intacct answered 524 for customers page 2: the gateway cut the connection but "
        "Intacct may still be processing it (outcome unknown). Not retried so no page is skipped; pull again "
        "(previous data from ")
    assert _functions(fake)[-3:] == ["getAPISession", "readByQuery", "readMore"]  # exactly one readMore, no repeat
    assert files(root, "intacct") == before


def test_wrong_user_password_names_what_to_check(tmp_path: Path, fake: FakeIntacct) -> None:
    root = _ws(tmp_path)
    report = pull(root, fake, {**ENV, "IA_USER": "wrong-password"})
    assert report.sources[0].error == (
        "source 'intacct': Sage Intacct refused the sign-in for user ws_user at company HarbourCo (XL03000006 "
        "Sign-in information is incorrect); check api.user, api.company_id, the user password and that the sender "
        "id is authorised (Company > Security > Web Services authorizations) (nothing pulled yet for this source)")


def test_per_entity_pull_signs_in_to_each_entity(tmp_path: Path) -> None:
    fake = FakeIntacct(clock=FakeClock(), entities=("UK01", "IE01"),
                       customers=Table("RECORDNO", [_customer(1), _customer(2, "IE01"), _customer(3, "")]))
    root = _ws(tmp_path, entities=["UK01", "IE01"])
    report = pull(root, fake, ENV)
    assert report.sources[0].fetched == {"customers": 4}  # the shared record 3 is seen from both entities
    assert report.sources[0].totals == {"customers": 3}
    logins = [r.content.decode() for r in fake.requests if b"getAPISession" in r.content]
    assert ["<locationid>UK01</locationid>" in logins[0], "<locationid>IE01</locationid>" in logins[1]] == [True, True]


def test_a_changed_selection_makes_the_next_pull_full(tmp_path: Path) -> None:
    from bridgewatch.cli.pull import summary_lines

    records = [_customer(1, "DE01"), _customer(2, "DE01"), *(_customer(i) for i in range(3, 6))]
    fake = FakeIntacct(clock=FakeClock(), customers=Table("RECORDNO", records), entities=("UK01", "DE01"))
    pull(_ws(tmp_path, entities=["UK01"]), fake, ENV)
    report = pull(_ws(tmp_path, entities=["UK01", "DE01"]), fake, ENV)
    [source] = report.sources
    assert source.reset == "api.entities changed since the previous pull: every resource pulled in full"
    assert source.modes == {"customers": "full"}
    assert "WHENMODIFIED &gt;=" not in fake.requests[-1].content.decode()
    rows = read_back(tmp_path, "intacct", "sage_intacct_xml", {"timezone": "UTC"}).tables["erp_customers"]
    assert sorted(rows.column("customer_account").to_pylist()) == ["C-001", "C-002", "C-003", "C-004", "C-005"]
    assert summary_lines(report)[1] == (f"{'':<20} note    api.entities changed since the previous pull: every "
                                        f"resource pulled in full")
    again = pull(tmp_path, fake, ENV).sources[0]
    assert again.reset is None and again.modes == {"customers": "incremental"}


def test_a_changed_reader_field_makes_the_next_pull_full(tmp_path: Path, fake: FakeIntacct) -> None:
    root = _ws(tmp_path)
    pull(root, fake, ENV)
    workspace(tmp_path, {"intacct": {"reader": "sage_intacct_xml", "path": "pulled/intacct", "api": API,
                                     "options": {"timezone": "UTC", "vat_field": "VAT_NO"}}})
    source = pull(root, fake, ENV).sources[0]
    assert source.reset == "options.vat_field changed since the previous pull: every resource pulled in full"
    assert source.modes == {"customers": "full"}


def test_a_pull_from_before_the_selection_was_kept_is_followed_by_a_full_one(tmp_path: Path,
                                                                           fake: FakeIntacct) -> None:
    import json

    root = _ws(tmp_path)
    pull(root, fake, ENV)
    manifest = root / "pulled" / "intacct" / ".pull.json"
    raw = json.loads(manifest.read_text())
    del raw["selection"]
    manifest.write_text(json.dumps(raw))
    source = pull(root, fake, ENV).sources[0]
    assert source.reset == "the previous pull did not record its settings: every resource pulled in full"
    assert source.modes == {"customers": "full"}
    assert pull(root, fake, ENV, full=True).sources[0].reset is None  # --full says so itself


def _answer(result: str) -> httpx.Response:
    """A whole gateway response whose one function result is ``result`` (the SDK fixture's shape)."""
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>success</status><senderid>bw-sender'
           '</senderid><controlid>bw-2</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>'
           '<operation><authentication><status>success</status><userid>ws_user</userid><companyid>HarbourCo'
           f'</companyid></authentication><result><status>success</status><function>readByQuery</function>'
           f'<controlid>f1</controlid>{result}</result></operation></response>')
    return httpx.Response(200, content=xml.encode(), headers={"content-type": "text/xml"})


def test_a_result_without_its_data_fails_the_source_and_keeps_the_previous_data(tmp_path: Path,
                                                                                 fake: FakeIntacct) -> None:
    from bridgewatch.connectors.state import pull_status

    root = _ws(tmp_path)
    first = pull(root, fake, ENV).sources[0]
    before = files(root, "intacct")
    fake.fail(lambda r: _answer(""), after=1)  # readByQuery: status success, no <data>
    [source] = pull(root, fake, ENV, full=True).sources
    assert not source.ok
    assert source.error == (
        "source 'intacct': Sage Intacct answered customers page 1 without a list of records at "
        "operation/result/data (it sent a result with controlid, function, status); the answer was not taken as "
        "'no records': check base_url and the API version, then pull again (previous data from "
        f"{first.pulled_at} kept)")
    assert source.totals == {"customers": 5}
    assert files(root, "intacct") == before  # the full pull did not replace five customers with none
    assert pull_status(root)["intacct"].state == "failed" and pull_status(root)["intacct"].stale


def test_a_read_more_without_its_data_fails_the_page_named(tmp_path: Path, fake: FakeIntacct) -> None:
    fake.fail(lambda r: _answer("<errormessage/>"), after=2)  # the first readMore
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error == (
        "source 'intacct': Sage Intacct answered customers page 2 without a list of records at "
        "operation/result/data (it sent a result with controlid, errormessage, function, status); the answer was "
        "not taken as 'no records': check base_url and the API version, then pull again (nothing pulled yet for this "
        "source)")


def test_an_empty_data_element_is_an_empty_page(tmp_path: Path, fake: FakeIntacct) -> None:
    from bridgewatch.connectors.state import pull_status

    fake.fail(lambda r: _answer('<data listtype="customer" count="0" totalcount="0" numremaining="0" resultId=""/>'),
              after=1)
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.ok and source.fetched == {"customers": 0}
    assert pull_status(tmp_path)["intacct"].state == "fresh"


def test_a_sign_in_without_a_session_fails_before_reading(tmp_path: Path, fake: FakeIntacct) -> None:
    fake.fail(lambda r: _answer("<data><api></api></data>"))
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error == (
        "source 'intacct': Sage Intacct answered the sign-in without a session id (at operation/result/data/api/"
        "sessionid); check base_url is the XML gateway (default https://api.intacct.com/ia/xml/xmlgw.phtml), then "
        "pull again (nothing pulled yet for this source)")
    assert _functions(fake) == ["getAPISession"]


@pytest.mark.parametrize("endpoint", ["https://collector.evil.test/ia/xml/xmlgw.phtml",
                                      "http://api.intacct.com/ia/xml/xmlgw.phtml",
                                      "https://intacct.com.evil.test/xmlgw.phtml"])
def test_a_sign_in_naming_a_foreign_endpoint_sends_nothing_there(tmp_path: Path, fake: FakeIntacct,
                                                                   endpoint: str) -> None:
    """Every call carries the sender password and session: only the gateway's host or https on intacct.com."""
    fake.fail(lambda r: _answer(f"<data><api><sessionid>s-1</sessionid><endpoint>{endpoint}</endpoint></api></data>"))
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error is not None and f"named the endpoint {endpoint!r}, neither the gateway's host" in source.error
    assert _functions(fake) == ["getAPISession"]


def test_an_endpoint_on_intacct_com_or_the_gateway_is_used() -> None:
    from bridgewatch.connectors.intacct import GATEWAY, trusted_endpoint

    assert trusted_endpoint("https://api-eu.intacct.com/ia/xml/xmlgw.phtml", GATEWAY).startswith("https://api-eu")
    assert trusted_endpoint("http://127.0.0.1:8123/other", "http://127.0.0.1:8123/xml") == "http://127.0.0.1:8123/other"


_SHORT = ('<data listtype="customer" count="3" totalcount="3" numremaining="0" resultId="">'
          '<customer><CUSTOMERID>C1</CUSTOMERID></customer><customer><CUSTOMERID>C2</CUSTOMERID></customer></data>')
"""A page whose ``count`` says 3 but holds 2 records."""


def test_a_page_holding_fewer_records_than_its_count_is_fetched_again(tmp_path: Path, fake: FakeIntacct) -> None:
    fake.fail(lambda r: _answer(_SHORT), after=1)  # the readByQuery, once
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.ok and source.fetched == {"customers": 5}
    assert _functions(fake)[:3] == ["getAPISession", "readByQuery", "readByQuery"]  # the short page asked again


def test_a_page_short_of_its_count_every_time_fails_and_says_so(tmp_path: Path, fake: FakeIntacct) -> None:
    fake.fail(lambda r: _answer(_SHORT), after=1, times=99)
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error is not None and 'customers page 1 says count="3" but holds 2 record(s); the response may ' \
                                          'be torn' in source.error


_ONE = ('<customer><RECORDNO>1</RECORDNO><CUSTOMERID>C-001</CUSTOMERID><NAME>Customer 1</NAME>'
        '<WHENMODIFIED>01/01/2026 00:00:00</WHENMODIFIED></customer>')


def test_records_remaining_without_a_result_id_fail_instead_of_ending(tmp_path: Path, fake: FakeIntacct) -> None:
    root = _ws(tmp_path)
    assert pull(root, fake, ENV).sources[0].ok
    fake.fail(lambda r: _answer(f'<data listtype="customer" count="1" totalcount="5" numremaining="4" resultId="">'
                                f'{_ONE}</data>'), after=1)  # readByQuery
    [source] = pull(root, fake, ENV, full=True).sources
    assert source.error is not None and source.error.startswith(
        "source 'intacct': Sage Intacct answered customers page 1 with numremaining=\"4\" but no resultId to read "
        "them with; the list was not taken as complete: pull again (previous data from ")
    assert source.totals == {"customers": 5}


def test_a_read_more_that_does_not_advance_fails_instead_of_looping(tmp_path: Path, fake: FakeIntacct) -> None:
    stuck = '<data listtype="customer" count="0" totalcount="5" numremaining="3" resultId="result-9"/>'
    fake.fail(lambda r: _answer(stuck), after=2, times=40)  # every readMore
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error == (
        "source 'intacct': Sage Intacct answered customers page 2 with numremaining=\"3\", no fewer than before "
        "(3), so readMore would never end; the list was not taken as complete: pull again (nothing pulled yet for "
        "this source)")
    assert _functions(fake) == ["getAPISession", "readByQuery", "readMore"]


def test_an_unreadable_numremaining_fails_naming_it(tmp_path: Path, fake: FakeIntacct) -> None:
    fake.fail(lambda r: _answer(f'<data listtype="customer" count="1" numremaining="many" resultId="r-1">{_ONE}'
                                f'</data>'), after=1)
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error == (
        "source 'intacct': Sage Intacct answered customers page 1 with numremaining=\"many\", not a number of "
        "records; the list was not taken as complete: pull again (nothing pulled yet for this source)")


def test_a_session_ended_mid_pull_says_pull_again_not_check_the_password(tmp_path: Path, fake: FakeIntacct) -> None:
    expired = httpx.Response(200, content=(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>success</status></control><operation>'
        b'<authentication><status>failure</status></authentication><errormessage><error><errorno>XL03000006'
        b'</errorno><description2>Sign-in information is incorrect</description2></error></errormessage>'
        b'</operation></response>'))
    fake.fail(lambda r: expired, after=2)  # the first readMore, its session gone
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error == (
        "source 'intacct': Sage Intacct refused the API session for customers page 2 (XL03000006 Sign-in "
        "information is incorrect): the session ended while pulling (it expired or was signed out); pull again "
        "(nothing pulled yet for this source)")


def _more_page(count: int, left: int, records: str) -> str:
    return (f'<data listtype="customer" count="{count}" totalcount="5" numremaining="{left}" resultId="">{records}'
            f'</data>')


_THIRD = _ONE.replace("<RECORDNO>1<", "<RECORDNO>3<").replace("C-001", "C-003")


def test_a_read_more_that_leaves_records_out_fails_instead_of_ending(tmp_path: Path, fake: FakeIntacct) -> None:
    """Page 1 holds 2 of 5 (numremaining 3); the readMore holds 1 and says none remain: 2 were never sent.

    The same responses saved by hand make the reader warn (3 of totalcount=5); pulled, the source was fresh
    with 3 customers, as the saved pages keep neither totalcount nor numremaining."""
    root = _ws(tmp_path)
    assert pull(root, fake, ENV).sources[0].ok
    fake.fail(lambda r: _answer(_more_page(1, 0, _THIRD)), after=2)  # the first readMore
    [source] = pull(root, fake, ENV, full=True).sources
    assert source.error is not None and source.error.startswith(
        "source 'intacct': Sage Intacct answered customers page 2 with 1 record(s) and numremaining=\"0\", but 3 "
        "remained before it, so 2 record(s) were left out; the list was not taken as complete: pull again (previous "
        "data from ")
    assert source.totals == {"customers": 5}


def test_a_first_page_short_of_its_totalcount_fails(tmp_path: Path, fake: FakeIntacct) -> None:
    fake.fail(lambda r: _answer(_more_page(1, 0, _ONE)), after=1)  # the readByQuery: 1 record of totalcount 5
    [source] = pull(_ws(tmp_path), fake, ENV).sources
    assert source.error == (
        "source 'intacct': Sage Intacct answered customers page 1 with 1 record(s) and numremaining=\"0\", but its "
        "totalcount is 5, so 4 record(s) were left out; the list was not taken as complete: pull again (nothing "
        "pulled yet for this source)")
