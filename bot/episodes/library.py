"""The in-memory episode library: load a folder of episode files (the sources of one talk
merged into one episode), reload with a diff."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.code_stamp import code_stamp
from bot.episodes import same_talk, text_print
from bot.episodes.model import Episode
from bot.episodes.same_talk import Copy, Likeness, find_copies
from bot.episodes.stored import EpisodeStore, read_episode, tally
from bot.errors import EpisodeFileError

Basis = Literal["youtube", "text"]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A source set aside because another source of the same talk is preferred: `kept`
    shares its YouTube video (`basis` "youtube") or its text ("text", with the `likeness`)."""

    dropped: str
    kept: str
    why: str
    basis: Basis = "youtube"
    likeness: Likeness | None = None


@dataclass(frozen=True, slots=True)
class LibraryDiff:
    """What a reload changed, by episode id."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    problems: tuple[EpisodeFileError, ...] = ()

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True, slots=True)
class _State:
    episodes: dict[str, Episode]
    fingerprints: dict[str, str]
    problems: tuple[EpisodeFileError, ...]
    duplicates: tuple[Duplicate, ...]
    unprinted: tuple[str, ...] = ()  # episodes whose file stores no text print
    # With a store: every episode read, the copies set aside too (their segments unread).
    every: dict[str, Episode] = field(default_factory=dict)


@dataclass(slots=True)
class Library:
    """Episodes by id. Reads never see a half-loaded library: reload swaps one reference."""

    folder: Path
    _state: _State = field(default_factory=lambda: _State({}, {}, (), ()))
    # `identity`, worked out once per state
    _identity: tuple[_State, str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def load(
        cls, folder: Path, store: Path | None = None, previous: Library | None = None
    ) -> Library:
        """Read every `*.yaml` episode in `folder`; broken files are listed in `problems`.

        `store`: a folder of derived data where what was read is kept (`stored`), so the
        next load reads only the files that changed. `previous`: an earlier load of the
        folder whose episodes are taken as they are where their files did not change."""
        library = cls(folder)
        library._state = _read_folder(folder, store, previous)
        return library

    @classmethod
    async def load_async(cls, folder: Path, store: Path | None = None) -> Library:
        """`load` in a worker thread, for callers on an event loop."""
        return await asyncio.to_thread(cls.load, folder, store)

    def reload(self) -> LibraryDiff:
        """Re-read the folder, swap the new episodes in, and say what changed."""
        old = self._state
        new = _read_folder(self.folder, None, self)
        self._state = new
        return _diff(old, new)

    def changes_to(self, newer: Library) -> LibraryDiff:
        """What changed from this library to a newer load of the same folder."""
        return _diff(self._state, newer._state)

    @property
    def episodes(self) -> dict[str, Episode]:
        return self._state.episodes

    @property
    def problems(self) -> tuple[EpisodeFileError, ...]:
        return self._state.problems

    @property
    def duplicates(self) -> tuple[Duplicate, ...]:
        return self._state.duplicates

    def copies_by_basis(self) -> str:
        """How the copies set aside were found: "same YouTube video 41, same text 69"."""
        by = Counter(d.basis for d in self.duplicates)
        return f"same YouTube video {by['youtube']}, same text {by['text']}"

    @property
    def unprinted(self) -> tuple[str, ...]:
        """Episodes whose file stores no text print (written by an older podquote): each
        load computes theirs; `ingest` stores them."""
        return self._state.unprinted

    def __len__(self) -> int:
        return len(self._state.episodes)

    def __iter__(self) -> Iterator[Episode]:
        return iter(self._state.episodes.values())

    def get(self, episode_id: str) -> Episode | None:
        return self._state.episodes.get(episode_id)

    @property
    def identity(self) -> str:
        """A hash of every episode file read (copies set aside too): two loads with the same
        identity hold the same episodes, segment for segment (a search process checks that
        the library it searches is the one the bot shows)."""
        state = self._state
        if self._identity is None or self._identity[0] is not state:
            digest = hashlib.sha256()
            for episode_id, fingerprint in sorted(state.fingerprints.items()):
                digest.update(f"{episode_id}\0{fingerprint}\n".encode())
            self._identity = (state, digest.hexdigest()[:32])
        return self._identity[1]

    def fingerprint(self, episode_id: str) -> str:
        """A hash of the episode's file as read: what was derived from an equal file holds."""
        return self._state.fingerprints[episode_id]

    @property
    def segment_count(self) -> int:
        return sum(len(e.segments) for e in self._state.episodes.values())


