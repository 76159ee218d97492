"""The library and its search index as one unit that reloads without stopping the answers.

A reload reads the folder and brings the stored index up to date (`search_index`: only the
changed episodes) in a worker thread; until it is done every query is answered from the old
pair (its searcher a snapshot of the index as it was), which is then swapped in with one
assignment. A reload that fails leaves the old pair serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.advice.rotation import AdvicePool
from bot.archive.derived import LIBRARY, AdviceScores, Derived
from bot.archive.search_pool import SearchPool
from bot.archive.snapshot import (
    IndexBuilder,
    Query,
    Snapshot,
    open_snapshot,
    stored_index,
    with_stored_vectors,
)
from bot.archive.vector_filler import VectorFiller
from bot.episodes.library import Library, LibraryDiff
from bot.episodes.model import Episode
from bot.errors import PodquoteError
from bot.ingest.intake import (
    MAX_UPLOAD_BYTES,
    Added,
    Given,
    Places,
    Removed,
    add_file,
    remove_episode,
)
from bot.search.meaning import Encoder
from bot.search.ranking import Outcome, Searcher


async def _searched(
    snapshot: Snapshot, asked: Query, handed: Awaitable[Outcome | None] | None
) -> Outcome:
    """The outcome of a search handed to the search processes, else searched in a thread."""
    if handed is not None:
        outcome = await handed
        if outcome is not None:
            return outcome
    return await asyncio.to_thread(asked.on, snapshot.searcher)


def advice_pool(library: Library) -> AdvicePool:
    """The library's daily-advice pool, from the scores stored beside its folder (each episode
    scored and stored only when its file or the scoring code changed)."""
    return AdvicePool.build(
        library, scored_by=AdviceScores(library, Derived.beside(library.folder))
    )


class Archive:
    """What the bot serves from: `current` is always a complete, consistent snapshot."""

    def __init__(
        self,
        snapshot: Snapshot,
        builder: IndexBuilder = stored_index,
        meaning: Encoder | None = None,
    ) -> None:
        self._current = snapshot
        self._builder = builder
        self._meaning = meaning  # the sentence model, loaded once and shared by every index
        self._lock = asyncio.Lock()
        self._advice: tuple[Snapshot, AdvicePool] | None = None
        self._pool: SearchPool | None = None
        self._filler: VectorFiller | None = None
        self._after_reload: list[Callable[[], Awaitable[object]]] = []

    @classmethod
    def open(
        cls, folder: Path, builder: IndexBuilder = stored_index, meaning: Encoder | None = None
    ) -> Archive:
        """Load a folder and open its index (blocking: for start-up and the CLI); `meaning` is the
        sentence model search weighs near misses with (None: words only)."""
        return cls(open_snapshot(folder, builder, meaning), builder, meaning)

    @classmethod
    async def open_async(
        cls, folder: Path, builder: IndexBuilder = stored_index, meaning: Encoder | None = None
    ) -> Archive:
        """`open` in a worker thread."""
        snapshot = await asyncio.to_thread(open_snapshot, folder, builder, meaning)
        return cls(snapshot, builder, meaning)

    @property
    def current(self) -> Snapshot:
        return self._current

    @property
    def library(self) -> Library:
        return self._current.library

    @property
    def searcher(self) -> Searcher:
        return self._current.searcher

    def search_in_processes(self, workers: int, meaning: bool) -> None:
        """Search from now on in `workers` processes of their own (`SearchPool`; the sentence
        model on in them when `meaning`), which start opening the folder now."""
        self.close()
        self._pool = SearchPool(self.library.folder, meaning, workers)

    def fill_vectors(self, model: Path) -> VectorFiller:
        """From now on embed the meaning vectors the served folder lacks, in the background
        (`VectorFiller`, with the model in `model`): now, and after each reload that changed
        the episodes; each time, what was embedded is mapped in (`map_vectors`)."""
        self._filler = VectorFiller(self.library.folder, model, self.map_vectors)
        self._filler.request()
        return self._filler

    async def map_vectors(self) -> None:
        """Serve from now on with the meaning vectors stored now (when there are more than the
        snapshot has: mapped in a worker thread, then swapped in like a reload)."""
        async with self._lock:
            old = self._current
            new = await asyncio.to_thread(with_stored_vectors, old)
            if new is not old:
                self._current = new
                if self._advice is not None and self._advice[0] is old:  # the same library
                    self._advice = (new, self._advice[1])

    async def stop_filling(self) -> None:
        """Stop embedding in the background (what was saved stays)."""
        filler, self._filler = self._filler, None
        if filler is not None:
            await filler.close()

    @property
    def search_waits(self) -> bool:
        """Whether a search asked now would wait for another to finish first."""
        return self._pool is not None and self._pool.busy

    def start_search(self, asked: Query) -> asyncio.Task[Outcome]:
        """`asked` over the snapshot being served, started now and off the event loop:
        handed to the search processes when there are (`search_in_processes`; a search
        asked next sees at once that it would wait), else, or when they cannot answer for
        this snapshot, run in a thread. Await the task for the outcome."""
        snapshot = self._current
        handed = self._pool.search(snapshot, asked) if self._pool is not None else None
        return asyncio.ensure_future(_searched(snapshot, asked, handed))

    async def search(self, asked: Query) -> Outcome:
        """`start_search`, awaited."""
        return await self.start_search(asked)

    def close(self) -> None:
        """Stop the search processes, if any (searches go on in threads)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def episode(self, name: str) -> Episode:
        """The episode with this id, else the best loose match of its title or id; raises
        `FilterError` listing the close titles when nothing matches."""
        snapshot = self._current
        found = snapshot.library.get(name)
        if found is not None:
            return found
        (index, *_) = snapshot.searcher.episodes.resolve(name)
        return snapshot.searcher.index.episodes[index]

    async def advice_pool(self) -> AdvicePool:
        """The daily-advice pool of the library being served, read in a worker thread the first
        time it is asked for: stored by ingest, scored here only for what changed since."""
        snapshot = self._current
        if self._advice is not None and self._advice[0] is snapshot:
            return self._advice[1]
        pool = await asyncio.to_thread(advice_pool, snapshot.library)
        if snapshot is self._current:  # kept only while it is the one served
            self._advice = (snapshot, pool)
        return pool

    async def reload(self, *, announce: bool = True) -> LibraryDiff:
        """Re-read the folder and update the index off the event loop, then swap; then, when
        `announce`, run what `after_reload` asked for (to tell the bot's other processes;
        a reload because another process told this one is not announced again).

        Raises what loading raises (e.g. `EpisodeFileError` for a missing folder); the old
        snapshot keeps serving then. Concurrent reloads run one after the other.
        """
        async with self._lock:
            old = self._current
            new = await asyncio.to_thread(
                open_snapshot, old.library.folder, self._builder, self._meaning, old
            )
            self._current = new
            self._advice = None  # the old pool holds the old snapshot: let both go
        diff = old.library.changes_to(new.library)
        if self._filler is not None and not diff.unchanged:
            self._filler.request()  # the changed episodes' new pieces
        if announce:
            for callback in self._after_reload:
                await callback()
        return diff

    def after_reload(self, callback: Callable[[], Awaitable[object]]) -> None:
        """Run `callback` after each announced reload that succeeded (it must not raise)."""
        self._after_reload.append(callback)

    def places(self, raw: Path) -> Places:
        """The raw folder `raw` (its catalog beside it) and the folder being served."""
        folder = self._current.library.folder
        derived = Derived.beside(folder)
        return Places(raw, folder, derived.folder / LIBRARY if derived.usable else None)

    async def add(
        self, data: bytes, name: str, raw: Path, given: Given, limit: int = MAX_UPLOAD_BYTES
    ) -> tuple[Added, str | None]:
        """Add one raw file and ingest it (`bot.ingest.intake.add_file`; raises `IntakeError`
        with nothing changed), then reload: why the reload failed (the file stays added and
        the old snapshot serves), else None."""
        added = await asyncio.to_thread(add_file, data, name, self.places(raw), given, limit)
        return added, await self._reload_or_why()

    async def remove(self, episode: Episode, raw: Path) -> tuple[Removed, str | None]:
        """Take an episode out (`bot.ingest.intake.remove_episode`; raises `IntakeError`),
        then reload: why the reload failed, else None."""
        removed = await asyncio.to_thread(remove_episode, episode, self.places(raw))
        return removed, await self._reload_or_why()

    async def _reload_or_why(self) -> str | None:
        try:
            await self.reload()
        except PodquoteError as exc:
            return str(exc)
        return None
