"""Searches in worker processes, so a burst of /quote never holds up the bot's event loop.

A search is CPU work in Python (the re-rank, the alignment, the sentence model) that holds
the GIL. Run in threads of the bot's own process, a burst of 200 searches stalled the event
loop for up to a second at a time, and the two cores of a small server did the work of one.
Here each worker process opens the served folder itself (the stored episodes and the stored
index are read, not built), answers searches, and sends each moment back by reference
(episode id, segment position, highlight, time, score); the bot rebuilds the `Outcome` from
its own library (`SearchPool.search`), which every other command shows from.

Every call names the library the bot serves (`Library.identity`). A worker holding another
one loads the folder again first (only what changed, like a reload); if what it finds still
differs (the folder changed again since the bot's reload), it says so and the bot searches
that query itself, in a thread. A worker that dies or fails to open the folder breaks the
pool: the bot searches in a thread meanwhile and starts a new pool a little later.

The process management is the standard library's `ProcessPoolExecutor`, started with
`spawn`; each worker settles as every helper of the bot does (`bot.archive.child`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.archive.child import SPAWN, LogRelay, settle
from bot.archive.snapshot import Query, Snapshot, open_snapshot, stored_index, with_stored_vectors
from bot.episodes.library import Library
from bot.search.filters import FilterError
from bot.search.meaning import load_meaning
from bot.search.ranking import Match, Outcome

log = logging.getLogger(__name__)

RESTART_AFTER = 30.0  # seconds a broken pool rests before a new one is started
# Workers yield the CPU to the bot's process: on a small machine a burst keeps every core
# busy searching, and the event loop (the replies, the gateway's heartbeat) must still run
# at once when it has something to do.
WORKER_NICE = 10


@dataclass(frozen=True, slots=True)
class Moment:
    """A `Match` by reference: what a worker sends back instead of the episode itself."""

    episode: str
    position: int
    highlight: tuple[int, int]
    start: float | None
    estimated: bool
    score: float
    url: str | None

    @classmethod
    def of(cls, match: Match) -> Moment:
        return cls(
            match.episode.id,
            match.position,
            match.highlight,
            match.start,
            match.estimated,
            match.score,
            match.url,
        )

    def match(self, library: Library) -> Match | None:
        """The match in `library` (None: it has no such episode or segment)."""
        episode = library.get(self.episode)
        if episode is None or not 0 <= self.position < len(episode.segments):
            return None
        return Match(
            episode=episode,
            position=self.position,
            segment=episode.segments[self.position],
            highlight=self.highlight,
            start=self.start,
            estimated=self.estimated,
            score=self.score,
            url=self.url,
        )


@dataclass(frozen=True, slots=True)
class Found:
    """A worker's answer: an `Outcome` by reference, or the filter a name did not pass."""

    matches: tuple[Moment, ...] = ()
    suggestions: tuple[str, ...] = ()
    closest: tuple[Moment, ...] = ()
    refused: tuple[str, str, tuple[str, ...], str] | None = None  # FilterError's arguments

    @classmethod
    def of(cls, outcome: Outcome) -> Found:
        return cls(
            tuple(Moment.of(m) for m in outcome.matches),
            outcome.suggestions,
            tuple(Moment.of(m) for m in outcome.closest),
        )

    def outcome(self, library: Library) -> Outcome | None:
        """The `Outcome` over `library`; raises the `FilterError` the worker met; None when
        a moment is not in `library` (it cannot happen when the identities agree)."""
        if self.refused is not None:
            kind, given, close, why = self.refused
            raise FilterError(kind, given, list(close), why)
        matches = [m.match(library) for m in self.matches]
        closest = [m.match(library) for m in self.closest]
        if None in matches or None in closest:
            return None
        return Outcome(
            tuple(m for m in matches if m is not None),
            self.suggestions,
            tuple(m for m in closest if m is not None),
        )


# -- in the worker process -------------------------------------------------------------------


class _Worker:
    """A worker's own snapshot of the served folder."""

    def __init__(self, folder: Path, meaning: bool) -> None:
        self.folder = folder
        self.encoder = load_meaning(meaning).encoder
        self.snapshot: Snapshot = open_snapshot(folder, stored_index, self.encoder)
        self.missed: str | None = None  # an identity the folder did not hold when last looked
        self.missed_vectors: int | None = None  # likewise a count of stored vectors

    def search(self, identity: str, vectors: int, query: Query) -> Found | None:
        """The search over the library with `identity` (None: the folder does not hold it),
        with as many stored vectors as the bot's snapshot has (`Snapshot.vectors`) when the
        folder still holds them."""
        if identity not in (self.snapshot.library.identity, self.missed):
            self.snapshot = open_snapshot(self.folder, stored_index, self.encoder, self.snapshot)
            self.missed = None if self.snapshot.library.identity == identity else identity
        if self.snapshot.library.identity != identity:
            return None
        if vectors not in (self.snapshot.vectors, self.missed_vectors):
            self.snapshot = with_stored_vectors(self.snapshot)
            self.missed_vectors = None if self.snapshot.vectors == vectors else vectors
        try:
            outcome = query.on(self.snapshot.searcher)
        except FilterError as exc:
            return Found(refused=(exc.kind, exc.given, tuple(exc.close), str(exc)))
        return Found.of(outcome)


