"""Users, their roles per workspace, and sign-in sessions, kept in the run store (``web.schema``).

Passwords are hashed with argon2id (``argon2-cffi``) and never stored or logged in clear; a user
known only through single sign-on has no password and cannot sign in with one. A session is a
random token: the browser holds it (signed, in a cookie), the store holds its SHA-256 and expiry.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update

from bridgewatch.errors import LookupFailed, WebError
from bridgewatch.history.database import connect, guarded, writing
from bridgewatch.report.result import ROLES
from bridgewatch.web.schema import grants, sessions, users

HASHING_AT_ONCE = 4
"""Passwords hashed or checked at the same time; more wait their turn. argon2id takes 64 MiB per hash (argon2-cffi's
defaults), so a burst of sign-ins, one per server thread, would otherwise take gigabytes."""
MIN_PASSWORD = 10
"""Shortest password accepted (argon2 makes guessing slow; length makes it hopeless)."""
_NEVER_IN_A_NAME = re.compile(r"[\x00-\x1f\x7f]")
"""Characters no user name has ever been allowed to hold."""
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]{1,320}$")
"""No spaces, no control characters, no invisible or direction characters (soft hyphen, zero-width, bidi marks,
embeddings, overrides, isolates): pages print names without the latter, so two names differing only by one would
look (and post from the revoke form) the same."""
_UNSEEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
"""What :data:`_NAME` refuses in a name, one character at a time (for :func:`shown_name`)."""


@dataclass(frozen=True)
class User:
    """A person who may sign in, with the roles granted to them per workspace."""

    id: int
    name: str
    has_password: bool
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Workspace id → roles granted there."""

    def roles_in(self, workspace_id: str) -> frozenset[str]:
        return self.roles.get(workspace_id, frozenset())


def normalise_name(name: str) -> str:
    """A user name as stored: trimmed and lower-case (email addresses compare case-insensitively).

    Raises:
        WebError: empty, too long, or holding spaces or control characters.
    """
    clean = name.strip().lower()
    if not _NAME.match(clean):
        raise WebError(f"'{name.strip()[:40]}' is not a usable user name: use an email address or a name without "
                       f"spaces, control, invisible or direction characters (at most 320 characters).")
    return clean


def shown_name(name: str) -> str:
    """A stored user name as a page shows it: a name stored before names were checked may hold spaces, control,
    invisible or direction characters, which pages would drop (two users would then look the same); each is written
    as ``<U+XXXX>`` instead."""
    return _UNSEEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", name)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise WebError(f"Unknown role '{role}'; roles: {', '.join(ROLES)}.")
    return role


