"""/advice and the daily post when the database fails under the bot: read-only, removed, or
locked by another program. Each says so, to the admin and in the log, within Discord's 3 s;
none reports a success that a restart would take back."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
import pytest

from bot.archive.loaded import Archive
from bot.config.settings import Config, DataConfig, DiscordConfig, SearchConfig
from bot.discord_app.client import PodquoteBot
from bot.storage import GuildSettings, Store, open_store
from bot.storage.sqlite import SqliteStore
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, run_bot
from tests.e2e.test_advice_bot import (
    ALICE,
    CHANNEL,
    GUILD,
    StillClock,
    advice,
    answer,
    channel_option,
    posts,
    set_advice,
    utc,
)

pytestmark = pytest.mark.asyncio


@asynccontextmanager
async def podquote(
    server: FakeDiscord, tmp_path: Path, clock: StillClock, store: Store
) -> AsyncIterator[PodquoteBot]:
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    config = Config(
        data=DataConfig(episodes=episodes, database=store.path),
        discord=DiscordConfig(guild_ids=(GUILD.id,), admin_user_ids=(ALICE.id,)),
        search=SearchConfig(cooldown_seconds=0.0),
    )
    bot = PodquoteBot(config, Archive.open(episodes), store, clock=clock)
    try:
        async with run_bot(bot, server):
            # The bot's own writes at start are done: a test that then blocks the event loop
            # on a lock of its own cannot catch one of them half-way.
            await asyncio.wait_for(bot.servers_recorded.wait(), 10)
            yield bot
    finally:
        await store.close()


async def test_a_read_only_database_is_shown_in_status_and_the_log(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "podquote.sqlite3"
    saved = await open_store(path)
    await saved.save_guild_settings(
        GuildSettings(GUILD.id, CHANNEL.id, "09:00", "Europe/Berlin", True)
    )
    await saved.close()
    # SQLite's own read-only open: the file as the bot sees it on a read-only mount or with
    # mode 0444 for its user (SQLite then opens it read-only without a word). Store.open
    # would refuse such a file at start; this one turned read-only while the bot ran.
    read_only = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    clock = StillClock(utc(2026, 11, 21, 8, 30))  # 09:30 in Berlin: the post is due
    with caplog.at_level(logging.ERROR, logger="bot.advice.daily_post"):
        async with podquote(fake_discord, tmp_path, clock, SqliteStore(read_only, path)):
            await fake_discord.wait_until(lambda: bool(caplog.records), timeout=5)
            status = answer(await advice(fake_discord, "status"))
            assert "due since **Sat 21 Nov 2026, 09:00 CET**" in status
            assert "⚠️ Nothing can be posted" in status
            assert "the database cannot be written" in status
            refused = answer(await advice(fake_discord, "set", channel=CHANNEL.id, time="10:00"))
            assert refused == (
                "Sorry, the bot's database is read-only, so nothing can be saved. "
                "The admins can find the details in the log."
            )
            assert posts(fake_discord) == []
    (first, *_) = caplog.records
    assert first.getMessage().startswith("daily advice: nothing can be posted: ")
    assert "attempt to write a readonly database" in first.getMessage()
    assert first.exc_info is None  # one line, no traceback


async def test_a_database_removed_while_running_is_refused_not_reported_saved(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    path = tmp_path / "podquote.sqlite3"
    clock = StillClock(utc(2026, 11, 21, 7, 0))
    async with podquote(fake_discord, tmp_path, clock, await open_store(path)):
        assert "09:00" in await set_advice(fake_discord)
        for file in tmp_path.glob("podquote.sqlite3*"):
            file.unlink()
        gone = (
            "Sorry, the bot's database file was removed or replaced while it ran, so nothing "
            "is saved until an admin restarts the bot. The admins can find the details in the log."
        )
        set_again = await advice(fake_discord, "set", channel=CHANNEL.id, time="10:00")
        assert answer(set_again) == gone
        assert answer(await advice(fake_discord, "now")) == gone
        assert answer(await advice(fake_discord, "status")) == gone
        assert posts(fake_discord) == []


async def test_a_locked_database_answers_busy_within_discords_deadline(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    path = tmp_path / "podquote.sqlite3"
    clock = StillClock(utc(2026, 11, 21, 7, 0))
    async with podquote(fake_discord, tmp_path, clock, await open_store(path)):
        other = sqlite3.connect(path, isolation_level=None)  # another program …
        other.execute("BEGIN EXCLUSIVE")  # … holding the lock
        try:
            handle = await fake_discord.send_interaction(
                "advice",
                [
                    {
                        "name": "set",
                        "type": 1,
                        "options": [
                            {"name": "channel", "type": 7, "value": str(CHANNEL.id)},
                            {"name": "time", "type": 3, "value": "10:00"},
                        ],
                    }
                ],
                user=ALICE,
                resolved=channel_option(),
            )
            deferred = await handle.callback()
            assert deferred.body["type"] == 5 and handle.elapsed(deferred) < 1.0
            busy = await handle.followup(timeout=10)
            assert busy.body["content"] == "Sorry, the database is busy, try again in a moment."
            assert busy.body["flags"] & 64
            assert handle.elapsed(busy) < 3.0
        finally:
            other.execute("ROLLBACK")
            other.close()
        await asyncio.sleep(0)
        assert "10:00" in await set_advice(fake_discord, time="10:00")  # the lock is gone
