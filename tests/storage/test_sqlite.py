"""Storage on a real SQLite file: created on first start, migrated once, settings kept."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage.sqlite import MIGRATIONS, GuildSettings, Store, StoreError


def test_first_open_creates_and_migrates_and_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "podquote.sqlite3"

    async def scenario() -> None:
        store = await Store.open(path)
        assert await store.version() == len(MIGRATIONS)
        assert await store.guild_settings(1) == GuildSettings(1)
        await store.save_guild_settings(GuildSettings(1, 42, "09:00", "Europe/Berlin", True))
        await store.save_guild_settings(GuildSettings(1, 43, "10:30", "Europe/Berlin", True))
        await store.close()
        again = await Store.open(path)
        assert await again.migrate() == 0
        assert await again.guild_settings(1) == GuildSettings(1, 43, "10:30", "Europe/Berlin", True)
        await again.close()

    asyncio.run(scenario())
    with sqlite3.connect(path) as raw:
        versions = [r[0] for r in raw.execute("SELECT version FROM schema_version")]
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_a_database_from_a_newer_podquote_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        raw.execute("INSERT INTO schema_version VALUES (99)")
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        asyncio.run(Store.open(path))


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a podquote database"):
        asyncio.run(Store.open(path))
