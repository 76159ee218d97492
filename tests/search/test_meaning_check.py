"""How sure search is: words rank the moments, meaning re-weighs the best few and decides
between a confident answer, the closest moments (unsure) and nothing; without the model the
words decide alone. Real model, real sample episodes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.episodes.library import Library
from bot.search.index import build_index
from bot.search.meaning import Encoder
from bot.search.ranking import Searcher, words_around
from tests.conftest import DATA, MODEL, bare_env, needs_model

PARAPHRASE = "back then ai wasnt hyped and progress was slow"  # sample a, 3:42
QUESTION = "where does siraj say how many hours one youtube video takes him"  # sample e, ~13:19
OFF_TOPIC = [
    "knitting a wool scarf for beginners",
    "chocolate cake recipe with buttercream frosting",
    "marathon training plan for beginners",
    "how many calories in a banana smoothie",
]


class Counting(Encoder):
    """The real encoder, counting the times search asks it."""

    calls = 0

    def encode_many(self, texts: list[str]):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().encode_many(texts)


@pytest.fixture(scope="module")
def searchers() -> tuple[Searcher, Searcher]:
    """The same index searched by words only, and by words then meaning."""
    assert MODEL is not None
    index = build_index(Library.load(DATA / "episodes"))
    encoder = Encoder.load(MODEL)
    encoder.__class__ = Counting
    return Searcher(index), Searcher(index, encoder)


@needs_model
def test_a_loose_paraphrase_is_answered_confidently_by_its_meaning(
    searchers: tuple[Searcher, Searcher],
) -> None:
    words, meaning = searchers
    unsure = words.search(PARAPHRASE)  # the words alone are not sure: offered, not answered
    assert unsure.kind == "unsure"
    assert unsure.closest[0].start == 222.0
    found = meaning.search(PARAPHRASE)
    assert found.kind == "confident"
    assert found.matches[0].episode.id == "s08e01-visualising-machine-learning"
    assert found.matches[0].start == 222.0


@needs_model
def test_a_question_is_answered_from_what_it_asks_about(
    searchers: tuple[Searcher, Searcher],
) -> None:
    _, meaning = searchers
    found = meaning.search(QUESTION)
    assert found.kind == "confident"
    best = found.matches[0]
    assert best.episode.id == "twiml-talk-2-siraj-raval"
    assert best.start is not None and abs(best.start - 799.2) <= 30
    assert "60 hours" in best.segment.text


@needs_model
@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_questions_are_never_answered_publicly(
    searchers: tuple[Searcher, Searcher], query: str
) -> None:
    words, meaning = searchers
    for searcher in (words, meaning):
        outcome = searcher.search(query)
        assert not outcome.confident
        assert outcome.kind in {"unsure", "nothing"}


@needs_model
def test_a_quote_the_words_settle_is_answered_without_asking_the_model(
    searchers: tuple[Searcher, Searcher],
) -> None:
    words, meaning = searchers
    before = Counting.calls
    for query in ("go quickly go alone", "he says constraints breed creativity its ironic"):
        outcome = meaning.search(query)
        assert outcome.confident
        assert outcome.matches == words.search(query).matches
    assert Counting.calls == before
    meaning.search(PARAPHRASE)
    assert Counting.calls == before + 1


@needs_model
def test_ranking_alone_always_answers_in_meaning_order(
    searchers: tuple[Searcher, Searcher],
) -> None:
    _, meaning = searchers
    ranked = meaning.search(OFF_TOPIC[0], min_score=0)
    assert ranked.confident  # no minimum: the best ranked, whatever they are
    assert meaning.search(PARAPHRASE, min_score=0).matches[0].start == 222.0


def test_words_around_a_span_are_whole_words_centred_on_it() -> None:
    text = " ".join(f"w{i}" for i in range(100))
    at = text.index("w50")
    window = words_around(text, (at, at + 3), 10)
    assert window.split() == [f"w{i}" for i in range(45, 55)]
    assert words_around(text, (0, 2), 10).split() == [f"w{i}" for i in range(10)]
    end = len(text)
    assert words_around(text, (end - 3, end), 10).split() == [f"w{i}" for i in range(90, 100)]
    assert words_around("a short one", (0, 1), 10) == "a short one"


@needs_model
def test_the_cli_says_how_sure_each_result_is(tmp_path: Path) -> None:
    def search(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "search", "--data", str(DATA / "episodes"), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            env=bare_env(),
        )

    for found in (search("--meaning", "--json", PARAPHRASE), search("--json", PARAPHRASE)):
        assert found.returncode == 0, found.stderr  # no config: the default, meaning on
        first = json.loads(found.stdout)[0]
        assert (first["start"], first["confident"]) == (222.0, True)
    words_only = search("--no-meaning", "--json", PARAPHRASE)
    assert words_only.returncode == 0
    assert {r["confident"] for r in json.loads(words_only.stdout)} == {False}
    unsure = search("--no-meaning", PARAPHRASE)
    assert unsure.stdout.startswith("Not sure I found it; the closest moments:")
    nothing = search("--meaning", OFF_TOPIC[1])
    assert (nothing.returncode, nothing.stdout.startswith("No quote matches that.")) == (1, True)
    # The config's [search] meaning = false turns it off; --meaning still wins.
    (tmp_path / "config.toml").write_text("[search]\nmeaning = false\n")
    assert json.loads(search("--json", PARAPHRASE).stdout)[0]["confident"] is False
    assert json.loads(search("--meaning", "--json", PARAPHRASE).stdout)[0]["confident"] is True
