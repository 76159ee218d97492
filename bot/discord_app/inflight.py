"""Replies in flight: command and button handlers that have started and not yet finished.

A clean stop waits (bounded) for them before it logs out, so a member who asked just before
SIGTERM still gets the answer. The tree also says when each command is done, and how long it
took (for its log line: see `PodquoteBot`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
from discord import app_commands


class InFlight:
    """Counts running handlers; `settle` waits until none run (or the time is up)."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> int:
        return self._running

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def settle(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for every handler to finish; returns how many still
        run (0 when all finished)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        return self._running


# Told of each interaction the tree handled: the interaction, the seconds its handler took
# (the reply sent, errors answered), and whether an exception escaped the tree's own handling.
Finished = Callable[[discord.Interaction[Any], float, bool], None]


class TrackingTree(app_commands.CommandTree[Any]):
    """The command tree, counting each app command and autocomplete while it runs, and
    telling `finished` (when set) of each when it is done.

    `_call` is where discord.py runs one interaction's command (2.x); the end-to-end stop
    test fails if that changes.
    """

    def __init__(self, client: discord.Client, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.in_flight = InFlight()
        self.finished: Finished | None = None

    async def _call(self, interaction: discord.Interaction[Any]) -> None:
        started = time.perf_counter()
        raised = True
        async with self.in_flight.track():
            try:
                await super()._call(interaction)
                raised = False
            finally:
                if self.finished is not None:
                    self.finished(interaction, time.perf_counter() - started, raised)
