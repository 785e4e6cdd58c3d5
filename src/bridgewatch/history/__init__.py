"""The run store: runs, absence episodes and their versions, history readouts (SQLite or PostgreSQL)."""

from __future__ import annotations

from bridgewatch.history.location import ENV_URL, default_url, store_url
from bridgewatch.history.store import Store, StoredCardRun, open_store

__all__ = ["ENV_URL", "Store", "StoredCardRun", "default_url", "open_store", "store_url"]
