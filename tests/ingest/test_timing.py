"""Estimated times: from word position, a known duration, or between known times."""

from __future__ import annotations

import pytest

from bot.ingest.timing import WORDS_PER_SECOND, fill_times


def test_untimed_text_is_timed_at_the_stated_speaking_rate() -> None:
    times, estimated = fill_times([10, 5, 20], [None, None, None])
    assert times == [0.0, 10 / WORDS_PER_SECOND, 15 / WORDS_PER_SECOND]
    assert estimated == [True, True, True]


def test_a_known_duration_spreads_the_words_over_it() -> None:
    times, _ = fill_times([30, 30, 40], [None, None, None], duration=200.0)
    assert times == [0.0, 60.0, 120.0]


def test_gaps_between_known_times_are_interpolated_by_words() -> None:
    times, estimated = fill_times([10, 10, 10, 10], [100.0, None, None, 130.0])
    assert times == [100.0, 110.0, 120.0, 130.0]
    assert estimated == [False, True, True, False]


def test_runs_before_the_first_and_after_the_last_known_time() -> None:
    times, estimated = fill_times([5, 5, 5], [None, 10.0, None])
    assert times == [pytest.approx(8.0), 10.0, pytest.approx(12.0)]
    assert estimated == [True, False, True]


def test_nothing_in_nothing_out() -> None:
    assert fill_times([], []) == ([], [])
