"""The segments of a library as the search sees them, over a tantivy index (`engine`).

Both sides go through our own normalisation (`fold`, `tokens`, `short_forms`; any script, see
`bot.search.scripts`): a segment is indexed as its folded terms, and a query asks for the
vocabulary terms `Searcher.expand` chose. tantivy scores the segments by its BM25 (each term
boosted by its weight; its weighing of length made ours by `engine.Writer`'s padding), and
the best of them go to the re-ranker. Its own scores are used as they are: counting the
terms of its best few hundred again in Python, for a BM25 of our own, cost a third of a
search by words and changed which moment came first for almost no query (bench/
search_relevance.py, 2026-12-05).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.episodes.model import Episode, Segment
from bot.search.engine import POSITION_BITS, Engine, Writer
from bot.search.fold import cjk_characters, fold, short_forms, stem, tokens

POOL = 300  # segments tantivy gathers, ordered again with ties by segment number
FOLDED_KEPT = 20_000  # folded segment texts kept, oldest out
PADDING_SAMPLE = 2000  # segments whose mean length sets the padding (see `engine.Writer`)

IntArray = npt.NDArray[np.int64]


def indexed_terms(folded: str) -> list[str]:
    """The terms a folded segment is indexed under: its own, plus the short forms of the
    phrases it says ("machine learning" is found by "ml"), plus each character of its CJK
    runs (学 is found in 学習)."""
    return tokens(folded) + short_forms(folded) + cjk_characters(folded)


def add_episode(writer: Writer, episode: Episode, number: int) -> None:
    """Index every segment of the episode under `number`."""
    for position, seg in enumerate(episode.segments):
        writer.add(episode.id, number, position, seg.speaker, indexed_terms(fold(seg.text)))


def padding(episodes: Sequence[Episode]) -> int:
    """Half the mean length of a spread of the segments (see `engine.Writer`)."""
    segments = [seg for ep in episodes for seg in ep.segments]
    step = max(1, len(segments) // PADDING_SAMPLE)
    lengths = [len(tokens(fold(seg.text))) for seg in segments[::step]]
    return round(sum(lengths) / len(lengths) / 2) if lengths else 0


@dataclass(slots=True, eq=False)
class SearchIndex:
    """Every segment of a library in one order (the segment number the search uses), the
    vocabulary with each term's segment count, and the engine that finds candidates."""

    episodes: list[Episode]
    engine: Engine
    numbers: Sequence[int]  # each episode's number in the engine, in `episodes` order
    after_deletes: bool = False  # the engine may hold deleted segments: count live ones
    # Each term's stem, as far as known (stored with the index): filled in for the rest.
    stems: dict[str, str] = field(default_factory=dict)
    fresh_stems: int = field(init=False, default=0)  # terms whose stem was not known
    seg_episode: npt.NDArray[np.int32] = field(init=False)
    seg_position: npt.NDArray[np.int32] = field(init=False)
    terms: list[str] = field(init=False)
    vocab: dict[str, int] = field(init=False)
    term_df: npt.NDArray[np.int64] = field(init=False)
    by_first_letter: dict[str, list[str]] = field(init=False)
    by_stem: dict[str, list[int]] = field(init=False)
    _folded: OrderedDict[int, str] = field(init=False, default_factory=OrderedDict)
    _folded_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _offsets: IntArray = field(init=False)
    _lut: IntArray = field(init=False)
    _first: dict[str, int] = field(init=False)  # each episode's first segment number

    def __post_init__(self) -> None:
        counts = np.array([len(ep.segments) for ep in self.episodes], dtype=np.int64)
        self._offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self._offsets[1:])
        self.seg_episode = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        starts = np.repeat(self._offsets[:-1], counts)
        self.seg_position = (np.arange(int(self._offsets[-1])) - starts).astype(np.int32)
        self._first = {ep.id: int(at) for ep, at in zip(self.episodes, self._offsets, strict=False)}
        self._lut = np.full(max(self.numbers, default=-1) + 1, -1, dtype=np.int64)
        self._lut[np.asarray(self.numbers, dtype=np.int64)] = np.arange(len(self.numbers))
        vocabulary = self.engine.vocabulary(self.after_deletes)  # most common first
        self.terms = [t for t, _ in vocabulary]
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.term_df = np.array([n for _, n in vocabulary], dtype=np.int64)
        self.by_first_letter = {}
        self.by_stem = {}
        known = self.stems
        for tid, term in enumerate(self.terms):
            self.by_first_letter.setdefault(term[0], []).append(term)
            its = known.get(term)
            if its is None:
                its = known[term] = stem(term)
                self.fresh_stems += 1
            self.by_stem.setdefault(its, []).append(tid)

    def vocabulary_stems(self) -> dict[str, str]:
        """The stem of each term of the vocabulary, to store beside the index."""
        return {term: self.stems[term] for term in self.terms}

    @property
    def size(self) -> int:
        return len(self.seg_episode)

    def segment(self, seg: int) -> tuple[Episode, int, Segment]:
        """The episode, the segment's position in it, and the segment."""
        episode = self.episodes[int(self.seg_episode[seg])]
        position = int(self.seg_position[seg])
        return episode, position, episode.segments[position]

    def seg_of(self, episode_id: str, position: int) -> int:
        """The segment number of an episode's segment at `position`."""
        return self._first[episode_id] + position

    def folded(self, seg: int) -> str:
        """The segment's text folded (same length as the text); the last `FOLDED_KEPT` kept,
        as gathering and re-ranking ask for the same ones."""
        found = self._folded.get(seg)
        if found is None:
            episode = self.episodes[int(self.seg_episode[seg])]
            found = fold(episode.segments[int(self.seg_position[seg])].text)
            with self._folded_lock:
                self._folded[seg] = found
                if len(self._folded) > FOLDED_KEPT:
                    self._folded.popitem(last=False)
        return found

    def df(self, term_id: int) -> int:
        return int(self.term_df[term_id])

    def idf(self, term_id: int) -> float:
        n, df = self.size, self.df(term_id)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def gather(
        self,
        chosen: list[tuple[int, float]],
        limit: int,
        episodes: Iterable[str] | None = None,
        speakers: Iterable[str] | None = None,
    ) -> list[int]:
        """The `limit` segments best scored by BM25 over the weighted terms (best first, ties
        by segment number), from tantivy's best `POOL`; only of these episodes and speakers
        when given."""
        boosts: dict[int, float] = {}
        for term_id, weight in chosen:
            boosts[term_id] = boosts.get(term_id, 0.0) + weight
        keys, scores = self.engine.top(
            [(self.terms[t], w) for t, w in boosts.items()], POOL, episodes, speakers
        )
        segs, kept = self._segments(keys)
        if not segs:
            return []
        totals = np.asarray(scores, dtype=np.float32)[kept]
        order = sorted(range(len(segs)), key=lambda i: (-totals[i], segs[i]))
        return [segs[i] for i in order[:limit] if totals[i] > 0]

    def _segments(self, keys: list[int]) -> tuple[list[int], npt.NDArray[np.bool_]]:
        """The segment numbers of engine keys, and which keys they are (keys of episodes not
        in this library are dropped)."""
        if not keys or not len(self._lut):
            return [], np.zeros(len(keys), dtype=bool)
        raw = np.asarray(keys, dtype=np.uint64)
        numbers = (raw >> np.uint64(POSITION_BITS)).astype(np.int64)
        positions = (raw & np.uint64((1 << POSITION_BITS) - 1)).astype(np.int64)
        known = numbers < len(self._lut)
        episode = np.where(known, self._lut[np.minimum(numbers, len(self._lut) - 1)], -1)
        ok = episode >= 0
        seg = self._offsets[np.maximum(episode, 0)] + positions
        ok &= seg < self._offsets[np.maximum(episode, 0) + 1]
        return [int(s) for s in seg[ok]], ok


def build_index(
    episodes: Iterable[Episode], threads: int = 1, folder: Path | None = None
) -> SearchIndex:
    """Index every segment of the episodes (in the order given) in memory, or in an empty
    `folder`: for tests, tools, and when the derived-data folder cannot be used."""
    eps = list(episodes)
    engine = Engine.in_memory() if folder is None else Engine.on_disk(folder)
    writer = engine.writer(padding(eps), threads)
    for number, ep in enumerate(eps):
        add_episode(writer, ep, number)
    writer.commit()
    return SearchIndex(eps, engine.reopened(), range(len(eps)))
