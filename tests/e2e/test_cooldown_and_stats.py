"""/quote's cooldown, /settings cooldown, the log of commands and /stats, end to end: the
real bot through discord.py against the local Discord, on a real database."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.archive.loaded import Archive
from bot.config.settings import Config, DataConfig, DiscordConfig, LoggingConfig, SearchConfig
from bot.discord_app.client import PodquoteBot
from bot.stats.report import QUERIES_OFF
from bot.storage import SearchRecord, StoreReadOnly, open_store
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, FakeUser, default_guild, run_bot

GUILD = default_guild()
ALICE, BOB = GUILD.members  # alice is the configured admin; bob is a member
FOUND = {"query": "catapult basket drift"}
MISS = {"query": "chocolate cake recipe with buttercream frosting"}

pytestmark = pytest.mark.asyncio


@asynccontextmanager
async def podquote(
    server: FakeDiscord, tmp_path: Path, cooldown: float = 60.0, queries: bool = False
) -> AsyncIterator[PodquoteBot]:
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    config = Config(
        data=DataConfig(episodes=episodes, database=tmp_path / "podquote.sqlite3"),
        discord=DiscordConfig(guild_ids=(GUILD.id,), admin_user_ids=(ALICE.id,)),
        search=SearchConfig(cooldown_seconds=cooldown),
        logging=LoggingConfig(queries=queries),
    )
    store = await open_store(config.data.database)
    bot = PodquoteBot(config, Archive.open(episodes), store)
    try:
        async with run_bot(bot, server):
            yield bot
    finally:
        await store.close()


async def quote(server: FakeDiscord, user: FakeUser, options: dict[str, Any]) -> dict[str, Any]:
    """The callback of a /quote: its type and message data."""
    handle = await server.send_interaction("quote", options, user=user)
    body: dict[str, Any] = (await handle.callback()).body
    return body


def refused(body: dict[str, Any]) -> str:
    """The private line of a /quote refused for asking too soon ('' when it was answered)."""
    data = body["data"]
    content = str(data.get("content") or "")
    if not content.startswith("Easy there! You can ask again in "):
        return ""
    assert data["flags"] & 64, body  # only the member sees it
    assert data["allowed_mentions"] == {"parse": []}
    return content


async def answer(server: FakeDiscord, name: str, options: Any, user: FakeUser) -> dict[str, Any]:
    """The message data of a command's answer: the callback's, or, when it deferred, the
    first followup's."""
    handle = await server.send_interaction(name, options, user=user)
    callback = await handle.callback()
    if callback.body["type"] == 5:
        data: dict[str, Any] = (await handle.followup()).body
        return data
    return dict(callback.body["data"])


async def set_cooldown(server: FakeDiscord, user: FakeUser, seconds: int | None) -> str:
    options = [] if seconds is None else [{"name": "seconds", "type": 4, "value": seconds}]
    data = await answer(
        server, "settings", [{"name": "cooldown", "type": 1, "options": options}], user
    )
    assert data["flags"] & 64  # private
    return str(data["content"])


async def recorded(bot: PodquoteBot) -> list[SearchRecord]:
    """The searches in the database once the handlers and their writes are done."""
    await bot.in_flight.settle(3.0)
    await bot.resources.commands.drain()
    return await bot.store.searches()


async def test_a_second_quote_is_refused_privately_but_misses_and_refusals_are_not_charged(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.stats.record")
    async with podquote(fake_discord, tmp_path) as bot:
        for options, said in (
            (MISS, "I found no quote"),
            ({"query": "x" * 201}, "under 200 characters"),
            ({"query": "drift", "speaker": "meer"}, "No speaker matches 'meer'"),
        ):
            body = await quote(fake_discord, BOB, options)
            assert said in body["data"]["content"]  # answered, not refused: none was charged
        assert (await quote(fake_discord, BOB, FOUND))["type"] == 4  # public: charged
        line = refused(await quote(fake_discord, BOB, {"query": "drift"}))
        assert line in {
            "Easy there! You can ask again in 60 s.",
            "Easy there! You can ask again in 59 s.",
        }
        assert refused(await quote(fake_discord, BOB, MISS))  # still waiting
        assert not refused(await quote(fake_discord, ALICE, FOUND))  # another member
        rows = await recorded(bot)
    assert [r.outcome for r in rows] == [
        "none",
        "refused",
        "refused",
        "found",
        "refused",
        "refused",
        "found",
    ]
    assert {r.episode_id for r in rows if r.outcome == "found"} == {
        "s08e01-visualising-machine-learning"
    }
    assert all(r.guild_id == GUILD.id and r.query is None for r in rows)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("/")]
    assert lines[0].startswith("/quote outcome=none took_ms=")
    assert len([line for line in lines if line.startswith("/quote")]) == 7
    assert not any("chocolate" in line or "catapult" in line for line in caplog.messages)


