"""The dashboard's tables in the run store: users, their grants per workspace, and sign-in sessions.

They live on the run store's own ``metadata`` (``bridgewatch.history.schema``) and are created by
migration ``0003`` like every other table of the store:

* ``users``: one row per person (a name, normally an email address, stored lower-case) with an
  argon2 password hash; a user known only through single sign-on has no hash.
* ``grants``: one row per (user, workspace, role); roles are ``owner``, ``finance``, ``marketing``
  and ``operations``. A workspace with no grant for a user does not exist for that user.
* ``sessions``: one row per signed-in browser. The cookie holds a random token signed with the
  server's secret; the table keeps only the token's SHA-256, so a copy of the database opens no
  session. Signing out or removing the user deletes the row.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from bridgewatch.history.schema import metadata

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(320), nullable=False, unique=True),
    Column("password_hash", Text),
    Column("created_at", DateTime, nullable=False),
)

grants = Table(
    "grants", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Text, nullable=False),
    Column("role", String(16), nullable=False),
    UniqueConstraint("user_id", "workspace_id", "role", name="uq_grants"),
    Index("ix_grants_workspace", "workspace_id"),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_sessions_user", "user_id"),
)
