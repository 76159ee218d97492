"""The daily advice pool and its rotation: which candidate a server gets next (pure).

A server's history is the list of what it was posted. The next pick is the best candidate
posted the fewest times (so nothing repeats until the whole pool has gone out), from another
episode than the last post whenever such a candidate is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.advice.scoring import POOL_MIN_SCORE, Candidate, Scorer, candidates, episode_candidates
from bot.episodes.model import Episode


@dataclass(frozen=True, slots=True)
class PastPost:
    """One advice a server was given (or is being given), oldest first in a history."""

    fingerprint: str
    episode_id: str


@dataclass(frozen=True, slots=True)
class PoolLeft:
    """How much of the pool a server has not had in the current round."""

    left: int
    total: int
    round: int  # 1 for the first pass through the pool, 2 for the second …


class AdvicePool:
    """The candidates good enough to post (every pin, no ban), best first."""

    def __init__(self, pool: Sequence[Candidate]) -> None:
        self.candidates: tuple[Candidate, ...] = tuple(pool)
        self._by_id = {c.id: c for c in self.candidates}

    @classmethod
    def build(
        cls,
        episodes: Iterable[Episode],
        min_score: float = POOL_MIN_SCORE,
        scored_by: Scorer = episode_candidates,
    ) -> AdvicePool:
        """Every segment's score (see `candidates`); keep what reaches `min_score` (pins always)."""
        found = candidates(episodes, scored_by)
        return cls([c for c in found if c.pinned or c.score >= min_score])

    def __len__(self) -> int:
        return len(self.candidates)

    def get(self, candidate_id: str) -> Candidate | None:
        return self._by_id.get(candidate_id)

    def of_episode(self, episode_id: str) -> list[Candidate]:
        return [c for c in self.candidates if c.episode.id == episode_id]

    def _fresh(self, history: Sequence[PastPost]) -> tuple[list[Candidate], int]:
        """The candidates posted the fewest times, and that number."""
        counts = Counter(p.fingerprint for p in history)
        lowest = min((counts[c.fingerprint] for c in self.candidates), default=0)
        return [c for c in self.candidates if counts[c.fingerprint] == lowest], lowest

    def choose(self, history: Sequence[PastPost]) -> Candidate | None:
        """The next advice for a server with this history; None when the pool is empty."""
        fresh, _ = self._fresh(history)
        if not fresh:
            return None
        last_episode = history[-1].episode_id if history else None
        elsewhere = [c for c in fresh if c.episode.id != last_episode]
        return (elsewhere or fresh)[0]

    def left(self, history: Sequence[PastPost]) -> PoolLeft:
        """How much of the pool is left in the server's current round."""
        fresh, lowest = self._fresh(history)
        return PoolLeft(len(fresh), len(self.candidates), lowest + 1)