async def test_a_quote_that_fails_on_the_bots_side_is_not_charged_either(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.stats.record")
    async with podquote(fake_discord, tmp_path) as bot:
        searcher = bot.archive.searcher
        real = searcher.search

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

        searcher.search = broken  # type: ignore[method-assign]
        body = await quote(fake_discord, BOB, FOUND)
        assert body["data"]["content"].startswith("Sorry, something went wrong")
        searcher.search = real  # type: ignore[method-assign]
        assert (await quote(fake_discord, BOB, FOUND))["type"] == 4
        assert refused(await quote(fake_discord, BOB, FOUND))
        assert [r.outcome for r in await recorded(bot)] == ["error", "found", "refused"]
    assert "/quote outcome=error" in caplog.text


async def test_admins_set_the_cooldown_of_their_server_and_members_cannot(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        said = await set_cooldown(fake_discord, BOB, 0)
        assert said.startswith("Only the bot's admins (or members who can manage the server)")
        assert await bot.store.quote_cooldowns() == {}
        assert not refused(await quote(fake_discord, BOB, FOUND))
        assert refused(await quote(fake_discord, BOB, FOUND))  # the default's 60 s still hold
        assert await set_cooldown(fake_discord, ALICE, None) == (
            "Members wait 60 s between two /quote commands in this server (the bot's default)."
        )

        assert await set_cooldown(fake_discord, ALICE, 0) == (
            "Saved. /quote has no cooldown in this server (set for this server)."
        )
        for _ in range(2):  # at once, even for a member who was waiting
            assert not refused(await quote(fake_discord, BOB, FOUND))

        assert "wait 30 s" in await set_cooldown(fake_discord, ALICE, 30)
        assert not refused(await quote(fake_discord, BOB, FOUND))
        assert refused(await quote(fake_discord, BOB, FOUND)) in {
            "Easy there! You can ask again in 30 s.",
            "Easy there! You can ask again in 29 s.",
        }
        assert await bot.store.quote_cooldowns() == {GUILD.id: 30.0}


async def test_stats_show_admins_what_members_looked_for_privately(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.stats.record")
    async with podquote(fake_discord, tmp_path, cooldown=0, queries=True) as bot:
        for options in (FOUND, FOUND, {"query": "**zzqx** @everyone `qwv`"}, MISS):
            await quote(fake_discord, BOB, options)
        await answer(fake_discord, "episode", {"name": "twiml-talk-2-siraj-raval"}, BOB)
        await recorded(bot)
        refusal = await answer(fake_discord, "stats", None, BOB)
        assert refusal["flags"] & 64
        assert refusal["content"].startswith("Only the bot's admins")
        data = await answer(fake_discord, "stats", [{"name": "days", "type": 4, "value": 3}], ALICE)
    assert data["flags"] & 64  # only the admin sees it
    assert data["allowed_mentions"] == {"parse": []}
    (embed,) = data["embeds"]
    assert embed["title"].startswith("Searches, ") and embed["title"].endswith("(UTC)")
    assert embed["description"].startswith(
        "**5** · found 60% · unsure 0% · none 40% of 5 searches; 0 refused, 0 errors"
    )
    assert embed["description"].count("\n`") == 3  # one line per day
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    asked = fields["Most asked episodes"].splitlines()
    assert asked[0] == "2 · Visualising Machine Learning"
    assert asked[1].startswith("1 · ") and len(asked) == 2  # /episode's answer counts too
    misses = fields["Latest searches that found nothing"].splitlines()
    assert len(misses) == 2
    assert misses[0].endswith("/quote chocolate cake recipe with buttercream frosting")
    assert misses[1].endswith(r"/quote \*\*zzqx\*\* @everyone \`qwv\`")  # escaped; no ping
    logged = [m for m in caplog.messages if m.startswith("/quote outcome=none")]
    assert logged[-1].endswith("query='chocolate cake recipe with buttercream frosting'")
    stats = [m.split(" took_ms=")[0] for m in caplog.messages if m.startswith("/stats")]
    assert stats == ["/stats outcome=refused", "/stats outcome=ok"]


async def test_without_query_logging_stats_say_how_to_turn_it_on(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path, cooldown=0) as bot:
        await quote(fake_discord, BOB, MISS)
        (row,) = await recorded(bot)
        assert (row.outcome, row.query) == ("none", None)
        data = await answer(fake_discord, "stats", None, ALICE)
    fields = {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}
    assert fields["Latest searches that found nothing"] == QUERIES_OFF
    assert "queries = true" in QUERIES_OFF and "[logging]" in QUERIES_OFF


async def test_recording_waits_for_the_reply_and_a_failing_database_never_stops_one(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with podquote(fake_discord, tmp_path, cooldown=0) as bot:
        release = asyncio.Event()
        written: list[SearchRecord] = []

        async def slow_then_read_only(record: SearchRecord) -> None:
            await release.wait()
            written.append(record)
            raise StoreReadOnly("podquote.sqlite3: the database cannot be written")

        bot.store.record_search = slow_then_read_only  # type: ignore[method-assign]
        handle = await fake_discord.send_interaction("quote", FOUND, user=BOB)
        reply = await handle.callback()
        assert reply.body["type"] == 4 and handle.elapsed(reply) < 1.0  # not waiting on it
        await bot.in_flight.settle(3.0)
        assert bot.resources.commands.pending == 1 and written == []
        release.set()
        for options in (MISS, FOUND):
            assert (await quote(fake_discord, BOB, options))["data"]  # still answered
        await bot.in_flight.settle(3.0)
        await bot.resources.commands.drain()
        assert len(written) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if "cannot record searches" in w]) == 1  # said once
