"""Every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ..postgres import new_database, postgres_server  # noqa: F401  (fixture)

_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return new_database(server, f"bw_test_{next(_names)}")
