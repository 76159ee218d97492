"""Near misses weighed by meaning: a loose paraphrase is answered, an off-topic question that
shares a few words with a passage is not, and without the model search is words only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.episodes.library import Library
from bot.search.index import build_index
from bot.search.meaning import Encoder
from bot.search.ranking import MIN_SCORE, Searcher, words_around
from tests.conftest import DATA, MODEL, ROOT, needs_model

PARAPHRASE = "back then ai wasnt hyped and progress was slow"  # sample a, 3:42


@pytest.fixture(scope="module")
def searchers() -> tuple[Searcher, Searcher]:
    """The same index searched by words only, and by words then meaning."""
    assert MODEL is not None
    index = build_index(Library.load(DATA / "episodes"))
    return Searcher(index), Searcher(index, Encoder.load(MODEL))


@needs_model
def test_a_loose_paraphrase_is_answered_by_its_meaning(
    searchers: tuple[Searcher, Searcher],
) -> None:
    words, meaning = searchers
    missed = words.search(PARAPHRASE)
    assert missed.matches == ()
    (found,) = meaning.search(PARAPHRASE).matches
    assert found.episode.id == "s08e01-visualising-machine-learning"
    assert found.start == 222.0
    a, b = found.highlight
    assert found.segment.text[a:b].startswith("Back then the excitement around AI")
    assert found.score < MIN_SCORE  # the words alone were not enough: the score says so


@needs_model
@pytest.mark.parametrize(
    "query",
    [
        "knitting a wool scarf for beginners",
        "chocolate cake recipe with buttercream frosting",
        "marathon training plan for beginners",
        "how many calories in a banana smoothie",
    ],
)
def test_off_topic_questions_stay_unanswered(
    searchers: tuple[Searcher, Searcher], query: str
) -> None:
    _, meaning = searchers
    assert meaning.search(query).matches == ()


@needs_model
def test_ranking_only_searches_and_confident_answers_do_not_use_meaning(
    searchers: tuple[Searcher, Searcher],
) -> None:
    words, meaning = searchers
    for query in ("go quickly go alone", "catapult basket drift"):
        assert meaning.search(query).matches == words.search(query).matches
    assert (
        meaning.search(PARAPHRASE, min_score=0).matches
        == words.search(PARAPHRASE, min_score=0).matches
    )


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
def test_the_cli_weighs_meaning_only_when_asked(tmp_path: Path) -> None:
    def search(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "search", "--data", str(DATA / "episodes"), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )

    found = search("--meaning", "--json", PARAPHRASE)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["start"] == 222.0
    for words_only in (search(PARAPHRASE), search("--no-meaning", PARAPHRASE)):
        assert words_only.returncode == 1
        assert words_only.stdout.startswith("No quote matches that.")
    # The config's [search] meaning = true turns it on; --no-meaning still wins.
    (tmp_path / "config.toml").write_text("[search]\nmeaning = true\n")
    assert search("--json", PARAPHRASE).returncode == 0
    assert search("--no-meaning", PARAPHRASE).returncode == 1
