"""Every route, walked as each role, as a signed-out visitor, as the anonymous read-only visitor, and on a
workspace not granted (the same 404 as one that does not exist)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from bridgewatch.web.app import create_app
from bridgewatch.web.routes import router as pages_router
from bridgewatch.web.routes_auth import router as auth_router

from .conftest import D365, D365_CARD, FAST_HASHER, SAGE, Demo, signed_in, token_of

VALUES = {"{card_id}": D365_CARD, "{customer_id:path}": "B-1001", "{fmt}": "xlsx"}
OPEN = {("GET", "/signin"), ("POST", "/signin"), ("GET", "/healthz"), ("POST", "/signout")}
OWNER_ONLY = {"/w/{ws_id}/users", "/w/{ws_id}/users/grant", "/w/{ws_id}/users/revoke"}
REDIRECTS = {"/w/{ws_id}"}
FORMS = {"/w/{ws_id}/users/grant": {"name": "sage-only@example.com", "role": "operations"},
         "/w/{ws_id}/users/revoke": {"name": "sage-only@example.com", "role": "marketing"}}
VISITORS = ("signed-out", "anonymous", "owner", "finance", "marketing", "operations")


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves besides /static (the two routers it includes)."""
    found = sorted((method, r.path) for router in (pages_router, auth_router) for r in router.routes
                   if isinstance(r, APIRoute) for method in r.methods or ())
    assert len(found) >= 14
    return found


def concrete(path: str, ws: str) -> str:
    path = path.replace("{ws_id}", ws)
    for name, value in VALUES.items():
        path = path.replace(name, value)
    return path


def expected(visitor: str, method: str, path: str, granted: bool) -> int:
    """The status a visitor gets on a route of a workspace (granted to them or not)."""
    if (method, path) in OPEN or not path.startswith("/w/") and path != "/":
        return -1  # checked on their own
    if visitor == "signed-out":
        return 303
    if path.startswith("/w/") and not granted and visitor != "anonymous":
        return 404
    if path in OWNER_ONLY:
        return (200 if method == "GET" else 303) if visitor == "owner" else 403
    return 303 if path in REDIRECTS else 200


@pytest.fixture(scope="module")
def app(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The demo app on a copy of the users store (the owner's grants here change it)."""
    copy = tmp_path_factory.mktemp("access") / "users.sqlite"
    shutil.copy(demo.users_url.removeprefix("sqlite:///"), copy)
    settings = demo.settings()
    app = create_app(type(settings)(settings.workspaces, f"sqlite:///{copy}"), hasher=FAST_HASHER, warm=False)
    with TestClient(app):
        yield app


LOCAL = ("127.0.0.1", 50000)
"""A browser on this machine: the only peer --allow-anonymous lets in."""


def anonymous(demo: Demo) -> TestClient:
    return TestClient(create_app(demo.settings(allow_anonymous=True), hasher=FAST_HASHER, warm=False),
                      client=LOCAL, base_url="http://127.0.0.1:8000")


def client_for(app: FastAPI, demo: Demo, visitor: str) -> TestClient:
    if visitor == "signed-out":
        return TestClient(app)
    if visitor == "anonymous":
        return anonymous(demo)
    return signed_in(app, f"{visitor}@example.com")


def call(client: TestClient, method: str, path: str, ws: str) -> int:
    url = concrete(path, ws)
    if method == "GET":
        return client.get(url, follow_redirects=False).status_code
    token = token_of(client.get("/signin" if "bw_session" not in client.cookies else "/").text)
    data = {"csrf_token": token, **FORMS.get(path, {})}
    return client.post(url, data=data, follow_redirects=False).status_code


def test_the_matrix_names_every_route(app: FastAPI) -> None:
    walked = {(m, p) for m, p in routes(app) if expected("owner", m, p, True) != -1} | OPEN
    assert walked == set(routes(app))


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_route_as_each_visitor_on_a_granted_workspace(app: FastAPI, demo: Demo, visitor: str) -> None:
    client = client_for(app, demo, visitor)
    got, want = {}, {}
    for method, path in routes(app):
        status = expected(visitor, method, path, granted=True)
        if status != -1:
            got[(method, path)], want[(method, path)] = call(client, method, path, D365), status
    assert got == want and len(got) >= 11, got


@pytest.mark.parametrize("visitor", ["signed-out", "finance", "owner"])
def test_head_is_answered_as_get_without_a_body_on_every_page(app: FastAPI, demo: Demo, visitor: str) -> None:
    """HEAD on a page answered 405 (FastAPI's routes take GET only): now the GET's status and headers, no body, with
    the GET's access rules (a signed-out HEAD is sent to sign in, a workspace not granted is a 404)."""
    client = client_for(app, demo, visitor)
    checked = 0
    for method, path in routes(app):
        if method != "GET":
            continue
        url = concrete(path, D365)
        got, head = client.get(url, follow_redirects=False), client.head(url, follow_redirects=False)
        assert (head.status_code, head.content) == (got.status_code, b""), path
        assert {k: head.headers.get(k) for k in ("content-type", "location", "content-security-policy")} == {
            k: got.headers.get(k) for k in ("content-type", "location", "content-security-policy")}, path
        checked += 1
    assert checked >= 10
    hidden = client.head("/w/no-such-workspace/alerts", follow_redirects=False)
    assert hidden.status_code == (303 if visitor == "signed-out" else 404)


@pytest.mark.parametrize("visitor", ["finance", "marketing", "operations"])
def test_a_workspace_not_granted_is_a_404_on_every_route(app: FastAPI, demo: Demo, visitor: str) -> None:
    client = client_for(app, demo, visitor)
    for method, path in routes(app):
        if path.startswith("/w/"):
            assert call(client, method, path, SAGE) == 404, (method, path)
            assert call(client, method, path, "no-such-workspace") == 404, (method, path)
    overview = client.get("/").text
    assert f'href="/w/{SAGE}"' not in overview and "UK B2B merchant on Sage Intacct" not in overview


def test_a_404_says_the_same_whether_the_workspace_exists_or_not(app: FastAPI, demo: Demo) -> None:
    client = client_for(app, demo, "finance")
    hidden = client.get(f"/w/{SAGE}/alerts").text
    missing = client.get("/w/no-such-workspace/alerts").text
    assert hidden == missing and "There is no such page." in hidden


def test_signed_out_visitors_are_sent_to_sign_in_and_back(app: FastAPI, demo: Demo) -> None:
    client = TestClient(app)
    response = client.get(f"/w/{D365}/cards/{D365_CARD}/worklist?cause=lagging", follow_redirects=False)
    assert response.headers["location"] == (f"/signin?next=%2Fw%2F{D365}%2Fcards%2F{D365_CARD}%2Fworklist"
                                            f"%3Fcause%3Dlagging")
    assert client.get("/", headers={"HX-Request": "true"}, follow_redirects=False).headers["hx-redirect"].startswith(
        "/signin?next=")
    assert client.get("/healthz").text == "ok"
    assert client.get("/static/app.css").status_code == 200


def test_the_anonymous_visitor_reads_every_workspace_but_changes_nothing(demo: Demo) -> None:
    client = anonymous(demo)
    assert client.get(f"/w/{SAGE}/alerts").status_code == 200
    assert client.get(f"/w/{D365}/users").status_code == 403
    assert "read-only" in client.get("/").text
