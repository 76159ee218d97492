"""Estimate the times a source does not give, from word positions; nothing else is invented."""

from __future__ import annotations

import itertools

# A stated, ordinary conversational speaking rate: 150 words a minute.
WORDS_PER_SECOND = 2.5


def fill_times(
    word_counts: list[int],
    starts: list[float | None],
    duration: float | None = None,
    rate: float = WORDS_PER_SECOND,
) -> tuple[list[float], list[bool]]:
    """Fill missing start times; return the times and which of them are estimated.

    With no time at all, a piece starts at its word position times the seconds per word:
    the episode's duration over its word count when the duration is known, else `1/rate`.
    Gaps between known times are interpolated by word position; a run after the last
    known time continues at `rate`, a run before the first known time counts back from it.
    """
    n = len(starts)
    if n == 0:
        return [], []
    before = [0] * n  # words before piece i
    total = 0
    for i, count in enumerate(word_counts):
        before[i] = total
        total += count
    known = [i for i, s in enumerate(starts) if s is not None]
    estimated = [s is None for s in starts]
    if not known:
        per_word = duration / total if duration and total else 1.0 / rate
        return [round(before[i] * per_word, 2) for i in range(n)], estimated

    out: list[float] = [0.0] * n
    for i in known:
        value = starts[i]
        assert value is not None
        out[i] = value
    first, last = known[0], known[-1]
    for i in range(first):  # before the first known time
        out[i] = max(0.0, out[first] - (before[first] - before[i]) / rate)
    for a, b in itertools.pairwise(known):
        span_words = before[b] - before[a]
        for i in range(a + 1, b):
            frac = (before[i] - before[a]) / span_words if span_words else 0.0
            out[i] = out[a] + frac * (out[b] - out[a])
    for i in range(last + 1, n):  # after the last known time
        out[i] = out[last] + (before[i] - before[last]) / rate
    return [round(x, 2) for x in out], estimated
