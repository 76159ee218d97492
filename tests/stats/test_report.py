"""The figures of /stats and `python -m bot stats`, from the store's counts (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.stats.report import build_report, outcome_summary, percent
from bot.storage import SearchTally

TODAY = dt.date(2026, 3, 10)


def _day(back: int) -> dt.date:
    return TODAY - dt.timedelta(days=back)


TALLY = SearchTally(
    by_day=(
        (_day(9), "found", 50),  # outside a week: left out
        (_day(2), "found", 3),
        (_day(2), "none", 1),
        (TODAY, "found", 3),
        (TODAY, "unsure", 2),
        (TODAY, "none", 1),
        (TODAY, "refused", 4),
    ),
    episodes=(("ep-b", 4), ("ep-a", 1)),
    misses=((TODAY, "quote", "chocolate cake"),),
)


def test_every_day_of_the_period_is_listed_and_the_shares_are_of_the_searches_that_ran() -> None:
    report = build_report(TALLY, today=TODAY, days=7, queries=True)
    assert report.first_day == _day(6)
    assert report.last_day == TODAY
    assert report.per_day == tuple(
        (_day(back), count)
        for back, count in zip(range(6, -1, -1), (0, 0, 0, 0, 4, 0, 10), strict=True)
    )
    assert report.outcomes == {"found": 6, "unsure": 2, "none": 2, "refused": 4, "error": 0}
    assert (report.total, report.answered) == (14, 10)
    assert report.share("found") == pytest.approx(0.6)
    assert report.episodes == (("ep-b", 4), ("ep-a", 1))
    assert report.misses == ((TODAY, "quote", "chocolate cake"),)
    assert outcome_summary(report) == (
        "found 60% · unsure 20% · none 20% of 10 searches; 4 refused, 0 errors"
    )


def test_the_misses_are_shown_only_while_queries_are_logged() -> None:
    assert build_report(TALLY, today=TODAY, days=1, queries=False).misses is None
    assert build_report(TALLY, today=TODAY, days=1, queries=True).misses is not None


def test_a_quiet_period_reads_as_such() -> None:
    report = build_report(SearchTally((), (), ()), today=TODAY, days=2, queries=True)
    assert report.per_day == ((_day(1), 0), (TODAY, 0))
    assert report.share("found") == 0.0
    assert outcome_summary(report) == "no searches"
    one = build_report(
        SearchTally(((TODAY, "none", 1), (TODAY, "error", 1)), (), ()),
        today=TODAY,
        days=1,
        queries=False,
    )
    assert (
        outcome_summary(one) == "found 0% · unsure 0% · none 100% of 1 search; 0 refused, 1 error"
    )
    with pytest.raises(ValueError, match="at least one day"):
        build_report(TALLY, today=TODAY, days=0, queries=True)


def test_percentages_are_whole() -> None:
    assert [percent(s) for s in (0.0, 0.254, 1 / 3, 1.0)] == ["0%", "25%", "33%", "100%"]
