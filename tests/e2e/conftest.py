"""End-to-end fixtures: a fake Discord on 127.0.0.1 that the real discord.py talks to."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.e2e.fake_discord import FakeDiscord, patch_discord


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord with discord.py pointed at it (restored afterwards).

    After the test, anything unexpected the server recorded (unknown routes, schema violations,
    late or double acknowledgements) fails the test; a test that provokes one on purpose clears
    ``server.errors`` / ``server.violations`` after asserting it.
    """
    async with FakeDiscord() as server, patch_discord(server):
        yield server
        server.raise_for_problems()
