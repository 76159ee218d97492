"""The event loop's lag: measured per tick, a stall logged as it happens, a summary."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.discord_app.loop_lag import LoopLag


def test_the_histogram_gives_percentiles_to_the_millisecond_and_the_worst() -> None:
    lag = LoopLag()
    for millis in range(100):  # 0 … 99 ms
        lag.note(millis / 1000)
    lag.note(5.0)  # beyond the histogram: counted in its last bucket, the worst kept exactly
    assert lag.ticks == 101
    assert lag.percentile(0.5) == pytest.approx(0.050)
    assert lag.percentile(0.99) == pytest.approx(0.099)
    assert lag.worst == 5.0
    assert lag.summary() == (
        "event loop lag over 101 ticks of 50 ms: p50 50 ms, p99 99 ms, max 5000 ms; "
        "1 stalls over 250 ms"
    )


def test_no_ticks_is_no_lag() -> None:
    assert LoopLag().percentile(0.99) == 0.0


def test_a_blocked_loop_is_measured_and_logged_as_a_stall(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> LoopLag:
        lag = LoopLag(tick=0.01)
        task = asyncio.create_task(lag.run())
        await asyncio.sleep(0)  # the task is asleep in its first tick
        time.sleep(0.4)  # work on the loop: the tick wakes at least 0.39 s late
        while not lag.ticks:
            await asyncio.sleep(0.01)
        task.cancel()
        return lag

    with caplog.at_level(logging.WARNING, logger="bot.discord_app.loop_lag"):
        lag = asyncio.run(scenario())
    assert lag.stalls >= 1 and lag.worst >= 0.39
    assert "the event loop stalled for" in caplog.text
