"""Storage on a real SQLite file: created on first start, migrated once, settings kept."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.sqlite import (
    MIGRATIONS,
    GuildSettings,
    Store,
    StoreBusy,
    StoreError,
    StoreGone,
    StoreReadOnly,
)


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


async def _read_only(path: Path) -> Store:
    """The store over a read-only connection: SQLite's own `mode=ro` open, which refuses
    writes exactly as it does when the file or its mount is read-only for the bot's user (it
    then opens the file read-only without a word; as root, file modes would not stop it)."""
    db = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return Store(db, path)


def test_a_read_only_database_is_told_apart_on_every_write(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario() -> None:
        await (await Store.open(path)).close()
        store = await _read_only(path)
        try:
            assert await store.guild_settings(1) == GuildSettings(1)  # reads still work
            with pytest.raises(StoreReadOnly, match="cannot be written"):
                await store.check_writable()
            with pytest.raises(StoreReadOnly) as raised:
                await store.save_guild_settings(GuildSettings(1, 42, "09:00", "UTC", True))
            assert str(raised.value).startswith(f"{path}: ")
            assert raised.value.reason == "the bot's database is read-only, so nothing can be saved"
        finally:
            await store.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_database_file_removed_or_replaced_while_open_refuses_to_go_on(
    tmp_path: Path, how: str
) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario() -> None:
        store = await Store.open(path)
        try:
            await store.save_guild_settings(GuildSettings(1, 42, "09:00", "UTC", True))
            for leftover in tmp_path.glob("db.sqlite3*"):
                leftover.unlink()
            if how == "replaced":
                other = tmp_path / "other.sqlite3"
                sqlite3.connect(other).close()
                other.replace(path)
            with pytest.raises(StoreGone, match=f"was {how}"):
                await store.save_guild_settings(GuildSettings(1, 43, "10:00", "UTC", True))
            with pytest.raises(StoreGone):
                await store.advice_history(1)
        finally:
            await store.close()
        # A restart opens what is at the path now; nothing was written to the lost file.
        again = await Store.open(path)
        assert await again.guild_settings(1) == GuildSettings(1)
        await again.close()

    asyncio.run(scenario())


def test_a_lock_held_by_another_program_is_a_short_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario() -> float:
        store = await Store.open(path, busy_timeout=0.2)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            started = time.perf_counter()
            with pytest.raises(StoreBusy, match="locked by another program"):
                await store.save_guild_settings(GuildSettings(1, 42, "09:00", "UTC", True))
            waited = time.perf_counter() - started
        finally:
            other.execute("ROLLBACK")
            other.close()
        # Once the lock is gone, the same store writes again.
        await store.save_guild_settings(GuildSettings(1, 42, "09:00", "UTC", True))
        assert (await store.guild_settings(1)).advice_channel_id == 42
        await store.close()
        return waited

    assert asyncio.run(scenario()) < 1.0


def test_a_folder_where_the_database_should_be_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.mkdir()
    crashes: list[threading.ExceptHookArgs] = []
    hook = threading.excepthook
    threading.excepthook = crashes.append
    try:
        for _ in range(10):  # it used to crash aiosqlite's worker thread most times
            with pytest.raises(StoreError, match="it is a folder, not a file"):
                asyncio.run(Store.open(path))
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join(timeout=1)
    finally:
        threading.excepthook = hook
    assert crashes == []