class Users:
    """The users, grants and sessions in the store at ``url`` (created by migration 0003 when missing)."""

    def __init__(self, url: str, *, hasher: PasswordHasher | None = None, read_only: bool = False) -> None:
        self.url = url
        self.engine: Engine = connect(url, read_only=read_only)
        self.hasher = hasher or PasswordHasher()
        self._hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)
        self._dummy = self.hasher.hash(secrets.token_hex(16))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Users:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- people ------------------------------------------------------------------------------------

    def add(self, name: str, password: str | None) -> User:
        """Add a user (``password=None``: single sign-on only).

        Raises:
            WebError: the name is taken or unusable, or the password is too short.
        """
        clean = normalise_name(name)
        hashed = None if password is None else self.hasher.hash(check_password(password))
        with guarded(self.url, "add a user"), writing(self.engine) as conn:
            if conn.execute(select(users.c.id).where(users.c.name == clean)).first():
                raise WebError(f"User '{clean}' already exists; `bridgewatch users list` shows the users.")
            conn.execute(insert(users).values(name=clean, password_hash=hashed, created_at=_now()))
        return self.get(clean)

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password and end their sessions."""
        user = self.get(name)
        hashed = self.hasher.hash(check_password(password))
        with guarded(self.url, "set a password"), writing(self.engine) as conn:
            conn.execute(update(users).where(users.c.id == user.id).values(password_hash=hashed))
            conn.execute(delete(sessions).where(sessions.c.user_id == user.id))

    def remove(self, name: str) -> None:
        """Remove a user with their grants and sessions."""
        user = self.get(name)
        with guarded(self.url, "remove a user"), writing(self.engine) as conn:
            for table in (sessions, grants):
                conn.execute(delete(table).where(table.c.user_id == user.id))
            conn.execute(delete(users).where(users.c.id == user.id))

    def get(self, name: str) -> User:
        """Raises: LookupFailed: no such user."""
        found = self.find(name)
        if found is None:
            raise LookupFailed(f"No user '{name.strip().lower()}'; `bridgewatch users list` shows the users.")
        return found

    def find(self, name: str) -> User | None:
        if _NEVER_IN_A_NAME.search(name):  # (PostgreSQL text cannot even hold a NUL)
            return None
        with guarded(self.url, "read the users"), self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name.strip().lower())).first()
            return None if row is None else self._user(conn, row)

    def by_id(self, user_id: int) -> User | None:
        with guarded(self.url, "read the users"), self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
            return None if row is None else self._user(conn, row)

    def list(self, workspace_id: str | None = None) -> list[User]:
        """Every user (or those with a grant in ``workspace_id``), by name."""
        query = select(users).order_by(users.c.name)
        if workspace_id is not None:
            query = query.where(users.c.id.in_(select(grants.c.user_id).where(grants.c.workspace_id == workspace_id)))
        with guarded(self.url, "read the users"), self.engine.connect() as conn:
            return [self._user(conn, row) for row in conn.execute(query).all()]

    def _user(self, conn: Connection, row: Row[Any]) -> User:
        m = row._mapping
        held = conn.execute(select(grants.c.workspace_id, grants.c.role).where(grants.c.user_id == m["id"])).all()
        roles: dict[str, set[str]] = {}
        for ws, role in held:
            roles.setdefault(ws, set()).add(role)
        return User(m["id"], m["name"], m["password_hash"] is not None,
                    {ws: frozenset(r) for ws, r in sorted(roles.items())})

    # -- grants ------------------------------------------------------------------------------------

    def grant(self, name: str, workspace_id: str, role: str) -> None:
        """Grant ``role`` in ``workspace_id`` (granting it twice changes nothing)."""
        user, role = self.get(name), check_role(role)
        with guarded(self.url, "grant a role"), writing(self.engine) as conn:
            held = conn.execute(select(func.count()).select_from(grants).where(
                grants.c.user_id == user.id, grants.c.workspace_id == workspace_id, grants.c.role == role)).scalar()
            if not held:
                conn.execute(insert(grants).values(user_id=user.id, workspace_id=workspace_id, role=role))

    def revoke(self, name: str, workspace_id: str, role: str | None = None) -> int:
        """Take back ``role`` (every role when None) in ``workspace_id``; returns how many grants went."""
        return self._revoke(self.get(name), workspace_id, role)

    def revoke_id(self, user_id: int, workspace_id: str, role: str | None = None) -> int:
        """:meth:`revoke` of the user with id ``user_id`` (what the users page posts: a name stored before names
        were checked may differ from another only by a character the page cannot show).

        Raises:
            LookupFailed: no user with that id (removed meanwhile).
        """
        user = self.by_id(user_id)
        if user is None:
            raise LookupFailed(f"No user with id {user_id} (removed meanwhile?); reload the users page.")
        return self._revoke(user, workspace_id, role)

    def _revoke(self, user: User, workspace_id: str, role: str | None) -> int:
        where = [grants.c.user_id == user.id, grants.c.workspace_id == workspace_id]
        if role is not None:
            where.append(grants.c.role == check_role(role))
        with guarded(self.url, "revoke a role"), writing(self.engine) as conn:
            return int(conn.execute(delete(grants).where(*where)).rowcount or 0)

    # -- signing in ----------------------------------------------------------------------------------

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (an unknown name costs the same hashing time)."""
        if _NEVER_IN_A_NAME.search(name):  # no such user can exist (and PostgreSQL text cannot hold a NUL)
            name = ""
        with guarded(self.url, "read the users"), self.engine.connect() as conn:
            row = conn.execute(select(users.c.id, users.c.password_hash)
                               .where(users.c.name == name.strip().lower())).first()
        stored = row.password_hash if row is not None and row.password_hash else None
        try:
            with self._hashing:
                self.hasher.verify(stored or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or stored is None:
            return None
        if self.hasher.check_needs_rehash(stored):
            self._rehash(row.id, password)
        return self.by_id(row.id)

    def _rehash(self, user_id: int, password: str) -> None:
        with self._hashing:
            hashed = self.hasher.hash(password)
        with guarded(self.url, "update a password hash"), writing(self.engine) as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=hashed))

    def open_session(self, user: User, lifetime: timedelta) -> str:
        """A new session for ``user``; returns its token (kept by the browser, never stored)."""
        token = secrets.token_urlsafe(32)
        now = _now()
        with guarded(self.url, "open a session"), writing(self.engine) as conn:
            conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            conn.execute(insert(sessions).values(token_hash=_digest(token), user_id=user.id, created_at=now,
                                                 expires_at=now + lifetime))
        return token

    def session_user(self, token: str) -> User | None:
        """The user of a live session, or None (unknown, ended or expired)."""
        with guarded(self.url, "read a session"), self.engine.connect() as conn:
            user_id = conn.execute(select(sessions.c.user_id).where(
                sessions.c.token_hash == _digest(token), sessions.c.expires_at > _now())).scalar()
        return None if user_id is None else self.by_id(user_id)

    def end_session(self, token: str) -> None:
        with guarded(self.url, "end a session"), writing(self.engine) as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


def check_password(password: str) -> str:
    """Raises: WebError: shorter than :data:`MIN_PASSWORD` characters."""
    if len(password) < MIN_PASSWORD:
        raise WebError(f"The password is too short: use at least {MIN_PASSWORD} characters.")
    return password


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
