"""Chaos: the bot process is killed (SIGKILL) at every phase of a daily post and at a random
moment, over simulated days, two servers in two time zones, one day with a busy channel and
a restart hours later; every server gets exactly one post per local date.

Each day one way to die is tried (their order drawn from `SEED`, each way once): held by
`chaos_bot` at a phase of the post (before the intent is recorded, after it, after Discord
took the post) and killed there; killed while the restarted bot looks through the channel
for a half-done post; killed at a random moment after the start. Then the bot is started
again, serves until both servers' posts are recorded, and is killed once more.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import shutil
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from bot.storage import GuildSettings, open_store
from tests.conftest import DATA, ROOT
from tests.e2e.chaos_bot import HELD, PHASES
from tests.e2e.fake_discord import FakeChannel, FakeDiscord, FakeGuild, default_guild

pytestmark = pytest.mark.asyncio

SEED = int(os.environ.get("PODQUOTE_CHAOS_SEED", "16"))
FIRST_DAY = dt.date(2026, 12, 1)
POST_AT = dt.time(8, 0)  # UTC: 09:00 in Berlin, midnight in Los Angeles (same local date)
LATER = dt.time(13, 0)  # UTC: a restart hours later, still the same local date in both
WAYS = (*PHASES, "during-lookup", "at-random")
START = 30.0  # seconds a start or a post may take on a loaded machine


def servers() -> list[tuple[FakeGuild, str, str]]:
    """Two servers: each with its channel, its advice time and its time zone."""
    first = default_guild()
    second = FakeGuild(
        id=1_200_000_000_000_000_002,
        name="Second Server",
        channels=(FakeChannel(1_300_000_000_000_000_002, "advice"),),
        members=first.members,
        owner_id=first.owner_id,
    )
    return [(first, "09:00", "Europe/Berlin"), (second, "00:00", "America/Los_Angeles")]


class BotProcess:
    """`python -m tests.e2e.chaos_bot` and its stdout, line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, config: Path, clock: Path, env: dict[str, str], *hold: str) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "tests.e2e.chaos_bot", str(config), str(clock), *hold),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace"))

    async def said(self, text: str) -> None:
        """Wait until a line holds `text` (failing with the log if the process ends first)."""
        deadline = asyncio.get_running_loop().time() + START
        while not any(text in line for line in self.lines):
            if self.process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"never said {text!r}:\n{''.join(self.lines)}")
            await asyncio.sleep(0.01)

    async def kill(self) -> None:
        """SIGKILL; the process must not have logged a traceback before it."""
        await self.end()
        assert "Traceback" not in "".join(self.lines), "".join(self.lines)

    async def end(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        await self._reader


async def daily_rows(database: Path) -> dict[tuple[int, str], tuple[str, int | None]]:
    """(server, local date) → (status, message id) of every daily post recorded."""
    async with aiosqlite.connect(database) as db:
        rows = await db.execute_fetchall(
            "SELECT guild_id, local_date, status, message_id FROM advice_log WHERE slot = 'daily'"
        )
    return {(g, d): (s, m) for g, d, s, m in rows}


async def until(condition: Callable[[], Any], what: str) -> None:
    """Wait for `condition` (awaited when it returns an awaitable) to hold."""
    deadline = asyncio.get_running_loop().time() + START
    while True:
        held = condition()
        if asyncio.iscoroutine(held):
            held = await held
        if held:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def lookups(server: FakeDiscord) -> int:
    """How many times a bot read a channel's messages (looking for a half-done post)."""
    return sum(
        c.method == "GET" and c.route == "/channels/{channel_id}/messages" for c in server.calls
    )


def lookups_after(server: FakeDiscord, seen: int) -> bool:
    return lookups(server) > seen


async def all_sent(database: Path, wanted: list[tuple[int, str]]) -> bool:
    """Whether each (server, local date) has its post recorded as sent."""
    rows = await daily_rows(database)
    return all(rows.get(key, ("", None))[0] == "sent" for key in wanted)


def make_busy(server: FakeDiscord, channel_id: int) -> None:
    """150 members' messages on each side of the post (between its intent and it, and after
    it), and Discord has forgotten its nonce (a restart hours later): only a look through
    the whole channel finds the post."""
    messages = server.channel_messages[channel_id]
    post = messages[-1]
    member = default_guild().members[1].payload()
    chatter = {**post, "author": member, "embeds": [], "components": [], "content": "hi"}
    before = [{**chatter, "id": str(int(post["id"]) - n)} for n in range(150, 0, -1)]
    after = [{**chatter, "id": str(server.snowflake())} for _ in range(150)]
    messages[-1:] = [*before, post, *after]
    server._nonces.clear()


async def test_killed_at_every_phase_of_a_post_the_bot_posts_once_per_server_and_date(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    ways = list(WAYS)
    rng.shuffle(ways)
    guilds = servers()
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    database = tmp_path / "podquote.sqlite3"
    clock = tmp_path / "now"
    store = await open_store(database)
    for guild, at, zone in guilds:
        await store.save_guild_settings(
            GuildSettings(guild.id, guild.channels[0].id, at, zone, True)
        )
    await store.close()
    async with FakeDiscord(guilds=[g for g, _, _ in guilds]) as server:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[data]\nepisodes = "{episodes}"\ndatabase = "{database}"\n'
            f"[discord]\nguild_ids = [{', '.join(str(g.id) for g, _, _ in guilds)}]\n"
            f'api_base = "{server.api_base}"\ngateway_url = "{server.gateway_url}"\n'
            "[search]\nvectors = false\n"  # no helper embedding beside the posts under test
        )
        env = {**os.environ, "DISCORD_TOKEN": server.token, "PYTHONPATH": str(ROOT)}

        started: list[BotProcess] = []

        async def start(*hold: str) -> BotProcess:
            started.append(await BotProcess.start(config, clock, env, *hold))
            return started[-1]

        days = [FIRST_DAY + dt.timedelta(days=n) for n in range(len(ways))]
        try:
            for day, way in zip(days, ways, strict=True):
                clock.write_text(dt.datetime.combine(day, POST_AT, dt.UTC).isoformat())
                if way in PHASES:
                    bot = await start(way)
                    await bot.said(HELD + way)
                    await bot.kill()
                elif way == "during-lookup":  # an intent left behind, then a death mid-lookup
                    bot = await start("after-intent")
                    await bot.said(HELD + "after-intent")
                    await bot.kill()
                    looked = lookups(server)
                    bot = await start()
                    await until(partial(lookups_after, server, looked), "the look in the channel")
                    await bot.kill()
                else:  # at a random moment after the start (maybe before, during or after the post)
                    bot = await start()
                    await bot.said(" ready as ")
                    await asyncio.sleep(rng.uniform(0.0, 0.3))
                    await bot.kill()
                if way == "after-send":  # the post is out: the channel gets busy, hours pass
                    make_busy(server, guilds[0][0].channels[0].id)
                    clock.write_text(dt.datetime.combine(day, LATER, dt.UTC).isoformat())
                bot = await start()
                wanted = [(g.id, day.isoformat()) for g, _, _ in guilds]
                await until(partial(all_sent, database, wanted), f"the posts of {day} after {way}")
                await bot.kill()
        finally:  # a failing test leaves no process behind
            for process in started:
                await process.end()
        server.raise_for_problems()

    rows = await daily_rows(database)
    for guild, _, zone in guilds:
        channel = guild.channels[0].id
        posts = {
            int(m["id"]): m["embeds"][0]["footer"]["text"]
            for m in server.channel_messages.get(channel, [])
            if m["author"]["id"] == str(server.application_id)
        }
        local = [
            dt.datetime.combine(day, POST_AT, dt.UTC).astimezone(ZoneInfo(zone)).date()
            for day in days
        ]
        assert sorted(posts.values()) == [f"Daily advice for {d}" for d in local], (SEED, ways)
        for d in local:
            status, message_id = rows[(guild.id, d.isoformat())]
            assert status == "sent" and posts.get(message_id or 0) == f"Daily advice for {d}"
