"""Echoes of what a member typed: short, on one line, no control or bidi characters, escaped."""

from __future__ import annotations

import pytest

from bot.advice.schedule import ScheduleError, parse_time, zone
from bot.reply.cards import escape_markdown, no_match
from bot.reply.echo import ECHO_LIMIT, PLACEHOLDER, echoed, excerpt
from bot.search.filters import FilterError


def test_an_excerpt_is_short_one_line_and_free_of_controls() -> None:
    assert excerpt("meer") == "meer"
    assert excerpt("  two\n\tlines  ") == "two lines"
    long = excerpt("word " * 100)
    assert len(long) <= ECHO_LIMIT and long.endswith("…")
    for char in ("\x00", "\x1b", "\x7f", "\x9b", "\u202e", "\u2066", "\u2069", "\u200f"):
        assert excerpt(f"a{char}b") == f"a{PLACEHOLDER}b"
    for char in ("\x85", "\x1c", "\u2028", "\r"):  # line breaks of some kind: a space
        assert excerpt(f"a{char}b") == "a b"


def test_a_filter_error_quotes_the_excerpt_and_escapes_the_rest() -> None:
    typed = "**x**\u202e" + "y" * 3000
    error = FilterError("speaker", typed, ["Meor_Amer", "Meor"])
    shown = echoed(str(error), [typed, None], escape_markdown)
    assert shown.startswith("No speaker matches '\\*\\*x\\*\\*" + PLACEHOLDER + "yyy")
    assert "…'." in shown and "Close speaker names\\: Meor\\_Amer, Meor." in shown
    assert len(shown) < 200
    # A short, harmless value reads as the core wrote it.
    plain = FilterError("speaker", "meer", ["Meor Amer"])
    assert echoed(str(plain), ["meer"], lambda t: t) == str(plain)


@pytest.mark.parametrize("typed", ["25:00" * 500, "9:00\n\x00" * 400])
def test_a_schedule_error_quotes_the_excerpt(typed: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_time(typed)
    shown = echoed(str(raised.value), [typed], lambda t: t)
    assert shown.endswith("is not a time of day like 09:00 or 21:30 (24-hour HH:MM)")
    assert len(shown) < 200 and "\x00" not in shown and "\n" not in shown


def test_a_very_long_zone_name_is_a_schedule_error_not_an_os_error() -> None:
    with pytest.raises(ScheduleError, match="is not an IANA time zone"):
        zone("Europe/" + "x" * 3000)


def test_a_message_stays_within_the_limit_whatever_it_quotes() -> None:
    shown = echoed("x" * 5000, [], lambda t: t)
    assert len(shown) == 2000 and shown.endswith("…")


def test_no_match_shows_an_excerpt_of_the_query() -> None:
    text = no_match("drift \u202e" + "z" * 190, ["drift"], escape_markdown)
    assert "\u202e" not in text and len(text) < 160 and text.endswith("Did you mean: drift?")
