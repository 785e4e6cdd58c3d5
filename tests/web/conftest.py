"""The dashboard's test bed: the two demo workspaces (vendor files) stored by `bridgewatch run`, users per role.

Two names are changed from the demo so the pages prove they are safe: the D365 company B-1003 is
called ``<script>alert(1)</script>`` and the Sage company B2B-3102 ``=SUM(1,2)``. Everything else is
the demo as ``make demo`` writes it. Each workspace is run twice, so the history has two runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.demo import scenarios
from bridgewatch.demo.vendor_files import write_vendor_workspace
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces
from bridgewatch.web.users import Users

SCRIPT_NAME = "<script>alert(1)</script>"
FORMULA_NAME = "=SUM(1,2)"
PASSWORD = "correct horse battery staple"
SAGE, D365 = "uk-trade-sage", "us-distributor-d365"
SAGE_CARD, D365_CARD = "sage_customer_master_gap", "d365_customer_master_gap"
GRANTS = {
    "owner@example.com": [(SAGE, "owner"), (D365, "owner")],
    "finance@example.com": [(D365, "finance")],
    "marketing@example.com": [(D365, "marketing")],
    "operations@example.com": [(D365, "operations")],
    "sage-only@example.com": [(SAGE, "finance")],
}
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Real argon2id, cheap parameters: the tests sign in many times (production uses argon2-cffi's defaults)."""


@dataclass(frozen=True)
class Demo:
    root: Path
    folders: dict[str, Path]
    csv: dict[str, str]
    """What `bridgewatch run --format csv` printed for each workspace (its latest stored run)."""
    users_url: str

    def settings(self, **options: object) -> WebSettings:
        served = served_workspaces(list(self.folders.values()), environ={})
        return WebSettings(served, self.users_url, **options)  # type: ignore[arg-type]


def _rename(scenario: object, company_id: str, name: str) -> None:
    rows = scenario.rows  # type: ignore[attr-defined]
    for row in rows["companies"]:
        if row["company_id"] == company_id:
            row["name"] = name
    for row in rows["commerce_customers"]:
        if row.get("company_id") == company_id:
            row["company_name"] = name


def build_demo(root: Path) -> Demo:
    built = scenarios()
    _rename(built[D365], "B-1003", SCRIPT_NAME)
    _rename(built[SAGE], "B2B-3102", FORMULA_NAME)
    folders = {name: write_vendor_workspace(s, root / name) for name, s in built.items()}
    runner, printed = CliRunner(), {}
    for name, folder in folders.items():
        for _ in range(2):
            result = runner.invoke(cli, ["run", "-w", str(folder), "--format", "csv"])
            assert result.exit_code == 0, result.output
        printed[name] = result.stdout
    url = f"sqlite:///{root / 'users.sqlite'}"
    with Users(url, hasher=FAST_HASHER) as users:
        for person, grants in GRANTS.items():
            users.add(person, PASSWORD)
            for ws, role in grants:
                users.grant(person, ws, role)
    return Demo(root, folders, printed, url)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("web-demo"))


@pytest.fixture(scope="session")
def web(demo: Demo) -> Iterator[FastAPI]:
    """The app over the demo (sign-in required), shared by the tests that only read."""
    app = create_app(demo.settings(), hasher=FAST_HASHER, warm=False)
    with TestClient(app):
        yield app


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def signed_in(app: FastAPI, name: str, *, base_url: str = "http://testserver") -> TestClient:
    """A client signed in as ``name`` through the sign-in form."""
    client = TestClient(app, base_url=base_url)
    token = token_of(client.get("/signin").text)
    response = client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client
