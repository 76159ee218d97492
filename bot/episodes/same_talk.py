"""Which sources are copies of one talk, judged by their text prints (`text_print`).

Two sources are the same talk when the shorter one's runs of words are mostly in the other
(`same_talk`):

- containment: of the shorter's compared hashes, the share the other holds too, at least
  `MIN_CONTAINMENT`;
- judged on enough text: the shorter's compared hashes stand for at least `MIN_RUNS` runs;
- a copy, not a part: the shorter has at least `MIN_LENGTH` of the longer's runs.

Over a library (`score_pairs`) every pair is judged twice. First on every run (but those
in more than `MAX_SOURCES` sources): that tells which sources are one talk (as are the
sources of one YouTube video). Then without the boilerplate, the runs heard in two or more of
those talks (a show's intro or closing words, a sponsor read, a stock phrase), and that
decides: the last minutes of two episodes, mostly the show's closing words, match at first,
but once the runs a third episode says too are off they share nothing.

The thresholds are measured on ../shared/corpus (`python bench/duplicates.py` prints the
scores of the 171 pairs of known copies and of the 126,585 other pairs): with every run, copies
of one talk score a containment of 0.513 or more (the lowest: the sample b's captions and the
DataTalks.Club page of one conversation; then 0.729, a Talk Python YouTube track and the
site's transcript); two different talks 0.18 or less (a 3Blue1Brown short that reuses lines
of a long video), 0.05 or less at comparable lengths. `MIN_CONTAINMENT` sits between 0.18 and
0.513, a factor of 1.7 from each. Without the boilerplate, copies score 0.500 or more and two
talks nothing (what they shared is heard in both).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from bot.episodes.text_print import RATE, TextPrint

MIN_CONTAINMENT = 0.3
MIN_RUNS = 150  # about 150 words; the shortest copies in the corpus have 198 (a 3b1b short)
MIN_LENGTH = 0.5  # copies in the corpus: 0.86 or more
MAX_SOURCES = 32  # a run in more sources than this is boilerplate outright (and not paired)


@dataclass(frozen=True, slots=True)
class Likeness:
    """How much of two texts' compared hashes they share."""

    shared: int
    smaller: int  # compared hashes of the source with fewer
    larger: int
    length: float  # the shorter's runs / the longer's

    @property
    def containment(self) -> float:
        return self.shared / self.smaller if self.smaller else 0.0

    @property
    def resemblance(self) -> float:
        union = self.smaller + self.larger - self.shared
        return self.shared / union if union else 0.0

    @property
    def judged_runs(self) -> int:
        """About how many of the shorter's runs the judgement rests on."""
        return self.smaller * RATE


def same_talk(likeness: Likeness) -> bool:
    """Whether two sources are one talk (the rules in the module docstring)."""
    return (
        likeness.judged_runs >= MIN_RUNS
        and likeness.length >= MIN_LENGTH
        and likeness.shared >= max(likeness.smaller, 1) * MIN_CONTAINMENT  # as `Scores.same`
    )


def _length(a: TextPrint, b: TextPrint) -> float:
    longer = max(a.runs, b.runs)
    return min(a.runs, b.runs) / longer if longer else 0.0


def compare(a: TextPrint, b: TextPrint) -> Likeness:
    """The likeness of two prints on every run they keep (as `score_pairs` first judges)."""
    shared = len(np.intersect1d(a.hashes, b.hashes, assume_unique=True))
    smaller, larger = sorted((len(a.hashes), len(b.hashes)))
    return Likeness(shared, smaller, larger, _length(a, b))


@dataclass(frozen=True, slots=True)
class Copy:
    """Two sources (by id, in order) that are one talk by their text."""

    first: str
    second: str
    likeness: Likeness


@dataclass(frozen=True, slots=True)
class Scores:
    """Every two sources that share a compared hash (the `boilerplate` ones left out), by
    index into `ids` (`first` < `second`), with the parts of their `Likeness`; pairs not
    listed share none."""

    ids: list[str]
    first: np.ndarray
    second: np.ndarray
    shared: np.ndarray
    smaller: np.ndarray
    larger: np.ndarray
    length: np.ndarray
    boilerplate: np.ndarray  # the hashes left out, sorted

    def __len__(self) -> int:
        return len(self.first)

    def likeness(self, n: int) -> Likeness:
        return Likeness(
            int(self.shared[n]),
            int(self.smaller[n]),
            int(self.larger[n]),
            float(self.length[n]),
        )

    def same(self) -> np.ndarray:
        """Which pairs are one talk (`same_talk`, for all at once)."""
        same: np.ndarray = (
            (self.smaller * RATE >= MIN_RUNS)
            & (self.length >= MIN_LENGTH)
            & (self.shared >= np.maximum(self.smaller, 1) * MIN_CONTAINMENT)
        )
        return same


