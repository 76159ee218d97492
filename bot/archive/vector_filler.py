"""The meaning vectors the bot lacks, embedded in the background while it serves.

`ingest --vectors` embeds every piece of the episodes at once (about an hour of two cores
for a 700-talk archive the first time). Without it, and for every episode added or changed
since, the bot embeds what is missing itself: after its start and after each reload that
changed the episodes, one process of its own, at the lowest priority (it takes only the CPU
that replies and searches leave), loads the served folder, embeds the pieces that have no
stored vector (`window_vectors.update`, saved every `SAVE_EVERY` pieces, so a stop keeps
what was done), and stores their map to the index. The bot then maps them too
(`Archive.map_vectors`, milliseconds: the map is stored) and so do its search processes at
their next search. Until then a moment without vectors keeps the words' order in an unsure
answer, as it did before any were embedded.

Only one process embeds at a time (the lock in `window_vectors.update`): another bot process
(shards) or an `ingest --vectors` running meanwhile makes this one wait and look again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.archive.child import SPAWN, LogRelay, settle
from bot.archive.derived import Derived, load_library
from bot.archive.snapshot import stored_index
from bot.archive.window_vectors import (
    Encode,
    VectorsUpdate,
    embedding_time,
    encode_with,
    open_vectors,
    update,
)
from bot.search.meaning import Encoder

log = logging.getLogger(__name__)

SAVE_EVERY = 5_000  # pieces embedded between two saves (about 3 min of one core)
FILLER_NICE = 19  # the lowest priority: replies and searches come first
LOOK_AGAIN = 600.0  # seconds before looking again when another process is embedding


def fill(folder: Path, model: Path, save_every: int = SAVE_EVERY) -> VectorsUpdate:
    """In the helper process: embed the pieces of `folder`'s episodes that have no stored
    vector, and store their map to the index (`window_vectors.open_vectors`)."""
    library = load_library(folder)
    index = stored_index(library)
    derived = Derived.beside(folder)
    loaded: list[Encode] = []

    def encode(texts: list[str]) -> npt.NDArray[np.floating]:
        if not loaded:  # the model only when there is something to embed
            loaded.append(encode_with(Encoder.load(model)))
        return loaded[0](texts)

    def saved(done: int, missing: int) -> None:
        if done == 0:
            log.info(
                "meaning vectors: embedding the %s pieces that have none yet, in the "
                "background (%s)",
                f"{missing:,}",
                embedding_time(missing),
            )
        else:
            log.info("meaning vectors: %s of %s embedded and saved", f"{done:,}", f"{missing:,}")

    done = update(index, library, derived, encode, save_every=save_every, saved=saved)
    if done.embedded:
        open_vectors(index, library, derived)  # the map, stored for the bot to open at once
    return done


class VectorFiller:
    """Embeds the served folder's missing vectors in a helper process (see the module's
    docstring); `embedded` is awaited after each run that was not refused by another
    process's lock (the archive maps what is stored then)."""

    def __init__(
        self,
        folder: Path,
        model: Path,
        embedded: Callable[[], Awaitable[object]],
        save_every: int = SAVE_EVERY,
        look_again: float = LOOK_AGAIN,
    ) -> None:
        self.folder = folder
        self.model = model
        self.save_every = save_every
        self.look_again = look_again
        self._embedded = embedded
        self._relay = LogRelay()
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self.last: VectorsUpdate | None = None  # what the last run did

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def request(self) -> None:
        """Embed what is missing now; while a run is under way, once more after it."""
        if self.running:
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="vector-filler")

    async def wait(self) -> None:
        """Until the runs asked for so far are done (for tests and benchmarks)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                done = await self._fill_once()
            except Exception as exc:  # the bot serves on with the vectors stored
                log.warning("meaning vectors: embedding failed, %s: %s", type(exc).__name__, exc)
                return
            self.last = done
            if done.busy:
                log.info(
                    "meaning vectors: another process is embedding them; looking again in %.0f s",
                    self.look_again,
                )
                await asyncio.sleep(self.look_again)
                continue
            if done.embedded:
                log.info("%s", done.line())
            try:
                await self._embedded()
            except Exception as exc:  # the snapshot served keeps the vectors it has
                log.warning("meaning vectors: mapping failed, %s: %s", type(exc).__name__, exc)
            if not self._again:
                return

    async def _fill_once(self) -> VectorsUpdate:
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[VectorsUpdate] = loop.create_future()

        def settled(result: Any = None, error: BaseException | None = None) -> None:
            if not outcome.done():
                if error is not None:
                    outcome.set_exception(error)
                else:
                    outcome.set_result(result)

        def from_pool(result: Any = None, error: BaseException | None = None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(settled, result, error)

        relay = self._relay
        pool = SPAWN.Pool(1, initializer=settle, initargs=(relay.records, relay.level, FILLER_NICE))
        try:
            pool.apply_async(
                fill,
                (self.folder, self.model, self.save_every),
                callback=from_pool,
                error_callback=lambda error: from_pool(error=error),
            )
            return await outcome
        finally:
            await asyncio.to_thread(pool.terminate)  # done, or stopped: either way, gone

    async def close(self) -> None:
        """Stop embedding (what was saved stays) and the log relay."""
        task, self._task = self._task, None
        if task is not None:  # its helper process is terminated as the run unwinds
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._relay.close()
