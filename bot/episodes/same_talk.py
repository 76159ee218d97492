"""Which sources are copies of one talk, judged by their text prints (`text_print`).

Two sources are the same talk when the shorter one's runs of words are mostly in the other
(`same_talk`):

- containment: of the shorter's compared hashes, the share the other holds too, at least
  `MIN_CONTAINMENT`;
- judged on enough text: the shorter's compared hashes stand for at least `MIN_RUNS` runs;
- a copy, not a part: the shorter has at least `MIN_LENGTH` of the longer's runs;
- boilerplate off: a run heard in `BOILERPLATE_TALKS` or more different talks (a show's intro,
  a sponsor read) counts for neither source.

Two prints are compared on every hash when both keep every one (short sources), else on the
samples. Over a library (`score_pairs`), which sources are one talk is first judged with
boilerplate in (and sources of one YouTube video are one talk), to know which runs are heard
in several talks; then every pair is judged without them.

The thresholds are measured on ../shared/corpus (`python bench/duplicates.py` prints the
scores of the 171 pairs of known copies and of every other pair): copies of one talk score a
containment of 0.505 or more (the lowest: the sample b's captions and the DataTalks.Club page
of one conversation; then 0.727, a Talk Python YouTube track and the site's transcript); two
different talks 0.18 or less (a 3Blue1Brown short that reuses lines of a long video), 0.035
or less at comparable lengths. `MIN_CONTAINMENT` sits between 0.18 and 0.505 (a factor of
1.7 from each).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from bot.episodes.text_print import LIMIT, RATE, TextPrint

MIN_CONTAINMENT = 0.3
MIN_RUNS = 150  # about 150 words; the shortest copies in the corpus have 198 (a 3b1b short)
MIN_LENGTH = 0.5  # copies in the corpus: 0.86 or more
BOILERPLATE_TALKS = 3
MAX_SOURCES = 32  # a run in more sources than this is boilerplate outright (and not paired)


@dataclass(frozen=True, slots=True)
class Likeness:
    """How much of two texts' compared hashes they share."""

    shared: int
    smaller: int  # compared hashes of the source with fewer
    larger: int
    per_hash: int  # runs one compared hash stands for: 1 when both keep every run, else RATE
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
        return self.smaller * self.per_hash


def same_talk(likeness: Likeness) -> bool:
    """Whether two sources are one talk (the rules in the module docstring)."""
    return (
        likeness.judged_runs >= MIN_RUNS
        and likeness.length >= MIN_LENGTH
        and likeness.containment >= MIN_CONTAINMENT
    )


def _length(a: TextPrint, b: TextPrint) -> float:
    longer = max(a.runs, b.runs)
    return min(a.runs, b.runs) / longer if longer else 0.0


def _without(hashes: np.ndarray, boilerplate: np.ndarray) -> np.ndarray:
    """The sorted `hashes` not in the sorted `boilerplate`."""
    if not len(boilerplate) or not len(hashes):
        return hashes
    at = np.minimum(np.searchsorted(boilerplate, hashes), len(boilerplate) - 1)
    kept: np.ndarray = hashes[boilerplate[at] != hashes]
    return kept


def compare(a: TextPrint, b: TextPrint, boilerplate: np.ndarray | None = None) -> Likeness:
    """The likeness of two prints, the `boilerplate` hashes (sorted) left out."""
    if a.full and b.full:
        x, y, per_hash = a.hashes, b.hashes, 1
    else:
        x, y, per_hash = a.sampled, b.sampled, RATE
    if boilerplate is not None:
        x, y = _without(x, boilerplate), _without(y, boilerplate)
    shared = len(np.intersect1d(x, y, assume_unique=True))
    smaller, larger = sorted((len(x), len(y)))
    return Likeness(shared, smaller, larger, per_hash, _length(a, b))


@dataclass(frozen=True, slots=True)
class Copy:
    """Two sources (by id, in order) that are one talk by their text."""

    first: str
    second: str
    likeness: Likeness


@dataclass(frozen=True, slots=True)
class Scores:
    """Every two sources that share a compared hash (boilerplate off), by index into `ids`
    (`first` < `second`), with the parts of their `Likeness`; pairs not listed share none."""

    ids: list[str]
    first: np.ndarray
    second: np.ndarray
    shared: np.ndarray
    smaller: np.ndarray
    larger: np.ndarray
    per_hash: np.ndarray
    length: np.ndarray
    boilerplate: np.ndarray  # the hashes left out, sorted

    def __len__(self) -> int:
        return len(self.first)

    def likeness(self, n: int) -> Likeness:
        return Likeness(
            int(self.shared[n]),
            int(self.smaller[n]),
            int(self.larger[n]),
            int(self.per_hash[n]),
            float(self.length[n]),
        )

    def same(self) -> np.ndarray:
        """Which pairs are one talk (`same_talk`, for all at once)."""
        same: np.ndarray = (
            (self.smaller * self.per_hash >= MIN_RUNS)
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
    scores = score_pairs(prints, linked)
    return [
        Copy(scores.ids[scores.first[n]], scores.ids[scores.second[n]], scores.likeness(n))
        for n in np.flatnonzero(scores.same()).tolist()
    ]


def score_pairs(prints: Mapping[str, TextPrint], linked: Iterable[Iterable[str]] = ()) -> Scores:
    """The likeness of every two sources that share a hash, boilerplate off (see the module
    docstring)."""
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
    return _scores(ids, listed, shared, shared.boilerplate(talk_of))


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
        """The hashes heard in `BOILERPLATE_TALKS` or more talks (`talk_of`: each source's
        talk), or held by more than `MAX_SOURCES` sources; sorted."""
        holders = self.holders
        many = holders[self.group] >= BOILERPLATE_TALKS  # fewer holders span fewer talks
        talks = max(len(talk_of), 1)
        pairs = np.unique(self.group[many] * talks + talk_of[self.source[many]])
        per_hash = np.bincount(pairs // talks, minlength=len(self.hashes))
        return self.hashes[(per_hash >= BOILERPLATE_TALKS) | (holders > MAX_SOURCES)]


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
    sampled = (shared.hashes < LIMIT)[shared.group]
    count = len(prints)
    every = np.array([len(p.hashes) for p in prints], dtype=np.int64)
    every -= np.bincount(shared.source[out], minlength=count)
    sample = np.array([len(p.sampled) for p in prints], dtype=np.int64)
    sample -= np.bincount(shared.source[out & sampled], minlength=count)
    full = np.array([p.full for p in prints], dtype=bool)
    runs = np.array([p.runs for p in prints], dtype=np.int64)
    first, second, numbers = _pair_counts(shared.group[~out], shared.source[~out], count)
    both_full = full[first] & full[second]
    size_a = np.where(both_full, every[first], sample[first])
    size_b = np.where(both_full, every[second], sample[second])
    longer = np.maximum(np.maximum(runs[first], runs[second]), 1)
    return Scores(
        ids=ids,
        first=first,
        second=second,
        shared=numbers,
        smaller=np.minimum(size_a, size_b),
        larger=np.maximum(size_a, size_b),
        per_hash=np.where(both_full, 1, RATE),
        length=np.minimum(runs[first], runs[second]) / longer,
        boilerplate=boilerplate,
    )
