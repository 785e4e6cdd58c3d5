"""Freshness (pull_status), secrets that never print, redaction of echoed secrets, config validation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors import pull_status
from bridgewatch.connectors.fakes.base import FakeClock, Table, json_response
from bridgewatch.connectors.fakes.bigcommerce import STORE, TOKEN, FakeBigCommerce
from bridgewatch.connectors.http.redact import Redactor
from bridgewatch.connectors.secrets import Secret
from bridgewatch.errors import ConfigError
from tests.connectors.helpers import pull, workspace

ENV = {"BC_TOKEN": TOKEN}


def _ws(tmp_path: Path, **api: object) -> Path:
    settings = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "resources": ["customers"], **api}
    return workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": settings}})


def _fake() -> FakeBigCommerce:
    return FakeBigCommerce(clock=FakeClock(), customers=Table("id", [{"id": 1, "email": "a@shop.test"}]))


def test_status_moves_from_never_to_fresh_to_failed(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    assert pull_status(root)["bc"].state == "never"
    fake = _fake()
    pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    fresh = pull_status(root)["bc"]
    assert (fresh.state, fresh.stale, fresh.records, fresh.last_error) == ("fresh", False, {"customers": 1}, None)
    fake.fail(lambda r: httpx.Response(503), times=99)
    pull(root, fake, ENV, fake.clock)  # type: ignore[arg-type]
    failed = pull_status(root)["bc"]
    assert (failed.state, failed.stale, failed.last_success) == ("failed", True, fresh.last_success)
    assert failed.last_error == ("source 'bc': BigCommerce kept failing for customers page 1 (503 Service "
                                 "Unavailable) after 5 attempts; the vendor may be down; pull again later")
    assert failed.to_dict()["state"] == "failed"


def test_secret_never_prints() -> None:
    secret = Secret("s3cr3t-value", "BC_TOKEN")
    assert repr(secret) == str(secret) == f"{secret}" == "Secret(BC_TOKEN=***)"
    assert secret.reveal() == "s3cr3t-value"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)


def test_redactor_masks_values_and_credential_parameters() -> None:
    redactor = Redactor([Secret("tok-123456", "T")])
    assert redactor.text("header tok-123456 echoed") == "header *** echoed"
    assert redactor.url("https://u:p@x.test/a?access_token=abc&page=2&X-Goog-Signature=zz") == \
        "https://x.test/a?access_token=***&page=2&X-Goog-Signature=***"


def test_vendor_echoing_the_token_in_an_error_is_masked(tmp_path: Path) -> None:
    fake = _fake()
    fake.fail(lambda r: json_response({"title": f"token {r.headers['x-auth-token']} lacks scope"}, 403))
    report = pull(_ws(tmp_path), fake, ENV, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].error is not None and TOKEN not in report.sources[0].error
    assert "token *** lacks scope" in report.sources[0].error


def test_every_problem_of_every_source_is_reported_at_once(tmp_path: Path) -> None:
    root = workspace(tmp_path, {
        "bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": {"secrets": {"token": "NOPE"}}},
        "csv": {"reader": "shopify_csv", "path": "exports/*.csv", "api": {"base_url": "https://x.test"}},
        "glob": {"reader": "sage_intacct_xml", "path": "pulled/*.xml", "api": {
            "sender_id": "s", "user": "u", "company_id": "c",
            "secrets": {"sender_password": "A", "user_password": "B"}}}})
    with pytest.raises(ConfigError) as caught:
        pull(root, _fake(), {"A": "x", "B": "y"})
    message = str(caught.value)
    assert "sources.bc.api.store: required for BigCommerce" in message
    assert "sources.csv.api: reader 'shopify_csv' has no API connector. Unknown API connector 'shopify_csv'. " \
           "Did you mean shopify_api?" in message
    assert "sources.glob.path: 'pulled/*.xml' is a glob; a pulled source needs a folder name" in message


def test_path_holding_exports_is_refused(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    (root / "pulled" / "bc").mkdir(parents=True)
    (root / "pulled" / "bc" / "customers.json").write_text("{}")
    with pytest.raises(ConfigError, match="already holds files bridgewatch did not pull"):
        pull(root, _fake(), ENV)


def test_a_pull_stopped_by_settings_leaves_no_source_fresh(tmp_path: Path) -> None:
    api = {"store": STORE, "resources": ["customers"]}
    root = workspace(tmp_path, {
        "bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": {**api, "secrets": {"token": "BC_TOKEN"}}},
        "bc2": {"reader": "bigcommerce_api", "path": "pulled/bc2", "api": {**api, "secrets": {"token": "BC2_TOKEN"}}}})
    fake = _fake()
    pull(root, fake, {"BC_TOKEN": TOKEN, "BC2_TOKEN": TOKEN}, fake.clock)
    assert {n: s.state for n, s in pull_status(root).items()} == {"bc": "fresh", "bc2": "fresh"}
    with pytest.raises(ConfigError):
        pull(root, fake, ENV, fake.clock)  # BC2_TOKEN is gone: nothing is pulled
    status = pull_status(root)
    assert {n: s.state for n, s in status.items()} == {"bc": "failed", "bc2": "failed"}
    assert status["bc2"].last_error == (
        "source 'bc2': cannot pull, secrets missing:\n  - sources.bc2.api.secrets.token: environment variable "
        "BC2_TOKEN is not set; set it to the store API account access token (X-Auth-Token)")
    assert status["bc"].last_error == ("source 'bc': not pulled: the pull stopped at the settings of source 'bc2'; "
                                       "fix them and pull again")
    pull(root, fake, {"BC_TOKEN": TOKEN, "BC2_TOKEN": TOKEN}, fake.clock)
    assert {n: s.state for n, s in pull_status(root).items()} == {"bc": "fresh", "bc2": "fresh"}


def test_settings_problems_never_pulled_say_never(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc",
                                       "api": {"secrets": {"token": "BC_TOKEN"}}}})
    with pytest.raises(ConfigError):
        pull(root, _fake(), ENV)
    status = pull_status(root)["bc"]
    assert (status.state, status.last_error) == ("never", "source 'bc': sources.bc.api.store: required for "
                                                          "BigCommerce")


def test_a_secret_is_masked_in_its_escaped_forms_too() -> None:
    """An Intacct password with XML/JSON/URL-special characters, as an echo, a repr or a log would show it."""
    secret = 'pa"ss\\w&rd<1>+é'
    redactor = Redactor([Secret(secret, "IA_USER")])
    echoed = {
        "xml": "<password>pa&quot;ss\\w&amp;rd&lt;1&gt;+é</password>",
        "json": '{"password": "pa\\"ss\\\\w&rd<1>+\\u00e9"}',
        "repr": "Illegal header value b'pa\"ss\\\\w&rd<1>+\\xc3\\xa9'",
        "url": "https://x.test/?p=pa%22ss%5Cw%26rd%3C1%3E%2B%C3%A9",
        "form": "password=pa%22ss%5Cw%26rd%3C1%3E%2B%C3%A9&user=u",
    }
    assert {k: redactor.text(v) for k, v in echoed.items()} == {
        "xml": "<password>***</password>", "json": '{"password": "***"}', "repr": "Illegal header value b'***'",
        "url": "https://x.test/?p=***", "form": "password=***&user=u"}


def test_a_secret_ending_in_a_line_break_is_sent_without_it(tmp_path: Path) -> None:
    """A token saved in a file (``echo > file``, a mounted secret) ends in a line break: the header would be
    refused before it is sent, retried as if the vendor were down (was: 401 here, behind a real connection
    'could not connect (LocalProtocolError)' after 5 attempts, the vendor called down)."""
    fake = _fake()
    report = pull(_ws(tmp_path), fake, {"BC_TOKEN": TOKEN + "\r\n"}, fake.clock)  # type: ignore[arg-type]
    assert report.sources[0].ok and fake.requests[0].headers["x-auth-token"] == TOKEN


def test_a_secret_holding_a_control_character_is_a_configuration_error(tmp_path: Path) -> None:
    fake = _fake()
    with pytest.raises(ConfigError) as caught:
        pull(_ws(tmp_path), fake, {"BC_TOKEN": "bc-fake\n-token"}, fake.clock)  # type: ignore[arg-type]
    assert str(caught.value).endswith(
        "cannot pull:\nsource 'bc': cannot pull, secrets missing:\n  - sources.bc.api.secrets.token: environment "
        "variable BC_TOKEN holds a control character (a line break, tab or the like) inside its value; set it to "
        "the store API account access token (X-Auth-Token) alone")
    assert fake.requests == [] and "bc-fake" not in str(caught.value)


def test_a_short_secret_is_masked_in_messages_but_never_cuts_pulled_records() -> None:
    redactor = Redactor([Secret("Harbou", "IA_USER"), Secret("log-token-1234", "LOG_TOKEN")])
    record = {"name": "Harbour Tools", "note": "sent log-token-1234", "id": 7}
    assert redactor.scrub(record) == {"name": "Harbour Tools", "note": "sent ***", "id": 7}
    assert redactor.text("sign-in as Harbou refused") == "sign-in as *** refused"
