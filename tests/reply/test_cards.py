"""Quote cards: a readable window around the match, escaped, within Discord's limits."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes.library import Library
from bot.episodes.model import Segment
from bot.reply.cards import (
    BUTTON_LABEL_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    clip,
    escape_clip,
    escape_markdown,
    quote_card,
    quote_window,
    timestamp,
)
from bot.search.index import build_index
from bot.search.ranking import Searcher
from tests.conftest import DATA

SEARCHER = Searcher(build_index(Library.load(DATA / "episodes")))


def test_a_card_shows_the_match_in_bold_with_speaker_time_link_and_thumbnail() -> None:
    match = SEARCHER.search("basket catapult drift").matches[0]
    card = quote_card(match, 1, 3)
    assert "**" in card.quote
    bold = card.quote.split("**")[1]
    assert "catapult" in bold and "basket" in bold
    assert card.title == "Visualising Machine Learning"
    assert card.when in {"18:55", "35:22"}
    assert card.watch_label == f"Watch at {card.when}"
    assert card.thumbnail == "https://i.ytimg.com/vi/OuCuk-7RHjM/hqdefault.jpg"
    assert card.footer == "DataTalks.Club · result 1 of 3"
    assert card.chapter is not None


def test_estimated_times_say_so_and_unlinked_episodes_have_no_watch_button() -> None:
    match = SEARCHER.search("as if the singularity happens").matches[0]
    card = quote_card(match)
    assert card.when.startswith("≈ ")
    assert card.watch_label is None and card.url is None and card.thumbnail is None
    assert "time estimated" in card.footer


def test_the_window_keeps_whole_words_and_marks_cuts() -> None:
    text = " ".join(f"word{i}" for i in range(400))
    at = text.index("word200")
    before, hit, after = quote_window(text, (at, at + len("word200")), width=60)
    assert hit == "word200"
    assert before.startswith("…word") and after.endswith("…")
    assert before[1:].split(" ")[0].startswith("word")
    assert len(before) + len(hit) + len(after) <= 64


def test_markdown_links_and_mentions_are_escaped() -> None:
    assert escape_markdown("**bold** _x_ [a](b) @everyone <#1> `c`") == (
        "\\*\\*bold\\*\\* \\_x\\_ \\[a\\]\\(b\\) \\@everyone \\<\\#1\\> \\`c\\`"
    )
    assert not escape_clip("a" * 10 + "*" * 100, 20).endswith("\\…")


def test_timestamps() -> None:
    assert timestamp(1061, False) == "17:41"
    assert timestamp(1061, True) == "≈ 17:41"
    assert timestamp(None, False) == ""


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(min_size=1, max_size=2000),
    title=st.text(min_size=1, max_size=400),
    a=st.integers(0, 2000),
    length=st.integers(0, 2000),
)
def test_every_card_is_within_discords_limits(text: str, title: str, a: int, length: int) -> None:
    match = SEARCHER.search("basket catapult drift").matches[0]
    a = min(a, len(text))
    segment = Segment(1.0, 2.0, "Meor", text)
    episode = replace(match.episode, title=title)
    card = quote_card(
        replace(match, segment=segment, episode=episode, highlight=(a, min(len(text), a + length)))
    )
    assert len(card.title) <= TITLE_LIMIT
    assert len(card.quote) <= DESCRIPTION_LIMIT
    assert len(card.speaker) <= FIELD_VALUE_LIMIT
    assert card.watch_label is None or len(card.watch_label) <= BUTTON_LABEL_LIMIT
    assert card.total_length() <= EMBED_TOTAL_LIMIT
    assert clip(text, 50) == text or len(clip(text, 50)) <= 50


def test_an_episode_card_of_a_huge_episode_stays_within_discords_embed_limits() -> None:
    from bot.episodes.model import Chapter  # noqa: PLC0415
    from bot.reply.cards import episode_card  # noqa: PLC0415

    base = Library.load(DATA / "episodes").get("s08e01-visualising-machine-learning")
    assert base is not None
    speakers = tuple((f"Guest{i}", f"Guest Number {i} " + "x" * 40) for i in range(60))
    huge = replace(
        base,
        title="T" * 400,
        description="d " * 2000,
        show="S" * 2000,
        speakers=speakers,
        chapters=tuple(Chapter(f"chapter {i} " + "y" * 150, float(i)) for i in range(400)),
    )
    card = episode_card(huge)
    total = len(card.title) + len(card.description) + sum(len(n) + len(v) for n, v in card.fields)
    assert total <= EMBED_TOTAL_LIMIT
    assert len(card.title) <= TITLE_LIMIT and len(card.description) <= DESCRIPTION_LIMIT
    assert all(len(value) <= FIELD_VALUE_LIMIT for _, value in card.fields)
    assert dict(card.fields)["Guests"].startswith("Guest Number 0")  # the facts stay whole
    assert card.description.startswith("d d d")  # the chapters gave way
