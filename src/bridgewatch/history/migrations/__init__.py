"""Alembic migrations of the run store; applied automatically (and under a lock) when a store is opened."""
