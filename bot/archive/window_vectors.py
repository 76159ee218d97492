"""The pieces' vectors (`bot.search.windows`) stored in the derived-data folder (`vectors/`).

- `pieces.npy`: one float16 row per piece embedded here, opened memory-mapped, and `keys.npy`,
  each row's piece key (a hash of the piece's text); rows are only ever added;
- `episodes/<id>.npz`: per episode, the fingerprint of its file, its pieces' keys and how many
  pieces each segment has; an episode whose file is unchanged is not cut into pieces again;
- `segments.npz`: the last map of segments to rows, with a stamp of what it depends on.

Opening maps every segment of the search index to its pieces' rows in one vectorized lookup
(a changed episode is cut again, milliseconds), so a start or a reload costs no embedding and
no pass over the whole archive's text. `update` embeds only the pieces whose text has no row
yet: nothing when nothing changed, a changed episode's new pieces when it changed. A segment
whose pieces have no row yet owns none (no closeness), never a wrong one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.archive.derived import Derived
from bot.atomic import write_through
from bot.episodes.library import Library
from bot.episodes.model import Episode
from bot.search.index import SearchIndex
from bot.search.meaning import Encoder
from bot.search.windows import WindowVectors, piece_key, pieces

log = logging.getLogger(__name__)

VECTORS = "vectors"
PIECES = "pieces.npy"
KEYS = "keys.npy"
EPISODES = "episodes"
SEGMENTS = "segments.npz"  # the last map, for the next open of the same archive
BATCH = 48  # pieces the model reads at once
SHARE = 1_000  # pieces a worker process embeds per task

Encode = Callable[[list[str]], npt.NDArray[np.floating]]
Keys = npt.NDArray[np.uint64]
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class VectorsUpdate:
    """What `update` did."""

    embedded: int  # pieces embedded now
    pieces: int  # pieces of the index's segments
    seconds: float

    def line(self) -> str:
        """One line for ingest's summary."""
        return (
            f"Meaning vectors: {self.embedded:,} of {self.pieces:,} pieces embedded now, "
            f"in {self.seconds:.1f} s."
        )


def _save(path: Path, write: Callable[[Path], None]) -> None:
    """Write a numpy file whole (`bot.atomic`), its temporary name ending as numpy expects."""
    write_through(path, write, suffix=path.suffix)


_encoder: Encoder | None = None  # a worker process's own model (`embed`)


def _start_worker(folder: Path) -> None:
    global _encoder  # noqa: PLW0603  # one model per worker process, loaded once
    _encoder = Encoder.load(folder)


