"""Opening a store already at the newest schema skips Alembic; any other store still goes through it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bridgewatch.errors import StoreError
from bridgewatch.history import Store
from bridgewatch.history import database as db
from bridgewatch.history.migrations import HEAD


def test_head_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(db.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD]


def _version(url: str) -> list[str]:
    with Store(url) as store, store.engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_a_store_at_head_opens_without_alembic(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    Store(store_url).close()  # creates and migrates it
    import alembic.command

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic's upgrade ran for a store already at head")

    monkeypatch.setattr(alembic.command, "upgrade", refuse)
    assert _version(store_url) == [HEAD]


def test_an_older_store_is_upgraded(store_url: str) -> None:
    Store(store_url).close()
    with Store(store_url) as store, store.engine.begin() as conn:
        conn.execute(text("DROP TABLE sessions"))  # what revision 0003 created, undone by hand
        conn.execute(text("DROP TABLE grants"))
        conn.execute(text("DROP TABLE users"))
        conn.execute(text("DROP INDEX ix_card_runs_as_of"))  # and what 0004 added
        conn.execute(text("ALTER TABLE card_runs DROP COLUMN backfill"))
        conn.execute(text("ALTER TABLE runs DROP COLUMN ingest_warnings"))  # and what 0005 added
        conn.execute(text("ALTER TABLE runs DROP COLUMN backfill"))  # and what 0006 added
        conn.execute(text("ALTER TABLE card_runs DROP COLUMN ahead"))  # and what 0007 added
        conn.execute(text("ALTER TABLE card_runs RENAME COLUMN blocked_e4 TO blocked_cents"))  # and what 0008 renamed
        conn.execute(text("ALTER TABLE episode_versions RENAME COLUMN blocked_e4 TO blocked_cents"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    assert _version(store_url) == [HEAD]
    with Store(store_url) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM card_runs WHERE NOT backfill")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM runs WHERE ingest_warnings IS NULL")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM runs WHERE backfill")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM card_runs WHERE ahead")).scalar() == 0


def test_a_store_from_a_newer_bridgewatch_is_refused(store_url: str) -> None:
    Store(store_url).close()
    with Store(store_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="could not open"):
        Store(store_url)