def richness(ep: Episode) -> tuple[float, int, str]:
    """How good a source of an episode is: exact times plus named speakers (each the share of
    segments that have them), a bonus for chapters; then size, then id for a stable order."""
    counted = tally(ep.segments)
    n = counted.count or 1
    score = round(counted.exact / n + counted.named / n + (0.25 if ep.chapters else 0.0), 3)
    return (score, counted.count, ep.id)


def _read_folder(folder: Path, store_folder: Path | None, previous: Library | None) -> _State:
    if not folder.is_dir():
        raise EpisodeFileError(folder, "not a folder of episode files")
    store = EpisodeStore(store_folder) if store_folder else None
    before = previous._state if previous else None
    episodes: dict[str, Episode] = {}
    fingerprints: dict[str, str] = {}
    problems: list[EpisodeFileError] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            episode, fingerprint = read_episode(path, store)
        except EpisodeFileError as exc:
            problems.append(exc)
            continue
        if episode.id in episodes:
            problems.append(EpisodeFileError(path, f"id {episode.id!r} is used by another file"))
            continue
        if before and before.fingerprints.get(episode.id) == fingerprint:
            episode = before.every.get(episode.id, episode)  # its segments may be read already
        episodes[episode.id] = episode
        fingerprints[episode.id] = fingerprint
    kept, duplicates = _merged(episodes, fingerprints, store)
    if store:
        store.save()
    unprinted = tuple(sorted(i for i, ep in episodes.items() if ep.text_print is None))
    every = episodes if store else {}  # kept for the next load to take from (see `load`)
    return _State(kept, fingerprints, tuple(problems), tuple(duplicates), unprinted, every)


MERGE_CODE = (Path(str(same_talk.__file__)), Path(__file__))  # what decides the copies


def _merged(
    episodes: dict[str, Episode], fingerprints: dict[str, str], store: EpisodeStore | None
) -> tuple[dict[str, Episode], list[Duplicate]]:
    """`merge_sources`, or its verdict stored for the same inputs (`_merge_input` of every
    episode) by the same code."""
    if store is None:
        return merge_sources(episodes)
    digest = hashlib.sha1(code_stamp(MERGE_CODE).encode())
    for episode_id in sorted(episodes):
        digest.update(_merge_input(episodes[episode_id], fingerprints[episode_id]).encode())
    key = digest.hexdigest()
    stored = _verdict(store.verdict(key), episodes)
    if stored is not None:
        dropped = {d.dropped for d in stored}
        return {k: v for k, v in episodes.items() if k not in dropped}, stored
    kept, duplicates = merge_sources(episodes)
    store.keep_verdict(key, [_verdict_row(d) for d in duplicates])
    return kept, duplicates


def _merge_input(ep: Episode, fingerprint: str) -> str:
    """What the verdict on copies reads of an episode (a new title changes none of it)."""
    counted = tally(ep.segments)
    printed = ep.text_print
    words = (
        f"{printed.runs} {hashlib.sha1(printed.hashes.tobytes()).hexdigest()}"
        if printed is not None
        else fingerprint  # no print stored: the library computes one from the words
    )
    facts = (ep.youtube_id, ep.source, ep.timing, ep.catalogued, bool(ep.chapters))
    return f"{ep.id} {facts} {counted.count} {counted.exact} {counted.named} {words}\n"


def _verdict_row(d: Duplicate) -> list[object]:
    like = d.likeness
    likeness = [like.shared, like.smaller, like.larger, like.length] if like else None
    return [d.dropped, d.kept, d.why, d.basis, likeness]


def _verdict(rows: object, episodes: dict[str, Episode]) -> list[Duplicate] | None:
    """The stored verdict read back; None when it does not read."""
    if not isinstance(rows, list):
        return None
    try:
        found = [
            Duplicate(dropped, kept, why, basis, Likeness(*like) if like else None)
            for dropped, kept, why, basis, like in rows
        ]
    except (TypeError, ValueError):
        return None
    known = all(d.dropped in episodes and d.kept in episodes for d in found)
    return found if known else None


