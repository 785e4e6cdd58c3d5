"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against the real server on 127.0.0.1.

One browser for the module. Every request the pages make is checked: anything not addressed to the
server fails the test. Screenshots of every page (1280×800 and phone width) are saved under the
test output (``<basetemp>/screenshots``), and also to ``$BRIDGEWATCH_SCREENSHOTS`` when it is set
(that is how docs/web.md's pictures are made, as JPEGs).
"""

from __future__ import annotations

import csv
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from bridgewatch.web.app import create_app

from .conftest import D365, D365_CARD, FAST_HASHER, PASSWORD, SAGE, SAGE_CARD, SCRIPT_NAME, Demo

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
D365_URL = f"/w/{D365}/cards/{D365_CARD}"
SAGE_URL = f"/w/{SAGE}/cards/{SAGE_CARD}"
PAGES = {
    "overview": "/", "card": D365_URL, "card-finance": f"{D365_URL}?lens=finance",
    "card-marketing": f"{D365_URL}?lens=marketing", "card-operations": f"{D365_URL}?lens=operations",
    "sage-card": SAGE_URL, "worklist": f"{D365_URL}/worklist", "customer": f"{SAGE_URL}/customers/B2B-3101",
    "history": f"{SAGE_URL}/history", "alerts": f"/w/{D365}/alerts", "users": f"/w/{D365}/users",
    "inputs": f"{D365_URL}/inputs",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo: Demo) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    app = create_app(demo.settings(), hasher=FAST_HASHER)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "screenshots"


class Watch:
    """Everything the browser did that a test must fail on."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.outside: list[str] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []

    def route(self, route: Any) -> None:
        url = route.request.url
        if urlparse(url).netloc != urlparse(self.origin).netloc:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")


@pytest.fixture(scope="module")
def browser_page(server: str, demo: Demo) -> Iterator[tuple[Any, Watch]]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    watch = Watch(server)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800}, accept_downloads=True)
        context.route("**/*", watch.route)
        page = context.new_page()
        page.on("console", watch.console)
        page.on("pageerror", lambda error: watch.problems.append(f"page error: {error}"))
        page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto("/")
        page.fill("input[name=name]", "owner@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/")
        yield page, watch
        browser.close()
    assert watch.outside == [], "requests to addresses other than the server"
    assert watch.problems == [], "console errors (a CSP violation shows here)"
    assert watch.dialogs == [], "a dialog opened: some text ran as script"


def _shoot(page: Any, screenshots: Path, name: str) -> None:
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    extra = os.environ.get("BRIDGEWATCH_SCREENSHOTS")
    if extra:  # the documentation's copies: what a 1280×800 (or phone) screen shows, as JPEGs
        Path(extra).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(extra) / f"{name}.jpg"), type="jpeg", quality=75)


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_every_page_opens_readable_at_desktop_and_phone_width(browser_page: tuple[Any, Watch],
                                                              screenshots: Path) -> None:
    page, watch = browser_page
    for name, url in PAGES.items():
        response = page.goto(url)
        assert response.status == 200, url
        assert page.locator("h1").first.is_visible(), url
        assert _fits(page), f"{url} is wider than 1280 px"
        _shoot(page, screenshots, name)
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        for name in ("overview", "card", "worklist", "customer"):
            page.goto(PAGES[name])
            assert _fits(page), f"{PAGES[name]} is wider than a phone (tables scroll inside their box)"
        page.goto(PAGES["card"])
        _shoot(page, screenshots, "card-phone")
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})
    assert watch.outside == [] and watch.problems == []


def test_from_the_card_through_a_cause_to_a_customers_evidence(browser_page: tuple[Any, Watch]) -> None:
    page, _ = browser_page
    page.goto(D365_URL)
    causes = page.get_by_role("table", name="By sync cause")
    causes.get_by_role("link", name="Never synced (no create attempt)").click()
    page.wait_for_url("**/worklist?*cause=never_synced*")
    rows = page.get_by_role("table", name="Customers absent from the master, ranked by blocked value")
    assert rows.locator("tbody tr").count() == 8
    rows.get_by_role("link", name="Wholesale-X").click()
    page.wait_for_url("**/customers/B-1001*")
    assert page.locator("h2").first.inner_text().startswith("Wholesale-X")
    assert "Counted:" in page.locator(".verdict").inner_text()
    keys = page.get_by_role("table", name="Keys tried")
    first = keys.locator("tbody tr").first.inner_text().split("\t")
    assert first[:4] == ["email", "1", "accounts@wholesale-x.com, buyer@wholesale-x.com", "no match"]
    assert page.get_by_role("table", name="Absence episodes").locator("tbody tr").count() == 1


