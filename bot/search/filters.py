"""Resolve loosely given speaker and episode names ("alexey", "meor", part of a title)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.episodes.stored import tally
from bot.errors import PodquoteError
from bot.search.fold import fold

if TYPE_CHECKING:
    from bot.search.index import SearchIndex

MATCH_CUTOFF = 85
SUGGEST_CUTOFF = 50


class FilterError(PodquoteError):
    """A speaker or episode name that matches nothing; lists the closest names."""

    def __init__(self, kind: str, given: str, close: list[str], why: str = "") -> None:
        self.kind = kind
        self.given = given
        self.close = close
        hint = f" Close {kind} names: {', '.join(close)}." if close else ""
        super().__init__(why or f"No {kind} matches {given!r}.{hint}")


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def _matches(given: str, name: str) -> float:
    """How well a loosely typed name matches a name (0–100)."""
    g, n = _key(given), _key(name)
    if not g or not n:
        return 0.0
    if g == n:
        return 100.0
    words = n.split()
    if any(w.startswith(g) for w in words) or n.startswith(g):
        return 95.0
    if len(g) >= 4 and g in n:
        return 92.0
    return float(fuzz.WRatio(g, n, processor=None))


class SpeakerFilter:
    """Speakers by label and by full name, across the whole library."""

    def __init__(self, index: SearchIndex) -> None:
        labels: dict[str, int] = {}
        names: dict[int, set[str]] = {}
        for ep in index.episodes:
            full = dict(ep.speakers)
            for said_by in tally(ep.segments).voices:
                label = labels.setdefault(said_by, len(labels))
                names.setdefault(label, {said_by}).add(full.get(said_by) or said_by)
        self._labels = labels
        self._names = names
        # Listed by the catalog but never attributed a line (captions without speakers).
        attributed = {n for group in names.values() for n in group}
        self._unattributed = sorted(
            {full or short for ep in index.episodes for short, full in ep.speakers} - attributed
        )

    @property
    def names(self) -> list[str]:
        """Every speaker name known (labels and full names), for autocomplete."""
        return sorted({n for group in self._names.values() for n in group})

    def resolve(self, given: str) -> list[int]:
        """Label ids whose label or full name matches best; `FilterError` if none does."""
        scores = {
            label: max(_matches(given, n) for n in self._names[label]) for label in self._names
        }
        best = max(scores.values(), default=0.0)
        if best < MATCH_CUTOFF:
            silent = [n for n in self._unattributed if _matches(given, n) >= MATCH_CUTOFF]
            if silent:
                raise FilterError(
                    "speaker",
                    given,
                    [],
                    f"{silent[0]} takes part, but the transcripts do not say which lines are "
                    "theirs, so quotes cannot be filtered by them.",
                )
            close = process.extract(
                _key(given), self.names, processor=_key, limit=5, score_cutoff=SUGGEST_CUTOFF
            )
            raise FilterError("speaker", given, [c[0] for c in close])
        return [label for label, score in scores.items() if score >= best - 3]

    def labels(self, given: str) -> list[str]:
        """The speaker labels `given` names (segments say who speaks by label)."""
        chosen = set(self.resolve(given))
        return sorted(label for label, i in self._labels.items() if i in chosen)


class EpisodeFilter:
    """Episodes by id or title."""

    def __init__(self, index: SearchIndex) -> None:
        self._titles = [(ep.id, ep.title) for ep in index.episodes]

    def resolve(self, given: str) -> list[int]:
        """Indexes of the episodes `given` names; `FilterError` if none."""
        scores = [
            max(_matches(given, episode_id), _title_match(given, title))
            for episode_id, title in self._titles
        ]
        best = max(scores, default=0.0)
        if best < MATCH_CUTOFF:
            close = process.extract(
                _key(given),
                [t for _, t in self._titles],
                processor=_key,
                scorer=fuzz.WRatio,
                limit=5,
                score_cutoff=SUGGEST_CUTOFF,
            )
            raise FilterError("episode", given, [c[0] for c in close])
        return [i for i, score in enumerate(scores) if score >= best - 3]

    def ids(self, given: str) -> list[str]:
        """The ids of the episodes `given` names."""
        return [self._titles[i][0] for i in self.resolve(given)]


def _title_match(given: str, title: str) -> float:
    g, t = _key(given), _key(title)
    if not g:
        return 0.0
    if g in t:
        return 96.0 if len(g) >= 4 else 80.0
    return float(fuzz.partial_ratio(g, t, processor=None)) if len(g) >= 5 else 0.0
