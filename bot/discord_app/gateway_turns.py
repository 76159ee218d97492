"""Gateway events one at a time: the event loop gets a turn between two buffered events.

discord.py reads the gateway in a loop (`DiscordWebSocket.poll_event`), and reading a
message that is already buffered returns without suspending. A burst of interactions that
land together (200 members asking at the same second) is therefore parsed and dispatched in
one go, and every timer and reply waits for all of it: `bench/soak.py` measured stalls of
344 and 453 ms exactly when its bursts of 200 arrived. `take_turns` wraps `poll_event` so
that it first yields to the loop (`asyncio.sleep(0)`): what is ready runs between two events,
for the price of one loop turn per event. discord.py has no hook for this, hence the wrap;
it is applied once per process (tests/e2e/test_gateway_turns.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from discord.gateway import DiscordWebSocket

_WRAPPED = "_podquote_takes_turns"


def take_turns() -> None:
    """Make every gateway connection of this process yield to the loop before each event."""
    original: Callable[[DiscordWebSocket], Coroutine[Any, Any, None]] = DiscordWebSocket.poll_event
    if getattr(original, _WRAPPED, False):
        return

    async def poll_event(self: DiscordWebSocket) -> None:
        await asyncio.sleep(0)  # a turn for the timers and replies that are ready
        await original(self)

    setattr(poll_event, _WRAPPED, True)
    poll_event.__doc__ = original.__doc__
    DiscordWebSocket.poll_event = poll_event  # type: ignore[method-assign]
