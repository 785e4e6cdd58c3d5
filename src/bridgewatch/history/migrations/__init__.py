"""Alembic migrations of the run store; applied automatically (and under a lock) when a store is opened."""

HEAD = "0008"
"""The newest revision in ``versions/``: a store already at it opens without loading Alembic
(``bridgewatch.history.database``). A new migration moves it; a test checks it is Alembic's head."""