_held: dict[str, _Worker] = {}  # this process's worker, once started


def _start_worker(folder: Path, meaning: bool, records: Any, level: int) -> None:
    """Each worker process's start: settled as a helper of the bot, then opens the folder."""
    settle(records, level, WORKER_NICE)
    _held["worker"] = _Worker(folder, meaning)


def _ready() -> bool:
    return "worker" in _held


def _search(identity: str, vectors: int, query: Query) -> Found | None:
    return _held["worker"].search(identity, vectors, query)


# -- in the bot's process --------------------------------------------------------------------


class SearchPool:
    """`workers` processes searching the folder the bot serves (see the module's docstring)."""

    def __init__(self, folder: Path, meaning: bool, workers: int) -> None:
        if workers < 1:
            raise ValueError("a search pool needs at least one worker")
        self.folder = folder
        self.meaning = meaning
        self.workers = workers
        self._relay = LogRelay()
        self._executor: ProcessPoolExecutor | None = None
        self._broken_at: float | None = None
        self._pending: set[Future[Found | None]] = set()  # handed to a worker, not done
        self._missed: str | None = None  # the library the workers last could not find
        self.answered = 0  # searches the workers answered (the rest: in the bot's process)
        self._start()

    def _start(self) -> None:
        """A new executor whose workers all start opening the folder now (not at the first
        search: a burst right after the bot's start finds them ready or nearly)."""
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=SPAWN,
            initializer=_start_worker,
            initargs=(self.folder, self.meaning, self._relay.records, self._relay.level),
        )
        for _ in range(self.workers):  # each submit with no idle worker starts a process
            self._executor.submit(_ready)

    @property
    def busy(self) -> bool:
        """Whether a new search would wait for a worker (or the pool is down)."""
        return self._executor is None or len(self._pending) >= self.workers

    def search(
        self, snapshot: Snapshot, query: Query
    ) -> Coroutine[Any, Any, Outcome | None] | None:
        """The search over `snapshot` (its library, with its vectors), handed to a worker
        now (counted at once in `busy`, so the next /quote of the same instant knows it
        would wait); await what this returns for its outcome. None, or an outcome of None:
        no worker can answer for it (the pool is broken, or the folder no longer holds the
        library): search it yourself then. The outcome raises `FilterError` for a speaker
        or episode that matches nothing."""
        executor = self._executor_or_none()
        if executor is None:
            return None
        library = snapshot.library
        try:
            submitted = executor.submit(_search, library.identity, snapshot.vectors, query)
        except BrokenProcessPool:
            self._broke(executor)
            return None
        self._pending.add(submitted)  # until the worker is done, whoever awaits it
        submitted.add_done_callback(self._pending.discard)
        return self._outcome(executor, submitted, library)

    async def _outcome(
        self, executor: ProcessPoolExecutor, submitted: Future[Found | None], library: Library
    ) -> Outcome | None:
        try:
            found = await asyncio.wrap_future(submitted)
        except BrokenProcessPool:
            self._broke(executor)
            return None
        if found is None:
            if self._missed != library.identity:  # once per library, not per query
                self._missed = library.identity
                log.warning(
                    "the episodes folder %s changed since it was loaded: searching in the "
                    "bot's process until the next reload",
                    self.folder,
                )
            return None
        outcome = found.outcome(library)
        self.answered += outcome is not None
        return outcome

    def _executor_or_none(self) -> ProcessPoolExecutor | None:
        broken_at = self._broken_at
        if self._executor is None and broken_at and time.monotonic() - broken_at >= RESTART_AFTER:
            log.info("starting the search processes again")
            self._broken_at = None
            self._start()
        return self._executor

    def _broke(self, executor: ProcessPoolExecutor) -> None:
        if executor is not self._executor:
            return  # another search saw it first
        log.warning(
            "a search process stopped; searching in the bot's process, new ones in %.0f s",
            RESTART_AFTER,
        )
        executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None
        self._broken_at = time.monotonic()

    def close(self) -> None:
        """Stop the workers (searches still queued are cancelled) and the log relay."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._relay.close()
