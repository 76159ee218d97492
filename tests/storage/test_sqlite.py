"""What only a SQLite file does: not a database, read-only, removed or replaced while open,
locked by another program, a folder in its place, absent when opened for reading. (What both
backends do alike: tests/storage/test_store.py.)"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import (
    GuildSettings,
    StoreBusy,
    StoreError,
    StoreGone,
    StoreReadOnly,
)
from bot.storage.sqlite import SqliteStore


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a podquote database"):
        asyncio.run(SqliteStore.open(path))


async def _read_only(path: Path) -> SqliteStore:
    """The store over a read-only connection: SQLite's own `mode=ro` open, which refuses
    writes exactly as it does when the file or its mount is read-only for the bot's user (it
    then opens the file read-only without a word; as root, file modes would not stop it)."""
    db = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return SqliteStore(db, path)


def test_a_read_only_database_is_told_apart_on_every_write(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario() -> None:
        await (await SqliteStore.open(path)).close()
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
        store = await SqliteStore.open(path)
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
        again = await SqliteStore.open(path)
        assert await again.guild_settings(1) == GuildSettings(1)
        await again.close()

    asyncio.run(scenario())


def test_a_lock_held_by_another_program_is_a_short_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario() -> float:
        store = await SqliteStore.open(path, busy_timeout=0.2)
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
                asyncio.run(SqliteStore.open(path))
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join(timeout=1)
    finally:
        threading.excepthook = hook
    assert crashes == []


def test_a_read_only_open_refuses_a_missing_file_or_one_podquote_never_set_up(
    tmp_path: Path,
) -> None:
    """What only a file can be: missing (not created by a read-only open) or an empty SQLite
    file. Reading beside a writer and the older and newer schemas are in test_store.py, on
    both backends."""
    path = tmp_path / "db.sqlite3"
    with pytest.raises(StoreError, match="no database there"):
        asyncio.run(SqliteStore.open(path, read_only=True))
    assert not path.exists()  # not created
    stranger = tmp_path / "stranger.sqlite3"
    sqlite3.connect(stranger).close()
    with pytest.raises(StoreError, match="schema version 0 is older"):
        asyncio.run(SqliteStore.open(stranger, read_only=True))


def test_a_close_waits_for_the_write_under_way_and_leaves_the_file_unlocked(
    tmp_path: Path,
) -> None:
    """A bot stopped in the middle of a write (its servers being recorded at the start): the
    close waits for that write's transaction, and the next open of the file can write. A
    connection closed inside a transaction lived on and held the lock (the next start's
    open said "database is locked")."""
    path = tmp_path / "podquote.sqlite3"

    async def scenario() -> None:
        store = await SqliteStore.open(path)
        async with store._connection() as db:  # a write under way, its transaction open
            await db.execute("DELETE FROM guilds_seen")
            closing = asyncio.create_task(store.close())
            await asyncio.sleep(0.05)
            assert not closing.done()  # it waits for the write
            await db.execute("INSERT INTO guilds_seen (guild_id, name) VALUES (1, 'a')")
            await db.commit()
        await asyncio.wait_for(closing, 5)
        again = await SqliteStore.open(path, busy_timeout=0.2)  # writes (check_writable)
        try:
            assert await again.guilds_seen() == [(1, "a")]
        finally:
            await again.close()

    asyncio.run(scenario())
