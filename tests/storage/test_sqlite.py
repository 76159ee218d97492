"""Storage on a real SQLite file: created on first start, migrated once, settings and the search
log kept; opened read-only for reports."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.sqlite import (
    MIGRATIONS,
    GuildSettings,
    SearchRecord,
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


def _migrated_to(path: Path, version: int) -> None:
    """A database as a podquote of schema `version` left it."""
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for number in range(1, version + 1):
            raw.executescript(MIGRATIONS[number - 1])
            raw.execute("INSERT INTO schema_version VALUES (?)", (number,))


def test_an_older_database_gains_the_cooldowns_and_the_search_log_keeping_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    _migrated_to(path, 3)
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO guild_settings (guild_id, advice_enabled) VALUES (7, 1)")

    async def scenario() -> None:
        store = await Store.open(path)
        try:
            assert await store.version() == len(MIGRATIONS) == 6
            assert (await store.guild_settings(7)).advice_enabled
            assert await store.quote_cooldowns() == {}
            await store.save_quote_cooldown(7, 30)
            await store.save_quote_cooldown(7, 0)  # 0: off, kept as this server's own
            await store.save_quote_cooldown(8, 12.5)
            assert await store.quote_cooldowns() == {7: 0.0, 8: 12.5}
            # A server's cooldown is no advice setting: the config's advice default still holds.
            assert await store.saved_guild_settings(8) is None
        finally:
            await store.close()

    asyncio.run(scenario())
    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.IntegrityError):
        raw.execute("INSERT INTO quote_settings (guild_id, cooldown_seconds) VALUES (9, -1)")


def test_searches_are_counted_by_day_outcome_and_episode_and_forgotten_when_old(
    tmp_path: Path,
) -> None:
    day = dt.date(2026, 3, 10)
    earlier = day - dt.timedelta(days=1)

    async def scenario() -> None:
        store = await Store.open(tmp_path / "db.sqlite3")
        try:
            for record in (
                SearchRecord(1, earlier - dt.timedelta(days=40), "quote", "found", "old", 5),
                SearchRecord(1, earlier, "quote", "found", "ep-a", 10),
                SearchRecord(1, day, "quote", "found", "ep-b", 11),
                SearchRecord(1, day, "episode", "found", "ep-b", 1),
                SearchRecord(1, day, "quote", "none", None, 9, "chocolate cake"),
                SearchRecord(1, day, "quote", "none", None, 9),  # recorded with logging off
                SearchRecord(1, day, "quote", "refused", None, 0, "x" * 10),
                SearchRecord(2, day, "quote", "none", None, 9, "other server"),
                SearchRecord(None, day, "quote", "found", "ep-a", 3),  # a direct message
            ):
                await store.record_search(record)
            tally = await store.search_tally(1, earlier)
            assert tally.by_day == (
                (earlier, "found", 1),
                (day, "found", 2),
                (day, "none", 2),
                (day, "refused", 1),
            )
            assert tally.episodes == (("ep-b", 2), ("ep-a", 1))
            assert tally.misses == ((day, "quote", "chocolate cake"),)
            everywhere = await store.search_tally(None, earlier, episodes=1, misses=5)
            assert everywhere.episodes == (("ep-a", 2),)  # ties: by id
            assert [m[2] for m in everywhere.misses] == ["other server", "chocolate cake"]

            assert await store.forget_searches(earlier) == 1  # the 40-day-old one
            assert len(await store.searches()) == 8
            assert await store.forget_searches(earlier, keep_queries=False) == 0
            assert all(r.query is None for r in await store.searches())
            assert [r.took_ms for r in await store.searches(2)] == [9]
        finally:
            await store.close()

    asyncio.run(scenario())


def test_the_search_log_refuses_an_unknown_outcome(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await Store.open(tmp_path / "db.sqlite3")
        try:
            with pytest.raises(StoreError, match="CHECK constraint failed"):
                await store.record_search(SearchRecord(1, dt.date(2026, 1, 1), "quote", "maybe"))
        finally:
            await store.close()

    asyncio.run(scenario())


def test_read_only_opens_change_nothing_and_refuse_what_they_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario() -> None:
        with pytest.raises(StoreError, match="no database there"):
            await Store.open(path, read_only=True)
        assert not path.exists()  # not created
        writer = await Store.open(path)
        await writer.record_search(SearchRecord(1, dt.date(2026, 1, 1), "quote", "found", "e"))
        reader = await Store.open(path, read_only=True)  # while the bot has it open
        try:
            assert len(await reader.searches()) == 1
            with pytest.raises(StoreReadOnly):
                await reader.save_quote_cooldown(1, 5)
            await writer.record_search(SearchRecord(1, dt.date(2026, 1, 2), "quote", "none"))
            assert len(await reader.searches()) == 2  # sees the bot's writes
        finally:
            await reader.close()
            await writer.close()

    asyncio.run(scenario())
    older = tmp_path / "older.sqlite3"
    _migrated_to(older, 3)
    with pytest.raises(StoreError, match="schema version 3 is older than this podquote's"):
        asyncio.run(Store.open(older, read_only=True))
    with sqlite3.connect(older) as raw:
        assert raw.execute("SELECT MAX(version) FROM schema_version").fetchone() == (3,)
    newer = tmp_path / "newer.sqlite3"
    _migrated_to(newer, 6)
    with sqlite3.connect(newer) as raw:
        raw.execute("INSERT INTO schema_version VALUES (7)")
    with pytest.raises(StoreError, match="schema version 7 is newer"):
        asyncio.run(Store.open(newer, read_only=True))
    stranger = tmp_path / "stranger.sqlite3"
    sqlite3.connect(stranger).close()
    with pytest.raises(StoreError, match="schema version 0 is older"):
        asyncio.run(Store.open(stranger, read_only=True))


def test_the_servers_seen_are_kept_whole_or_one_by_one(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[tuple[int, str]], ...]:
        store = await Store.open(tmp_path / "db.sqlite3")
        try:
            await store.save_guilds_seen([(2, "Beta"), (1, "Alpha")], whole=True)
            first = await store.guilds_seen()
            await store.save_guilds_seen([(3, "Gamma"), (1, "Alpha renamed")], whole=False)
            await store.forget_guild_seen(2)
            second = await store.guilds_seen()
            await store.save_guilds_seen([(4, "Delta")], whole=True)  # a new READY: all of them
            return first, second, await store.guilds_seen()
        finally:
            await store.close()

    first, second, third = asyncio.run(scenario())
    assert first == [(1, "Alpha"), (2, "Beta")]
    assert second == [(1, "Alpha renamed"), (3, "Gamma")]
    assert third == [(4, "Delta")]
