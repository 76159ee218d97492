"""The daily advice post: once per server and local date, never doubled, caught up, retried.

How "exactly once" holds:
- Before sending, the post is recorded as an *intent* (server, local date, the advice). The
  database allows one daily row per server and date, so a second post for that day can never
  be started, whatever restarts, reconnects, reloads or clock changes happen.
- After sending, the row gets the message id (`sent`).
- A row left as an intent (a crash between the two records, or a send that failed) is
  resolved before anything is sent again: the channel is searched for the post, which carries
  the day's marker in its footer (and a nonce Discord deduplicates). Found: it is recorded as
  sent. Not found: it is sent. Cannot tell: it is skipped, never doubled.
- A channel that is gone or forbids posting skips the day with the reason (shown by
  `/advice status`); the next day is tried again. A 5xx or 429 is retried with backoff until
  the server's day ends.

Nothing here imports discord: the Discord adapter gives a `Sender`, tests give their own
sender and a `Clock` they move by hand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bot.advice.rotation import AdvicePool, PastPost, PoolLeft
from bot.advice.schedule import ScheduleError, day_end, local_date, next_post, parse_time, zone
from bot.advice.scoring import Candidate
from bot.storage import AdviceRecord, GuildSettings, Store, StoreError

log = logging.getLogger(__name__)

MAX_SLEEP = 60.0  # the loop looks again at least this often (settings may have changed)
REMIND_EVERY = 60  # rounds: a loop that keeps failing says so again about once an hour
FIRST_RETRY = 60.0  # seconds after a failed send; doubles each time …
LAST_RETRY = 3600.0  # … up to an hour
HOLD = 300.0  # seconds the loop leaves an "/advice now" post to the command sending it
# Servers posted for side by side. A post waits on Discord and the database, not the CPU: one
# after another, 2,000 servers due at one minute took 23-77 s (bench/shards.py). A few at once
# keep well within Discord's global 50 requests a second, and each server's own post is
# still the unique row's one (two of the same server never run together: one task each).
POSTS_AT_ONCE = 4


class Clock(Protocol):
    """Where the time comes from: the system's, or a test's."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait (or, in tests, move the time on)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class PostGone(Exception):
    """The post cannot go out today: the channel is gone or the bot may not post there."""


class PostFailed(Exception):
    """Discord failed for now (a 5xx, a rate limit, the network): try again later."""


@dataclass(frozen=True, slots=True)
class AdvicePost:
    """What a sender is asked to post (or to find, after a crash)."""

    guild_id: int
    channel_id: int
    candidate: Candidate
    day: dt.date | None  # the local date of a daily post; None for an extra one
    nonce: str
    since: dt.datetime  # when the intent was recorded: the post cannot be older


class Sender(Protocol):
    """Posts advice to a channel: the Discord adapter implements it."""

    async def send(self, post: AdvicePost) -> int:
        """Send the post; return its message id. Raises `PostGone` or `PostFailed`."""
        ...

    async def find(self, post: AdvicePost) -> int | None:
        """The message id of this post if it already went out. Raises `PostGone` when the
        channel cannot be read, `PostFailed` when Discord fails for now."""
        ...


@dataclass(frozen=True, slots=True)
class Schedule:
    """A server's advice settings in force (its own, else the config file's defaults)."""

    guild_id: int
    channel_id: int
    time: dt.time
    timezone: str

    @property
    def tz(self) -> dt.tzinfo:
        return zone(self.timezone)


@dataclass(frozen=True, slots=True)
class Trouble:
    """Why the posting loop's rounds fail (the database is read-only, say), since when."""

    reason: str
    since: dt.datetime
    rounds: int = 1


@dataclass(frozen=True, slots=True)
class AdviceStatus:
    """What `/advice status` shows."""

    schedule: Schedule | None
    enabled: bool
    next_post: dt.datetime | None  # in the server's zone
    today: AdviceRecord | None
    last_sent: AdviceRecord | None
    last_problem: AdviceRecord | None  # the latest skipped or retrying post, with its reason
    pool: PoolLeft
    trouble: Trouble | None = None  # the posting loop fails: nothing goes out until it is fixed
    overdue: bool = False  # `next_post` has passed and the post has not gone out


