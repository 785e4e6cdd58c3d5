"""`explain` with a NUL in the customer id (a paste gone wrong) is refused as bad input (exit 5) before any database
call, on every run store: on PostgreSQL, whose text cannot hold a NUL, it failed as a store error (exit 7) that sent
the user looking for a broken store."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app

from ..history.test_store import scenario
from ..postgres import new_database, postgres_server  # noqa: F401  (fixture)

runner = CliRunner()
_names = itertools.count()
REFUSED = ("error: The customer id 'BIG\\x00' holds a NUL character (\\x00), which no stored customer, company or "
           "account id can hold; check how the id was typed or pasted.")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    return new_database(request.getfixturevalue("postgres_server"), f"bw_explain_nul_{next(_names)}")


def test_a_nul_in_the_customer_id_is_bad_input_on_every_store(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    url = ["--history-url", store_url]
    assert runner.invoke(app, ["run", "-w", str(root), *url]).exit_code == 0
    found = runner.invoke(app, ["explain", "-w", str(root), "BIG", *url, "-f", "json"])
    assert found.exit_code == 0, found.output
    refused = runner.invoke(app, ["explain", "-w", str(root), "BIG\x00", *url, "-f", "json"])
    assert (refused.exit_code, " ".join(refused.stderr.split()), refused.stdout) == (5, REFUSED, "")  # was: 7 on PG


def test_it_is_refused_before_the_store_is_opened(tmp_path: Path) -> None:
    root = scenario().write(tmp_path / "ws")
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:9/none"  # nothing listens: any database call would fail (7)
    refused = runner.invoke(app, ["explain", "-w", str(root), "BIG\x00", "--history-url", nowhere])
    assert (refused.exit_code, " ".join(refused.stderr.split())) == (5, REFUSED)
