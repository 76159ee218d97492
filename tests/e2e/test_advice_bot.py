"""Daily advice end to end: the real bot through discord.py against the local Discord, with the
time injected: /advice set|now|status|off, the scheduled post and its button, a restart that
finds a half-done post in the channel, a deleted channel, 403, 503 and 429 answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.archive.loaded import Archive
from bot.config.settings import Config, DataConfig, DiscordConfig, SearchConfig
from bot.discord_app.client import PodquoteBot
from bot.storage import AdviceRecord, Database, PostgresUrl, open_store
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, default_guild, run_bot
from tests.storage.helpers import execute

GUILD = default_guild()
ALICE, BOB = GUILD.members
CHANNEL = GUILD.channels[0]
POSTS = rf"^/channels/{CHANNEL.id}/messages$"

pytestmark = pytest.mark.asyncio


class StillClock:
    """Time a test sets; the bot's loop sleeps a few real milliseconds, never moving it."""

    def __init__(self, now: dt.datetime) -> None:
        self.moment = now

    def now(self) -> dt.datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0.01)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@asynccontextmanager
async def podquote(
    server: FakeDiscord, tmp_path: Path, clock: StillClock, database: Database | None = None
) -> AsyncIterator[PodquoteBot]:
    episodes = tmp_path / "episodes"
    if not episodes.exists():
        shutil.copytree(DATA / "episodes", episodes)
    config = Config(
        data=DataConfig(episodes=episodes, database=database or tmp_path / "podquote.sqlite3"),
        discord=DiscordConfig(guild_ids=(GUILD.id,), admin_user_ids=(ALICE.id,)),
        search=SearchConfig(cooldown_seconds=0.0),
    )
    store = await open_store(config.data.database)
    bot = PodquoteBot(config, Archive.open(episodes), store, clock=clock)
    try:
        async with run_bot(bot, server):
            yield bot
    finally:
        await store.close()


def channel_option() -> dict[str, Any]:
    return {
        "channels": {
            str(CHANNEL.id): {
                "id": str(CHANNEL.id),
                "name": CHANNEL.name,
                "type": 0,
                "permissions": "2147483647",
                "guild_id": str(GUILD.id),
            }
        }
    }


async def advice(
    server: FakeDiscord, sub: str, user: Any = ALICE, **options: Any
) -> dict[str, Any]:
    """The message data of the answer to `/advice sub`: the callback's, or, when the command
    deferred (within the 3 s), its first followup's."""
    declared = []
    for name, value in options.items():
        kind = {"channel": 7, "today": 5}.get(name, 3)
        declared.append({"name": name, "type": kind, "value": str(value) if kind == 7 else value})
    handle = await server.send_interaction(
        "advice",
        [{"name": sub, "type": 1, "options": declared}],
        user=user,
        resolved=channel_option() if "channel" in options else None,
    )
    callback = await handle.callback()
    if callback.body["type"] == 5:  # deferred: the answer is the followup
        data: dict[str, Any] = (await handle.followup(timeout=10)).body
        return data
    return dict(callback.body["data"])


def answer(data: dict[str, Any]) -> str:
    """The text of an answer: its content, else its embed's description."""
    return str(data.get("content") or data["embeds"][0]["description"])


async def set_advice(server: FakeDiscord, time: str = "09:00", tz: str = "Europe/Berlin") -> str:
    data = await advice(server, "set", channel=CHANNEL.id, time=time, timezone=tz)
    assert data["flags"] & 64  # private to the admin
    return answer(data)


async def history_when(
    bot: PodquoteBot, done: Callable[[list[AdviceRecord]], object], tries: int = 100
) -> list[AdviceRecord]:
    """The server's advice history once `done` holds for it (or after `tries` looks)."""
    history: list[AdviceRecord] = []
    for _ in range(tries):
        history = await bot.store.advice_history(GUILD.id)
        if history and done(history):
            break
        await asyncio.sleep(0.02)
    return history


def posts(server: FakeDiscord) -> list[dict[str, Any]]:
    return [
        c
        for c in server.calls
        if c.method == "POST" and c.route == "/channels/{channel_id}/messages"
    ]


