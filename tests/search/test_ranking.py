"""Search over the shipped samples: ranking, typos, filters, timing, links, no-answer."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.episodes.library import Library
from bot.episodes.model import link
from bot.search import ranking as search
from bot.search.filters import FilterError
from bot.search.fold import fold, tokens
from bot.search.index import build_index
from bot.search.ranking import Searcher
from tests.conftest import DATA, bare_env


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return Searcher(build_index(Library.load(DATA / "episodes")))


def test_fold_keeps_offsets_and_straightens_quotes() -> None:
    text = "Söderström’s “AI” — CAN’T"
    folded = fold(text)
    assert len(folded) == len(text)
    assert tokens(folded) == ["soderstroms", "ai", "cant"]


def test_a_fragment_finds_its_moment_with_the_matched_words_highlighted(
    searcher: Searcher,
) -> None:
    (best, *_) = searcher.search("go quickly go alone").matches
    assert best.episode.id == "s04e01-from-software-engineering-to-machine-learning"
    a, b = best.highlight
    assert best.segment.text[a:b] == "go quickly go alone"
    # The words are said on the 20:43 caption line, not at the segment's start.
    assert best.segment.start < 1243.0
    assert best.start == 1243.0
    assert best.url == "https://www.youtube.com/watch?v=xVYOdRrN7hw&t=1243s"
    assert not best.estimated
    assert 90 <= best.score <= 100


def test_keywords_in_any_order_find_the_passage(searcher: Searcher) -> None:
    top = searcher.search("basket catapult drift").matches[:2]
    # Both moments where the three words meet: Meor's drift visual, and Alexey on reusing it.
    assert {(m.start, m.speaker) for m in top} == {
        (1135.0, "Meor Amer"),
        (2122.0, "Alexey Grigorev"),
    }
    assert all(m.episode.id == "s08e01-visualising-machine-learning" for m in top)


def test_typos_are_forgiven(searcher: Searcher) -> None:
    best = searcher.search("thinkng of maths the wrong way arround").matches[0]
    assert best.episode.id == "five-secrets-of-learning-machine-learning"
    assert best.start == 32.0


def test_a_phrase_across_two_caption_lines(searcher: Searcher) -> None:
    # "struggle for that" / "long" are two lines of sample e.
    best = searcher.search("struggle for that long").matches[0]
    assert best.episode.id == "five-secrets-of-learning-machine-learning"
    assert best.start == 27.0


def test_a_quote_split_between_two_segments_counts_the_words_across_the_boundary(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sample b: "... i like more the word adding" ends one segment, "to my skill set the
    # machine learning skills ..." begins the next.
    query = "i like more the word adding to my skill set"
    best = searcher.search(query).matches[0]
    assert best.episode.id == "s04e01-from-software-engineering-to-machine-learning"
    assert best.start is not None and 229 <= best.start <= 245
    monkeypatch.setattr(search, "NEIGHBOUR_WEIGHT", 0.0)
    alone = Searcher(searcher.index).search(query, min_score=0).matches[0]
    assert alone.score < best.score - 10


def test_only_the_words_near_the_boundary_of_a_neighbour_count() -> None:
    text = "far away words " * 10 + "close words"  # 161 characters
    before = search._near_boundary(text, after=False)  # the end of the segment before
    assert before.startswith("far ") and before.endswith(" close words")
    assert search.NEIGHBOUR_CHARS <= len(before) < search.NEIGHBOUR_CHARS + len("away ")
    after = search._near_boundary(text, after=True)  # the start of the segment after
    assert after.startswith("far away") and after.endswith("words") and "close" not in after
    assert search.NEIGHBOUR_CHARS <= len(after) < search.NEIGHBOUR_CHARS + len("words ")
    assert search._near_boundary("short", after=True) == "short"


def test_untimed_sources_give_estimated_times_and_no_video_link(searcher: Searcher) -> None:
    best = searcher.search("as if the singularity happens").matches[0]
    assert best.episode.id == "podcast-init-234-deep-learning-illustrated"
    assert best.estimated
    assert best.url is None
    assert best.speaker == "Jon Krohn"


def test_off_topic_queries_find_nothing_and_suggest_close_words(searcher: Searcher) -> None:
    outcome = searcher.search("chocolate cake recipe with buttercream frosting")
    assert outcome.matches == ()
    typo = searcher.search("zzqx catapultt")
    assert typo.matches == () or typo.matches[0].episode.id.startswith("s08e01")
    assert searcher.search("   ").matches == ()


def test_suggestions_name_close_terms_for_unknown_words(searcher: Searcher) -> None:
    assert "visualisation" in searcher.suggest("vizualisatoinz")


def test_filters_are_loose_and_unknown_names_list_close_ones(searcher: Searcher) -> None:
    meor = searcher.search("drift", speaker="meor").matches
    assert meor and all(m.segment.speaker == "Meor" for m in meor)
    alexey = searcher.search("drift", speaker="Alexey Grigorev").matches
    assert alexey and all(m.segment.speaker == "Alexey" for m in alexey)
    by_title = searcher.search("blank", episode="visualising").matches
    assert all(m.episode.id == "s08e01-visualising-machine-learning" for m in by_title)
    with pytest.raises(FilterError) as info:
        searcher.search("drift", speaker="meer")
    assert "Meor" in str(info.value)
    with pytest.raises(FilterError) as info:
        searcher.search("drift", episode="quantum gardening")
    assert str(info.value).startswith("No episode matches 'quantum gardening'.")


def test_hits_seconds_apart_in_one_episode_collapse(searcher: Searcher) -> None:
    matches = searcher.search("deep learning illustrated", limit=10).matches
    starts = [(m.episode.id, m.start) for m in matches]
    for i, (ep, s) in enumerate(starts):
        for ep2, s2 in starts[i + 1 :]:
            assert ep != ep2 or s is None or s2 is None or abs(s - s2) > 20


def test_link_prefers_the_video_then_the_page() -> None:
    ep = Library.load(DATA / "episodes").get("s08e01-visualising-machine-learning")
    assert ep is not None
    assert link(ep, 2122.7) == "https://www.youtube.com/watch?v=OuCuk-7RHjM&t=2122s"


def test_a_speaker_with_no_attributed_lines_gets_a_clear_reason(searcher: Searcher) -> None:
    with pytest.raises(FilterError) as info:
        searcher.search("go quickly", speaker="santiago")
    assert str(info.value).startswith("Santiago Valdarrama takes part, but the transcripts")


def test_search_cli_uses_the_configured_data_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json  # noqa: PLC0415
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    shutil.copytree(DATA / "episodes", tmp_path / "eps")
    (tmp_path / "config.toml").write_text('[data]\nepisodes = "eps"\n')
    done = subprocess.run(
        [sys.executable, "-m", "bot", "search", "--json", "go quickly go alone"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=bare_env(),
    )
    assert done.returncode == 0, done.stderr
    (first, *_) = json.loads(done.stdout)
    assert first["episode_id"] == "s04e01-from-software-engineering-to-machine-learning"
    assert first["start"] == 1243.0
    request = {"query": "singularity happens", "speaker": None, "episode": None, "limit": 1}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "search", "--jsonl"],
        cwd=tmp_path,
        input=json.dumps(request) + "\n",
        capture_output=True,
        text=True,
        check=False,
        env=bare_env(),
    )
    (line,) = done.stdout.splitlines()
    record = json.loads(line)
    assert record["query"] == "singularity happens"
    assert isinstance(record["took_ms"], float)
    (result,) = record["results"]
    assert set(result) == {
        "episode_id",
        "title",
        "source",
        "speaker",
        "start",
        "estimated",
        "url",
        "text",
        "highlight",
        "score",
        "confident",
    }
    assert result["estimated"] is True and result["url"] is None
    a, b = result["highlight"]
    assert "singularity happens" in result["text"][a:b]


def test_searches_from_many_threads_agree_with_one_at_a_time(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bot searches off the event loop, several members at once: a search must keep its
    # working state to itself (state shared through the Searcher fails this at once), and the
    # expansion cache, kept tiny here, is evicted under the threads' feet all the time.
    queries = [
        "go quickly go alone",
        "basket catapult drift",
        "thinkng of maths the wrong way arround",
        "struggle for that long",
        "deep learning illustrated",
        "as if the singularity happens",
    ] * 20
    monkeypatch.setattr(search, "EXPANSION_CACHE", 3)
    fresh = Searcher(searcher.index)

    def answer(query: str) -> list[tuple[str, int, float]]:
        return [(m.episode.id, m.position, m.score) for m in fresh.search(query).matches]

    alone = {q: answer(q) for q in dict.fromkeys(queries)}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns between almost any two steps
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            together = list(pool.map(answer, queries))
    finally:
        sys.setswitchinterval(interval)
    assert together == [alone[q] for q in queries]
    assert all(alone.values())
    assert len(fresh._expansions) <= 3
