"""Two `python -m bot run` processes holding different shards against the local Discord, on
one data folder and one database (a SQLite file, and a real PostgreSQL): each answers the
servers of its shard, and the daily post goes out exactly once per server and day, also when
one process is killed (-9) in the middle of a post and started again."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.storage import AdviceRecord, Database, GuildSettings, open_store
from tests.conftest import DATA
from tests.e2e.bot_process import BotProcess, write_config
from tests.e2e.fake_discord import FakeDiscord, FakeGuild, guild_on_shard, shard_of
from tests.e2e.test_bot import _custom_ids

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

COUNT = 2  # shards of the deployment: one per process
PER_SHARD = 3  # servers on each shard


@pytest.fixture(scope="module")
def episodes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder every process opens, its derived data (the search index) made
    beforehand, as `python -m bot ingest` makes it for a deployment."""
    folder = tmp_path_factory.mktemp("data") / "episodes"
    shutil.copytree(DATA / "episodes", folder)
    Archive.open(folder).close()
    return folder


@asynccontextmanager
async def deployment(
    tmp_path: Path, episodes: Path, database: Database
) -> AsyncIterator[tuple[FakeDiscord, Path]]:
    """The local Discord with servers on both shards (no problem recorded by the end), and
    the config the processes share; every server's daily advice is due at once (00:00 UTC)."""
    guilds = [guild_on_shard(s, COUNT, i) for i in range(PER_SHARD) for s in range(COUNT)]
    store = await open_store(database)
    try:
        for guild in guilds:
            channel = guild.channels[0].id
            await store.save_guild_settings(GuildSettings(guild.id, channel, "00:00", "UTC", True))
    finally:
        await store.close()
    async with FakeDiscord(guilds=guilds, shard_count=COUNT) as server:
        yield server, write_config(server, tmp_path, episodes, database)
        server.raise_for_problems()


def posts(server: FakeDiscord, guild: FakeGuild) -> list[dict[str, object]]:
    """The messages the bot posted in the server's channel."""
    return server.channel_messages.get(guild.channels[0].id, [])


async def daily_rows(database: Database) -> list[AdviceRecord]:
    store = await open_store(database)
    try:
        return [
            r for g in await store.advice_guilds() for r in await store.advice_history(g.guild_id)
        ]
    finally:
        await store.close()


