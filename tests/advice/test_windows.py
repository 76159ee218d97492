"""Where advice starts and stops: caption windows across segments, clause starts, overlaps."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import pytest

from bot.advice.scoring import candidates, episode_candidates, score_text
from bot.advice.windows import caption_windows, punctuated
from bot.episodes.library import Library
from bot.episodes.model import Episode, Segment
from tests.advice.helpers import advice_episode
from tests.conftest import DATA

BENCH = Path(__file__).resolve().parents[2] / "bench"


def caption_episode(texts: list[str]) -> Episode:
    """An episode of auto-captions: lower case, no punctuation, no speakers, 10 s apart."""
    episode = advice_episode("cap", ["x"])
    segments = tuple(
        Segment(10.0 * i, 10.0 * i + 10, None, text, cues=((0, 10.0 * i),))
        for i, text in enumerate(texts)
    )
    return replace(episode, segments=segments, speakers=())


def starts(text: str) -> list[str]:
    return [" ".join(text[w[0][0] : w[-1][1]].split()[:3]) for w, _ in caption_windows(text)]


def test_a_caption_window_runs_on_into_the_next_segment_and_keeps_its_own_start() -> None:
    episode = caption_episode(
        [
            "we talked about this a lot at the meetup so the lesson here is don't prepare",
            "too much you just need to take the first step today right and then we went on",
        ]
    )
    found = episode_candidates(episode)
    assert list(found) == [0]  # one piece of advice, not two overlapping ones
    advice = found[0]
    assert advice.text.startswith("the lesson here is don't prepare too much")
    assert advice.text.endswith("take the first step today")
    assert advice.id == "cap#0" and advice.start == 0.0
    assert list(advice.positions) == [0, 1]
    banned = replace(episode, advice_ban=(1,))  # a ban covers windows running into it
    assert candidates([banned]) == []


def test_caption_instructions_start_only_where_a_clause_does() -> None:
    text = (
        "people don't know how to start and some say you could also try to read papers "
        "first but the tricks you need to collect come later so try to build a small project "
        "this week and show it to someone right"
    )
    assert starts(text) == ["try to build"]


def test_if_you_then_an_instruction_is_advice_but_if_you_then_a_statement_is_not() -> None:
    told, told_why = score_text(
        "If you're reading a book, stop after the first chapter and apply it."
    )
    said, _ = score_text(
        "If you have different visuals for different concepts, it doesn't give much."
    )
    assert any("a condition, then an instruction" in str(r) for r in told_why)
    assert told > said


def test_vague_and_leaning_back_windows_lose_points() -> None:
    clear, _ = score_text("Don't feel guilty when you only read the abstract of a paper.")
    vague, why = score_text("Don't feel like, um, guilty or, or something.")
    assert vague < clear and any("vague" in str(r) for r in why)
    _, why = score_text("I put them in a long list and you should review it every week.")
    assert any("leans on something named before" in str(r) for r in why)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("so you need to look at the train.py file first and set a breakpoint there", False),
        ("I think so yeah i do", False),
        ("Start with the problem. Then look for tools.", True),
        ("well, if you know Python, then my videos are a great starting point", True),
    ],
)
def test_captions_with_a_stray_period_are_still_captions(text: str, expected: bool) -> None:
    assert punctuated(text) is expected


def test_the_shipped_top_20_holds_at_least_18_pieces_of_labelled_advice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A guard on bench/advice_precision.py's figure, judged by the same code: the labels
    were written by reading every shipped segment; a candidate counts when it holds its
    segment's labelled phrase."""
    monkeypatch.syspath_prepend(str(BENCH))
    bench = importlib.import_module("advice_precision")
    labels = bench.load_labels(BENCH / "advice_labels.yaml")
    top = candidates(Library.load(DATA / "episodes"))[:20]
    misses = [c.text for c in top if not bench.is_real(c, labels)]
    assert len(misses) <= 2, misses
