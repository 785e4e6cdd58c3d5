"""Safe by construction: headers and CSP, no inline script, inert names, cookies, CSRF, sign-out, rate limits,
the trusted SSO header, anonymous mode only on loopback, ids bound as parameters."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import Markup
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.web.app import create_app
from bridgewatch.web.security import CSP
from bridgewatch.web.settings import is_loopback, networks

from .conftest import D365, D365_CARD, FAST_HASHER, PASSWORD, SAGE, SAGE_CARD, SCRIPT_NAME, Demo, signed_in, token_of
from .pagetext import table, text

D365_URL = f"/w/{D365}/cards/{D365_CARD}"
PAGES = ["/", D365_URL, f"{D365_URL}?lens=marketing", f"{D365_URL}?lens=operations", f"{D365_URL}?lens=finance",
         f"{D365_URL}/worklist", f"{D365_URL}/worklist?sort=name", f"{D365_URL}/customers/B-1003",
         f"{D365_URL}/history", f"/w/{D365}/alerts", f"/w/{D365}/users", f"/w/{SAGE}/cards/{SAGE_CARD}"]
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
LOCAL_URL = "http://127.0.0.1:8000"
"""The address a browser on this machine opens (`serve` listens on 127.0.0.1:8000 by default)."""


@pytest.fixture(scope="module")
def owner(web: FastAPI) -> TestClient:
    return signed_in(web, "owner@example.com")


def test_every_response_carries_the_security_headers(owner: TestClient) -> None:
    for url in [*PAGES, "/static/app.css", "/w/nope", f"{D365_URL}/worklist.csv", "/signin"]:
        response = owner.get(url, follow_redirects=False)
        assert response.headers["content-security-policy"] == CSP, url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "unsafe-eval" not in CSP


def test_pages_have_no_inline_script_style_or_handler(owner: TestClient) -> None:
    for url in PAGES:
        html = owner.get(url).text
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/htmx.min.js" defer>'], url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r'(src|href)="(https?:)?//', html), url


def test_a_customer_named_script_is_text_on_every_page_that_shows_it(owner: TestClient) -> None:
    shown = 0
    for url in PAGES:
        html = owner.get(url).text
        assert SCRIPT_NAME not in html, url
        shown += ESCAPED in html
    assert shown >= 4  # the card's top rows, the worklist (twice sorted), the customer page
    assert owner.get(f"{D365_URL}/customers/B-1003").text.count(ESCAPED) == 1  # the heading


def test_session_and_csrf_cookies_are_httponly_samesite_and_secure_over_tls(web: FastAPI) -> None:
    plain = TestClient(web)
    csrf = plain.get("/signin").headers["set-cookie"]
    assert "HttpOnly" in csrf and "SameSite=lax" in csrf and "Secure" not in csrf
    token = token_of(plain.get("/signin").text)
    cookie = plain.post("/signin", data={"name": "finance@example.com", "password": PASSWORD, "csrf_token": token},
                        follow_redirects=False).headers["set-cookie"]
    session = next(c for c in cookie.split(", ") if c.startswith("bw_session="))  # a new CSRF cookie comes too
    assert re.match(r"bw_session=[\w.-]+; HttpOnly; Max-Age=43200; Path=/; SameSite=lax$", session)
    tls = TestClient(web, base_url="https://testserver")
    token = token_of(tls.get("/signin").text)
    cookie = tls.post("/signin", data={"name": "finance@example.com", "password": PASSWORD, "csrf_token": token},
                      follow_redirects=False).headers["set-cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie


def test_state_changing_forms_without_the_right_token_are_refused(web: FastAPI) -> None:
    client, stranger = signed_in(web, "owner@example.com"), TestClient(web)
    foreign = token_of(stranger.get("/signin").text)
    for url, data in (("/signin", {"name": "owner@example.com", "password": PASSWORD}), ("/signout", {}),
                      (f"/w/{D365}/users/grant", {"name": "finance@example.com", "role": "owner"}),
                      (f"/w/{D365}/users/revoke", {"name": "finance@example.com", "role": "finance"})):
        for token in (None, "forged", foreign):
            form = data | ({"csrf_token": token} if token else {})
            response = client.post(url, data=form, follow_redirects=False)
            assert response.status_code == 403, (url, token)
            assert "did not come from this site" in response.text
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_signing_out_ends_the_session_on_the_server(web: FastAPI) -> None:
    client = signed_in(web, "finance@example.com")
    stolen = client.cookies["bw_session"]
    response = client.post("/signout", data={"csrf_token": token_of(client.get("/").text)}, follow_redirects=False)
    assert response.headers["location"] == "/signin" and 'bw_session=""' in response.headers["set-cookie"]
    replay = TestClient(web, cookies={"bw_session": stolen})
    assert replay.get("/", follow_redirects=False).headers["location"] == "/signin?next=%2F"
    tampered = TestClient(web, cookies={"bw_session": stolen[:-2] + "xx"})
    assert tampered.get("/", follow_redirects=False).status_code == 303


def test_sign_in_is_rate_limited_and_does_not_say_which_part_was_wrong(demo: Demo) -> None:
    client = TestClient(create_app(demo.settings(), hasher=FAST_HASHER, warm=False))

    def attempt(name: str, password: str) -> object:
        token = token_of(client.get("/signin").text)
        return client.post("/signin", data={"name": name, "password": password, "csrf_token": token},
                           follow_redirects=False)

    unknown, wrong = attempt("nobody@example.com", "whatever it is"), attempt("finance@example.com", "not it at all")
    assert unknown.status_code == wrong.status_code == 401  # type: ignore[attr-defined]
    assert "That user name and password do not match." in unknown.text  # type: ignore[attr-defined]
    for _ in range(4):
        attempt("finance@example.com", "still not it")
    refused = attempt("finance@example.com", PASSWORD)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    wait = re.search(r"Too many failed sign-ins. Try again in (\d+) seconds.", refused.text)  # type: ignore[attr-defined]
    assert wait and refused.headers["retry-after"] == wait.group(1)  # type: ignore[attr-defined]
    assert 890 <= int(wait.group(1)) <= 901  # the oldest of the five failures leaves the 15-minute window
    assert attempt("operations@example.com", PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_the_next_page_after_sign_in_is_always_on_this_site(web: FastAPI) -> None:
    client = TestClient(web)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        token = token_of(client.get("/signin").text)
        response = client.post("/signin", data={"name": "finance@example.com", "password": PASSWORD,
                                                "csrf_token": token, "next": target}, follow_redirects=False)
        assert response.headers["location"] == "/", target
        client.cookies.clear()


def test_the_trusted_header_is_believed_only_from_the_configured_proxy(demo: Demo) -> None:
    settings = demo.settings(trusted_header="X-Forwarded-Email", trusted_proxies=networks(["10.0.0.0/30"]))
    app = create_app(settings, hasher=FAST_HASHER, warm=False)
    header = {"X-Forwarded-Email": "Finance@Example.com"}
    proxy = TestClient(app, client=("10.0.0.2", 40000), headers=header)
    assert proxy.get(D365_URL).status_code == 200
    assert proxy.get(f"/w/{SAGE}/alerts").status_code == 404
    elsewhere = TestClient(app, client=("10.0.0.9", 40000), headers=header)
    assert elsewhere.get(D365_URL, follow_redirects=False).status_code == 303
    stranger = TestClient(app, client=("10.0.0.2", 40000), headers={"X-Forwarded-Email": "who@example.com"})
    refused = stranger.get("/")
    assert refused.status_code == 403 and "who@example.com, who is not a bridgewatch user" in refused.text
    default = create_app(demo.settings(), hasher=FAST_HASHER, warm=False)
    off = TestClient(default, client=("10.0.0.2", 1), headers=header)
    assert off.get(D365_URL, follow_redirects=False).status_code == 303


def test_anonymous_read_only_is_refused_on_anything_but_loopback() -> None:
    result = CliRunner().invoke(cli, ["serve", "--workspace", ".", "--allow-anonymous", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--allow-anonymous serves every workspace to anyone who can reach the server" in result.output
    assert [is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost")] == [True] * 5
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.com", "")] == [False] * 5


def test_anonymous_reading_is_for_loopback_peers_that_are_not_a_proxy(demo: Demo) -> None:
    app = create_app(demo.settings(allow_anonymous=True, trusted_proxies=networks(["127.0.0.2"])),
                     hasher=FAST_HASHER, warm=False)
    assert TestClient(app, client=("127.0.0.1", 1), base_url=LOCAL_URL).get(D365_URL).status_code == 200
    for peer in ("10.0.0.2", "192.168.1.5", "127.0.0.2", "testclient"):
        response = TestClient(app, client=(peer, 1), base_url=LOCAL_URL).get(D365_URL, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?"), peer


def test_anonymous_reading_is_only_for_addresses_that_name_this_machine(demo: Demo) -> None:
    """DNS rebinding: a page on http://evil.example:8000 makes its name resolve to 127.0.0.1, so the browser's
    requests reach the dashboard from a loopback peer, and the attacker's script, on the same origin, reads the
    answers. Only a request whose Host names this machine is read without signing in."""
    app = create_app(demo.settings(allow_anonymous=True), hasher=FAST_HASHER, warm=False)
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "http://127.0.0.1"):
        assert TestClient(app, client=("127.0.0.1", 1), base_url=url).get(D365_URL).status_code == 200, url
    for url in ("http://evil.example:8000", "http://127.0.0.1.evil.example:8000", "http://testserver"):
        response = TestClient(app, client=("127.0.0.1", 1), base_url=url).get(D365_URL, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?"), url


def test_anonymous_reading_cannot_be_combined_with_a_trusted_proxy() -> None:
    for extra in (["--trusted-proxy", "10.0.0.5"], ["--trusted-header", "X-Forwarded-Email", "--trusted-proxy",
                                                    "10.0.0.5"]):
        result = CliRunner().invoke(cli, ["serve", "--workspace", ".", "--allow-anonymous", *extra])
        assert result.exit_code != 0
        assert ("--allow-anonymous cannot be combined with --trusted-proxy/--trusted-header" in
                " ".join(result.output.split()))


def test_ids_from_the_address_are_data_never_sql(owner: TestClient) -> None:
    for customer in ("' OR '1'='1", "1; DROP TABLE runs; --", "%' OR 1=1 --", "B-1001' --"):
        assert "Not counted in this run" in owner.get(f"{D365_URL}/customers/{customer}").text
    assert owner.get(D365_URL, params={"run": "' OR 1=1 --"}).status_code == 404
    injected = owner.get(D365_URL, params={"entity": "' OR 1=1 --"})
    assert injected.status_code == 200
    assert "0 customers with active orders absent from the master (of 17 on this card)" in text(injected.text)
    download = owner.get(f"{D365_URL}/worklist.csv", params={"entity": "' OR 1=1 --"}).text
    assert download.count("\n") == 1 and download.startswith("card,workspace,as_of,rank,")  # the header, no row
    rows = table(owner.get("/").text, "Every card of every workspace you can see, from its latest stored run")
    assert [r[2] for r in rows[1:] if r[0] == "US wholesale distributor on D365 F&O"] == ["17"]


def test_passwords_never_reach_the_log(web: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        signed_in(web, "owner@example.com")
    assert PASSWORD not in caplog.text


def test_the_trusted_header_needs_a_proxy_address_and_the_web_extra_is_named_when_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli, ["serve", "--workspace", ".", "--trusted-header", "X-Forwarded-Email"])
    assert result.exit_code == 2 and "--trusted-header needs --trusted-proxy" in result.output
    import importlib.util

    from bridgewatch.errors import WebError
    from bridgewatch.web import require_extra

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xlsxwriter" else real(name))
    with pytest.raises(WebError, match=r"needs the web extra \(xlsxwriter missing\): pip install 'bridgewatch\[web\]'"):
        require_extra()


def test_printed_values_lose_bidirectional_controls_but_keep_right_to_left_letters() -> None:
    """A right-to-left override in a name would reverse the rest of its heading or sentence (the id or amount
    beside it included): every value a template prints loses the embeddings, overrides and isolates; Arabic
    letters, HTML escaping and our own markup stay."""
    from bridgewatch.web.templating import environment

    page = environment().from_string("<h2>{{ name }} <span>{{ id }}</span></h2>{{ mark }}")
    html = page.render(name="\u202eAcme <b>\u2067شركة\u2069", id="B-1003\u202a", mark=Markup("<i>ours</i>"))
    assert html == "<h2>Acme &lt;b&gt;شركة <span>B-1003</span></h2><i>ours</i>"


def test_printed_values_lose_control_characters_so_a_copied_name_cannot_drive_a_terminal() -> None:
    """A name holding an OSC title sequence, a bell or a C1 CSI (U+009B) would be copied from the page with those
    characters and sent to a terminal when pasted: every value a template prints loses the C0 controls (tab and
    line breaks stay) and the C1 controls; the printable rest of the escape sequence stays, as text."""
    from bridgewatch.web.templating import environment

    page = environment().from_string("<td>{{ name }}</td><td>{{ id }}</td>")
    html = page.render(name="Acme\x1b]0;owned\x07 \x1b[31mRed\u009b2J\x00\x7f\u0085 Ltd\tx\ny", id="B-1003\x08")
    assert html == "<td>Acme]0;owned [31mRed2J Ltd\tx\ny</td><td>B-1003</td>"


def test_a_customer_id_from_the_address_with_control_characters_is_printed_without_them(owner: TestClient) -> None:
    html = owner.get(f"{D365_URL}/customers/B-10%1B%5B2J%0703").text
    assert "\x1b" not in html and "\x07" not in html
    assert "Customer B-10[2J03" in html
    assert owner.get(f"{D365_URL}/customers/B-10%0003").status_code == 400  # a NUL: no id holds one


def test_signing_in_gives_the_browser_a_new_csrf_nonce_so_a_planted_one_is_worthless(web: FastAPI) -> None:
    """An attacker who plants their own (validly signed) CSRF cookie in a victim's browser knows its form token; after
    the victim signs in, that token must no longer be accepted for them."""
    attacker = TestClient(web)
    planted_token = token_of(attacker.get("/signin").text)
    planted_cookie = attacker.cookies["bw_csrf"]
    victim = TestClient(web)
    victim.get("/signin")
    victim.cookies.set("bw_csrf", planted_cookie, domain="testserver.local")  # what cookie tossing does
    response = victim.post("/signin", data={"name": "owner@example.com", "password": PASSWORD,
                                            "csrf_token": planted_token}, follow_redirects=False)
    assert response.status_code == 303
    assert victim.cookies["bw_csrf"] != planted_cookie
    forged = victim.post(f"/w/{D365}/users/grant", data={"name": "marketing@example.com", "role": "owner",
                                                         "csrf_token": planted_token}, follow_redirects=False)
    assert forged.status_code == 403
    fresh = token_of(victim.get("/").text)
    assert fresh != planted_token


def test_signing_in_again_in_the_same_browser_ends_the_session_it_held(web: FastAPI) -> None:
    client = signed_in(web, "finance@example.com")
    first = client.cookies["bw_session"]
    token = token_of(client.get("/signin", follow_redirects=True).text)
    response = client.post("/signin", data={"name": "operations@example.com", "password": PASSWORD,
                                            "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and client.cookies["bw_session"] != first
    replay = TestClient(web, cookies={"bw_session": first})
    assert replay.get("/", follow_redirects=False).headers["location"] == "/signin?next=%2F"


def test_sign_ins_made_at_the_same_time_cannot_outrun_the_limit(demo: Demo) -> None:
    """The limit was checked before the password and the failure counted after it, so guesses sent together (one per
    server thread; argon2 takes a while) all passed the check: 8 at once got 8 tries where 5 are allowed."""
    import threading
    import time

    from argon2 import PasswordHasher

    class Slow(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's own name
            time.sleep(0.4)
            return super().verify(hash, password)

    slow = Slow(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(demo.settings(), hasher=slow, warm=False)
    clients = [TestClient(app) for _ in range(8)]
    tokens = [token_of(c.get("/signin").text) for c in clients]
    statuses: list[int] = []

    def guess(client: TestClient, token: str) -> None:
        response = client.post("/signin", data={"name": "finance@example.com", "password": "a wrong guess",
                                                "csrf_token": token}, follow_redirects=False)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [401] * 5 + [429] * 3
    right = clients[0].post("/signin", data={"name": "finance@example.com", "password": PASSWORD,
                                             "csrf_token": tokens[0]}, follow_redirects=False)
    assert right.status_code == 429


def test_an_error_page_never_shows_a_password_from_a_store_url(demo: Demo) -> None:
    """A PostgreSQL URL may carry its password in the query (`?password=`, as libpq reads it), which the URL shown
    in store errors (password hidden from user:password@ only) kept: the 503 page showed it to every reader."""
    from bridgewatch.errors import StoreError
    from bridgewatch.history.database import shown

    url = "postgresql+psycopg://bw@db.internal/bw?sslmode=require&password=s3cr3t-pw&sslpassword=k3y-pw"
    app = create_app(demo.settings(), hasher=FAST_HASHER, warm=False)

    def broken() -> None:
        raise StoreError(f"run store {shown(url)}: could not read a stored run: connection refused. Check that the "
                         f"database is reachable and writable, or run with --no-store.")

    app.add_api_route("/broken", broken)
    page = TestClient(app).get("/broken")
    assert page.status_code == 503
    assert "s3cr3t-pw" not in page.text and "k3y-pw" not in page.text
    assert "run store postgresql+psycopg://bw@db.internal/bw?password=***&amp;sslmode=require&amp;sslpassword=***" \
        in page.text


def test_a_failed_run_or_a_delivery_error_shown_on_a_page_hides_url_secrets() -> None:
    """A failed run's stored error and an alert delivery's last error are printed on pages as they were stored;
    one that quotes a URL must not show its password or token there."""
    from types import SimpleNamespace

    from bridgewatch.web.templating import environment

    error = ("run store postgresql://bw@db/bw?password=s3cr3t: could not read; webhook "
             "https://hooks.example/x?token=t0k3n failed")
    page = environment().from_string('{% import "_macros.html" as m %}{{ m.failed_warning(f) }}').render(
        f=SimpleNamespace(run_id="r1", at=None, error=error))
    assert "s3cr3t" not in page and "t0k3n" not in page
    assert "postgresql://bw@db/bw?password=*** could not read" not in page  # the colon after the value stays
    assert ("postgresql://bw@db/bw?password=***: could not read; webhook https://hooks.example/x?token=*** failed"
            in page)


def test_a_browser_that_reached_the_dashboard_over_tls_is_told_to_keep_to_it(web: FastAPI) -> None:
    """Served with --tls-cert (or behind a proxy that says https), nothing told the browser to refuse a later
    plain-HTTP visit, which someone on the network can intercept (SSL stripping) before the Secure cookie matters."""
    tls = TestClient(web, base_url="https://testserver")
    for url in ("/signin", "/static/app.css", "/nope"):
        assert tls.get(url).headers["strict-transport-security"] == "max-age=31536000", url
    assert "strict-transport-security" not in TestClient(web).get("/signin").headers  # plain HTTP: never
