"""The search index stored in the derived-data folder (`index/`), kept up to date per episode.

The tantivy index is opened memory-mapped, not built, at start. Beside it, `podquote.json`
records the layout, a stamp of the code that turns text into terms, and for each episode
indexed the fingerprint of its file, its number in the index and its count of segments;
`stems.json` holds the stem of each term of the vocabulary, so opening works out only the
new ones. Opening compares that with the library: the segments of a changed or gone episode
are deleted and a changed or new episode's added, in one commit; nothing is written when
nothing changed. Another layout or code, or an index that does not hold what its record says,
is rebuilt (one log line); an index that cannot be used at all is built in memory, never a
crash.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.archive.derived import Derived, code_stamp
from bot.episodes.library import Library
from bot.episodes.model import Episode
from bot.search import engine, fold, index, scripts
from bot.search.engine import BUILD_HEAP, Engine, EngineError
from bot.search.index import SearchIndex, add_episode, build_index, padding

log = logging.getLogger(__name__)

INDEX = "index"
RECORD = "podquote.json"  # beside tantivy's own meta.json
STEMS = "stems.json"  # the stem of each term of the vocabulary (folding the words is slow)
LAYOUT = 2  # 2: no count of terms per episode (tantivy's BM25 is used as it is)
CODE = (engine, fold, index, scripts)


@dataclass(frozen=True, slots=True)
class IndexUpdate:
    """What opening the stored index did."""

    folder: Path | None  # None: built in memory
    added: int  # episodes indexed now (new or changed)
    removed: int  # episodes whose segments were deleted and not added again
    unchanged: int
    rebuilt: bool
    seconds: float

    def line(self) -> str:
        """One line for ingest's summary."""
        where = f"in {self.folder}/" if self.folder else "in memory (no usable folder)"
        how = "built" if self.rebuilt else "updated" if self.added or self.removed else "current"
        return (
            f"Search index {where}: {how}; {self.added} episodes indexed, {self.removed} "
            f"removed, {self.unchanged} unchanged, in {self.seconds:.1f} s."
        )


def open_index(library: Library, derived: Derived | None = None) -> tuple[SearchIndex, IndexUpdate]:
    """The library's search index from the derived folder beside it, updated for what changed
    (see the module docstring)."""
    began = time.perf_counter()
    derived = derived or Derived.beside(library.folder)
    folder = derived.folder / INDEX
    if derived.usable:
        try:
            return _stored(library, derived, folder, began)
        except EngineError as exc:
            log.warning("%s; searching an index built in memory", exc)
    found = build_index(library)
    took = time.perf_counter() - began
    return found, IndexUpdate(None, len(library), 0, 0, True, took)


def _stored(
    library: Library, derived: Derived, folder: Path, began: float
) -> tuple[SearchIndex, IndexUpdate]:
    stamp = code_stamp(CODE)
    record = derived.read(f"{INDEX}/{RECORD}")
    rebuilt = not _fits(record, stamp)
    if rebuilt:
        if folder.exists():
            log.info("%s was made by other code or is incomplete: rebuilding it", folder)
        shutil.rmtree(folder, ignore_errors=True)
        record = {"layout": LAYOUT, "code": stamp, "next": 0, "deleted": False, "episodes": {}}
        record["padding"] = padding(list(library))
    indexed: dict[str, list[Any]] = record["episodes"]
    expected = sum(int(row[2]) for row in indexed.values())
    try:
        found: Engine | None = Engine.on_disk(folder)
    except EngineError as exc:
        log.info("%s; rebuilding it", exc)
        found = None
    if found is None or found.size != expected:  # the record and the index disagree
        if found is not None:
            log.info("%s does not hold what its record says: rebuilding it", folder)
        shutil.rmtree(folder, ignore_errors=True)
        found = Engine.on_disk(folder)
        indexed, record["next"], record["deleted"], rebuilt = {}, 0, False, True
    fingerprints = {ep.id: library.fingerprint(ep.id) for ep in library}
    changed = [ep for ep in library if indexed.get(ep.id, [None])[0] != fingerprints[ep.id]]
    gone = [episode_id for episode_id in indexed if episode_id not in fingerprints]
    if changed or gone:
        found = _apply(
            found,
            record,
            indexed,
            changed=changed,
            gone=gone,
            fingerprints=fingerprints,
            rebuilt=rebuilt,
        )
        derived.write(f"{INDEX}/{RECORD}", {**record, "episodes": indexed})
    numbers = [int(indexed[ep.id][1]) for ep in library]
    stems = derived.read(f"{INDEX}/{STEMS}")
    known = stems if isinstance(stems, dict) and not rebuilt else {}
    searchable = SearchIndex(list(library), found, numbers, bool(record["deleted"]), known)
    if searchable.fresh_stems or len(known) != len(searchable.terms):
        derived.write(f"{INDEX}/{STEMS}", searchable.vocabulary_stems())
    took = time.perf_counter() - began
    unchanged = len(library) - len(changed)
    update = IndexUpdate(folder, len(changed), len(gone), unchanged, rebuilt, took)
    return searchable, update


def _apply(
    found: Engine,
    record: dict[str, Any],
    indexed: dict[str, list[Any]],
    *,
    changed: list[Episode],
    gone: list[str],
    fingerprints: dict[str, str],
    rebuilt: bool,
) -> Engine:
    """Delete the segments of gone and changed episodes, add the changed ones' anew, in one
    commit; `record` and `indexed` say so after. Returns the engine over the commit."""
    pad = int(record["padding"])
    writer = found.writer(pad, 0, BUILD_HEAP) if rebuilt else found.writer(pad)
    for episode_id in gone + [ep.id for ep in changed if ep.id in indexed]:
        writer.delete(episode_id)
        del indexed[episode_id]
        record["deleted"] = True
    for ep in changed:
        number = int(record["next"])
        record["next"] = number + 1
        add_episode(writer, ep, number)
        indexed[ep.id] = [fingerprints[ep.id], number, len(ep.segments)]
    writer.commit()
    return found.reopened()


def _fits(record: Any, stamp: str) -> bool:
    """Whether a stored record is one this code reads."""
    return (
        isinstance(record, dict)
        and record.get("layout") == LAYOUT
        and record.get("code") == stamp
        and isinstance(record.get("episodes"), dict)
        and isinstance(record.get("next"), int)
        and isinstance(record.get("deleted"), bool)
        and isinstance(record.get("padding"), int)
        and all(_row(row) for row in record["episodes"].values())
    )


def _row(row: Any) -> bool:
    """[fingerprint, number, count of segments]"""
    return (
        isinstance(row, list)
        and len(row) == 3
        and isinstance(row[0], str)
        and all(isinstance(n, int) for n in row[1:])
    )
