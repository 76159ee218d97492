"""A speaker the source does not name is left out of every reply, never "Unknown speaker";
a numbered speaker ("Speaker 2") is no guest."""

from __future__ import annotations

from dataclasses import replace

from bot.advice.scoring import candidates
from bot.cli.search import format_match
from bot.console import cards as console_cards
from bot.console.view import plain_card
from bot.discord_app.embeds import advice_embed, quote_embed
from bot.episodes.library import Library
from bot.reply.advice_card import advice_card
from bot.reply.cards import context_text, episode_facts, quote_card
from bot.search.index import build_index
from bot.search.ranking import Searcher
from tests.conftest import DATA

LIBRARY = Library.load(DATA / "episodes")
SEARCHER = Searcher(build_index(LIBRARY))
UNNAMED = SEARCHER.search("go quickly go alone").matches[0]  # sample b: captions, no speakers
NAMED = SEARCHER.search("basket catapult drift").matches[0]


def test_the_samples_give_one_match_without_a_speaker_and_one_with() -> None:
    assert UNNAMED.speaker is None and NAMED.speaker is not None


def test_a_quote_without_a_speaker_has_no_speaker_field_anywhere() -> None:
    card = quote_card(UNNAMED)
    assert card.speaker is None
    assert [f.name for f in quote_embed(card).fields] == ["Time"]
    assert "Speaker" not in plain_card(console_cards.quote_card(UNNAMED))
    assert "unknown speaker" not in format_match(1, UNNAMED, color=False).casefold()
    assert format_match(1, UNNAMED, color=False).startswith(
        "1. From Software Engineering to Machine Learning — 20:43  (score"
    )
    assert [f.name for f in quote_embed(quote_card(NAMED)).fields][:2] == ["Speaker", "Time"]


def test_context_lines_without_a_speaker_read_time_then_words() -> None:
    text = context_text(UNNAMED)
    assert "nknown" not in text
    assert text.startswith("`20:") and "` Unknown" not in text
    assert "nknown" not in plain_card(console_cards.context_card(UNNAMED))


def test_advice_without_a_speaker_leaves_the_field_out() -> None:
    candidate = next(c for c in candidates(LIBRARY) if c.speaker is None)
    card = advice_card(candidate)
    assert card.speaker is None
    assert [f.name for f in advice_embed(card).fields] == ["Time"]
    assert "Speaker" not in plain_card(console_cards.advice_card(candidate, 1, 2))


def test_numbered_speakers_are_not_listed_as_guests() -> None:
    stated = LIBRARY.get("s08e01-visualising-machine-learning")
    assert stated is not None
    labelled = replace(stated, speakers=(*stated.speakers, ("Speaker 1", None)))
    assert ("Guests", "Meor Amer") in episode_facts(labelled)
