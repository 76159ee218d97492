"""The bot as a process for the chaos tests to kill (`test_chaos.py`).

    python -m tests.e2e.chaos_bot CONFIG CLOCK_FILE [PHASE]

The real client, store and daily post, on a config file, as `python -m bot run` builds them,
with two differences: the time is read from CLOCK_FILE (an ISO instant the test moves), and
with a PHASE the process stops at that phase of the first daily post, says `held at PHASE` on
stdout and waits there for the test's SIGKILL:

- `before-intent`: the post is chosen, its intent not yet recorded;
- `after-intent`: the intent recorded, nothing sent;
- `after-send`: Discord took the post, the database not yet told.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.archive.loaded import Archive
from bot.cli import logs
from bot.config.settings import discord_token, load_config
from bot.discord_app.client import PodquoteBot
from bot.discord_app.runner import point_at
from bot.storage import Store, open_store

PHASES = ("before-intent", "after-intent", "after-send")
HELD = "held at "


class FileClock:
    """The time the test wrote in a file; sleeps are a few real milliseconds, so a time the
    test moves on is seen at once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.path.read_text().strip())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(min(seconds, 0.02))


async def hold(phase: str) -> None:
    """Say where the process is and wait there for the kill."""
    print(HELD + phase, flush=True)
    await asyncio.Event().wait()


def held(
    method: Callable[..., Awaitable[Any]], phase: str, *, after: bool
) -> Callable[..., Awaitable[Any]]:
    """`method`, holding at `phase` before it runs (or, `after`, once it ran)."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not after:
            await hold(phase)
        result = await method(*args, **kwargs)
        if after:
            await hold(phase)
        return result

    return wrapper


def hold_at(store: Store, phase: str) -> None:
    """Make the store hold at `phase` of the first post (see the module's docstring)."""
    if phase == "before-intent":
        store.record_intent = held(store.record_intent, phase, after=False)  # type: ignore[method-assign]
    elif phase == "after-intent":
        store.record_intent = held(store.record_intent, phase, after=True)  # type: ignore[method-assign]
    elif phase == "after-send":
        store.mark_sent = held(store.mark_sent, phase, after=False)  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown phase {phase!r}; one of {', '.join(PHASES)}")


async def serve(config_path: Path, clock_path: Path, phase: str | None) -> None:
    config = load_config(config_path)
    point_at(config)
    archive = await Archive.open_async(config.data.episodes)
    store = await open_store(config.data.database)
    if phase is not None:
        hold_at(store, phase)
    bot = PodquoteBot(config, archive, store, clock=FileClock(clock_path))
    bot._connection.guild_ready_timeout = 0.05  # READY at once: the test waits on each start
    async with bot:
        await bot.start(discord_token())


def main(argv: list[str]) -> None:
    logs.setup("INFO", "text")
    config, clock, *phase = argv
    asyncio.run(serve(Path(config), Path(clock), phase[0] if phase else None))


if __name__ == "__main__":
    main(sys.argv[1:])
