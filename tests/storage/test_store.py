"""The store's behaviour, the same on both backends: each test runs on a real SQLite file and
on a real PostgreSQL database (the `database` fixture, tests/conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import asyncpg
import pytest

from bot.storage import (
    SCHEMA_VERSION,
    Database,
    GuildSettings,
    SearchRecord,
    StoreError,
    StoreReadOnly,
    open_store,
    schema_version,
)
from tests.storage.helpers import execute, migrated_to, rows

pytestmark = pytest.mark.asyncio
DAY = dt.date(2026, 11, 21)


async def test_first_open_creates_and_migrates_and_reopening_keeps_data(
    database: Database,
) -> None:
    assert await schema_version(database) in (None, 0)  # nothing there yet
    store = await open_store(database)
    assert await store.version() == SCHEMA_VERSION == 6
    assert await store.guild_settings(1) == GuildSettings(1)
    await store.save_guild_settings(GuildSettings(1, 42, "09:00", "Europe/Berlin", True))
    await store.save_guild_settings(GuildSettings(1, 43, "10:30", "Europe/Berlin", True))
    await store.close()
    again = await open_store(database)
    assert await again.migrate() == 0
    assert await again.guild_settings(1) == GuildSettings(1, 43, "10:30", "Europe/Berlin", True)
    await again.close()
    versions = [r[0] for r in await rows(database, "SELECT version FROM schema_version")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert await schema_version(database) == SCHEMA_VERSION


async def test_discord_ids_keep_all_64_bits(database: Database) -> None:
    big = 2**63 - 1  # Discord's ids are 64-bit snowflakes
    store = await open_store(database)
    try:
        await store.save_guild_settings(GuildSettings(big, big - 1, "09:00", "UTC", True))
        await store.save_guilds_seen([(big, "Big")], whole=True)
        record = await store.record_intent(
            big, DAY, slot="daily", channel_id=big, segment_id="s", episode_id="e", fingerprint="f"
        )
        assert record is not None
        await store.mark_sent(record.id, big)
        assert await store.guild_settings(big) == GuildSettings(big, big - 1, "09:00", "UTC", True)
        assert await store.guilds_seen() == [(big, "Big")]
        sent = await store.daily_post(big, DAY)
        assert sent is not None and (sent.channel_id, sent.message_id) == (big, big)
    finally:
        await store.close()


async def test_a_database_from_a_newer_podquote_is_refused(database: Database) -> None:
    await execute(
        database,
        "CREATE TABLE schema_version (version INTEGER NOT NULL); "
        "INSERT INTO schema_version VALUES (99);",
    )
    with pytest.raises(StoreError, match=f"schema version 99 is newer .*\\({SCHEMA_VERSION}\\)"):
        await open_store(database)
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        await open_store(database, read_only=True)


async def test_version_1_history_moves_into_the_advice_log(database: Database) -> None:
    await migrated_to(database, 1)
    await execute(
        database,
        "INSERT INTO advice_posts (guild_id, local_date, segment_id, episode_id, status, "
        "message_id) VALUES (1, '2026-11-20', 'ep#3', 'ep', 'sent', 99);",
    )
    store = await open_store(database)
    try:
        assert await store.version() == SCHEMA_VERSION
        record = await store.daily_post(1, dt.date(2026, 11, 20))
        assert record is not None
        assert (record.slot, record.status, record.message_id) == ("daily", "sent", 99)
        # The ids go on after the moved rows.
        extra = await store.record_intent(
            1, DAY, slot="extra", channel_id=5, segment_id="s", episode_id="e", fingerprint="f"
        )
        assert extra is not None and extra.id == record.id + 1
    finally:
        await store.close()


async def test_an_older_database_gains_the_cooldowns_and_the_search_log_keeping_its_data(
    database: Database,
) -> None:
    await migrated_to(database, 3)
    await execute(database, "INSERT INTO guild_settings (guild_id, advice_enabled) VALUES (7, 1);")
    assert await schema_version(database) == 3
    store = await open_store(database)
    try:
        assert await store.version() == SCHEMA_VERSION
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
    with pytest.raises((sqlite3.IntegrityError, asyncpg.CheckViolationError)):
        await execute(
            database, "INSERT INTO quote_settings (guild_id, cooldown_seconds) VALUES (9, -1);"
        )


async def test_searches_are_counted_by_day_outcome_and_episode_and_forgotten_when_old(
    database: Database,
) -> None:
    day = dt.date(2026, 3, 10)
    earlier = day - dt.timedelta(days=1)
    store = await open_store(database)
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


async def test_the_search_log_refuses_an_unknown_outcome(database: Database) -> None:
    store = await open_store(database)
    try:
        with pytest.raises(StoreError, match="CHECK constraint failed"):
            await store.record_search(SearchRecord(1, dt.date(2026, 1, 1), "quote", "maybe"))
        assert await store.searches() == []
    finally:
        await store.close()


async def test_read_only_opens_read_and_refuse_writes_and_old_or_new_schemas(
    database: Database,
) -> None:
    writer = await open_store(database)
    await writer.record_search(SearchRecord(1, dt.date(2026, 1, 1), "quote", "found", "e"))
    reader = await open_store(database, read_only=True)  # while the bot has it open
    try:
        assert len(await reader.searches()) == 1
        with pytest.raises(StoreReadOnly):
            await reader.save_quote_cooldown(1, 5)
        await writer.record_search(SearchRecord(1, dt.date(2026, 1, 2), "quote", "none"))
        assert len(await reader.searches()) == 2  # sees the bot's writes
    finally:
        await reader.close()
        await writer.close()
    assert await rows(database, "SELECT COUNT(*) FROM quote_settings") == [(0,)]


async def test_a_read_only_open_of_an_older_schema_changes_nothing(database: Database) -> None:
    await migrated_to(database, 3)
    with pytest.raises(StoreError, match="schema version 3 is older than this podquote's"):
        await open_store(database, read_only=True)
    assert await rows(database, "SELECT MAX(version) FROM schema_version") == [(3,)]


async def test_the_servers_seen_are_kept_whole_or_one_by_one(database: Database) -> None:
    store = await open_store(database)
    try:
        await store.save_guilds_seen([(2, "Beta"), (1, "Alpha")], whole=True)
        assert await store.guilds_seen() == [(1, "Alpha"), (2, "Beta")]
        await store.save_guilds_seen([(3, "Gamma"), (1, "Alpha renamed")], whole=False)
        await store.forget_guild_seen(2)
        assert await store.guilds_seen() == [(1, "Alpha renamed"), (3, "Gamma")]
        await store.save_guilds_seen([(4, "Delta")], whole=True)  # a new READY: all of them
        assert await store.guilds_seen() == [(4, "Delta")]
    finally:
        await store.close()


async def test_settings_and_command_syncs_are_kept_per_server(database: Database) -> None:
    store = await open_store(database)
    try:
        await store.save_guild_settings(GuildSettings(2, 20, "08:00", "UTC", False))
        await store.save_guild_settings(GuildSettings(1, 10, "09:00", "Europe/Berlin", True))
        assert await store.advice_guilds() == [
            GuildSettings(1, 10, "09:00", "Europe/Berlin", True),
            GuildSettings(2, 20, "08:00", "UTC", False),
        ]
        assert await store.synced_commands("global") is None
        await store.save_synced_commands("global", "a1")
        await store.save_synced_commands("global", "b2")
        await store.save_synced_commands("123", "c3")
        assert await store.synced_commands("global") == "b2"
        assert await store.synced_targets() == {"global", "123"}
    finally:
        await store.close()


async def test_one_daily_post_a_day_and_any_number_of_extras(database: Database) -> None:
    store = await open_store(database)
    try:

        async def intent(slot: str, day: dt.date = DAY) -> object:
            return await store.record_intent(
                1, day, slot=slot, channel_id=5, segment_id="s", episode_id="e", fingerprint="f"
            )

        first = await intent("daily")
        assert first is not None
        assert await intent("daily") is None  # the day's daily post is taken
        assert await store.record_skip(1, DAY, "empty pool") is None
        assert await intent("extra") is not None
        assert await intent("extra") is not None
        skipped = await store.record_skip(1, DAY + dt.timedelta(days=1), "empty pool")
        assert skipped is not None and (skipped.status, skipped.reason) == ("skipped", "empty pool")
        daily = await store.daily_post(1, DAY)
        assert daily is not None and daily.status == "intent" and daily.day == DAY

        retry = dt.datetime(2026, 11, 21, 9, 5, tzinfo=dt.UTC)
        await store.mark_retry(daily.id, "Discord 503", retry)
        await store.hold(daily.id, retry + dt.timedelta(minutes=1))
        held = await store.advice_record(daily.id)
        assert held is not None and held.attempts == 1 and held.reason == "Discord 503"
        assert held.retry_at == "2026-11-21T09:06:00+00:00"
        await store.mark_sent(daily.id, 777)
        sent = await store.advice_record(daily.id)
        assert sent is not None and (sent.status, sent.message_id, sent.reason) == (
            "sent",
            777,
            None,
        )
        history = await store.advice_history(1)
        assert [(r.slot, r.status) for r in history] == [
            ("daily", "sent"),
            ("extra", "intent"),
            ("extra", "intent"),
            ("daily", "skipped"),
        ]
        await store.mark_skipped(history[1].id, "channel gone")
        assert (await store.advice_history(1))[1].status == "skipped"
        assert await store.advice_record(10_000) is None
        assert await store.advice_history(2) == []
        assert len(history[0].created_at) == len("2026-11-21T09:00:00Z")
    finally:
        await store.close()


async def test_operations_at_once_from_many_tasks_each_keep_their_own_outcome(
    database: Database,
) -> None:
    """The daily posts of many servers are recorded at once. On SQLite's one connection a
    refused insert (the day already taken) rolled back another task's insert made in between,
    and that task then found no row: every outcome must be its own."""
    store = await open_store(database)
    try:

        async def intent(guild_id: int) -> object:
            return await store.record_intent(
                guild_id,
                DAY,
                slot="daily",
                channel_id=5,
                segment_id="s",
                episode_id="e",
                fingerprint="f",
            )

        taken = [guild for guild in range(1, 21) if await intent(guild) is not None]
        assert taken == list(range(1, 21))
        # Each refused insert (a day already taken) beside a fresh one, all at once.
        fresh = range(21, 41)
        outcomes = await asyncio.gather(
            *(intent(g) for pair in zip(taken, fresh, strict=True) for g in pair)
        )
        assert outcomes[0::2] == [None] * 20
        assert [getattr(o, "guild_id", None) for o in outcomes[1::2]] == list(fresh)
        recorded = [await store.daily_post(guild, DAY) for guild in range(1, 41)]
        assert all(r is not None and r.status == "intent" for r in recorded)
    finally:
        await store.close()
