"""An inverted index over every segment of a library: terms → (segment, term frequency).

Built once per library (in a worker thread when the bot reloads). Postings live in numpy
arrays, not Python lists: a million segments hold ~60 million postings, which as Python ints
would need several GB; as uint32 arrays they need ~500 MB and are scored with vector code.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bot.episodes.model import Episode, Segment
from bot.search.fold import fold, short_forms, stem, tokens

BM25_K1 = 1.2
BM25_B = 0.5  # segments are already quote-sized: length matters less than in documents

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
UIntArray = npt.NDArray[np.uint32]


@dataclass(slots=True)
class SearchIndex:
    """The segments of a library, their folded text and an inverted index over their terms."""

    episodes: list[Episode]
    seg_episode: npt.NDArray[np.int32]
    seg_position: npt.NDArray[np.int32]
    folded: list[str]
    terms: list[str]
    vocab: dict[str, int]
    post_start: IntArray
    post_seg: npt.NDArray[np.uint32]
    post_tf: npt.NDArray[np.uint16]
    seg_len: FloatArray
    avg_len: float
    by_first_letter: dict[str, list[str]] = field(default_factory=dict)
    by_stem: dict[str, list[int]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.folded)

    def segment(self, seg: int) -> tuple[Episode, int, Segment]:
        """The episode, the segment's position in it, and the segment."""
        episode = self.episodes[int(self.seg_episode[seg])]
        position = int(self.seg_position[seg])
        return episode, position, episode.segments[position]

    def df(self, term_id: int) -> int:
        return int(self.post_start[term_id + 1] - self.post_start[term_id])

    def idf(self, term_id: int) -> float:
        n, df = self.size, self.df(term_id)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def postings(self, term_id: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]:
        a, b = int(self.post_start[term_id]), int(self.post_start[term_id + 1])
        return self.post_seg[a:b], self.post_tf[a:b]

    def bm25(self, term_id: int, weight: float = 1.0) -> tuple[npt.NDArray[np.uint32], FloatArray]:
        """Segments holding the term, and the term's BM25 contribution to each."""
        segs, tf = self.postings(term_id)
        tf32 = tf.astype(np.float32)
        norm = BM25_K1 * (1.0 - BM25_B + BM25_B * self.seg_len[segs] / self.avg_len)
        scores = (self.idf(term_id) * weight) * tf32 * (BM25_K1 + 1.0) / (tf32 + norm)
        return segs, scores.astype(np.float32)


class _Postings:
    """Postings gathered in chunks of tokens: each chunk's (term, segment) pairs are counted
    with `np.unique` on 64-bit keys while the chunk is small, so no array of every token,
    nor of every key, is ever held at once."""

    CHUNK_TOKENS = 2_000_000

    def __init__(self) -> None:
        self.term_ids = array("I")
        self.seg_ids = array("I")
        self.parts: list[tuple[npt.NDArray[np.uint32], ...]] = []

    def add(self, seg_id: int, ids: list[int]) -> None:
        self.term_ids.extend(ids)
        self.seg_ids.extend([seg_id] * len(ids))
        if len(self.term_ids) >= self.CHUNK_TOKENS:
            self.flush()

    def flush(self) -> None:
        if not self.term_ids:
            return
        keys = np.frombuffer(self.term_ids, dtype=np.uint32).astype(np.uint64) << np.uint64(32)
        keys |= np.frombuffer(self.seg_ids, dtype=np.uint32)
        unique, counts = np.unique(keys, return_counts=True)
        cap = np.iinfo(np.uint16).max
        self.parts.append(
            (
                (unique >> np.uint64(32)).astype(np.uint32),
                (unique & np.uint64(0xFFFFFFFF)).astype(np.uint32),
                np.minimum(counts, cap).astype(np.uint16),
            )
        )
        self.term_ids, self.seg_ids = array("I"), array("I")

    def finish(self, n_terms: int) -> tuple[IntArray, UIntArray, npt.NDArray[np.uint16]]:
        """(start of each term's postings, their segments, their term frequencies).

        Each chunk's postings are sorted by term, segments ascending, and the chunks are in
        segment order: each is scattered straight into its place (a counting sort), so the
        whole postings are held once, not copied and argsorted.
        """
        self.flush()
        per_term = np.zeros(n_terms, dtype=np.int64)
        for terms, _, _ in self.parts:
            per_term += np.bincount(terms, minlength=n_terms)
        post_start = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(per_term, out=post_start[1:])
        post_seg = np.empty(int(post_start[-1]), dtype=np.uint32)
        post_tf = np.empty(int(post_start[-1]), dtype=np.uint16)
        fill = post_start[:-1].copy()
        while self.parts:
            terms, segs, tfs = self.parts.pop(0)
            firsts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
            sizes = np.diff(np.r_[firsts, len(terms)])
            dest = fill[terms] + (np.arange(len(terms)) - np.repeat(firsts, sizes))
            post_seg[dest] = segs
            post_tf[dest] = tfs
            fill[terms[firsts]] += sizes
        return post_start, post_seg, post_tf


def build_index(episodes: Iterable[Episode]) -> SearchIndex:
    """Index every segment of the episodes (in the order given)."""
    eps = list(episodes)
    vocab: dict[str, int] = {}
    postings = _Postings()
    seg_episode = array("i")
    seg_position = array("i")
    seg_len = array("f")
    folded: list[str] = []
    for e_index, ep in enumerate(eps):
        for position, seg in enumerate(ep.segments):
            text = fold(seg.text)
            toks = tokens(text)
            indexed = toks + short_forms(text)  # "machine learning" is found by "ml" too
            postings.add(len(folded), [vocab.setdefault(t, len(vocab)) for t in indexed])
            folded.append(text)
            seg_episode.append(e_index)
            seg_position.append(position)
            seg_len.append(float(len(toks)))
    n_terms = len(vocab)
    post_start, post_seg, post_tf = postings.finish(n_terms)
    lengths = np.frombuffer(seg_len, dtype=np.float32).copy()
    terms = [""] * n_terms
    for term, tid in vocab.items():
        terms[tid] = term
    by_first: dict[str, list[str]] = {}
    by_stem: dict[str, list[int]] = {}
    for tid, term in enumerate(terms):
        by_first.setdefault(term[0], []).append(term)
        by_stem.setdefault(stem(term), []).append(tid)
    return SearchIndex(
        episodes=eps,
        seg_episode=np.frombuffer(seg_episode, dtype=np.int32).copy(),
        seg_position=np.frombuffer(seg_position, dtype=np.int32).copy(),
        folded=folded,
        terms=terms,
        vocab=vocab,
        post_start=post_start,
        post_seg=post_seg,
        post_tf=post_tf,
        seg_len=lengths,
        avg_len=float(lengths.mean()) if len(lengths) else 1.0,
        by_first_letter=by_first,
        by_stem=by_stem,
    )
