"""Replies in flight: command and button handlers that have started and not yet finished.

A clean stop waits (bounded) for them before it logs out, so a member who asked just before
SIGTERM still gets the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
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


class TrackingTree(app_commands.CommandTree[Any]):
    """The command tree, counting each app command and autocomplete while it runs.

    `_call` is where discord.py runs one interaction's command (2.x); the end-to-end stop
    test fails if that changes.
    """

    def __init__(self, client: discord.Client, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.in_flight = InFlight()

    async def _call(self, interaction: discord.Interaction[Any]) -> None:
        async with self.in_flight.track():
            await super()._call(interaction)