async def all_sent(database: Database, count: int, timeout: float = 20.0) -> list[AdviceRecord]:
    """The advice rows once there are `count`, all sent (the log line comes after)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = await daily_rows(database)
        if len(rows) >= count and all(r.status == "sent" for r in rows):
            return rows
        if loop.time() > deadline:
            raise AssertionError(f"not all sent within {timeout} s: {rows}")
        await asyncio.sleep(0.1)


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


async def test_each_process_answers_its_shard_and_posts_once_per_server(
    tmp_path: Path, episodes: Path, database: Database
) -> None:
    async with deployment(tmp_path, episodes, database) as (server, config):
        bots = [BotProcess(server, config, str(shard), COUNT) for shard in range(COUNT)]
        try:
            await asyncio.gather(*(bot.start() for bot in bots))
            for shard, bot in enumerate(bots):
                await bot.wait_for(f"in {PER_SHARD} guilds on shard {shard} of {COUNT}")
            assert "starting on shard 0 of 2" in bots[0].log
            await all_sent(database, len(server.guilds))
            for guild in server.guilds:
                handle = await server.send_interaction(
                    "quote", {"query": "go quickly go alone"}, guild_id=guild.id
                )
                assert handle.shards == [(shard_of(guild.id, COUNT), COUNT)]  # its one process
                reply = await handle.callback(timeout=10)
                assert reply.body["type"] == 4  # words only, in threads: answered at once
                # Its buttons (a view of the process that answered) reach that process too.
                context = _custom_ids(reply.body["data"])["Context"]
                click = await server.send_component(handle, context)
                assert click.shards == handle.shards
                assert (await click.callback(timeout=10)).ok
            shown = await server.send_interaction("help", guild_id=server.guilds[1].id)
            footer = (await shown.callback(timeout=10)).body["data"]["embeds"][0]["footer"]
            assert footer["text"].endswith("answered by the process of shard 1 of 2")
            assert [await bot.stop() for bot in bots] == [0, 0]
        finally:
            for bot in bots:
                await bot.kill()
        for guild in server.guilds:
            assert len(posts(server, guild)) == 1
            owner = bots[shard_of(guild.id, COUNT)]
            assert f"guild {guild.id}: posted advice" in owner.log
        rows = await daily_rows(database)
        assert sorted(r.guild_id for r in rows) == sorted(g.id for g in server.guilds)
        assert {(r.slot, r.status, r.local_date) for r in rows} == {("daily", "sent", today())}
        for bot in bots:
            assert server.token not in bot.log and "Traceback" not in bot.log


@pytest.mark.parametrize("made", [True, False], ids=["post-made", "post-lost"])
async def test_a_process_killed_mid_post_and_started_again_posts_nothing_twice(
    tmp_path: Path, episodes: Path, database: Database, made: bool
) -> None:
    """Shard 0's process records its first server's post, sends it, and is killed -9 while
    Discord holds the request: the post is then made (Discord got it) or lost. Started again,
    the process finds it in the channel or sends it: one post per server either way."""
    async with deployment(tmp_path, episodes, database) as (server, config):
        first = next(g for g in server.guilds if shard_of(g.id, COUNT) == 0)
        gate = server.hold_posts(first.channels[0].id)
        zero, one = BotProcess(server, config, "0", COUNT), BotProcess(server, config, "1", COUNT)
        restarted = BotProcess(server, config, "0", COUNT)
        try:
            await asyncio.gather(zero.start(), one.start())
            await asyncio.wait_for(gate.arrived.wait(), 30)
            await zero.kill()  # between recording the intent and hearing the post was made
            gate.release(deliver=made)
            shard_one = [g for g in server.guilds if shard_of(g.id, COUNT) == 1]
            await server.wait_until(lambda: all(posts(server, g) for g in shard_one), 20)
            left = {r.guild_id: r.status for r in await daily_rows(database)}
            assert left[first.id] == "intent"
            await restarted.start()
            await all_sent(database, len(server.guilds))
            await restarted.wait_for(f"guild {first.id}: ")
            await asyncio.sleep(0.5)  # time for a second post, were one coming
            assert await restarted.stop() == 0
            assert await one.stop() == 0
        finally:
            for bot in (zero, one, restarted):
                await bot.kill()
        for guild in server.guilds:
            assert len(posts(server, guild)) == 1, guild
        resolved = f"guild {first.id}: {today()} was already posted"
        assert (resolved in restarted.log) == made
        assert (f"guild {first.id}: posted advice" in restarted.log) == (not made)
        rows = await daily_rows(database)
        assert len(rows) == len(server.guilds)
        assert {r.status for r in rows} == {"sent"}
        # Its shard's servers only: shard 1's process never posted for shard 0's.
        assert f"guild {first.id}" not in one.log


async def test_overlapping_shard_ranges_still_post_once(
    tmp_path: Path, episodes: Path, database: Database
) -> None:
    """A mis-configured deployment: both processes hold both shards. The database lets only
    one of them record a server's post for the day; should the other see that row while the
    first is still sending it, it may send it too, with the same nonce, and Discord answers
    that repeat with the message already made: one post, one row, one message id."""
    async with deployment(tmp_path, episodes, database) as (server, config):
        bots = [BotProcess(server, config, "0-1", COUNT) for _ in range(2)]
        try:
            await asyncio.gather(*(bot.start() for bot in bots))
            await all_sent(database, len(server.guilds), 40)
            for bot in bots:
                await bot.wait_for("ready as")
            await asyncio.sleep(0.5)  # time for a second post, were one coming
            assert [await bot.stop() for bot in bots] == [0, 0]
        finally:
            for bot in bots:
                await bot.kill()
        assert [len(posts(server, g)) for g in server.guilds] == [1] * len(server.guilds)
        rows = await daily_rows(database)
        assert sorted(r.guild_id for r in rows) == sorted(g.id for g in server.guilds)
        made = {int(str(posts(server, g)[0]["id"])) for g in server.guilds}
        assert {r.message_id for r in rows} == made
        assert sum(bot.log.count(": posted advice") for bot in bots) >= len(server.guilds)
