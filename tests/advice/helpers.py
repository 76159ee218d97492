"""Test helpers for daily advice: a clock moved by hand, a sender that records, a small pool."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

from bot.advice.daily_post import AdvicePost, PostFailed, PostGone
from bot.advice.rotation import AdvicePool
from bot.episodes.model import Episode, Segment

ADVICE = {
    "ep-one": [
        "Start with the problem, not the solution, and work your way back to the tools.",
        "Don't be afraid to ship something small and improve it in public every week.",
        "Always write down what you learned today, even if it is only two lines.",
    ],
    "ep-two": [
        "Try to explain every new idea to a friend before you call it understood.",
        "Make sure you can run your whole project again from scratch on a clean machine.",
    ],
    "ep-three": [
        "Focus on one course at a time and finish it before you collect another.",
    ],
}


def advice_episode(episode_id: str, texts: list[str]) -> Episode:
    """An episode whose every segment is advice, 60 s apart, with a YouTube id."""
    segments = tuple(
        Segment(start=60.0 * i, end=60.0 * i + 30, speaker="Guest", text=text)
        for i, text in enumerate(texts)
    )
    return Episode(
        id=episode_id,
        title=f"Episode {episode_id}",
        source=f"{episode_id}.txt",
        format="test",
        segments=segments,
        youtube_id="abcdefghijk",
        speakers=(("Guest", "Grace Guest"),),
    )


def advice_pool() -> AdvicePool:
    """Six pieces of advice from three episodes."""
    return AdvicePool.build([advice_episode(k, v) for k, v in ADVICE.items()])


class FakeClock:
    """Time that moves only when a test (or the loop's sleep) moves it."""

    def __init__(self, now: dt.datetime) -> None:
        self._now = now
        self._waiters: list[tuple[dt.datetime, asyncio.Future[None]]] = []

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when
        for when_, waiter in self._waiters:
            if when_ <= when and not waiter.done():
                waiter.set_result(None)

    async def sleep(self, seconds: float) -> None:
        self.set(self._now + dt.timedelta(seconds=max(seconds, 0.001)))
        await asyncio.sleep(0)

    async def reached(self, when: dt.datetime) -> None:
        """Wait (without spinning) until the loop's sleeps have moved time to `when`."""
        if self._now >= when:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((when, waiter))
        await waiter


class Crash(Exception):
    """The process dies here (raised through everything)."""


class RecordingSender:
    """Posts into a dict of channels; can fail, or 'crash' after a send, on request."""

    def __init__(self) -> None:
        self.channels: dict[int, list[tuple[int, AdvicePost]]] = {}
        self.failures: list[Exception] = []
        self.crash_after_send = False
        self.gone: set[int] = set()
        self._ids = itertools.count(1000)
        self.sends = 0

    @property
    def posts(self) -> list[AdvicePost]:
        return [post for messages in self.channels.values() for _, post in messages]

    async def send(self, post: AdvicePost) -> int:
        self.sends += 1
        if post.channel_id in self.gone:
            raise PostGone(f"the channel {post.channel_id} no longer exists")
        if self.failures:
            raise self.failures.pop(0)
        message_id = next(self._ids)
        self.channels.setdefault(post.channel_id, []).append((message_id, post))
        if self.crash_after_send:
            self.crash_after_send = False
            raise Crash("killed between the send and its record")
        return message_id

    async def find(self, post: AdvicePost) -> int | None:
        if post.channel_id in self.gone:
            raise PostGone(f"the channel {post.channel_id} no longer exists")
        for message_id, earlier in self.channels.get(post.channel_id, []):
            if earlier.day == post.day and earlier.guild_id == post.guild_id:
                return message_id
        return None


def server_error() -> PostFailed:
    return PostFailed("Discord answered 503")