def preference(ep: Episode) -> tuple[bool, tuple[float, int, str]]:
    """Which source of an episode to keep: the one the curator put in the catalog (its facts,
    pins and bans were written for that file), then the richer one."""
    return (ep.catalogued, richness(ep))


def merge_sources(episodes: dict[str, Episode]) -> tuple[dict[str, Episode], list[Duplicate]]:
    """Sources of one talk are one episode: the same YouTube video, or the same text (see
    `same_talk`). Each talk keeps its preferred source; the others are set aside."""
    videos: dict[str, list[str]] = {}
    for ep in episodes.values():
        if ep.youtube_id:
            videos.setdefault(ep.youtube_id, []).append(ep.id)
    prints = {i: ep.text_print or _print_of(ep) for i, ep in episodes.items()}
    links = _Links(videos, find_copies(prints, videos.values()))
    duplicates: list[Duplicate] = []
    for talk in links.talks():
        ranked = sorted((episodes[i] for i in talk), key=preference, reverse=True)
        best = ranked[0]
        for other in ranked[1:]:
            duplicates.append(links.duplicate(other, best))
    dropped = {d.dropped for d in duplicates}
    return {k: v for k, v in episodes.items() if k not in dropped}, duplicates


def _print_of(ep: Episode) -> text_print.TextPrint:
    return text_print.of_texts(s.text for s in ep.segments)


class _Links:
    """What ties sources into talks: a shared YouTube video, or the same text."""

    def __init__(self, videos: dict[str, list[str]], copies: list[Copy]) -> None:
        self.next: dict[str, dict[str, tuple[Basis, Likeness | None]]] = {}
        for members in videos.values():
            for a in members:
                for b in members:
                    if a != b:
                        self.next.setdefault(a, {})[b] = ("youtube", None)
        for copy in copies:
            for a, b in ((copy.first, copy.second), (copy.second, copy.first)):
                self.next.setdefault(a, {}).setdefault(b, ("text", copy.likeness))

    def talks(self) -> list[list[str]]:
        """The groups of two or more sources that are one talk, in id order."""
        seen: set[str] = set()
        found: list[list[str]] = []
        for start in sorted(self.next):
            if start not in seen:
                talk = self._reach(start)
                seen.update(talk)
                found.append(sorted(talk))
        return found

    def _reach(self, start: str) -> dict[str, str | None]:
        """Every source tied to `start`, with the one it was reached from (a tree)."""
        came: dict[str, str | None] = {start: None}
        todo = [start]
        while todo:
            here = todo.pop(0)
            for there in sorted(self.next[here]):
                if there not in came:
                    came[there] = here
                    todo.append(there)
        return came

    def duplicate(self, other: Episode, best: Episode) -> Duplicate:
        """Why `other` is set aside for `best`: their tie (or the first step of the way
        from one to the other), then why `best` is preferred."""
        came = self._reach(best.id)
        step = came[other.id]
        assert step is not None
        basis, likeness = self.next[other.id][step]
        if basis == "youtube":
            tie = f"same YouTube video {other.youtube_id} as {step}"
        else:
            assert likeness is not None
            tie = (
                f"same text as {step} (resemblance {likeness.resemblance:.2f}, "
                f"containment {likeness.containment:.2f})"
            )
        if step != best.id:
            tie = f"same talk as {best.id}: {tie}"
        return Duplicate(other.id, best.id, f"{tie}; {_kept_because(best, other)}", basis, likeness)


def _kept_because(best: Episode, other: Episode) -> str:
    """Why `best` is preferred to `other` (see `preference`)."""
    if best.catalogued and not other.catalogued:
        return f"{best.source} is in the catalog and {other.source} is not"
    kept = f"{best.source} ({best.timing} times, {len(best.segments)} segments)"
    dropped = f"{other.source} ({other.timing} times, {len(other.segments)} segments)"
    if richness(best)[:2] == richness(other)[:2]:
        return f"{kept} is as rich as {dropped}: {best.id} is kept, its id sorting last"
    return f"{kept} is richer than {dropped}"


def _diff(old: _State, new: _State) -> LibraryDiff:
    before, after = set(old.episodes), set(new.episodes)
    changed = sorted(
        i for i in before & after if old.fingerprints.get(i) != new.fingerprints.get(i)
    )
    return LibraryDiff(
        added=tuple(sorted(after - before)),
        removed=tuple(sorted(before - after)),
        changed=tuple(changed),
        problems=new.problems,
    )
