"""One log line per command, one row per search, never in the way of a reply.

The adapter says what ran and how it ended (`CommandRun`); `CommandLog.finished` logs it at
INFO and, for a search, schedules the database write as a task of its own, so a reply never
waits on the database. A write that fails is logged once (not again until one succeeds) and
changes nothing for members. `drain` waits for the writes still pending (at a clean stop,
before the database closes); `prune` deletes the searches older than `keep_days` (at start
and once a day, `prune_daily`).

The text a member typed is neither logged nor stored unless `queries` is on (then as a short
one-line excerpt); with it off, `prune` also blanks any text kept from before.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.reply.echo import excerpt
from bot.storage import OUTCOMES, SearchRecord, Store, StoreError

log = logging.getLogger(__name__)

LOG_QUERY_LIMIT = 100  # characters of a query in a log line
STORED_QUERY_LIMIT = 200  # characters of a query in the database
DAY = 24 * 60 * 60.0
SEARCHES = frozenset({"quote", "episode"})  # the commands whose runs are searches
OK = "ok"  # how a command that searches nothing ended well


@dataclass(frozen=True, slots=True)
class CommandRun:
    """One command, run: its name, how it ended, how long it took, where; for a search, the
    episode it answered with and what was typed (None: nothing)."""

    command: str
    outcome: str  # one of OUTCOMES, or OK
    took_ms: int
    guild_id: int | None = None
    episode_id: str | None = None
    query: str | None = None

    @property
    def search(self) -> bool:
        """A search (kept in the database), not another command."""
        return self.command in SEARCHES and self.outcome in OUTCOMES


def log_line(run: CommandRun, *, queries: bool) -> str:
    """The INFO line of a run: `/quote outcome=found took_ms=42`, with `query='…'` (an
    excerpt on one line, quoted and escaped like a Python string) only when `queries`."""
    line = f"/{run.command} outcome={run.outcome} took_ms={run.took_ms}"
    if queries and run.query is not None:
        line += f" query={excerpt(run.query, LOG_QUERY_LIMIT)!r}"
    return line


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class CommandLog:
    """Logs every command run and records the searches (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        queries: bool = False,
        keep_days: int = 30,
        today: Callable[[], dt.date] = utc_today,
    ) -> None:
        self.store = store
        self.queries = queries
        self.keep_days = keep_days
        self.today = today
        self._pending: set[asyncio.Task[None]] = set()
        self._failing = False

    @property
    def pending(self) -> int:
        """Writes scheduled and not yet done."""
        return len(self._pending)

    def finished(self, run: CommandRun) -> None:
        """Log the run; for a search, schedule its row (needs a running event loop). Never
        raises and never waits."""
        log.info("%s", log_line(run, queries=self.queries))
        if not run.search:
            return
        query = excerpt(run.query, STORED_QUERY_LIMIT) if self.queries and run.query else None
        record = SearchRecord(
            run.guild_id, self.today(), run.command, run.outcome, run.episode_id, run.took_ms, query
        )
        task = asyncio.get_running_loop().create_task(self._write(record), name="record-search")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, record: SearchRecord) -> None:
        await self._quietly("record searches", lambda: self.store.record_search(record))

    async def _quietly(self, what: str, call: Callable[[], Awaitable[object]]) -> bool:
        """Run a database call; a failure is logged once (until a call succeeds again)."""
        try:
            await call()
        except Exception as exc:
            if not self._failing:
                self._failing = True
                log.warning(
                    "cannot %s in the database (members are answered all the same; said once "
                    "until it works again): %s",
                    what,
                    exc,
                    exc_info=not isinstance(exc, StoreError),
                )
            return False
        if self._failing:
            self._failing = False
            log.info("the search log is written again")
        return True

    async def drain(self, timeout: float = 5.0) -> int:
        """Wait up to `timeout` seconds for the pending writes; returns how many were left
        (and cancelled)."""
        if not self._pending:
            return 0
        _, left = await asyncio.wait(set(self._pending), timeout=timeout)
        for task in left:
            task.cancel()
        if left:
            log.warning("stopping with %d search(es) not recorded", len(left))
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*left, return_exceptions=True)
        return len(left)

    async def prune(self) -> bool:
        """Delete the searches older than `keep_days` days (and, with queries off, blank the
        texts kept); False when the database refused (logged)."""
        before = self.today() - dt.timedelta(days=self.keep_days - 1)
        return await self._quietly(
            "delete old searches",
            lambda: self.store.forget_searches(before, keep_queries=self.queries),
        )

    async def prune_daily(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """`prune` now and then once a day, until cancelled."""
        while True:
            await self.prune()
            await sleep(DAY)
