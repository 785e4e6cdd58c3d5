"""Users, grants and sessions in the store; the `users` command (passwords never as arguments); sign-in limits."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.errors import LookupFailed, WebError
from bridgewatch.web.ratelimit import SignInLimiter
from bridgewatch.web.schema import sessions, users
from bridgewatch.web.users import Users

from .conftest import FAST_HASHER, SAGE, Demo

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> Users:
    return Users(f"sqlite:///{tmp_path / 'users.sqlite'}", hasher=FAST_HASHER)


def test_passwords_are_stored_as_argon2id_hashes_only(store: Users) -> None:
    store.add("Ana@Example.com", "a long enough secret")
    with store.engine.connect() as conn:
        name, hashed = conn.execute(select(users.c.name, users.c.password_hash)).one()
    assert name == "ana@example.com" and hashed.startswith("$argon2id$") and "secret" not in hashed
    assert store.verify("ANA@example.com", "a long enough secret") is not None
    assert store.verify("ana@example.com", "a long enough secreT") is None
    assert store.verify("nobody@example.com", "a long enough secret") is None


def test_names_passwords_and_roles_are_checked(store: Users) -> None:
    store.add("ana@example.com", "a long enough secret")
    for bad, message in ((lambda: store.add("ana@example.com", "another long one"), "already exists"),
                         (lambda: store.add("bo b", "another long one"), "not a usable user name"),
                         (lambda: store.add("bob@example.com", "short"), "too short"),
                         (lambda: store.grant("ana@example.com", SAGE, "admin"), "Unknown role 'admin'")):
        with pytest.raises(WebError, match=message):
            bad()
    with pytest.raises(LookupFailed, match="No user 'carol@example.com'"):
        store.grant("carol@example.com", SAGE, "finance")


def test_grants_are_per_workspace_and_revoking_takes_them_back(store: Users) -> None:
    store.add("ana@example.com", "a long enough secret")
    store.grant("ana@example.com", "a", "finance")
    store.grant("ana@example.com", "a", "finance")
    store.grant("ana@example.com", "a", "operations")
    store.grant("ana@example.com", "b", "owner")
    user = store.get("ana@example.com")
    assert user.roles == {"a": frozenset({"finance", "operations"}), "b": frozenset({"owner"})}
    assert [u.name for u in store.list("b")] == ["ana@example.com"] and store.list("c") == []
    assert store.revoke("ana@example.com", "a", "finance") == 1
    assert store.revoke("ana@example.com", "a") == 1
    assert store.get("ana@example.com").roles == {"b": frozenset({"owner"})}


def test_sessions_expire_and_end_with_the_user_or_a_new_password(store: Users) -> None:
    ana = store.add("ana@example.com", "a long enough secret")
    token = store.open_session(ana, timedelta(hours=1))
    assert store.session_user(token) == store.get("ana@example.com")
    expired = store.open_session(ana, timedelta(seconds=-1))
    assert store.session_user(expired) is None
    store.set_password("ana@example.com", "a new long secret")
    assert store.session_user(token) is None
    token = store.open_session(store.get("ana@example.com"), timedelta(hours=1))
    store.remove("ana@example.com")
    assert store.session_user(token) is None
    with store.engine.connect() as conn:
        assert conn.execute(select(sessions)).all() == []


def test_the_users_command_reads_the_password_from_stdin_never_an_argument(demo: Demo, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli-users.sqlite'}"
    added = runner.invoke(cli, ["users", "add", "Dee@Example.com", "--users-url", url], input="a long enough secret\n")
    assert added.exit_code == 0, added.output
    assert runner.invoke(cli, ["users", "grant", "dee@example.com", "finance", "--in", SAGE, "--users-url", url]
                         ).exit_code == 0
    listed = runner.invoke(cli, ["users", "list", "--users-url", url, "--format", "json"])
    assert json.loads(listed.stdout) == [{"name": "dee@example.com", "password": True, "roles": {SAGE: ["finance"]}}]
    assert Users(url).verify("dee@example.com", "a long enough secret") is not None
    sneaky = runner.invoke(cli, ["users", "add", "eve@example.com", "--password", "x", "--users-url", url])
    assert sneaky.exit_code == 2
    short = runner.invoke(cli, ["users", "add", "eve@example.com", "--users-url", url], input="short\n")
    assert short.exit_code == 5 and "too short" in short.output


def test_the_users_command_checks_workspace_ids_against_the_folders(demo: Demo) -> None:
    result = runner.invoke(cli, ["users", "grant", "owner@example.com", "owner", "--in", "uk-trade-sag",
                                 "--workspaces", str(demo.root), "--users-url", demo.users_url])
    assert result.exit_code == 5 and "Did you mean uk-trade-sage?" in result.output
    missing = runner.invoke(cli, ["users", "list"])
    assert missing.exit_code == 2 and "give --workspace DIR, --workspaces DIR or --users-url URL" in missing.output


def test_the_limiter_counts_failures_in_a_sliding_window() -> None:
    now = [1000.0]
    limiter = SignInLimiter(limit=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("ana", "10.0.0.1") is None
        limiter.failed("ana", "10.0.0.1")
        now[0] += 10
    assert limiter.retry_after("Ana ", "10.0.0.2") == 31  # the first failure (at 1000) leaves the window at 1060
    assert limiter.retry_after("bob", "10.0.0.1") is None  # the address allows 4 × 3
    now[0] += 31
    assert limiter.retry_after("ana", "10.0.0.2") is None
    for name in ("b", "c", "d", "e"):
        for _ in range(3):
            limiter.failed(name, "10.0.0.3")
    assert limiter.retry_after("new", "10.0.0.3") == 61  # a whole window from now, rounded up
    for _ in range(3):
        limiter.failed("ana", "10.0.0.4")
    assert limiter.retry_after("ana", "10.0.0.9") == 61  # blocked by name, from any address
    limiter.succeeded("Ana")  # a successful sign-in clears the name's failures while they still count
    assert limiter.retry_after("ana", "10.0.0.9") is None


def test_the_limiter_forgets_names_and_addresses_whose_failures_left_the_window() -> None:
    """A stream of sign-ins with new names from new addresses (a credential-stuffing run) kept a key per name and per
    address for the life of the process: its memory grew without end."""
    now = [1000.0]
    limiter = SignInLimiter(limit=3, window_s=60, clock=lambda: now[0])
    for i in range(500):
        limiter.failed(f"user{i}", f"10.0.{i // 250}.{i % 250}")
    assert len(limiter) == 1000
    now[0] += 30
    limiter.failed("ana", "10.9.9.9")  # at 1030: still in the window with the rest
    assert len(limiter) == 1002
    now[0] += 40  # 1070: the 500 failures of 1000 have left the window, ana's (1030) has not
    limiter.failed("bob", "10.9.9.8")
    assert len(limiter) == 4
    for _ in range(2):
        limiter.failed("ana", "10.9.9.7")
    assert limiter.retry_after("ana", "10.1.1.1") == 21  # ana's three failures kept: the first leaves at 1090


def test_users_live_in_the_store_every_workspace_shares(tmp_path: Path) -> None:
    from bridgewatch.web.settings import ServedWorkspace, users_url

    def served(ws_id: str, url: str) -> ServedWorkspace:
        return ServedWorkspace(ws_id, ws_id, url, "en_GB", ("sage_customer_master_gap",), "GBP")

    shared = "postgresql+psycopg://bw@db.example.com/bridgewatch"
    both = [served("a", shared), served("b", shared)]
    assert users_url(both, group=tmp_path, override=None, environ={}) == shared
    apart = [served("a", shared), served("b", "sqlite:///elsewhere.sqlite")]
    assert users_url(apart, group=tmp_path, override=None, environ={}) == (
        f"sqlite:///{(tmp_path / '.bridgewatch' / 'users.sqlite').resolve()}")


@pytest.mark.parametrize("invisible", ["\u202e", "\u2066", "\u200b", "\u200e", "\ufeff", "\u2060", "\u009b",
                                       "\u00ad"])
def test_a_user_name_cannot_hold_invisible_or_direction_characters(store: Users, invisible: str) -> None:
    """Pages print a name without its bidi and control characters, so 'eve\\u202e@example.com' would show (and its
    revoke form post) as 'eve@example.com', another user: such names are refused."""
    store.add("eve@example.com", "a long enough secret")
    with pytest.raises(WebError, match="not a usable user name"):
        store.add(f"eve{invisible}@example.com", "a long enough secret")
    assert [u.name for u in store.list()] == ["eve@example.com"]


def test_an_attempt_counts_from_the_moment_it_is_let_in_and_a_success_takes_it_back() -> None:
    now = [1000.0]
    limiter = SignInLimiter(limit=2, window_s=60, clock=lambda: now[0])
    assert limiter.begin("ana", "10.0.0.1") is None
    assert limiter.begin("ana", "10.0.0.1") is None  # both still hashing
    assert limiter.begin("ana", "10.0.0.2") == 61  # a third is refused before either has an answer
    for _ in range(20):  # an office behind one address: successes do not use up the address's 4 × 2 allowance
        assert limiter.begin("bob", "10.0.0.9") is None
        limiter.succeeded("bob", "10.0.0.9")
    assert limiter.begin("carol", "10.0.0.9") is None


def test_users_list_prints_a_name_stored_before_names_were_checked_inertly(tmp_path: Path) -> None:
    """Names with C1 or bidi controls were accepted before: `users list` printed them raw to the terminal."""
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    with Users(url, hasher=FAST_HASHER) as store, store.engine.begin() as conn:
        conn.execute(users.insert().values(name="eve\u202e@example.com\u009b2J", password_hash=None,
                                           created_at=datetime(2026, 1, 1)))
    result = runner.invoke(cli, ["users", "list", "--users-url", url])
    assert result.exit_code == 0, result.output
    assert "eve@example.com2J" in result.output
    assert "\u202e" not in result.output and "\u009b" not in result.output


def test_at_most_a_few_passwords_are_hashed_at_once(tmp_path: Path) -> None:
    """argon2id takes 64 MiB per hash with argon2-cffi's defaults; a burst of sign-ins from many addresses (each under
    the limit) ran one per server thread (40): 2.5 GiB. Hashes now wait their turn, a few at a time."""
    import threading
    import time

    from argon2 import PasswordHasher

    from bridgewatch.web.users import HASHING_AT_ONCE

    running, peak, lock = [0], [0], threading.Lock()

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's own name
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.2)
            with lock:
                running[0] -= 1
            return super().verify(hash, password)

    store = Users(f"sqlite:///{tmp_path / 'users.sqlite'}",
                  hasher=Counting(time_cost=1, memory_cost=1024, parallelism=1))
    store.add("ana@example.com", "a long enough secret")
    threads = [threading.Thread(target=store.verify, args=(f"user{i}@example.com", "a guess at it"))
               for i in range(3 * HASHING_AT_ONCE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert HASHING_AT_ONCE == 4 and peak[0] == HASHING_AT_ONCE
