"""What only PostgreSQL does: several processes on one database (the daily post exactly once,
reloads announced to the others), and the server's own failures as one line each."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.storage import (
    AdviceRecord,
    GuildSettings,
    PostgresUrl,
    StoreBusy,
    StoreError,
    open_store,
)
from bot.storage.postgresql import PostgresStore

pytestmark = pytest.mark.asyncio
DAY = dt.date(2026, 11, 21)
RACERS = 12


async def test_racing_processes_get_one_daily_post_a_day(postgres_url: PostgresUrl) -> None:
    """Each store stands for a process: its own pool, its own connections."""
    stores = [await PostgresStore.open(postgres_url) for _ in range(RACERS)]
    try:
        start = asyncio.Event()

        async def race(index: int, store: PostgresStore) -> AdviceRecord | None:
            await start.wait()
            if index % 3 == 2:
                return await store.record_skip(1, DAY, "empty pool")
            return await store.record_intent(
                1,
                DAY,
                slot="daily",
                channel_id=5,
                segment_id=f"seg-{index}",
                episode_id="e",
                fingerprint="f",
            )

        tasks = [asyncio.create_task(race(i, s)) for i, s in enumerate(stores)]
        await asyncio.sleep(0.05)
        start.set()
        won = [r for r in await asyncio.gather(*tasks) if r is not None]
        assert len(won) == 1
        assert await stores[0].daily_post(1, DAY) == won[0]
        assert len(await stores[0].advice_history(1)) == 1
        # Another server, or the next day, is a race of its own.
        assert await stores[1].record_skip(2, DAY, "empty pool") is not None
        assert await stores[2].record_skip(1, DAY + dt.timedelta(days=1), "x") is not None
    finally:
        for store in stores:
            await store.close()


async def test_a_lock_held_by_another_connection_is_a_short_busy_error(
    postgres_url: PostgresUrl,
) -> None:
    store = await open_store(postgres_url, busy_timeout=0.2)
    other = await asyncpg.connect(postgres_url.url)
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.execute("LOCK TABLE guild_settings IN ACCESS EXCLUSIVE MODE")
        started = time.perf_counter()
        with pytest.raises(StoreBusy, match="lock is held by another connection"):
            await store.save_guild_settings(GuildSettings(1, 42, "09:00", "UTC", True))
        assert time.perf_counter() - started < 1.5
        await transaction.rollback()
        await store.save_guild_settings(GuildSettings(1, 42, "09:00", "UTC", True))
        assert (await store.guild_settings(1)).advice_channel_id == 42
    finally:
        await other.close()
        await store.close()


def _with(url: PostgresUrl, *, user: str | None = None, database: str | None = None) -> str:
    parts = urlsplit(url.url)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rpartition('@')[2]}"
    path = parts.path if database is None else f"/{database}"
    return urlunsplit(parts._replace(netloc=netloc, path=path))


async def test_an_unknown_user_a_missing_database_and_no_server_are_one_line_each(
    postgres_url: PostgresUrl, tmp_path: Path
) -> None:
    with pytest.raises(StoreError, match=r"the server refused the login .* PGPASSWORD") as raised:
        await open_store(PostgresUrl(_with(postgres_url, user="nobody_here")))
    assert "\n" not in str(raised.value)
    with pytest.raises(StoreError, match=r'database "no_such_db" does not exist .*createdb'):
        await open_store(PostgresUrl(_with(postgres_url, database="no_such_db")))
    nowhere = PostgresUrl(f"postgresql://podquote@/podquote?host={tmp_path}")
    with pytest.raises(StoreError, match=f"^{re.escape(str(nowhere))}: cannot reach the server"):
        await open_store(nowhere)


async def test_a_reload_is_heard_by_the_other_processes_not_by_the_sender(
    postgres_url: PostgresUrl,
) -> None:
    first, second, third = [await PostgresStore.open(postgres_url) for _ in range(3)]
    heard: dict[str, int] = {"first": 0, "second": 0}
    both = asyncio.Event()

    def counter(name: str) -> object:
        async def on_reload() -> None:
            heard[name] += 1
            if all(heard.values()):
                both.set()

        return on_reload

    try:
        await first.listen_reload(counter("first"))  # type: ignore[arg-type]
        await second.listen_reload(counter("second"))  # type: ignore[arg-type]
        await third.notify_reload()  # a process that does not listen
        await asyncio.wait_for(both.wait(), 5)
        await first.notify_reload()
        await asyncio.sleep(0.3)
        assert heard == {"first": 1, "second": 2}  # the sender does not hear itself
    finally:
        for store in (first, second, third):
            await store.close()


async def test_processes_starting_at_once_migrate_once(postgres_url: PostgresUrl) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(postgres_url) for _ in range(4)))
    try:
        assert [await s.version() for s in stores] == [6, 6, 6, 6]
        versions = await stores[0]._fetch("SELECT version FROM schema_version ORDER BY 1")
        assert [r[0] for r in versions] == [1, 2, 3, 4, 5, 6]
    finally:
        for store in stores:
            await store.close()


async def test_a_lost_listener_listens_again_and_reloads_once_to_catch_up(
    postgres_url: PostgresUrl, caplog: pytest.LogCaptureFixture
) -> None:
    """The server drops the listening connection (a restart, a network cut): the store
    listens again on its own, reloads once for what it may have missed, and hears the next
    announcement as before."""
    caplog.set_level(logging.INFO, logger="bot.storage.postgresql")
    listening, telling = [await PostgresStore.open(postgres_url) for _ in range(2)]
    reloads = asyncio.Queue[str]()

    async def on_reload() -> None:
        reloads.put_nowait("reload")

    try:
        await listening.listen_reload(on_reload)
        pid = listening._listener.get_server_pid()
        killed = await telling._fetchrow("SELECT pg_terminate_backend(?)", pid)
        assert killed[0] is True
        assert await asyncio.wait_for(reloads.get(), 10) == "reload"  # the catch-up
        assert "listening again for other processes' reloads" in caplog.text
        assert listening._listener is not None and listening._listener.get_server_pid() != pid
        await telling.notify_reload()
        assert await asyncio.wait_for(reloads.get(), 5) == "reload"  # heard as before
        await asyncio.sleep(0.3)
        assert reloads.empty()
    finally:
        for store in (listening, telling):
            await store.close()
