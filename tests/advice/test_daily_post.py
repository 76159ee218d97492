"""Daily advice posting on a real SQLite file, with a clock moved by hand: exactly once per
server and local date through restarts, crashes, catch-up, DST, lost channels and errors."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.advice.daily_post import POSTS_AT_ONCE, REMIND_EVERY, AdvicePost, DailyAdvice
from bot.advice.rotation import AdvicePool
from bot.shards import Shards
from bot.storage import Database, GuildSettings, Store, StoreError, open_store
from tests.advice.helpers import Crash, FakeClock, RecordingSender, advice_pool, server_error

pytestmark = pytest.mark.asyncio

GUILD, CHANNEL = 11, 22
BERLIN = "Europe/Berlin"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


class Bot:
    """One 'process': a store opened on the file and a DailyAdvice over it."""

    def __init__(self, store: Store, clock: FakeClock, sender: RecordingSender, pool: AdvicePool):
        async def current() -> AdvicePool:
            return self.pool

        self.pool = pool
        self.store = store
        self.daily = DailyAdvice(store, current, sender, clock)


@contextlib.asynccontextmanager
async def started(
    path: Path, clock: FakeClock, sender: RecordingSender, pool: AdvicePool | None = None
) -> AsyncIterator[Bot]:
    store = await open_store(path)
    try:
        yield Bot(store, clock, sender, pool if pool is not None else advice_pool())
    finally:
        await store.close()


async def configure(bot: Bot, time: str = "09:00", tz: str = BERLIN) -> None:
    await bot.daily.configure(GuildSettings(GUILD, CHANNEL, time, tz, True))


async def test_posts_once_at_the_local_time_and_once_the_next_day(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 7, 59)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)  # 09:00 Berlin is 08:00 UTC in November
        assert await bot.daily.due() == []
        clock.set(utc(2026, 11, 21, 8, 0))
        (record,) = await bot.daily.due()
        assert record.status == "sent" and record.local_date == "2026-11-21"
        clock.set(utc(2026, 11, 21, 20, 0))
        assert await bot.daily.due() == []
        clock.set(utc(2026, 11, 22, 8, 0, 30))
        (record,) = await bot.daily.due()
        assert record.local_date == "2026-11-22"
    assert [p.day for p in sender.posts] == [dt.date(2026, 11, 21), dt.date(2026, 11, 22)]


async def test_a_restart_after_the_post_does_not_post_again(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 5)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        await bot.daily.due()
    for _ in range(3):  # restart, reconnect, reload: a fresh process on the same file
        async with started(tmp_path / "db", clock, sender) as bot:
            assert await bot.daily.due() == []
    assert sender.sends == 1


async def test_a_crash_between_sending_and_recording_is_resolved_without_a_second_post(
    tmp_path: Path,
) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 5)), RecordingSender()
    sender.crash_after_send = True
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        with pytest.raises(Crash):
            await bot.daily.due()
        (half_done,) = await bot.store.advice_history(GUILD)
        assert half_done.status == "intent" and half_done.message_id is None
    async with started(tmp_path / "db", clock, sender) as bot:  # the restart
        (record,) = await bot.daily.due()
    assert record.status == "sent" and record.message_id == 1000
    assert sender.sends == 1 and len(sender.posts) == 1


async def test_a_crash_before_sending_sends_once_after_the_restart(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 5)), RecordingSender()
    sender.failures.append(Crash("killed after the intent, before the send"))
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        with pytest.raises(Crash):
            await bot.daily.due()
    async with started(tmp_path / "db", clock, sender) as bot:
        (record,) = await bot.daily.due()
    assert record.status == "sent" and len(sender.posts) == 1


async def test_a_missed_post_is_caught_up_the_same_day_but_not_the_next(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 6, 0)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
    clock.set(utc(2026, 11, 21, 17, 30))  # the bot was down at 09:00, back at 18:30
    async with started(tmp_path / "db", clock, sender) as bot:
        (record,) = await bot.daily.due()
        assert record.local_date == "2026-11-21"
    clock.set(utc(2026, 11, 23, 7, 0))  # down all of the 22nd; back before the 23rd's time
    async with started(tmp_path / "db", clock, sender) as bot:
        assert await bot.daily.due() == []
    assert [p.day for p in sender.posts] == [dt.date(2026, 11, 21)]


async def test_daylight_saving_keeps_the_local_time(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 3, 28, 7, 59)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        assert await bot.daily.due() == []
        clock.set(utc(2026, 3, 28, 8, 0))  # 09:00 CET
        assert len(await bot.daily.due()) == 1
        clock.set(utc(2026, 3, 29, 6, 59))  # 08:59 CEST on the day the clocks go forward
        assert await bot.daily.due() == []
        clock.set(utc(2026, 3, 29, 7, 0))  # 09:00 CEST
        assert len(await bot.daily.due()) == 1
        clock.set(utc(2026, 10, 25, 7, 59))  # 08:59 CET on the day the clocks go back
        assert await bot.daily.due() == []
        clock.set(utc(2026, 10, 25, 8, 0))
        assert len(await bot.daily.due()) == 1
    assert sender.sends == 3


async def test_a_time_in_the_spring_forward_gap_posts_when_the_clocks_jump(
    tmp_path: Path,
) -> None:
    clock, sender = FakeClock(utc(2026, 3, 29, 0, 59)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot, time="02:30")  # 02:30 does not exist in Berlin on 29 March
        assert await bot.daily.due() == []
        clock.set(utc(2026, 3, 29, 1, 0))  # 03:00 CEST, the moment the clocks jump
        assert len(await bot.daily.due()) == 1


async def test_the_clock_going_back_does_not_post_twice(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 30)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        await bot.daily.due()
        clock.set(utc(2026, 11, 21, 8, 1))  # NTP steps the clock back 29 minutes
        assert await bot.daily.due() == []
        clock.set(utc(2026, 11, 20, 23, 30))  # … or back across midnight (the 21st, local)
        assert await bot.daily.due() == []
    assert sender.sends == 1


async def test_a_lost_channel_skips_the_day_says_why_and_tries_again_tomorrow(
    tmp_path: Path,
) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 0)), RecordingSender()
    sender.gone.add(CHANNEL)
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        (record,) = await bot.daily.due()
        assert record.status == "skipped" and "no longer exists" in (record.reason or "")
        status = await bot.daily.status(GUILD)
        assert status.last_problem is not None and status.last_problem.id == record.id
        assert status.pool.left == status.pool.total  # a skipped post uses up nothing
        clock.set(utc(2026, 11, 21, 12, 0))
        assert await bot.daily.due() == []  # not retried the same day
        sender.gone.clear()
        clock.set(utc(2026, 11, 22, 8, 0))
        (record,) = await bot.daily.due()
        assert record.status == "sent"


async def test_server_errors_are_retried_with_backoff_within_the_day(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 0)), RecordingSender()
    sender.failures += [server_error(), server_error()]
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        (record,) = await bot.daily.due()
        assert record.status == "intent" and record.attempts == 1
        assert await bot.daily.seconds_to_next() == pytest.approx(60)
        clock.set(utc(2026, 11, 21, 8, 0, 30))
        assert await bot.daily.due() == []  # not yet: backing off
        clock.set(utc(2026, 11, 21, 8, 1))
        (record,) = await bot.daily.due()
        assert record.attempts == 2
        clock.set(utc(2026, 11, 21, 8, 3))  # the second wait is twice as long
        (record,) = await bot.daily.due()
        assert record.status == "sent"
    assert len(sender.posts) == 1


async def test_errors_all_day_end_in_a_skip_at_midnight(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 21, 0)), RecordingSender()
    sender.failures += [server_error() for _ in range(10)]
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot, time="22:00")
        records = []
        while clock.now() < utc(2026, 11, 21, 23, 30):
            records += await bot.daily.due()
            await clock.sleep(await bot.daily.seconds_to_next())
        assert records[-1].status == "skipped"
        assert "Discord kept failing" in (records[-1].reason or "")
        assert sender.posts == []


async def test_rotation_never_repeats_until_the_pool_is_used_and_varies_the_episode(
    tmp_path: Path,
) -> None:
    clock, sender = FakeClock(utc(2026, 11, 1, 8, 0)), RecordingSender()
    pool = advice_pool()
    for day in range(len(pool) + 2):
        clock.set(utc(2026, 11, 1 + day, 8, 0))
        async with started(tmp_path / "db", clock, sender, pool) as bot:  # a restart a day
            await configure(bot)
            await bot.daily.due()
    ids = [p.candidate.id for p in sender.posts]
    first_round = ids[: len(pool)]
    assert sorted(first_round) == sorted(c.id for c in pool.candidates)
    assert ids[len(pool)] in first_round  # round two starts once the pool is used up
    episodes = [p.candidate.episode.id for p in sender.posts]
    for day in range(1, len(pool)):
        if episodes[day] == episodes[day - 1]:  # allowed only when no other episode is left
            left = {c.episode.id for c in pool.candidates if c.id not in ids[:day]}
            assert left == {episodes[day]}, (day, episodes)
    assert len(set(episodes[:3])) == 3  # three episodes: the first three days differ


async def test_an_empty_pool_skips_the_day_with_a_reason(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 0)), RecordingSender()
    async with started(tmp_path / "db", clock, sender, AdvicePool([])) as bot:
        await configure(bot)
        (record,) = await bot.daily.due()
    assert record.status == "skipped" and record.reason == "the advice pool is empty"


async def test_the_loop_posts_once_a_day_for_three_days(tmp_path: Path) -> None:
    # The loop wakes at least once a minute: three days are 4,320 rounds against the database.
    clock, sender = FakeClock(utc(2026, 11, 21, 0, 0)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        loop = asyncio.create_task(bot.daily.run())
        await asyncio.wait_for(clock.reached(utc(2026, 11, 24, 0, 0)), timeout=120)
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    days = [p.day for p in sender.posts]
    assert days == [dt.date(2026, 11, 21) + dt.timedelta(days=n) for n in range(3)]


async def test_advice_now_counts_as_today_only_when_asked(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 6, 0)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        extra = await bot.daily.reserve(GUILD, CHANNEL, as_today=False)
        assert not isinstance(extra, str)
        await bot.daily.confirm(extra[0], 555)
        today = await bot.daily.reserve(GUILD, CHANNEL, as_today=True)
        assert not isinstance(today, str)
        await bot.daily.confirm(today[0], 556)
        again = await bot.daily.reserve(GUILD, CHANNEL, as_today=True)
        assert isinstance(again, str) and "already" in again
        clock.set(utc(2026, 11, 21, 8, 0))
        assert await bot.daily.due() == []  # today's post was the /advice now one
        assert extra[1].id != today[1].id  # the extra one counted for the rotation
        status = await bot.daily.status(GUILD)
        assert status.pool.left == status.pool.total - 2


async def test_config_defaults_apply_until_the_server_sets_its_own(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 0)), RecordingSender()
    store = await open_store(tmp_path / "db")
    try:

        async def pool() -> AdvicePool:
            return advice_pool()

        default = GuildSettings(GUILD, CHANNEL, "09:00", BERLIN, True)
        daily = DailyAdvice(store, pool, sender, clock, defaults=[default])
        assert len(await daily.due()) == 1
        await daily.configure(GuildSettings(GUILD, CHANNEL, "09:00", BERLIN, False))
        clock.set(utc(2026, 11, 22, 8, 0))
        assert await daily.due() == []  # /advice off wins over the config file
    finally:
        await store.close()


async def test_a_failing_loop_says_why_in_status_and_the_log_until_it_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 30)), RecordingSender()  # 09:30 in Berlin
    store = await open_store(tmp_path / "db", busy_timeout=0.01)
    bot = Bot(store, clock, sender, advice_pool())
    await configure(bot)
    other = sqlite3.connect(tmp_path / "db", isolation_level=None)  # another program …
    other.execute("BEGIN EXCLUSIVE")  # … locks the database: every round fails
    loop = asyncio.create_task(bot.daily.run())
    try:
        with caplog.at_level(logging.INFO, logger="bot.advice.daily_post"):
            while bot.daily.trouble is None or bot.daily.trouble.rounds < REMIND_EVERY:
                await asyncio.sleep(0.001)
            trouble = bot.daily.trouble
            assert "locked by another program (waited 0.01 s)" in trouble.reason
            assert trouble.since == utc(2026, 11, 21, 8, 30)
            errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
            assert len(errors) == 2  # when it started, and after REMIND_EVERY rounds
            assert errors[0].startswith("daily advice: nothing can be posted: ")
            assert errors[1].startswith(f"daily advice: still nothing posted after {REMIND_EVERY}")
            other.execute("ROLLBACK")
            while bot.daily.trouble is not None:
                await asyncio.sleep(0.001)
            assert any("posting works again" in r.getMessage() for r in caplog.records)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        other.close()
        await store.close()
    assert len(sender.posts) == 1


async def test_status_shows_the_trouble_and_a_post_overdue(tmp_path: Path) -> None:
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 30)), RecordingSender()
    async with started(tmp_path / "db", clock, sender) as bot:
        await configure(bot)
        bot.daily._failed(RuntimeError("boom"))
        status = await bot.daily.status(GUILD)
    assert status.overdue and status.next_post == utc(2026, 11, 21, 8, 0)
    assert status.trouble is not None
    assert status.trouble.reason == "an unexpected error (RuntimeError; see the log)"


async def test_each_process_posts_only_for_the_servers_of_its_shards(database: Database) -> None:
    """Two processes on one database (SQLite or PostgreSQL), each holding half the shards:
    every server gets its post from the process owning its shard, once; a process holding
    every shard (an overlap, or a restart as one process) then finds nothing left to post."""
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 30)), RecordingSender()
    guilds = [(n << 22) | 7 for n in range(10)]  # shards 0, 1, 0, 1, … of 2
    stores = [await open_store(database) for _ in range(3)]
    try:

        async def pool() -> AdvicePool:
            return advice_pool()

        halves = [
            DailyAdvice(store, pool, sender, clock, owns=Shards(2, (shard,)).owns)
            for shard, store in enumerate(stores[:2])
        ]
        for guild in guilds:
            await halves[0].configure(GuildSettings(guild, guild + 1, "09:00", BERLIN, True))
        first = await halves[0].due()
        assert sorted(r.guild_id for r in first) == [g for g in guilds if (g >> 22) % 2 == 0]
        second = await halves[1].due()
        assert sorted(r.guild_id for r in second) == [g for g in guilds if (g >> 22) % 2 == 1]
        everything = DailyAdvice(stores[2], pool, sender, clock)
        assert await everything.due() == []
        assert sorted(p.guild_id for p in sender.posts) == guilds
    finally:
        for store in stores:
            await store.close()


class GatedSender(RecordingSender):
    """A Discord that answers a post only once `at_once` posts wait on it together (or one
    second has passed): how many the loop has in flight shows in `most`."""

    def __init__(self, at_once: int) -> None:
        super().__init__()
        self.at_once = at_once
        self.waiting = 0
        self.most = 0
        self.enough = asyncio.Event()

    async def send(self, post: AdvicePost) -> int:
        self.waiting += 1
        self.most = max(self.most, self.waiting)
        if self.waiting >= self.at_once:
            self.enough.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.enough.wait(), 1.0)
        self.waiting -= 1
        return await super().send(post)


async def test_servers_due_together_are_posted_a_few_at_a_time_and_one_failure_stops_none(
    database: Database,
) -> None:
    """2,000 servers due at one minute must all get their post within it: the loop sends
    `POSTS_AT_ONCE` side by side, never more; a server whose post fails is retried later,
    and one whose record fails is raised only after every other server had its turn."""
    clock, sender = FakeClock(utc(2026, 11, 21, 8, 30)), GatedSender(POSTS_AT_ONCE)
    guilds = list(range(100, 100 + 3 * POSTS_AT_ONCE))
    sender.failures.append(server_error())
    store = await open_store(database)
    try:

        async def pool() -> AdvicePool:
            return advice_pool()

        daily = DailyAdvice(store, pool, sender, clock)
        for guild in guilds:
            await daily.configure(GuildSettings(guild, guild + 1, "09:00", BERLIN, True))
        done = await daily.due()
        assert sender.most == POSTS_AT_ONCE  # side by side, and never more
        assert [r.guild_id for r in done] == guilds  # in the servers' order
        assert sorted(r.status for r in done) == ["intent"] + ["sent"] * (len(guilds) - 1)
        assert len(sender.posts) == len(guilds) - 1

        clock.set(utc(2026, 11, 22, 8, 30))
        broken = guilds[0]
        real = store.record_intent

        async def refused(guild_id: int, *args: object, **kwargs: object) -> object:
            if guild_id == broken:
                raise StoreError("disk full")
            return await real(guild_id, *args, **kwargs)  # type: ignore[arg-type]

        store.record_intent = refused  # type: ignore[method-assign]
        with pytest.raises(StoreError, match="disk full"):
            await daily.due()
        next_day = [await store.daily_post(g, dt.date(2026, 11, 22)) for g in guilds]
        assert next_day[0] is None
        assert all(r is not None and r.status == "sent" for r in next_day[1:])
    finally:
        await store.close()