def _embed_share(texts: list[str]) -> npt.NDArray[np.float16]:
    assert _encoder is not None
    return np.concatenate(
        [_encoder.encode_many(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
    ).astype(np.float16)


def embed(
    texts: list[str],
    model: Path,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> npt.NDArray[np.float16]:
    """The sentence model's vectors of `texts`, in `workers` processes (each loads the model
    from `model` once); `progress(done, total)` after each share."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float16)
    shares = [texts[i : i + SHARE] for i in range(0, len(texts), SHARE)]
    out: list[npt.NDArray[np.float16]] = []
    context = multiprocessing.get_context("spawn")  # no copy of the caller's threads or locks
    with context.Pool(workers, initializer=_start_worker, initargs=(model,)) as pool:
        for part in pool.imap(_embed_share, shares):
            out.append(part)
            if progress:
                progress(sum(len(p) for p in out), len(texts))
    return np.concatenate(out)


def _stored(folder: Path) -> tuple[npt.NDArray[np.float16], Keys] | None:
    """The stored vectors (memory-mapped) and their keys; None when absent or unusable."""
    try:
        vectors = np.load(folder / PIECES, mmap_mode="r")
        keys = np.load(folder / KEYS)
    except (OSError, ValueError):
        return None
    if vectors.ndim != 2 or len(vectors) != len(keys):
        log.warning("%s: %s and %s disagree; they are embedded again", folder, PIECES, KEYS)
        return None
    return vectors, keys


def _episode_pieces(episode: Episode) -> tuple[list[str], Counts]:
    cut = [pieces(segment.text) for segment in episode.segments]
    return [p for ps in cut for p in ps], np.array([len(ps) for ps in cut], dtype=np.int64)


def _episode_keys(folder: Path, library: Library, episode: Episode) -> tuple[Keys, Counts]:
    """The episode's piece keys and pieces per segment, from its file when it is current."""
    path = folder / EPISODES / f"{episode.id}.npz"
    fingerprint = library.fingerprint(episode.id)
    with contextlib.suppress(OSError, ValueError, KeyError), np.load(path) as saved:
        if str(saved["fingerprint"]) == fingerprint:
            return saved["keys"], saved["counts"]
    texts, counts = _episode_pieces(episode)
    keys = np.array([piece_key(t) for t in texts], dtype=np.uint64)
    with contextlib.suppress(OSError):
        _save(path, lambda p: np.savez(p, fingerprint=fingerprint, keys=keys, counts=counts))
    return keys, counts


def _rows(
    index: SearchIndex, episode_keys: list[tuple[Keys, Counts]], keys: Keys
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each segment's rows (of the pieces that have one), and where each segment's start."""
    wanted = (
        np.concatenate([k for k, _ in episode_keys]) if episode_keys else np.zeros(0, np.uint64)
    )
    counts = np.concatenate([c for _, c in episode_keys]) if episode_keys else np.zeros(0, np.int64)
    if len(keys):
        order = np.argsort(keys, kind="stable")
        at = order[np.minimum(np.searchsorted(keys, wanted, sorter=order), len(keys) - 1)]
        found = keys[at] == wanted
        rows = at[found].astype(np.int64)
    else:  # nothing stored: no segment owns a row
        found = np.zeros(len(wanted), dtype=bool)
        rows = np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(index.size), counts)
    kept = np.bincount(owner[found], minlength=index.size)
    starts = np.zeros(index.size + 1, dtype=np.int64)
    np.cumsum(kept, out=starts[1:])
    return rows, starts


def update(index: SearchIndex, library: Library, derived: Derived, encode: Encode) -> VectorsUpdate:
    """Embed the pieces of the index's segments that have no vector yet, and store them."""
    began = time.perf_counter()
    if not derived.usable:
        return VectorsUpdate(0, 0, 0.0)
    folder = derived.folder / VECTORS
    stored = _stored(folder)
    vectors, keys = stored if stored else (None, np.zeros(0, dtype=np.uint64))
    known = set(keys.tolist())
    wanted: dict[int, str] = {}
    total = 0
    for episode in index.episodes:
        episode_keys, _ = _episode_keys(folder, library, episode)
        total += len(episode_keys)
        if any(int(k) not in known for k in episode_keys.tolist()):
            texts = _episode_pieces(episode)[0]  # in the order of its keys
            for text, key in zip(texts, episode_keys.tolist(), strict=True):
                if key not in known:
                    wanted.setdefault(key, text)
    if wanted:
        new = [np.asarray(encode(list(wanted.values())), dtype=np.float16)]
        old = [np.asarray(vectors)] if vectors is not None and len(vectors) else []
        all_vectors = np.concatenate([*old, *new])
        all_keys = np.concatenate([keys, np.fromiter(wanted, dtype=np.uint64, count=len(wanted))])
        _save(folder / PIECES, lambda p: np.save(p, all_vectors))
        _save(folder / KEYS, lambda p: np.save(p, all_keys))
    return VectorsUpdate(len(wanted), total, time.perf_counter() - began)


def _map_stamp(index: SearchIndex, library: Library, keys: Keys) -> str:
    """What a stored map depends on: the episode files, the index's order, the rows stored."""
    order = hashlib.blake2b("\0".join(ep.id for ep in index.episodes).encode(), digest_size=8)
    return f"{library.identity}:{order.hexdigest()}:{index.size}:{len(keys)}"


def open_vectors(index: SearchIndex, library: Library, derived: Derived) -> WindowVectors | None:
    """The stored vectors, mapped to this index (memory-mapped); None when none are stored.
    The map is kept (`segments.npz`) for the next start of the same archive."""
    if not derived.usable:
        return None
    folder = derived.folder / VECTORS
    stored = _stored(folder)
    if stored is None:
        return None
    vectors, keys = stored
    stamp = _map_stamp(index, library, keys)
    with contextlib.suppress(OSError, ValueError, KeyError), np.load(folder / SEGMENTS) as saved:
        if str(saved["stamp"]) == stamp:
            return WindowVectors(vectors, saved["rows"], saved["starts"])
    episode_keys = [_episode_keys(folder, library, ep) for ep in index.episodes]
    rows, starts = _rows(index, episode_keys, keys)
    with contextlib.suppress(OSError):
        _save(folder / SEGMENTS, lambda p: np.savez(p, stamp=stamp, rows=rows, starts=starts))
    return WindowVectors(vectors, rows, starts)
