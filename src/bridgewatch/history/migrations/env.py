"""Alembic environment: always given an open connection by ``bridgewatch.history.migrate``."""

from __future__ import annotations

from alembic import context

import bridgewatch.alerts.schema  # noqa: F401  (the alert tables join the store's metadata)
import bridgewatch.web.schema  # noqa: F401  (so do the dashboard's users, grants and sessions)
from bridgewatch.history.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
