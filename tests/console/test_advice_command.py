"""/advice in the console: the daily post's rotation, with the reasons shown."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

from bot.archive.loaded import Archive
from bot.console.commands import Session, dispatch
from bot.console.replies import Card
from bot.console.view import plain
from bot.episodes import files as episode_io
from tests.conftest import DATA


def test_advice_rotates_without_repeats_and_explains_itself() -> None:
    session = Session(Archive.open(DATA / "episodes"))
    seen: list[str] = []
    episodes: list[str] = []
    for _ in range(4):
        reply = dispatch(session, "/advice")
        assert reply is not None and reply.ok
        (card,) = reply.parts
        assert isinstance(card, Card)
        text = plain(reply)
        assert "score " in text and "Time:" in text and "left in this session's round" in text
        assert "Unknown speaker" not in text  # a speaker the source does not name is left out
        seen.append(card.footer.split(" · ")[0])
        episodes.append(dict(card.fields)["Episode"])
    assert len(set(seen)) == 4  # no repeats
    assert all(a != b for a, b in pairwise(episodes))


def test_advice_with_nothing_to_say_is_a_refusal(tmp_path: Path) -> None:
    ep = episode_io.read(DATA / "episodes" / "s08e01-visualising-machine-learning.yaml")
    questions = tuple(replace(s, text="Can you tell us more about that?") for s in ep.segments)
    episode_io.write(replace(ep, segments=questions), tmp_path)
    reply = dispatch(Session(Archive.open(tmp_path)), "/advice")
    assert reply is not None and not reply.ok and "advice_pin" in plain(reply)
