"""The shared HTTP behaviour, through the BigCommerce connector: timeouts, torn pages, 429 and request windows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors.fakes.base import FakeClock, Table, json_response
from bridgewatch.connectors.fakes.bigcommerce import STORE, TOKEN, FakeBigCommerce
from bridgewatch.connectors.http.retry import retry_after
from tests.connectors.helpers import files, pull, read_back, workspace

ENV = {"BC_TOKEN": TOKEN}


@pytest.fixture
def fake() -> FakeBigCommerce:
    customers = [{"id": i, "email": f"c{i}@shop.test"} for i in range(1, 6)]
    return FakeBigCommerce(clock=FakeClock(), customers=Table("id", customers))


def _ws(tmp_path: Path) -> Path:
    api = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "page_size": 2, "resources": ["customers"]}
    return workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": api}})


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def _ids(root: Path) -> list[str]:
    rows = read_back(root, "bc", "bigcommerce_api").tables["commerce_customers"]
    return sorted(rows.column("customer_id").to_pylist())


def test_timeout_is_retried(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.fail(_timeout, after=1)
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].ok and _ids(tmp_path) == ["1", "2", "3", "4", "5"]
    assert fake.clock.sleeps == [1.0]


def test_timeouts_until_the_budget_is_spent_say_what_to_do(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.fail(_timeout, times=99)
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        "source 'bc': BigCommerce did not answer for customers page 1 (timed out) after 5 attempts; raise "
        "timeout_seconds or pull again later (nothing pulled yet for this source)")


def test_torn_page_is_fetched_again(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.fail(lambda r: httpx.Response(200, content=b'{"data":[{"id":3,"email":"c3@sh'), after=1)
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 5} and _ids(tmp_path) == ["1", "2", "3", "4", "5"]
    assert len(fake.requests) == 4


def test_invalid_page_every_time_fails_and_keeps_the_previous_pages(tmp_path: Path, fake: FakeBigCommerce) -> None:
    root = _ws(tmp_path)
    pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    before = files(root, "bc")
    fake.customers.put({"id": 9, "email": "new@shop.test"}, datetime(2026, 3, 1, tzinfo=UTC))
    fake.fail(lambda r: httpx.Response(200, content=b"<html>Bad gateway</html>"), times=99)
    report = pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error is not None and report.sources[0].error.startswith(
        "source 'bc': BigCommerce kept failing for customers page 1 (customers page 1 is not valid JSON (broken at "
        "byte 0); the response may be torn) after 5 attempts; the vendor may be down; pull again later (previous "
        "data from ")
    assert files(root, "bc") == before and _ids(root) == ["1", "2", "3", "4", "5"]


def test_429_waits_the_reset_window(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.fail(lambda r: json_response({"status": 429}, 429, {"X-Rate-Limit-Time-Reset-Ms": "4500",
                                                              "X-Rate-Limit-Requests-Left": "0"}))
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 5}
    assert fake.clock.sleeps == [4.5]


def test_spent_request_window_is_waited_out_before_the_next_request(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.quota = 2  # two requests per 30-second window: the third waits for the window to reset
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 5}
    assert fake.clock.sleeps == [30.0]
    assert len(fake.requests) == 3  # never throttled: the pacer waited before the third request
    assert report.sources[0].waits == 1


def test_a_wait_longer_than_the_budget_fails_instead_of_sleeping(tmp_path: Path, fake: FakeBigCommerce) -> None:
    fake.fail(lambda r: json_response({"status": 429}, 429, {"Retry-After": "3600"}))
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        "source 'bc': BigCommerce asked to wait 3600 s before customers page 1, more than max_wait_seconds (300); "
        "pull again later (nothing pulled yet for this source)")
    assert fake.clock.sleeps == []


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 4, 13, 12, 0, 0, tzinfo=UTC)
    assert retry_after({"retry-after": "Mon, 13 Apr 2026 12:00:30 GMT"}, now) == 30.0
    assert retry_after({"retry-after": "12"}, now) == 12.0
    assert retry_after({}, now) is None


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_the_token_stays_home(tmp_path: Path, fake: FakeBigCommerce,
                                                             status: int) -> None:
    from bridgewatch.connectors.fakes.base import route

    elsewhere: list[httpx.Request] = []
    fake.fail(lambda r: httpx.Response(status, headers={"Location": "https://other.test:8443/grab?sig=s3cret"}))
    handler = route({"api.bigcommerce.com": fake, "other.test": lambda r: elsewhere.append(r) or json_response({})})
    report = pull(_ws(tmp_path), handler, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        f"source 'bc': BigCommerce redirected customers page 1 to https://other.test:8443/grab ({status}); redirects "
        f"are not followed, so credentials never go to another address: check api.store (the store hash) and, for "
        f"B2B objects, that B2B Edition is enabled (nothing pulled yet for this source)")
    assert elsewhere == [] and len(fake.requests) == 1  # not followed, not retried


def test_a_spent_window_longer_than_the_budget_fails_instead_of_sleeping(tmp_path: Path,
                                                                          fake: FakeBigCommerce) -> None:
    """The pacer's wait (a spent window whose reset is an hour away) is held to max_wait_seconds like a 429's."""
    fake.fail(lambda r: json_response({"data": [{"id": 1, "email": "c1@shop.test"}, {"id": 2, "email": "c2@shop.test"}],
                                       "meta": {"pagination": {"total_pages": 3}}}, 200,
                                      {"X-Rate-Limit-Requests-Left": "0", "X-Rate-Limit-Time-Reset-Ms": "3600000"}))
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        "source 'bc': BigCommerce asked to wait 3600 s before customers page 2, more than max_wait_seconds (300); "
        "pull again later (nothing pulled yet for this source)")
    assert fake.clock.sleeps == []  # was [3600.0]: the pull slept an hour, holding the workspace's pull lock


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_a_retry_after_that_is_no_number_of_seconds_is_no_hint(value: str) -> None:
    """Was nan (time.sleep(nan) raised ValueError: an internal error 'bridgewatch bug') or inf."""
    assert retry_after({"retry-after": value}) is None


class _Trickle(httpx.SyncByteStream):
    """A body sent a few bytes at a time, 30 s apart (each wait under the read timeout): never a read timeout."""

    def __init__(self, clock: FakeClock, body: bytes, size: int = 8) -> None:
        self.clock, self.body, self.size = clock, body, size

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.body), self.size):
            self.clock.now += 30
            yield self.body[i:i + self.size]


def test_an_answer_that_trickles_in_past_timeout_seconds_times_out(tmp_path: Path, fake: FakeBigCommerce) -> None:
    """Every read came within timeout_seconds, so the page took 30 s x 8 = 240 s and the pull waited (a server
    trickling for hours held the pull and its lock that long); the whole answer now has timeout_seconds."""
    body = b'{"data": [], "meta": {}}'
    fake.fail(lambda r: httpx.Response(200, headers={"content-type": "application/json"},
                                       stream=_Trickle(fake.clock, body)), times=99)
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error == (
        "source 'bc': BigCommerce did not answer for customers page 1 (timed out) after 5 attempts; raise "
        "timeout_seconds or pull again later (nothing pulled yet for this source)")
    assert fake.clock.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_an_answer_that_arrives_within_timeout_seconds_is_read(tmp_path: Path, fake: FakeBigCommerce) -> None:
    body = b'{"data": [{"id": 1, "email": "c1@shop.test"}], "meta": {"pagination": {"total_pages": 1}}}'
    fake.fail(lambda r: httpx.Response(200, headers={"content-type": "application/json"},
                                       stream=_Trickle(fake.clock, body, len(body) // 2 + 1)))  # 2 reads: 60 s
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].fetched == {"customers": 1} and fake.clock.sleeps == []


def test_an_answer_that_cannot_be_decompressed_is_retried_then_fails_as_torn(tmp_path: Path,
                                                                            fake: FakeBigCommerce) -> None:
    """A proxy that labels a plain (or cut) body gzip: was an internal error calling itself a bridgewatch bug."""
    def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-encoding": "gzip", "content-type": "application/json"},
                              stream=httpx.ByteStream(b'{"data": []}'))
    fake.fail(garbled, times=1)
    assert pull(_ws(tmp_path), fake, ENV, fake.clock).sources[0].fetched == {"customers": 5}  # type: ignore[arg-type]
    fake.fail(garbled, times=99)
    report = pull(_ws(tmp_path), fake, ENV, fake.clock, full=True)  # type: ignore[arg-type]
    assert report.sources[0].error is not None and report.sources[0].error.startswith(
        "source 'bc': BigCommerce kept failing for customers page 1 (could not be decompressed: the body does not "
        "match its Content-Encoding; the response may be torn) after 5 attempts; the vendor may be down; pull again "
        "later (previous data from ")