async def test_set_validates_and_the_post_goes_out_at_the_local_time(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    clock = StillClock(utc(2026, 11, 21, 7, 30))
    async with podquote(fake_discord, tmp_path, clock):
        bad = await advice(fake_discord, "set", channel=CHANNEL.id, time="25:00", timezone="UTC")
        assert "not a time of day" in answer(bad)
        bad = await advice(
            fake_discord, "set", channel=CHANNEL.id, time="09:00", timezone="Mars/Olympus"
        )
        assert "not an IANA time zone" in answer(bad)
        refused = await advice(fake_discord, "set", user=BOB, channel=CHANNEL.id, time="09:00")
        assert "Only the bot's admins" in answer(refused)
        said = await set_advice(fake_discord)
        assert f"<#{CHANNEL.id}>" in said and "09:00" in said and "Europe/Berlin" in said
        assert "Sat 21 Nov 2026, 09:00 CET" in said
        await asyncio.sleep(0.1)
        assert posts(fake_discord) == []  # 08:30 in Berlin: not yet
        clock.moment = utc(2026, 11, 21, 8, 0)
        call = await fake_discord.wait_for_call("POST", POSTS)
        body = call.body
        embed = body["embeds"][0]
        assert embed["footer"]["text"] == "Daily advice for 2026-11-21"
        assert embed["description"].startswith("“")
        # The first post is TWIML's, whose speaker no source names: the field is left out.
        assert [f["name"] for f in embed["fields"]] == ["Time"]
        assert "nknown speaker" not in str(embed)
        assert body["allowed_mentions"] == {"parse": []}
        assert body["nonce"] and body["enforce_nonce"] is True
        (button,) = body["components"][0]["components"]
        assert button["custom_id"].startswith("advice:more:")
        message = call.response
        more = await fake_discord.send_component(message, button["custom_id"], user=BOB)
        reply = (await more.callback()).body["data"]
        assert reply["flags"] & 64 and reply["embeds"][0]["title"]
        await asyncio.sleep(0.1)
        assert len(posts(fake_discord)) == 1  # the loop keeps looking, and posts no more


async def test_autocomplete_offers_time_zones(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with podquote(fake_discord, tmp_path, StillClock(utc(2026, 11, 21, 7, 0))):
        payload = [
            {
                "name": "set",
                "type": 1,
                "options": [{"name": "timezone", "type": 3, "value": "berl", "focused": True}],
            }
        ]
        auto = await fake_discord.send_autocomplete("advice", payload, "timezone", user=ALICE)  # type: ignore[arg-type]
        choices = (await auto.callback()).body["data"]["choices"]
        assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in choices
        assert len(choices) <= 25


async def posted_but_not_recorded(fake_discord: FakeDiscord, tmp_path: Path) -> StillClock:
    """Today's post went out, and the process died before it recorded that (its clock)."""
    clock = StillClock(utc(2026, 11, 21, 8, 0))
    async with podquote(fake_discord, tmp_path, clock):
        await set_advice(fake_discord)
        await fake_discord.wait_for_call("POST", POSTS)
        await asyncio.sleep(0.05)
    async with aiosqlite.connect(tmp_path / "podquote.sqlite3") as db:
        await db.execute("UPDATE advice_log SET status = 'intent', message_id = NULL")
        await db.commit()
    return clock


async def test_a_restart_finds_the_half_done_post_in_the_channel(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    clock = await posted_but_not_recorded(fake_discord, tmp_path)
    async with podquote(fake_discord, tmp_path, clock) as bot:
        await fake_discord.wait_for_call("GET", POSTS)  # it looked in the channel …
        await asyncio.sleep(0.1)
        assert len(posts(fake_discord)) == 1  # … and did not post again
        (record,) = await bot.store.advice_history(GUILD.id)
        assert record.status == "sent"
        assert record.message_id == int(fake_discord.channel_messages[CHANNEL.id][0]["id"])


async def test_on_postgresql_the_post_goes_out_once_and_a_restart_finds_a_half_done_one(
    fake_discord: FakeDiscord, tmp_path: Path, postgres_url: PostgresUrl
) -> None:
    clock = StillClock(utc(2026, 11, 21, 8, 0))
    async with podquote(fake_discord, tmp_path, clock, postgres_url):
        await set_advice(fake_discord)
        await fake_discord.wait_for_call("POST", POSTS)
        await asyncio.sleep(0.05)
    await execute(postgres_url, "UPDATE advice_log SET status = 'intent', message_id = NULL;")
    async with podquote(fake_discord, tmp_path, clock, postgres_url) as bot:
        await history_when(bot, lambda h: h[0].status == "sent")
        await asyncio.sleep(0.1)
        assert len(posts(fake_discord)) == 1  # found in the channel, not posted again
        (record,) = await bot.store.advice_history(GUILD.id)
        assert record.message_id == int(fake_discord.channel_messages[CHANNEL.id][0]["id"])


async def test_a_restart_hours_later_finds_the_post_behind_a_busy_channels_chatter(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    clock = await posted_but_not_recorded(fake_discord, tmp_path)
    # 150 member messages around the post (after the intent, before the post), and hours
    # later: Discord has long forgotten the post's nonce.
    channel = fake_discord.channel_messages[CHANNEL.id]
    (post,) = channel
    member = GUILD.members[1].payload()
    chatter = [
        {**post, "id": str(int(post["id"]) - n), "author": member, "embeds": [], "content": "hi"}
        for n in range(150, 0, -1)
    ]
    channel[:0] = chatter
    fake_discord._nonces.clear()
    async with podquote(fake_discord, tmp_path, clock) as bot:
        await history_when(bot, lambda h: h[0].status == "sent")
        assert len(posts(fake_discord)) == 1  # found, not posted again
        (record,) = await bot.store.advice_history(GUILD.id)
        assert record.message_id == int(post["id"])


@pytest.mark.parametrize(
    ("break_it", "why"),
    [
        (lambda s: s.deleted_channels.add(CHANNEL.id), "no longer exists"),
        (lambda s: s.forbidden_channels.add(CHANNEL.id), "no permission to post"),
    ],
)
async def test_a_lost_channel_skips_the_day_and_status_says_why(
    fake_discord: FakeDiscord, tmp_path: Path, break_it: Any, why: str
) -> None:
    clock = StillClock(utc(2026, 11, 21, 7, 0))
    async with podquote(fake_discord, tmp_path, clock) as bot:
        await set_advice(fake_discord)
        break_it(fake_discord)
        clock.moment = utc(2026, 11, 21, 8, 0)
        history = await history_when(bot, lambda h: h[0].status == "skipped")
        assert history[0].status == "skipped" and why in (history[0].reason or "")
        text = answer(await advice(fake_discord, "status"))
        assert "Last problem (2026-11-21, skipped)" in text and why in text
        assert "Sun 22 Nov 2026, 09:00 CET" in text  # tried again tomorrow
    fake_discord.errors.clear()  # the 403/404 answers were provoked on purpose


async def test_a_server_error_is_retried_after_a_backoff(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    clock = StillClock(utc(2026, 11, 21, 7, 0))
    async with podquote(fake_discord, tmp_path, clock) as bot:
        await set_advice(fake_discord)
        fake_discord.fail_next("POST", POSTS, 503)
        clock.moment = utc(2026, 11, 21, 8, 0)
        history = await history_when(bot, lambda h: h[0].attempts)
        assert history[0].status == "intent" and "503" in (history[0].reason or "")
        clock.moment = utc(2026, 11, 21, 8, 1)  # a minute later: tried again
        history = await history_when(bot, lambda h: h[0].status == "sent")
        assert history[0].status == "sent"
        assert len([c for c in posts(fake_discord) if c.status == 200]) == 1


async def test_a_rate_limit_is_waited_out_and_posts_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    clock = StillClock(utc(2026, 11, 21, 7, 0))
    async with podquote(fake_discord, tmp_path, clock) as bot:
        await set_advice(fake_discord)
        fake_discord.fail_next("POST", POSTS, 429, retry_after=0.05)
        clock.moment = utc(2026, 11, 21, 8, 0)
        history = await history_when(bot, lambda h: h[0].status == "sent", tries=200)
        assert history[0].status == "sent"
        assert len(fake_discord.channel_messages[CHANNEL.id]) == 1


async def test_now_off_and_status(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    clock = StillClock(utc(2026, 11, 21, 7, 0))
    async with podquote(fake_discord, tmp_path, clock):
        await set_advice(fake_discord)
        extra = await advice(fake_discord, "now")
        assert extra["flags"] & 64 and answer(extra) == f"Posted in <#{CHANNEL.id}>."
        (post,) = posts(fake_discord)  # the post itself is public, in the channel
        assert post.body["embeds"][0]["footer"]["text"] == "Advice from the archive"
        assert post.body["nonce"] and post.body["components"]
        today = await advice(fake_discord, "now", today=True)
        assert answer(today) == f"Posted in <#{CHANNEL.id}>."
        footer = posts(fake_discord)[-1].body["embeds"][0]["footer"]["text"]
        assert footer == "Daily advice for 2026-11-21"
        again = await advice(fake_discord, "now", today=True)
        assert "already posted" in answer(again)
        status = answer(await advice(fake_discord, "status"))
        assert "Today's advice: posted." in status
        assert "left in round 1" in status
        off = await advice(fake_discord, "off")
        assert "Daily advice is off" in answer(off)
        clock.moment = utc(2026, 11, 22, 8, 0)
        await asyncio.sleep(0.1)
        assert len(posts(fake_discord)) == 2  # off: nothing posted on the 22nd
        status = answer(await advice(fake_discord, "status"))
        assert "Daily advice is **off**" in status
