"""Gateway events one at a time (bot/discord_app/gateway_turns.py): what the loop has ready
runs before the next gateway event is read, however many are buffered."""

from __future__ import annotations

import asyncio

import pytest
from discord.gateway import DiscordWebSocket

from bot.discord_app.gateway_turns import take_turns

pytestmark = pytest.mark.asyncio


async def test_the_loop_has_a_turn_before_each_gateway_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order: list[str] = []

    async def read_one_buffered_event(self: DiscordWebSocket) -> None:
        order.append("event")  # a message already buffered: read without suspending

    monkeypatch.setattr(DiscordWebSocket, "poll_event", read_one_buffered_event)
    loop = asyncio.get_running_loop()
    loop.call_soon(order.append, "timer")
    await DiscordWebSocket.poll_event(None)  # type: ignore[arg-type]
    assert order == ["event"]  # discord.py's own: the ready timer waits for the event
    await asyncio.sleep(0)
    assert order == ["event", "timer"]

    take_turns()
    take_turns()  # once per process, however many bots start
    polled = DiscordWebSocket.poll_event
    assert polled is not read_one_buffered_event
    order.clear()
    for _ in range(3):
        loop.call_soon(order.append, "timer")
        await polled(None)  # type: ignore[arg-type]
    assert order == ["timer", "event"] * 3
    take_turns()
    assert DiscordWebSocket.poll_event is polled
