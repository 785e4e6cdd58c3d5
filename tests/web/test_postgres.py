"""The dashboard on a PostgreSQL run store (a real server the tests start): users, pages, downloads, paging."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.history import Store
from bridgewatch.web.app import create_app
from bridgewatch.web.index import SORTS, WorklistIndex
from bridgewatch.web.settings import WebSettings, served_workspaces
from bridgewatch.web.users import Users

from ..postgres import new_database, postgres_server  # noqa: F401  (fixture)
from .conftest import D365, D365_CARD, FAST_HASHER, PASSWORD, Demo, signed_in
from .pagetext import table


def test_the_dashboard_reads_runs_and_users_from_postgresql(postgres_server: str, demo: Demo) -> None:  # noqa: F811
    url = new_database(postgres_server, "bw_web")
    printed = CliRunner().invoke(cli, ["run", "-w", str(demo.folders[D365]), "--history-url", url, "-f", "csv"])
    assert printed.exit_code == 0, printed.output
    with Users(url, hasher=FAST_HASHER) as users:
        users.add("pg@example.com", PASSWORD)
        users.grant("pg@example.com", D365, "finance")
    settings = WebSettings(served_workspaces([demo.folders[D365]], environ={}, history_url=url), url)
    app = create_app(settings, hasher=FAST_HASHER, warm=False)
    with TestClient(app):
        client = signed_in(app, "pg@example.com")
        card = f"/w/{D365}/cards/{D365_CARD}"
        rows = table(client.get(card).text, "Blocked value and VAT consequence by sync cause")
        assert rows[-1][:4] == ["Absent with active orders (this card)", "17", "23", "$61,200.00"]
        assert client.get(f"{card}/worklist.csv").text == printed.stdout
        assert "Sync lagging (will clear on next run) awaiting sync" in " ".join(
            r[2] for r in table(client.get(f"{card}/worklist").text,
                                "Customers absent from the master, ranked by blocked value")[1:])
    with Store(url) as store:
        stored = store.history(D365, card=D365_CARD, limit=1)[0]
        index = WorklistIndex()
        assert index.drills(store, stored).awaiting_sync == 1
        # Store.page puts NULLs (no single entity, no name) where each database does, first on SQLite and last on
        # PostgreSQL; the dashboard sorts them first everywhere, so only the sorts without NULLs are compared.
        sorts = [s for s in SORTS if s not in ("entity", "name")]
        for sort, reverse, filters in itertools.product(sorts, (False, True), ({}, {"segment": "dtc"})):
            expected, total = store.page(stored, filters=filters, sort=sort, reverse=reverse, limit=7, offset=3)
            entries, count = index.page(store, stored, filters=filters, sort=sort, reverse=reverse, limit=7, offset=3)
            assert (count, [e.rank for e in entries]) == (total, [r["rank"] for r in expected]), (sort, reverse)


def test_a_nul_in_the_address_or_the_sign_in_form_is_not_an_internal_error(postgres_server: str,  # noqa: F811
                                                                             demo: Demo) -> None:
    """PostgreSQL text cannot hold NUL: psycopg refuses such a bound value, so `?run=%00` or a NUL in a customer id,
    a filter or a user name reached the database and came back as a store error (the SQLite store
    simply finds nothing): it was a 503 saying the database cannot be read. No id, filter or user name holds one: an
    address with a NUL is a 400, as any value in the address that is not valid, and a user name with one signs no
    one in."""
    url = new_database(postgres_server, "bw_web_nul")
    printed = CliRunner().invoke(cli, ["run", "-w", str(demo.folders[D365]), "--history-url", url, "-f", "csv"])
    assert printed.exit_code == 0, printed.output
    with Users(url, hasher=FAST_HASHER) as users:
        users.add("pg@example.com", PASSWORD)
        users.grant("pg@example.com", D365, "finance")
    settings = WebSettings(served_workspaces([demo.folders[D365]], environ={}, history_url=url), url)
    app = create_app(settings, hasher=FAST_HASHER, warm=False)
    with TestClient(app, raise_server_exceptions=False):
        client = signed_in(app, "pg@example.com")
        card = f"/w/{D365}/cards/{D365_CARD}"
        for address in (f"{card}?run=r%00", f"{card}/worklist.csv?run=%00", f"{card}/customers/B-10%0003",
                        f"{card}/worklist?entity=CA%00", f"{card}/inputs?run=%00x", f"/w/{D365}%00/alerts"):
            response = client.get(address)
            assert response.status_code == 400, (address, response.text[-400:])
            assert "A value in the address is not valid here" in response.text
        assert client.get(f"{card}/customers/B-1003").status_code == 200
        stranger = TestClient(app, raise_server_exceptions=False)
        from .conftest import token_of

        token = token_of(stranger.get("/signin").text)
        response = stranger.post("/signin", data={"name": "pg@example.com\x00", "password": PASSWORD,
                                                  "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 401
