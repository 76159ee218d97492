"""End-to-end fixtures: a fake Discord on 127.0.0.1 that the real discord.py talks to."""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator, Iterator

import pytest
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


@pytest.fixture(autouse=True)
def one_heavy_test_at_a_time(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """The end-to-end tests hold Discord's 3 s deadlines; a `slow` one starts several bot
    processes at once, which on a 2-core machine would take the CPU from another worker's
    end-to-end test. So a `slow` test takes a lock that every other end-to-end test shares
    (flock on a file all pytest-xdist workers see): it runs alone among them."""
    lock = tmp_path_factory.getbasetemp().parent / "e2e-heavy.lock"
    exclusive = request.node.get_closest_marker("slow") is not None
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
