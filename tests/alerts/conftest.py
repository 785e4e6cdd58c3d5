"""Alert tests run their store on SQLite, and the store-heavy ones on a real PostgreSQL server as well."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..history.conftest import postgres_server, store_url  # noqa: F401  (fixtures: SQLite, and a real PostgreSQL)
from .servers import SmtpServer, WebhookServer


@pytest.fixture
def hook() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server