def find_copies(
    prints: Mapping[str, TextPrint], linked: Iterable[Iterable[str]] = ()
) -> list[Copy]:
    """The pairs of sources that are one talk by their text, in id order. `linked` are
    groups of sources known to be one talk (one YouTube video): their runs count as one
    talk's when telling boilerplate."""
    _, final = score_pairs(prints, linked)
    return [
        Copy(final.ids[final.first[n]], final.ids[final.second[n]], final.likeness(n))
        for n in np.flatnonzero(final.same()).tolist()
    ]


def score_pairs(
    prints: Mapping[str, TextPrint], linked: Iterable[Iterable[str]] = ()
) -> tuple[Scores, Scores]:
    """The likeness of every two sources that share a hash: first with every run, which
    tells the talks; then with the runs heard in two or more talks left out, which decides
    (see the module docstring)."""
    ids = sorted(prints)
    listed = [prints[i] for i in ids]
    shared = _Shared.of(listed)
    raw = _scores(ids, listed, shared, np.zeros(0, dtype=np.uint32))
    talks = _Talks(ids)
    for group in linked:
        members = [m for m in group if m in prints]
        for other in members[1:]:
            talks.join(members[0], other)
    for n in np.flatnonzero(raw.same()).tolist():
        talks.join(ids[raw.first[n]], ids[raw.second[n]])
    roots = {root: n for n, root in enumerate(sorted({talks.root(i) for i in ids}))}
    talk_of = np.array([roots[talks.root(i)] for i in ids], dtype=np.int64)
    return raw, _scores(ids, listed, shared, shared.boilerplate(talk_of))


class _Talks:
    """Union-find over source ids: which sources are one talk so far."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def root(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: str, b: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True, slots=True)
class _Shared:
    """The kept hashes two or more sources hold: each once (`hashes`, sorted), and one entry
    per holder: the hash's number (`group`) and the source's index (`source`), by hash, then
    source."""

    hashes: np.ndarray
    group: np.ndarray
    source: np.ndarray

    @classmethod
    def of(cls, prints: list[TextPrint]) -> _Shared:
        every = np.concatenate([p.hashes for p in prints] or [np.zeros(0, np.uint32)])
        owner = np.repeat(np.arange(len(prints), dtype=np.uint64), [len(p.hashes) for p in prints])
        keys = (every.astype(np.uint64) << np.uint64(32)) | owner  # by hash, then by source
        keys.sort()
        every = (keys >> np.uint64(32)).astype(np.uint32)
        owner = (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
        first = np.r_[True, every[1:] != every[:-1]] if len(every) else np.zeros(0, bool)
        group = np.cumsum(first) - 1
        holders = np.bincount(group, minlength=int(first.sum()))
        keep = holders[group] >= 2
        return cls(every[first][holders >= 2], np.cumsum(first[keep]) - 1, owner[keep])

    @property
    def holders(self) -> np.ndarray:
        """How many sources hold each hash."""
        return np.bincount(self.group, minlength=len(self.hashes))

    def boilerplate(self, talk_of: np.ndarray) -> np.ndarray:
        """The hashes heard in two or more talks (`talk_of`: each source's talk), or held by
        more than `MAX_SOURCES` sources; sorted."""
        if not len(self.hashes):
            return self.hashes
        talks = talk_of[self.source]
        starts = np.flatnonzero(np.r_[True, self.group[1:] != self.group[:-1]])
        several = np.minimum.reduceat(talks, starts) != np.maximum.reduceat(talks, starts)
        out: np.ndarray = self.hashes[several | (self.holders > MAX_SOURCES)]
        return out


def _pair_counts(
    group: np.ndarray, source: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each two sources (indexes, the first lower) that hold a hash of the same `group`, and
    how many such hashes; groups of more than `MAX_SOURCES` holders are left out."""
    holders = np.bincount(group)[group] if len(group) else group
    small = holders <= MAX_SOURCES
    group, source = group[small], source[small]
    codes: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    for offset in range(1, MAX_SOURCES):
        same = group[:-offset] == group[offset:]
        if not same.any():
            break
        codes.append(source[:-offset][same] * count + source[offset:][same])
    pairs, numbers = np.unique(np.concatenate(codes), return_counts=True)
    return pairs // count, pairs % count, numbers


def _scores(
    ids: list[str], prints: list[TextPrint], shared: _Shared, boilerplate: np.ndarray
) -> Scores:
    """Every pair's likeness with the `boilerplate` hashes left out."""
    out = np.isin(shared.hashes, boilerplate)[shared.group]
    count = len(prints)
    sizes = np.array([len(p.hashes) for p in prints], dtype=np.int64)
    sizes -= np.bincount(shared.source[out], minlength=count)
    runs = np.array([p.runs for p in prints], dtype=np.int64)
    first, second, numbers = _pair_counts(shared.group[~out], shared.source[~out], count)
    longer = np.maximum(np.maximum(runs[first], runs[second]), 1)
    return Scores(
        ids=ids,
        first=first,
        second=second,
        shared=numbers,
        smaller=np.minimum(sizes[first], sizes[second]),
        larger=np.maximum(sizes[first], sizes[second]),
        length=np.minimum(runs[first], runs[second]) / longer,
        boilerplate=boilerplate,
    )
