"""How late the event loop wakes up: a task that sleeps a short tick and measures how much
later than asked it woke. Late means something ran on the loop meanwhile (work that belongs
in a worker thread): every answer waited that long. A stall over `STALL` is logged when it
happens; `summary()` is logged when the bot stops."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

TICK = 0.05  # seconds between looks
STALL = 0.25  # a wake this late is a stall: logged as it happens
_BUCKETS = 2001  # lags kept to the millisecond up to 2 s (later ones count in the last)


class LoopLag:
    """The loop's lag per tick, kept as a histogram of milliseconds (fixed memory, however
    long the bot runs); `run()` is the task."""

    def __init__(
        self,
        tick: float = TICK,
        stall: float = STALL,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.tick = tick
        self.stall = stall
        self._clock = clock
        self._counts = [0] * _BUCKETS
        self.ticks = 0
        self.stalls = 0
        self.worst = 0.0  # seconds

    def note(self, lag: float) -> None:
        """One tick's lag (seconds): counted, and logged when it is a stall."""
        lag = max(0.0, lag)
        self._counts[min(_BUCKETS - 1, int(lag * 1000))] += 1
        self.ticks += 1
        self.worst = max(self.worst, lag)
        if lag > self.stall:
            self.stalls += 1
            log.warning(
                "the event loop stalled for %.0f ms (over %.0f ms: answers waited)",
                lag * 1000,
                self.stall * 1000,
            )

    def percentile(self, share: float) -> float:
        """The lag (seconds, to the millisecond) that `share` of the ticks stayed under."""
        if not self.ticks:
            return 0.0
        wanted = share * self.ticks
        seen = 0
        for millis, count in enumerate(self._counts):
            seen += count
            if seen >= wanted:
                return millis / 1000
        return self.worst

    def summary(self) -> str:
        """One line: ticks, p50/p99/max and how many stalls."""
        return (
            f"event loop lag over {self.ticks} ticks of {self.tick * 1000:.0f} ms: "
            f"p50 {self.percentile(0.5) * 1000:.0f} ms, p99 {self.percentile(0.99) * 1000:.0f} ms, "
            f"max {self.worst * 1000:.0f} ms; {self.stalls} stalls over {self.stall * 1000:.0f} ms"
        )

    async def run(self) -> None:
        """Sleep a tick, note how late the wake was; until cancelled."""
        while True:
            asked = self._clock()
            await asyncio.sleep(self.tick)
            self.note(self._clock() - asked - self.tick)
