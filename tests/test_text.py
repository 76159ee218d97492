"""Text helpers: clocks, slugs, word folding, sentence splitting."""

from __future__ import annotations

import pytest

from bot.ingest.segmenter import split_sentences
from bot.text import clean, ends_sentence, format_clock, parse_clock, slugify, words


@pytest.mark.parametrize(
    ("clock", "seconds"),
    [
        ("1:56", 116.0),
        ("0:05", 5.0),
        ("01:02:03", 3723.0),
        ("1:01:41", 3701.0),
        ("4:57:38.340", 17858.34),
        ("00:00:00,500", 0.5),
        ("60:08", 3608.0),  # MM >= 60, as in building-data-team.md
    ],
)
def test_parse_clock_reads_every_clock_in_the_sources(clock: str, seconds: float) -> None:
    assert parse_clock(clock) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "abc", "1:2:3:4", "9:\n46", "12"])
def test_parse_clock_says_none_for_what_is_not_a_clock(bad: str) -> None:
    assert parse_clock(bad) is None


def test_format_clock_reads_like_a_timestamp() -> None:
    assert format_clock(5) == "0:05"
    assert format_clock(1061.9) == "17:41"
    assert format_clock(3701) == "1:01:41"


def test_slugify_is_url_safe_and_cut_at_a_word() -> None:
    assert slugify("Gustav Söderström: AI & Spotify!") == "gustav-soderstrom-ai-spotify"
    long = slugify("word " * 40, limit=20)
    assert len(long) <= 20
    assert not long.endswith("-")


def test_words_fold_case_punctuation_and_curly_apostrophes() -> None:
    assert words("I’m HERE, aren't I?") == ["im", "here", "arent", "i"]
    assert words("— … ") == []


def test_clean_removes_control_and_line_separator_characters() -> None:
    assert clean("a\u2028b\x00c \t d\u00a0") == "a b c d"


def test_ends_sentence_allows_closing_quotes() -> None:
    assert ends_sentence('He said "go."')
    assert ends_sentence("Really?")
    assert not ends_sentence("and then")


def test_split_sentences_keeps_every_character_but_the_joining_space() -> None:
    text = 'First one. "Second," he said! third stays. Fourth? 5 is fine.'
    parts = split_sentences(text)
    assert parts == ["First one.", '"Second," he said! third stays.', "Fourth?", "5 is fine."]
    assert " ".join(parts) == text
