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

from bot.core.model import Episode, Segment
from bot.core.searchtext import fold, tokens

BM25_K1 = 1.2
BM25_B = 0.5  # segments are already quote-sized: length matters less than in documents

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


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


def build_index(episodes: Iterable[Episode]) -> SearchIndex:
    """Index every segment of the episodes (in the order given)."""
    eps = list(episodes)
    vocab: dict[str, int] = {}
    term_ids = array("I")
    seg_ids = array("I")
    seg_episode = array("i")
    seg_position = array("i")
    seg_len = array("f")
    folded: list[str] = []
    for e_index, ep in enumerate(eps):
        for position, seg in enumerate(ep.segments):
            text = fold(seg.text)
            toks = tokens(text)
            seg_id = len(folded)
            folded.append(text)
            seg_episode.append(e_index)
            seg_position.append(position)
            seg_len.append(float(len(toks)))
            ids = [vocab.setdefault(t, len(vocab)) for t in toks]
            term_ids.extend(ids)
            seg_ids.extend([seg_id] * len(ids))
    n_terms = len(vocab)
    keys = (np.frombuffer(term_ids, dtype=np.uint32).astype(np.uint64) << np.uint64(32)) | (
        np.frombuffer(seg_ids, dtype=np.uint32).astype(np.uint64)
    )
    del term_ids, seg_ids
    unique, counts = np.unique(keys, return_counts=True)
    del keys
    post_term = (unique >> np.uint64(32)).astype(np.int64)
    post_seg = (unique & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    del unique
    post_tf = np.minimum(counts, np.iinfo(np.uint16).max).astype(np.uint16)
    post_start = np.searchsorted(post_term, np.arange(n_terms + 1, dtype=np.int64)).astype(np.int64)
    lengths = np.frombuffer(seg_len, dtype=np.float32).copy()
    terms = [""] * n_terms
    for term, tid in vocab.items():
        terms[tid] = term
    by_first: dict[str, list[str]] = {}
    for term in terms:
        by_first.setdefault(term[0], []).append(term)
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
    )
