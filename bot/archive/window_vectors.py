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

One process embeds at a time (`update` holds `vectors/.lock`; another finds it taken and
embeds nothing), and it saves every `save_every` pieces, so a long first embedding that is
stopped keeps what it did. The two files grow together and only at their ends, so a reader
that meets one written and the other not yet takes the rows both have.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.archive.child import SPAWN
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
LOCK = ".lock"  # held by the one process embedding
BATCH = 48  # pieces the model reads at once
PER_CORE_SECOND = 30  # pieces one core embeds a second (one BLAS thread; bench/vector_filler.py)
SHARE = 1_000  # pieces a worker process embeds per task
COPY_BYTES = 8 << 20  # stored vectors copied at a time into the grown file

Encode = Callable[[list[str]], npt.NDArray[np.floating]]
Keys = npt.NDArray[np.uint64]
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class VectorsUpdate:
    """What `update` did."""

    embedded: int  # pieces embedded now
    pieces: int  # pieces of the index's segments
    seconds: float
    busy: bool = False  # another process was embedding: nothing done here

    def line(self) -> str:
        """One line for ingest's summary."""
        if self.busy:
            return (
                "Meaning vectors: another process is embedding them now (the bot, in the "
                "background); none embedded here."
            )
        return (
            f"Meaning vectors: {self.embedded:,} of {self.pieces:,} pieces embedded now, "
            f"in {self.seconds:.1f} s."
        )


def embedding_time(pieces: int) -> str:
    """How long one core takes to embed `pieces`, in words."""
    minutes = pieces / PER_CORE_SECOND / 60
    if minutes < 1:
        return "under a minute of one core"
    if minutes < 90:
        return f"about {minutes:.0f} min of one core"
    return f"about {minutes / 60:.1f} hours of one core"


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many of the library's pieces have a vector stored."""

    embedded: int
    pieces: int

    @property
    def missing(self) -> int:
        return self.pieces - self.embedded

    def line(self) -> str:
        """How many are embedded, in a line."""
        share = 100 * self.embedded // self.pieces if self.pieces else 100  # 100 only when all
        return f"meaning vectors: {self.embedded:,} of {self.pieces:,} pieces embedded ({share}%)"

    def said(self, background: bool) -> str:
        """The line, and who embeds the pieces left: the bot in the background, or (not
        `background`: `[search] vectors = false`) only ingest. For `check` and ingest."""
        if not self.missing:
            return self.line()
        left, took = f"the other {self.missing:,}", embedding_time(self.missing)
        if not background:
            return (
                f"{self.line()}; [search] vectors = false, so only python -m bot ingest "
                f"--vectors embeds {left} ({took})"
            )
        return (
            f"{self.line()}; the bot embeds {left} in the background ({took}), or python -m "
            "bot ingest --vectors does it now with every core"
        )


def _save(path: Path, write: Callable[[Path], None]) -> None:
    """Write a numpy file whole (`bot.atomic`), its temporary name ending as numpy expects."""
    write_through(path, write, suffix=path.suffix)


_encoder: Encoder | None = None  # a worker process's own model (`embed`)


def _start_worker(folder: Path) -> None:
    global _encoder  # noqa: PLW0603  # one model per worker process, loaded once
    _encoder = Encoder.load(folder)


