"""What every helper process of the bot shares: it ends with the bot, leaves the signals to
it, yields the CPU to it, and sends its log records to the bot's own log (where the same
format and redaction apply). Used by the search processes (`search_pool`) and the process
that embeds the meaning vectors (`vector_filler`), both started with `spawn` (forking a
process that runs threads and an event loop is unsafe)."""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from multiprocessing.context import SpawnContext
from typing import Any

SPAWN: SpawnContext = multiprocessing.get_context("spawn")


def settle(records: Any, level: int, nice: int) -> None:
    """In a helper process, first thing: end with the bot (even by SIGKILL), ignore SIGINT
    and SIGHUP (a Ctrl-C in a terminal reaches the whole group; the bot handles both), run
    `nice` steps below it, and log to `records` (a `LogRelay`'s queue) at `level`."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    os.nice(nice)
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)


def _end_with(parent: int) -> None:
    """Exit when the bot's process ends, even by SIGKILL (which leaves no time to stop its
    helpers; an idle one would otherwise wait for work forever)."""
    multiprocessing.connection.wait([parent])
    os._exit(0)


class _ToLog(logging.Handler):
    """Hands a helper's record to the bot's logger of the same name."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


class LogRelay:
    """In the bot's process: a queue helpers log into (`settle`), relayed to the bot's log."""

    def __init__(self) -> None:
        self.records = SPAWN.Queue()
        self._listener = logging.handlers.QueueListener(self.records, _ToLog())
        self._listener.start()

    @property
    def level(self) -> int:
        """The level helpers log at: the bot's."""
        return logging.getLogger().level

    def close(self) -> None:
        self._listener.stop()
        self.records.close()
