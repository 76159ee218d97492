"""A library and the searcher over exactly its episodes, opened from a folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.archive.derived import Derived, load_library
from bot.archive.search_index import open_index
from bot.archive.window_vectors import open_vectors, stored_rows
from bot.episodes.library import Library
from bot.search.index import SearchIndex
from bot.search.meaning import Encoder
from bot.search.ranking import MIN_SCORE, Outcome, Searcher

IndexBuilder = Callable[[Library], SearchIndex]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A library and the searcher over exactly its episodes."""

    library: Library
    searcher: Searcher
    vectors: int = 0  # pieces stored when its vectors were mapped (0: none)


@dataclass(frozen=True, slots=True)
class Query:
    """One search as `Searcher.search` takes it: what the bot hands to a search process, or
    searches in a thread."""

    text: str
    speaker: str | None = None
    episode: str | None = None
    limit: int = 5
    min_score: float = MIN_SCORE

    def on(self, searcher: Searcher) -> Outcome:
        """The search, by `searcher` (raises `FilterError` for a name that matches nothing)."""
        return searcher.search(
            self.text,
            speaker=self.speaker,
            episode=self.episode,
            limit=self.limit,
            min_score=self.min_score,
        )


def stored_index(library: Library) -> SearchIndex:
    """The library's index from its derived folder, updated for what changed."""
    return open_index(library)[0]


def open_snapshot(
    folder: Path,
    builder: IndexBuilder = stored_index,
    meaning: Encoder | None = None,
    previous: Snapshot | None = None,
) -> Snapshot:
    """The folder's library and a searcher over it; after `previous` (a reload), its
    unchanged episodes are taken as they are, and when none changed its searcher too (with
    what it has read and worked out so far; mapped again to the stored vectors when more
    have been embedded since)."""
    library = load_library(folder, previous.library if previous else None)
    if previous is not None and previous.library.changes_to(library).unchanged:
        return with_stored_vectors(Snapshot(library, previous.searcher, previous.vectors))
    searcher = Searcher(builder(library), meaning)
    return with_stored_vectors(Snapshot(library, searcher))


def with_stored_vectors(snapshot: Snapshot) -> Snapshot:
    """`snapshot` with the vectors stored now (`window_vectors`), when they are more than it
    has and its searcher weighs meaning; else `snapshot` itself."""
    derived = Derived.beside(snapshot.library.folder)
    if snapshot.searcher.meaning is None or stored_rows(derived) == snapshot.vectors:
        return snapshot
    searcher = snapshot.searcher
    windows = open_vectors(searcher.index, snapshot.library, derived)
    rows = len(windows.vectors) if windows is not None else 0
    return Snapshot(snapshot.library, searcher.with_windows(windows), rows)
