"""The derived-data folder: what is computed from the episode files once, for the bot to open.

It sits beside the episodes (`data/derived/` for `data/episodes/`; `NAME.derived/` beside any
other folder `NAME/`) and holds each episode's advice scores (`advice/<id>.json`) and the
search index (`index/`, see `search_index`) and the episode files as read (`library/`, see
`bot.episodes.stored`). Every file of ours is written whole to a
temporary name and renamed, so a reader sees the old file or the new one, never half of one
(tantivy commits its own files the same way). `VERSION` names the layout: a
folder of another layout is emptied and rebuilt rather than misread, and a folder that is not
ours (no `VERSION`, not empty) is left alone and not used.

Each stored result carries the fingerprint of the episode file it came from and a stamp of the
code that computed it: when either differs, that episode is computed again (and stored), so an
ingest, a reload or an upgrade recomputes only what changed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from bot import text
from bot.advice import scoring, windows
from bot.advice import words as advice_words
from bot.advice.scoring import Candidate, Reason, episode_candidates
from bot.atomic import write_atomically
from bot.code_stamp import code_stamp as source_stamp
from bot.episodes.library import Library
from bot.episodes.model import Episode

log = logging.getLogger(__name__)

LAYOUT = 1  # the folder's layout; another number means rebuild
VERSION_FILE = "VERSION"
ADVICE = "advice"
LIBRARY = "library"  # the episode files as read (`bot.episodes.stored`)
INGEST = "ingest"  # what ingest read from each raw file (`bot.ingest.memo`)
ADVICE_CODE: tuple[ModuleType, ...] = (scoring, windows, advice_words, text)


def code_stamp(modules: Iterable[ModuleType]) -> str:
    """A hash of the modules' source: results of other code are not reused."""
    return source_stamp(Path(str(module.__file__)) for module in modules)


def folder_beside(episodes: Path) -> Path:
    """Where the derived data of an episode folder lives."""
    if episodes.name == "episodes":
        return episodes.parent / "derived"
    return episodes.with_name(f"{episodes.name}.derived")


class Derived:
    """The derived data of one episode folder (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.usable = self._prepare()

    @classmethod
    def beside(cls, episodes: Path) -> Derived:
        return cls(folder_beside(episodes))

    def _prepare(self) -> bool:
        """Make the folder ready for this layout; False when it cannot be used (results are
        then computed and kept in memory only)."""
        version = self.folder / VERSION_FILE
        try:
            if version.is_file():
                if _layout(version) == LAYOUT:
                    return True
                log.info("%s holds another layout of derived data: rebuilding it", self.folder)
                shutil.rmtree(self.folder)
            elif self.folder.exists() and any(self.folder.iterdir()):
                log.warning(
                    "%s is not a derived-data folder of podquote: not using it", self.folder
                )
                return False
            write_atomically(version, json.dumps({"layout": LAYOUT}) + "\n")
        except OSError as exc:
            log.warning(
                "cannot use %s for derived data (%s): computing in memory", self.folder, exc
            )
            return False
        return True

    def read(self, relative: str) -> Any:
        """The JSON stored under `relative`, None when absent or unreadable."""
        if not self.usable:
            return None
        try:
            return json.loads((self.folder / relative).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write(self, relative: str, value: Any) -> None:
        """Store `value` as JSON under `relative` (atomically); a failure only costs a recompute."""
        if not self.usable:
            return
        try:
            write_atomically(self.folder / relative, json.dumps(value, separators=(",", ":")))
        except OSError as exc:
            log.warning("cannot store %s in %s: %s", relative, self.folder, exc)

    def prune(self, relative_folder: str, keep: set[str]) -> None:
        """Delete the stored files of a kind whose names are not in `keep` (gone episodes)."""
        place = self.folder / relative_folder
        if not self.usable or not place.is_dir():
            return
        for path in place.glob("*.json"):
            if path.stem not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()


def load_library(episodes: Path, previous: Library | None = None) -> Library:
    """The library of an episode folder, what was read kept in its derived folder
    (`library/`): the next load reads only the files that changed. `previous`: an earlier
    load whose unchanged episodes are taken as they are."""
    if not episodes.is_dir():
        return Library.load(episodes)  # raises, naming the folder
    derived = Derived.beside(episodes)
    return Library.load(episodes, derived.folder / LIBRARY if derived.usable else None, previous)


def _layout(version: Path) -> int | None:
    try:
        value = json.loads(version.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value.get("layout") if isinstance(value, dict) else None


class AdviceScores:
    """Each episode's `episode_candidates`, read from the derived folder when stored for the
    same episode file and code, else computed and stored."""

    def __init__(self, library: Library, derived: Derived) -> None:
        self.library = library
        self.derived = derived
        self.code = code_stamp(ADVICE_CODE)
        self.computed = 0  # episodes scored here rather than read

    def __call__(self, episode: Episode) -> dict[int, Candidate]:
        key = {"episode": self.library.fingerprint(episode.id), "code": self.code}
        relative = f"{ADVICE}/{episode.id}.json"
        stored = self.derived.read(relative)
        if isinstance(stored, dict) and all(stored.get(k) == v for k, v in key.items()):
            return {row[0]: _candidate(episode, row) for row in stored["candidates"]}
        found = episode_candidates(episode)
        self.computed += 1
        self.derived.write(relative, {**key, "candidates": [_row(c) for c in found.values()]})
        return found

    def refresh(self) -> int:
        """Score every episode not stored yet, drop what belongs to gone episodes; returns how
        many were scored."""
        for episode in self.library:
            self(episode)
        self.derived.prune(ADVICE, set(self.library.episodes))
        return self.computed


def _row(candidate: Candidate) -> list[Any]:
    reasons = [[r.points, r.why] for r in candidate.reasons]
    return [candidate.position, *candidate.span, candidate.score, reasons]


def _candidate(episode: Episode, row: list[Any]) -> Candidate:
    position, first, last, score, reasons = row
    return Candidate(
        episode, position, (first, last), score, tuple(Reason(p, w) for p, w in reasons)
    )
