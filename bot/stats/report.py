"""The figures of `/stats` and `python -m bot stats`, worked out once from the search log:
searches per day, the share of each outcome, the most asked episodes, and the latest queries
that found nothing (only while queries are logged). The adapters only lay them out.

`build_report` is pure; `gather_report` asks the store for the counts first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.storage import OUTCOMES, SearchTally, Store

ANSWERED = ("found", "unsure", "none")  # searches that ran; refused and error did not
TOP_EPISODES = 5
LATEST_MISSES = 10
QUERIES_OFF = (
    "Query logging is off, so what members typed is not kept. To see the latest searches "
    "that found nothing, set `queries = true` under `[logging]` in the config and restart "
    "the bot."
)


@dataclass(frozen=True, slots=True)
class SearchReport:
    """The searches of the days `first_day` … `last_day` (UTC), counted."""

    first_day: dt.date
    last_day: dt.date
    per_day: tuple[tuple[dt.date, int], ...]  # every day of the period, oldest first
    outcomes: dict[str, int] = field(default_factory=dict)  # every outcome, 0 included
    episodes: tuple[tuple[str, int], ...] = ()  # episode id, answers; most asked first
    # (day, command, query) of the latest searches that found nothing, newest first; None
    # when queries are not logged
    misses: tuple[tuple[dt.date, str, str], ...] | None = None

    @property
    def total(self) -> int:
        """Every search command, refused and failed ones too."""
        return sum(self.outcomes.values())

    @property
    def answered(self) -> int:
        """The searches that ran (found, unsure or none)."""
        return sum(self.outcomes[o] for o in ANSWERED)

    def share(self, outcome: str) -> float:
        """The part (0–1) of the searches that ran that ended so; 0 when none ran."""
        return self.outcomes[outcome] / self.answered if self.answered else 0.0


def build_report(tally: SearchTally, *, today: dt.date, days: int, queries: bool) -> SearchReport:
    """The report of the `days` days up to `today` from the store's counts; `queries`: are
    query texts logged (else `misses` is None, whatever the tally holds)."""
    if days < 1:
        raise ValueError("a report covers at least one day")
    first = today - dt.timedelta(days=days - 1)
    per_day = {first + dt.timedelta(days=n): 0 for n in range(days)}
    outcomes = dict.fromkeys(OUTCOMES, 0)
    for day, outcome, count in tally.by_day:
        if day in per_day and outcome in outcomes:
            per_day[day] += count
            outcomes[outcome] += count
    return SearchReport(
        first_day=first,
        last_day=today,
        per_day=tuple(per_day.items()),
        outcomes=outcomes,
        episodes=tally.episodes,
        misses=tally.misses if queries else None,
    )


async def gather_report(
    store: Store, guild_id: int | None, *, today: dt.date, days: int, queries: bool
) -> SearchReport:
    """The report of one server (None: all) from the store (a `StoreError` when it fails)."""
    first = today - dt.timedelta(days=max(days, 1) - 1)
    tally = await store.search_tally(
        guild_id, first, episodes=TOP_EPISODES, misses=LATEST_MISSES if queries else 0
    )
    return build_report(tally, today=today, days=days, queries=queries)


def percent(share: float) -> str:
    """A share as a whole percentage: 0.254 → "25%"."""
    return f"{share * 100:.0f}%"


def outcome_summary(report: SearchReport) -> str:
    """One line: "found 60% · unsure 25% · none 15% of 40 searches; 2 refused, 0 errors"."""
    if not report.total:
        return "no searches"
    shares = " · ".join(f"{o} {percent(report.share(o))}" for o in ANSWERED)
    refused, errors = report.outcomes["refused"], report.outcomes["error"]
    ran = f"{report.answered} search{'es' if report.answered != 1 else ''}"
    return f"{shares} of {ran}; {refused} refused, {errors} error{'s' if errors != 1 else ''}"