def nonce_for(guild_id: int, day: dt.date | None, record_id: int) -> str:
    """A nonce (≤ 25 characters) Discord uses to drop a repeat of the same send."""
    stamp = day.strftime("%Y%m%d") if day else f"x{record_id}"
    return f"pq{guild_id % 10**9}{stamp}"[:25]


def history_of(records: Sequence[AdviceRecord]) -> list[PastPost]:
    """What a server has been given (sent, or on its way), for the rotation."""
    return [
        PastPost(r.fingerprint, r.episode_id or "")
        for r in records
        if r.fingerprint and r.status in ("sent", "intent")
    ]


def schedule_of(settings: GuildSettings) -> Schedule | None:
    """The settings as a schedule, or None when advice is off or incomplete."""
    if not (settings.advice_enabled and settings.advice_channel_id and settings.advice_time):
        return None
    try:
        zone(settings.advice_timezone or "UTC")
        at = parse_time(settings.advice_time)
    except ScheduleError:
        log.warning("guild %d: unusable advice settings %r", settings.guild_id, settings)
        return None
    return Schedule(
        settings.guild_id, settings.advice_channel_id, at, settings.advice_timezone or "UTC"
    )


class DailyAdvice:
    """Posts each server's daily advice. `run()` is the loop; `due()` one look at the time."""

    def __init__(
        self,
        store: Store,
        pool: Callable[[], Awaitable[AdvicePool]],
        sender: Sender,
        clock: Clock | None = None,
        *,
        defaults: Sequence[GuildSettings] = (),
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        self.store = store
        # Whether this process posts for a server: its shard's (see `bot.shards`); all: None.
        self.owns = owns
        self._pool = pool
        self.sender = sender
        self.clock: Clock = clock or SystemClock()
        self.defaults = {d.guild_id: d for d in defaults}
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self.trouble: Trouble | None = None  # why the last round failed, while it fails

    # ------------------------------------------------------------------ settings

    async def settings(self, guild_id: int) -> GuildSettings:
        """The server's own settings, else the config file's defaults, else off."""
        saved = await self.store.saved_guild_settings(guild_id)
        return saved or self.defaults.get(guild_id, GuildSettings(guild_id))

    async def schedules(self) -> list[Schedule]:
        """Every server whose advice is on (of those this process posts for)."""
        own = {s.guild_id: s for s in await self.store.advice_guilds()}
        merged = {**self.defaults, **own}
        found = [schedule_of(s) for s in merged.values()]
        owns = self.owns
        return [s for s in found if s is not None and (owns is None or owns(s.guild_id))]

    async def configure(self, settings: GuildSettings) -> None:
        """Save a server's settings and look at the time again."""
        await self.store.save_guild_settings(settings)
        self._wake.set()

    # ------------------------------------------------------------------ the loop

    async def run(self) -> None:
        """Post what is due, sleep until the next post is due (a minute at most), repeat."""
        while True:
            try:
                await self.due()
                wait = await self.seconds_to_next()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failed(exc)
                wait = MAX_SLEEP
            else:
                if self.trouble is not None:
                    log.info("daily advice: posting works again (%s)", self.trouble.reason)
                    self.trouble = None
            self._wake.clear()
            sleeper = asyncio.ensure_future(self.clock.sleep(wait))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()

    def _failed(self, exc: Exception) -> None:
        """Keep why a round failed for `/advice status`; log it when it starts or changes
        (a database error in one line, anything else with its traceback), then about once an
        hour while it lasts."""
        known = isinstance(exc, StoreError)
        reason = str(exc) if known else f"an unexpected error ({type(exc).__name__}; see the log)"
        trouble = self.trouble
        if trouble is None or trouble.reason != reason:
            self.trouble = Trouble(reason, self.clock.now())
            if known:
                log.error("daily advice: nothing can be posted: %s; trying again each minute", exc)
            else:
                log.exception("daily advice: a round failed; trying again each minute")
            return
        self.trouble = replace(trouble, rounds=trouble.rounds + 1)
        if self.trouble.rounds % REMIND_EVERY == 0:
            log.error(
                "daily advice: still nothing posted after %d rounds since %s: %s",
                self.trouble.rounds,
                trouble.since.isoformat(timespec="seconds"),
                reason,
            )

    async def seconds_to_next(self) -> float:
        """How long until something may be due (at most `MAX_SLEEP`)."""
        now = self.clock.now()
        soonest = MAX_SLEEP
        for schedule in await self.schedules():
            today = local_date(now, schedule.tz)
            record = await self.store.daily_post(schedule.guild_id, today)
            if record and record.status == "intent" and record.retry_at:
                when = dt.datetime.fromisoformat(record.retry_at)
            else:
                when = next_post(now, schedule.time, schedule.tz, done_today=record is not None)
            soonest = min(soonest, max(0.0, (when - now).total_seconds()))
        return soonest

    async def due(self) -> list[AdviceRecord]:
        """Post every daily advice that is due now (or resolve a half-done one), a few
        servers at a time (`POSTS_AT_ONCE`). A server that fails does not stop the others;
        the first failure is raised once every server had its turn."""
        turns = asyncio.Semaphore(POSTS_AT_ONCE)

        async def turn(schedule: Schedule) -> AdviceRecord | None:
            async with turns:
                return await self._daily(schedule)

        async with self._lock:
            schedules = await self.schedules()
            outcomes = await asyncio.gather(*map(turn, schedules), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [o for o in outcomes if isinstance(o, AdviceRecord)]

    async def _daily(self, schedule: Schedule) -> AdviceRecord | None:
        now = self.clock.now()
        today = local_date(now, schedule.tz)
        record = await self.store.daily_post(schedule.guild_id, today)
        if record is None:
            if now < next_post(now, schedule.time, schedule.tz, done_today=False):
                return None
            candidate = await self._choose(await self.store.advice_history(schedule.guild_id))
            if candidate is None:
                log.warning("guild %d: the advice pool is empty; nothing posted", schedule.guild_id)
                return await self.store.record_skip(
                    schedule.guild_id, today, "the advice pool is empty"
                )
            record = await self.store.record_intent(
                schedule.guild_id,
                today,
                slot="daily",
                channel_id=schedule.channel_id,
                segment_id=candidate.id,
                episode_id=candidate.episode.id,
                fingerprint=candidate.fingerprint,
            )
            if record is None:
                return None  # recorded meanwhile: it is that row's turn, not a second post
            return await self._deliver(record, candidate, today, fresh=True)
        if record.status != "intent":
            return None
        if record.retry_at and now < dt.datetime.fromisoformat(record.retry_at):
            return None
        candidate = (await self.pool()).get(record.segment_id or "")
        if candidate is None:
            # A reload dropped that advice: pick another, but only after making sure the
            # first did not go out.
            candidate = await self._choose(await self.store.advice_history(schedule.guild_id))
        if candidate is None:
            await self.store.mark_skipped(record.id, "the advice pool is empty")
            return await self.store.daily_post(schedule.guild_id, today)
        return await self._deliver(record, candidate, today, fresh=False)

    # ------------------------------------------------------------------ posting

    async def pool(self) -> AdvicePool:
        """The advice pool of the library being served."""
        return await self._pool()

    async def _choose(self, records: Sequence[AdviceRecord]) -> Candidate | None:
        return (await self.pool()).choose(history_of(records))

    async def _deliver(
        self, record: AdviceRecord, candidate: Candidate, day: dt.date | None, *, fresh: bool
    ) -> AdviceRecord:
        """Send a recorded intent (after looking for it in the channel unless `fresh`)."""
        assert record.channel_id is not None
        post = AdvicePost(
            record.guild_id,
            record.channel_id,
            candidate,
            day,
            nonce_for(record.guild_id, day, record.id),
            dt.datetime.fromisoformat(record.created_at.replace("Z", "+00:00")),
        )
        try:
            found = None if fresh else await self.sender.find(post)
            if found is not None:
                log.info(
                    "guild %d: %s was already posted (message %d)", record.guild_id, day, found
                )
                await self.store.mark_sent(record.id, found)
            else:
                message_id = await self.sender.send(post)
                await self.store.mark_sent(record.id, message_id)
                log.info(
                    "guild %d: posted advice %s for %s (message %d)",
                    record.guild_id,
                    candidate.id,
                    day or "now",
                    message_id,
                )
        except PostGone as exc:
            log.warning("guild %d: advice for %s skipped: %s", record.guild_id, day, exc)
            await self.store.mark_skipped(record.id, str(exc))
        except PostFailed as exc:
            await self._retry_later(record, day, str(exc))
        return await self.store.advice_record(record.id) or record

    async def _retry_later(self, record: AdviceRecord, day: dt.date | None, why: str) -> None:
        now = self.clock.now()
        wait = min(LAST_RETRY, FIRST_RETRY * 2**record.attempts)
        retry_at = now + dt.timedelta(seconds=wait)
        schedule = await self._schedule_of(record.guild_id)
        if day is None or schedule is None or retry_at >= day_end(day, schedule.tz):
            log.warning("guild %d: advice for %s skipped: %s", record.guild_id, day, why)
            await self.store.mark_skipped(record.id, f"Discord kept failing: {why}")
            return
        log.warning(
            "guild %d: advice for %s failed (%s); retrying in %.0f s",
            record.guild_id,
            day,
            why,
            wait,
        )
        await self.store.mark_retry(record.id, why, retry_at)

    async def _schedule_of(self, guild_id: int) -> Schedule | None:
        return schedule_of(await self.settings(guild_id))

    # ------------------------------------------------------------------ commands

    async def reserve(
        self, guild_id: int, channel_id: int, *, as_today: bool
    ) -> tuple[AdviceRecord, Candidate] | str:
        """`/advice now`: pick an advice and record the intent to post it at once (the
        adapter sends it and calls `confirm`). With `as_today` it is the day's daily post;
        otherwise an extra one, which still counts for the rotation. A refusal is a reason."""
        async with self._lock:
            candidate = await self._choose(await self.store.advice_history(guild_id))
            if candidate is None:
                return "the advice pool is empty"
            schedule = await self._schedule_of(guild_id)
            day = local_date(self.clock.now(), schedule.tz if schedule else dt.UTC)
            record = await self.store.record_intent(
                guild_id,
                day,
                slot="daily" if as_today else "extra",
                channel_id=channel_id,
                segment_id=candidate.id,
                episode_id=candidate.episode.id,
                fingerprint=candidate.fingerprint,
            )
            if record is None:
                return f"today's advice ({day.isoformat()}) is already posted or on its way"
            # The command sends it now; should the process die first, the loop resolves it
            # (by looking in the channel) once this hold has passed.
            await self.store.hold(record.id, self.clock.now() + dt.timedelta(seconds=HOLD))
            return record, candidate

    async def post_now(
        self, guild_id: int, channel_id: int, *, as_today: bool
    ) -> AdviceRecord | str:
        """`/advice now` through the sender, like a daily post: `reserve`, then send (a failure
        is skipped, or for today's post retried by the loop). Returns the record as it ends,
        or the reason nothing was posted."""
        reserved = await self.reserve(guild_id, channel_id, as_today=as_today)
        if isinstance(reserved, str):
            return reserved
        record, candidate = reserved
        return await self._deliver(record, candidate, record.day if as_today else None, fresh=True)

    async def confirm(self, record: AdviceRecord, message_id: int | None, why: str = "") -> None:
        """The outcome of a reserved post: its message id, or why it did not go out."""
        if message_id is not None:
            await self.store.mark_sent(record.id, message_id)
        else:
            await self.store.mark_skipped(record.id, why or "not sent")

    async def status(self, guild_id: int) -> AdviceStatus:
        """The server's settings, next post time, today's post and the pool left."""
        settings = await self.settings(guild_id)
        schedule = schedule_of(replace(settings, advice_enabled=True))
        records = await self.store.advice_history(guild_id)
        daily = [r for r in records if r.slot == "daily"]
        now = self.clock.now()
        today = None
        next_at = None
        if schedule is not None:
            today_date = local_date(now, schedule.tz)
            today = next((r for r in daily if r.local_date == today_date.isoformat()), None)
            if settings.advice_enabled:
                next_at = next_post(
                    now, schedule.time, schedule.tz, done_today=today is not None
                ).astimezone(schedule.tz)
        sent = [r for r in records if r.status == "sent"]
        problems = [r for r in records if r.reason and r.status in ("skipped", "intent")]
        return AdviceStatus(
            schedule=schedule,
            enabled=settings.advice_enabled,
            next_post=next_at,
            today=today,
            last_sent=sent[-1] if sent else None,
            last_problem=problems[-1] if problems else None,
            pool=(await self.pool()).left(history_of(records)),
            trouble=self.trouble,
            overdue=next_at is not None and next_at < now,
        )