def encode_with(encoder: Encoder) -> Encode:
    """`encoder`'s vectors of many texts, `BATCH` at a time, as float16."""

    def encode(texts: list[str]) -> npt.NDArray[np.float16]:
        if not texts:
            return np.zeros((0, 0), dtype=np.float16)
        return np.concatenate(
            [encoder.encode_many(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        ).astype(np.float16)

    return encode


def _embed_share(texts: list[str]) -> npt.NDArray[np.float16]:
    assert _encoder is not None
    return np.asarray(encode_with(_encoder)(texts), dtype=np.float16)


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
    with SPAWN.Pool(workers, initializer=_start_worker, initargs=(model,)) as pool:
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
    if vectors.ndim != 2 or keys.ndim != 1:
        log.warning("%s: %s or %s is not ours; they are embedded again", folder, PIECES, KEYS)
        return None
    rows = min(len(vectors), len(keys))  # one of the two written, the other not yet
    return vectors[:rows], keys[:rows]


def _grow(folder: Path, before: int, new: npt.NDArray[np.float16], keys: Keys) -> int:
    """The first `before` stored vectors with the rows `new` after them, and their `keys`:
    both files written whole (either may land first: a reader takes the rows both have), the
    old rows copied from the file a block at a time, never all in memory (a 700-talk
    archive's are 134 MB). Returns how many rows are stored now."""
    _save(folder / KEYS, lambda p: np.save(p, keys))
    rows = np.ascontiguousarray(new, dtype=np.float16)
    width = rows.shape[1]

    def write(path: Path) -> None:
        header = {
            "descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)),
            "fortran_order": False,
            "shape": (before + len(rows), width),
        }
        with path.open("wb") as out:
            np.lib.format.write_array_header_2_0(out, header)
            if before:
                with (folder / PIECES).open("rb") as old:
                    version = np.lib.format.read_magic(old)
                    read_header = (
                        np.lib.format.read_array_header_1_0
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0
                    )
                    shape, _, dtype = read_header(old)
                    if dtype != np.float16 or shape[1] != width or shape[0] < before:
                        raise ValueError(f"{folder / PIECES}: not {before} rows of {width}")
                    left = before * width * 2
                    while left:
                        block = old.read(min(left, COPY_BYTES))
                        if not block:
                            raise ValueError(f"{folder / PIECES}: shorter than its header")
                        out.write(block)
                        left -= len(block)
            out.write(rows.tobytes())

    _save(folder / PIECES, write)
    return before + len(rows)


def stored_rows(derived: Derived) -> int:
    """How many pieces have a vector stored (0: none, or no usable folder); reads only the
    keys file's header."""
    if not derived.usable:
        return 0
    try:
        return len(np.load(derived.folder / VECTORS / KEYS, mmap_mode="r"))
    except (OSError, ValueError):
        return 0


@contextlib.contextmanager
def embedding(folder: Path) -> Iterator[bool]:
    """Hold the folder's embedding lock while inside: True when this process holds it, False
    when another does (then embed nothing). The lock ends with its process."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _episode_pieces(episode: Episode) -> tuple[list[str], Counts]:
    cut = [pieces(segment.text) for segment in episode.segments]
    return [p for ps in cut for p in ps], np.array([len(ps) for ps in cut], dtype=np.int64)


# The episodes' keys this process has read, by file, with the fingerprint they are of: a
# reload maps again reading only the changed episodes' (a few MB for a 700-talk archive).
_read: dict[Path, tuple[str, Keys, Counts]] = {}


def _episode_keys(folder: Path, library: Library, episode: Episode) -> tuple[Keys, Counts]:
    """The episode's piece keys and pieces per segment, from its file when it is current."""
    path = folder / EPISODES / f"{episode.id}.npz"
    fingerprint = library.fingerprint(episode.id)
    known = _read.get(path)
    if known is not None and known[0] == fingerprint:
        return known[1], known[2]
    found: tuple[Keys, Counts] | None = None
    with contextlib.suppress(OSError, ValueError, KeyError), np.load(path) as saved:
        if str(saved["fingerprint"]) == fingerprint:
            found = saved["keys"], saved["counts"]
    if found is None:
        texts, counts = _episode_pieces(episode)
        keys = np.array([piece_key(t) for t in texts], dtype=np.uint64)
        with contextlib.suppress(OSError):
            _save(path, lambda p: np.savez(p, fingerprint=fingerprint, keys=keys, counts=counts))
        found = keys, counts
    _read[path] = (fingerprint, *found)
    return found


def _looked_up(keys: Keys, wanted: Keys) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Each wanted key's row among the stored `keys`, and whether it is stored at all (one
    sort of the stored keys, one vectorized search)."""
    if not len(keys):  # nothing stored
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    order = np.argsort(keys, kind="stable")
    at = order[np.minimum(np.searchsorted(keys, wanted, sorter=order), len(keys) - 1)]
    return at.astype(np.int64), keys[at] == wanted


def _joined(episode_keys: list[tuple[Keys, Counts]]) -> tuple[Keys, Counts]:
    """Every episode's piece keys, and pieces per segment, one after another."""
    if not episode_keys:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return (
        np.concatenate([k for k, _ in episode_keys]),
        np.concatenate([c for _, c in episode_keys]),
    )


def _rows(
    index: SearchIndex, episode_keys: list[tuple[Keys, Counts]], keys: Keys
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each segment's rows (of the pieces that have one), and where each segment's start."""
    wanted, counts = _joined(episode_keys)
    at, found = _looked_up(keys, wanted)
    rows = at[found]
    owner = np.repeat(np.arange(index.size), counts)
    kept = np.bincount(owner[found], minlength=index.size)
    starts = np.zeros(index.size + 1, dtype=np.int64)
    np.cumsum(kept, out=starts[1:])
    return rows, starts


def _missing(
    folder: Path, library: Library, episodes: list[Episode], keys: Keys
) -> tuple[dict[int, str], int]:
    """The pieces of `episodes` with no vector among the stored `keys` (key -> text, each
    text once), and how many pieces they have; only those episodes' text is read."""
    episode_keys = [_episode_keys(folder, library, episode) for episode in episodes]
    joined, _ = _joined(episode_keys)
    found = _looked_up(keys, joined)[1]
    wanted: dict[int, str] = {}
    at = 0
    for episode, (own, _) in zip(episodes, episode_keys, strict=True):
        there = found[at : at + len(own)]
        at += len(own)
        if not there.all():
            texts = _episode_pieces(episode)[0]  # in the order of its keys
            for text, key, stored in zip(texts, own.tolist(), there.tolist(), strict=True):
                if not stored:
                    wanted.setdefault(key, text)
    return wanted, len(joined)


def coverage(library: Library, derived: Derived) -> Coverage:
    """How many of the library's pieces have a vector stored (for `check` and ingest)."""
    if not derived.usable:
        return Coverage(0, sum(len(_episode_pieces(ep)[0]) for ep in library))
    folder = derived.folder / VECTORS
    stored = _stored(folder)
    known = stored[1] if stored else np.zeros(0, dtype=np.uint64)
    # the keys only (stored per episode): no episode's text is read
    wanted, _ = _joined([_episode_keys(folder, library, episode) for episode in library])
    return Coverage(int(_looked_up(known, wanted)[1].sum()), len(wanted))


def update(
    index: SearchIndex,
    library: Library,
    derived: Derived,
    encode: Encode,
    *,
    save_every: int | None = None,
    saved: Callable[[int, int], None] | None = None,
) -> VectorsUpdate:
    """Embed the pieces of the index's segments that have no vector yet, and store them,
    every `save_every` pieces (None: once, at the end), calling `saved(done, missing)` after
    each (and `saved(0, missing)` before the first). Embeds nothing when another process is
    embedding (`VectorsUpdate.busy`)."""
    began = time.perf_counter()
    if not derived.usable:
        return VectorsUpdate(0, 0, 0.0)
    folder = derived.folder / VECTORS
    with embedding(folder) as mine:
        if not mine:
            return VectorsUpdate(0, 0, time.perf_counter() - began, busy=True)
        for name in (PIECES, KEYS):  # a stopped embedder's half-written files (`_save`)
            for stale in folder.glob(f".{name}.*"):
                stale.unlink(missing_ok=True)
        stored = _stored(folder)
        vectors, keys = stored if stored else (None, np.zeros(0, dtype=np.uint64))
        rows = len(vectors) if vectors is not None else 0
        wanted, total = _missing(folder, library, list(index.episodes), keys)
        items = list(wanted.items())
        step = save_every or len(items) or 1
        if items and saved is not None:
            saved(0, len(items))
        for at in range(0, len(items), step):
            share = items[at : at + step]
            new = np.asarray(encode([text for _, text in share]), dtype=np.float16)
            keys = np.concatenate([keys, np.array([k for k, _ in share], dtype=np.uint64)])
            rows = _grow(folder, rows, new, keys)
            if saved is not None:
                saved(at + len(share), len(items))
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
