"""A title made from a file name (`title_from: filename`) is shown modestly."""

from __future__ import annotations

from dataclasses import replace

from bot.console import cards as console_cards
from bot.episodes.library import Library
from bot.reply.cards import episode_facts, episode_page
from tests.conftest import DATA

LIBRARY = Library.load(DATA / "episodes")


def test_a_title_made_from_a_file_name_is_shown_modestly() -> None:
    stated = LIBRARY.get("s08e01-visualising-machine-learning")
    assert stated is not None and stated.title_from == "file"
    made = replace(stated, id="made", title="Episode 264 (large)", title_from="filename")
    assert ("Title", "made from the file name") in episode_facts(made)
    assert ("Title", "made from the file name") not in episode_facts(stated)
    page, _ = episode_page([stated, made], 0)
    assert "**Visualising Machine Learning**" in page
    assert "Episode 264 \\(large\\) ·" in page and "**Episode 264" not in page


def test_the_console_list_shows_a_made_title_without_bold() -> None:
    stated = LIBRARY.get("s08e01-visualising-machine-learning")
    assert stated is not None
    made = replace(stated, id="made", title="Episode 264 (large)", title_from="filename")
    card = console_cards.list_card([stated, made], 0)
    styles = {line[0].text: line[0].style for line in card.lines}
    assert styles == {"Visualising Machine Learning": "strong", "Episode 264 (large)": ""}