def test_filtering_by_entity_updates_the_table_in_place_and_the_address(browser_page: tuple[Any, Watch]) -> None:
    page, _ = browser_page
    page.goto(f"{D365_URL}/worklist")
    page.select_option("select[name=entity]", "CATU")
    page.wait_for_url("**entity=CATU*")
    page.wait_for_function("document.querySelector('#worklist-results .count').innerText.includes('of 4')")
    table = page.get_by_role("table", name="Customers absent from the master, ranked by blocked value")
    assert [r.split("\t")[0] for r in table.locator("tbody tr").all_inner_texts()] == ["3", "5", "12", "14"]
    assert table.get_by_role("link", name=SCRIPT_NAME).inner_text() == SCRIPT_NAME
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.querySelectorAll('#worklist-results').length") == 1
    page.goto(D365_URL)
    page.select_option("select[name=entity]", "CATU")
    page.wait_for_url("**entity=CATU*")
    headline = page.locator(".headline .figure").first
    headline.filter(has_text="of 17 on this card").wait_for()
    assert headline.inner_text().split("\n")[0] == "4"
    assert page.evaluate("document.querySelectorAll('main').length") == 1


def test_the_downloaded_csv_is_what_bridgewatch_run_printed(browser_page: tuple[Any, Watch], demo: Demo,
                                                            tmp_path: Path) -> None:
    page, _ = browser_page
    page.goto(f"{D365_URL}/worklist")
    with page.expect_download() as done:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "worklist.csv"
    done.value.save_as(saved)
    assert saved.read_text(encoding="utf-8") == demo.csv[D365]
    page.goto(f"{D365_URL}/worklist?entity=CATU")
    with page.expect_download() as done:
        page.get_by_role("link", name="CSV").click()
    done.value.save_as(saved)
    printed = list(csv.DictReader(io.StringIO(demo.csv[D365])))
    got = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert got == [r for r in printed if r["expected_entity"] == "CATU"]


def test_from_the_card_to_the_inputs_of_the_run_it_shows(browser_page: tuple[Any, Watch]) -> None:
    page, _ = browser_page
    page.goto(D365_URL)
    run = page.locator("select[name=run]").input_value()
    page.get_by_role("link", name="Inputs of this run").click()
    page.wait_for_url(f"**{D365_URL}/inputs?run={run}")
    assert page.locator("h1").inner_text() == "Inputs"
    files = page.get_by_role("table", name="Rows per file (read = used + excluded + quarantined)")
    assert files.locator("tbody tr").count() == 18
    users = files.locator("tbody tr").filter(has_text="exports/bigcommerce/b2b_users.json")
    assert users.inner_text().split("\t") == [
        "commerce_customers", "exports/bigcommerce/b2b_users.json", "12", "0", "12",
        "12 B2B user: company link applied to the customer's record", "0", "yes"]
    assert files.locator("tfoot tr").inner_text().split("\t")[1:5] == ["All files", "239", "212", "27"]
    assert page.get_by_text("No cell was quarantined").is_visible()
    page.get_by_role("link", name="back to the card").click()
    page.wait_for_url(f"**{D365_URL}?run={run}")


def test_the_keyboard_reaches_the_content_first(browser_page: tuple[Any, Watch]) -> None:
    page, _ = browser_page
    page.goto(D365_URL)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("A", "SELECT", "BUTTON")


def test_head_is_answered_as_get_without_a_body_by_the_real_server(server: str) -> None:
    """Uptime checks and ``curl -I`` send HEAD: every page answered 405. Through uvicorn, as deployed."""
    import httpx

    with httpx.Client(base_url=server, follow_redirects=False) as client:
        for path in ("/healthz", "/signin", "/static/app.css", "/"):
            got, head = client.get(path), client.head(path)
            assert (head.status_code, head.content) == (got.status_code, b""), path
            assert (head.headers.get("content-type"), head.headers.get("location")) == (
                got.headers.get("content-type"), got.headers.get("location")), path
        assert client.head("/healthz").headers["content-length"] == "2"
        assert client.head("/").status_code == 303  # signed out: sent to sign in, as GET is


def test_a_link_from_another_site_leaves_the_forms_of_open_tabs_working(browser_page: tuple[Any, Watch],
                                                                          server: str) -> None:
    """The CSRF nonce cookie was ``SameSite=Strict``: a link followed from another site (an alert e-mail in webmail, a
    chat) arrived without it, so the server gave the browser a new nonce, and every form already open in another tab
    answered "This form has expired". Lax, it comes with a top-level link (never with a cross-site POST)."""
    page, _ = browser_page
    context = page.context.browser.new_context(base_url=server)
    try:
        context.route("http://elsewhere.test/**", lambda route: route.fulfill(
            content_type="text/html", body=f'<a id="go" href="{server}{D365_URL}">open the card</a>'))
        first = context.new_page()
        first.goto("/")
        first.fill("input[name=name]", "owner@example.com")
        first.fill("input[name=password]", PASSWORD)
        first.click("button[type=submit]")
        first.wait_for_url(f"{server}/")
        other = context.new_page()
        other.goto("http://elsewhere.test/")
        other.click("#go")
        other.wait_for_url(f"{server}{D365_URL}")
        assert other.locator("h1").count() == 1
        with first.expect_navigation():
            first.click("form[action='/signout'] button")
        assert first.url.startswith(f"{server}/signin"), first.url  # was: 403, the form has expired
    finally:
        context.close()
