"""A user name stored before names were checked may hold a direction or invisible character: the users page drops
such characters from what it prints, so 'eve\\u202e@example.com' showed as 'eve@example.com' and its revoke form
posted that stripped name, taking the role from the other user, 'eve@example.com'. The page now shows the character
(as <U+202E>) and its forms post the user's id."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.web.app import create_app
from bridgewatch.web.schema import grants, users
from bridgewatch.web.settings import WebSettings, served_workspaces
from bridgewatch.web.users import Users

from .conftest import FAST_HASHER, PASSWORD, SAGE, Demo, signed_in

LEGACY = "eve\u202e@example.com"


def _rows(html: str) -> list[tuple[str, dict[str, str]]]:
    """Each user row: the name shown and the fields its (first) revoke form posts."""
    found = []
    for shown, rest in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', html, flags=re.S):
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', rest))
        found.append((unescape(shown), fields))
    return found


def _roles(url: str) -> dict[str, list[str]]:
    with Users(url, hasher=FAST_HASHER) as store:
        return {u.name: sorted(u.roles_in(SAGE)) for u in store.list(SAGE)}


def test_the_revoke_form_of_a_legacy_name_takes_the_role_from_that_user_only(tmp_path: Path, demo: Demo) -> None:
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    with Users(url, hasher=FAST_HASHER) as store:
        store.add("owner@example.com", PASSWORD)
        store.grant("owner@example.com", SAGE, "owner")
        eve = store.add("eve@example.com", PASSWORD)
        store.grant("eve@example.com", SAGE, "finance")
        with store.engine.begin() as conn:  # stored before names were checked
            legacy = conn.execute(users.insert().values(name=LEGACY, password_hash=None,
                                                        created_at=datetime(2026, 1, 1))).inserted_primary_key[0]
            conn.execute(grants.insert().values(user_id=legacy, workspace_id=SAGE, role="finance"))
    settings = WebSettings(served_workspaces([demo.folders[SAGE]], environ={}), url)
    app = create_app(settings, hasher=FAST_HASHER, warm=False)
    with TestClient(app):
        owner = signed_in(app, "owner@example.com")
        page = owner.get(f"/w/{SAGE}/users").text
        rows = _rows(page)
        assert [(shown, fields.get("user_id"), fields.get("name")) for shown, fields in rows] == [
            ("eve@example.com", str(eve.id), None), ("eve<U+202E>@example.com", str(legacy), None),
            ("owner@example.com", "1", None)]  # was: both 'eve@example.com', posting name=eve@example.com
        posted = owner.post(f"/w/{SAGE}/users/revoke", data=rows[1][1], follow_redirects=False)
        assert posted.status_code == 303, posted.text
        assert _roles(url) == {"eve@example.com": ["finance"], "owner@example.com": ["owner"]}
        again = owner.post(f"/w/{SAGE}/users/revoke", data=rows[1][1], follow_redirects=False)  # nothing left
        assert (again.status_code, _roles(url)["eve@example.com"]) == (303, ["finance"])
        missing = owner.post(f"/w/{SAGE}/users/revoke", data=rows[1][1] | {"user_id": "999"})
        assert missing.status_code == 400
        assert "No user with id 999 (removed meanwhile?); reload the users page." in unescape(missing.text)
        last = owner.post(f"/w/{SAGE}/users/revoke", data=rows[2][1] | {"role": "owner"})
        assert last.status_code == 400 and "A workspace keeps at least one owner" in last.text
    revoked = CliRunner().invoke(cli, ["users", "revoke", "eve@example.com", "--in", SAGE, "--users-url", url])
    assert revoked.exit_code == 0, revoked.output  # the command line still names users
    assert _roles(url) == {"owner@example.com": ["owner"]}
