"""Dynamics 365 F&O, Business Central, Dataverse and flow runs: Entra tokens, nextLink paging, 429 waits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors.fakes.base import FakeClock, Table, json_response, route
from bridgewatch.connectors.fakes.microsoft import CLIENT_ID, CLIENT_SECRET, TENANT, FakeEntra, FakeOData
from tests.connectors.helpers import pull, read_back, workspace

ENV = {"D365_SECRET": CLIENT_SECRET}
ENTRA = "https://login.test"
FO = "https://fo.test"


def _fo(i: int, area: str = "usti") -> dict[str, object]:
    return {"dataAreaId": area, "CustomerAccount": f"US-{i:03d}", "OrganizationName": f"Org {i}",
            "PrimaryContactEmail": f"ap{i}@org.test", "OnHoldStatus": "No"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fakes(clock: FakeClock) -> tuple[FakeEntra, FakeOData]:
    entra = FakeEntra(clock=clock)
    rows = [_fo(i) for i in range(1, 6)] + [_fo(1, "catu")]
    odata = FakeOData(clock=clock, entra=entra, collections={"/data/CustomersV3": (Table("CustomerAccount", rows),
                                                                                   None)})
    return entra, odata


def _ws(tmp_path: Path, **api: object) -> Path:
    settings = {"base_url": FO, "tenant": TENANT, "client_id": CLIENT_ID, "auth_url": ENTRA, "page_size": 2,
                "secrets": {"client_secret": "D365_SECRET"}, **api}
    return workspace(tmp_path, {"d365": {"reader": "d365_fo_odata", "path": "pulled/d365", "api": settings}},
                     erp="d365_fo")


def _handler(fakes: tuple[FakeEntra, FakeOData]) -> object:
    return route({"login.test": fakes[0], "fo.test": fakes[1]})


def test_cross_company_pages_follow_next_link(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData],
                                              clock: FakeClock) -> None:
    root = _ws(tmp_path)
    report = pull(root, _handler(fakes), ENV, clock)
    assert report.sources[0].ok, report.sources[0].error
    assert report.sources[0].fetched == {"customers": 6} and report.sources[0].pages == 3
    sent = [dict(r.url.params) for r in fakes[1].requests]
    assert sent == [{"cross-company": "true"}, {"cross-company": "true", "$skiptoken": "2"},
                    {"cross-company": "true", "$skiptoken": "4"}]
    rows = read_back(root, "d365", "d365_fo_odata").tables["erp_customers"]
    assert sorted(zip(rows.column("legal_entity").to_pylist(), rows.column("customer_account").to_pylist(),
                      strict=True))[:2] == [("CATU", "US-001"), ("USTI", "US-001")]
    assert fakes[0].issued == 1


def test_429_waits_the_retry_after_then_continues(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData],
                                                  clock: FakeClock) -> None:
    fakes[1].fail(lambda r: json_response({"error": {"code": "429", "message": "This request could not be processed "
                                                     "at this time due to system experiencing high resource "
                                                     "utilization."}}, 429, {"Retry-After": "7"}), after=1)
    report = pull(_ws(tmp_path), _handler(fakes), ENV, clock)
    assert report.sources[0].fetched == {"customers": 6}
    assert clock.sleeps == [7.0]
    assert report.sources[0].waits == 1 and report.sources[0].waited_seconds == 7.0


def test_token_expiring_mid_pull_is_replaced_once(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData],
                                                  clock: FakeClock) -> None:
    entra, odata = fakes
    odata.fail(lambda r: (entra.expire_all(), odata.handle(r))[1], after=1)  # page 2 finds its token expired
    report = pull(_ws(tmp_path), _handler(fakes), ENV, clock)
    assert report.sources[0].ok and report.sources[0].fetched == {"customers": 6}
    assert entra.issued == 2
    assert len(odata.requests) == 4  # page 1, page 2 refused (401), page 2 with the new token, page 3


def test_5xx_then_success_backs_off_exponentially(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData],
                                                  clock: FakeClock) -> None:
    fakes[1].fail(lambda r: json_response({"error": {"message": "Service Unavailable"}}, 503), times=2)
    report = pull(_ws(tmp_path), _handler(fakes), ENV, clock)
    assert report.sources[0].fetched == {"customers": 6}
    assert clock.sleeps == [1.0, 2.0]


def test_vendor_down_is_one_line_naming_source_and_what_to_do(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData],
                                                              clock: FakeClock) -> None:
    fakes[1].fail(lambda r: json_response({"error": {"message": "Service Unavailable"}}, 503), times=99)
    report = pull(_ws(tmp_path), _handler(fakes), ENV, clock)
    assert report.sources[0].error == (
        "source 'd365': Dynamics 365 F&O kept failing for CustomersV3 page 1 (503 Service Unavailable: Service "
        "Unavailable) after 5 attempts; the vendor may be down; pull again later (nothing pulled yet for this source)")
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]


@pytest.mark.parametrize(("env", "api", "message"), [
    ({"D365_SECRET": "an-old-secret-value"}, {},
     "source 'd365': Microsoft Entra refused the client credentials (AADSTS7000215): the client secret was refused "
     "(wrong or expired): put a current secret in D365_SECRET"),
    (ENV, {"tenant": "no-such-tenant"}, "source 'd365': Microsoft Entra sign-in failed: tenant no-such-tenant was not "
                                        "found at https://login.test; check api.tenant and api.auth_url"),
    (ENV, {"client_id": "someone-else"}, "source 'd365': Microsoft Entra refused the client credentials "
                                         "(AADSTS700016): application someone-else is not registered in tenant "
                                         f"{TENANT}: check api.client_id and api.tenant"),
])
def test_credential_errors_say_what_to_fix(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData], clock: FakeClock,
                                           env: dict[str, str], api: dict[str, str], message: str) -> None:
    report = pull(_ws(tmp_path, **api), _handler(fakes), env, clock)
    assert report.sources[0].error is not None and report.sources[0].error.startswith(message)


def test_dataverse_refresh_filters_on_modifiedon(tmp_path: Path, clock: FakeClock) -> None:
    entra = FakeEntra(clock=clock)
    accounts = Table("accountid", [{"accountid": f"a{i}", "accountnumber": None, "emailaddress1": f"x{i}@dv.test",
                                    "statecode": 0} for i in range(3)])
    odata = FakeOData(clock=clock, entra=entra, collections={"/api/data/v9.2/accounts": (accounts, "modifiedon"),
                                                             "/api/data/v9.2/contacts": (Table("contactid"),
                                                                                         "modifiedon")})
    api = {"base_url": "https://org.test", "tenant": TENANT, "client_id": CLIENT_ID, "auth_url": ENTRA,
           "secrets": {"client_secret": "D365_SECRET"}}
    root = workspace(tmp_path, {"dv": {"reader": "dataverse_api", "path": "pulled/dv", "api": api}}, erp="d365_fo")
    handler = route({"login.test": entra, "org.test": odata})
    assert pull(root, handler, ENV, clock).sources[0].fetched == {"accounts": 3, "contacts": 0}
    accounts.put({"accountid": "a9", "emailaddress1": "new@dv.test", "statecode": 0}, datetime(2026, 2, 1, tzinfo=UTC))
    odata.requests.clear()
    report = pull(root, handler, ENV, clock)
    assert report.sources[0].fetched == {"accounts": 2, "contacts": 0}  # a2 (look-back) and the new a9
    assert report.sources[0].modes == {"accounts": "incremental", "contacts": "full"}
    assert odata.requests[0].url.params["$filter"] == "modifiedon ge 2025-12-30T23:00:00Z"
    rows = read_back(root, "dv", "dataverse_api").tables["staging_records"]
    assert sorted(rows.column("record_id").to_pylist()) == ["a0", "a1", "a2", "a9"]


@pytest.mark.parametrize("where", ["/oauth2/v2.0/token", "/.well-known/openid-configuration"])
def test_entra_down_is_retried_then_named_never_a_bug(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData],
                                                     clock: FakeClock, where: str) -> None:
    entra, odata = fakes
    entra.fail(lambda r: httpx.Response(503, text="<html>Service Unavailable</html>"), path=where, times=99)
    [source] = pull(_ws(tmp_path), route({"login.test": entra, "fo.test": odata}), ENV, clock).sources
    assert source.error == (
        "source 'd365': Dynamics 365 F&O kept failing for CustomersV3 page 1 (the Microsoft Entra token service at "
        "https://login.test answered 503) after 5 attempts; the vendor may be down; pull again later (nothing pulled "
        "yet for this source)")
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert odata.requests == []


def test_entra_back_after_a_503_lets_the_pull_go_on(tmp_path: Path, fakes: tuple[FakeEntra, FakeOData],
                                                   clock: FakeClock) -> None:
    entra, odata = fakes
    entra.fail(lambda r: httpx.Response(503, text="busy"), path="/oauth2/v2.0/token", times=1)
    [source] = pull(_ws(tmp_path), route({"login.test": entra, "fo.test": odata}), ENV, clock).sources
    assert source.ok and source.fetched == {"customers": 6}
