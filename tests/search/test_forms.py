"""Word forms, the word finder and the gathering of candidates: what lets loose queries find
quotes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from bot.episodes.library import Library
from bot.search import index as search_index
from bot.search import ranking as search
from bot.search.fold import (
    abbreviate,
    find_words,
    fold,
    number_alias,
    short_forms,
    stem,
    token_spans,
    tokens,
    word_finder,
)
from bot.search.index import build_index
from bot.search.ranking import Searcher
from tests.conftest import DATA


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(DATA / "episodes")


@pytest.fixture(scope="module")
def searcher(library: Library) -> Searcher:
    return Searcher(build_index(library))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("visualising", "visualize"),
        ("visualisation", "visualization"),
        ("colours", "color"),
        ("colouring", "colors"),
        ("zipping", "zip"),
        ("learnt", "learned"),
        ("studies", "study"),
        ("making", "make"),
        ("modeling", "models"),
        ("speeding", "speed"),
    ],
)
def test_forms_of_one_word_share_a_stem(one: str, other: str) -> None:
    assert stem(one) == stem(other)


@pytest.mark.parametrize(("one", "other"), [("spring", "spr"), ("calling", "cal"), ("four", "for")])
def test_different_words_keep_different_stems(one: str, other: str) -> None:
    assert stem(one) != stem(other)


def test_number_words_and_digits_are_aliases() -> None:
    assert number_alias("sixty") == "60"
    assert number_alias("10") == "ten"
    assert number_alias("55") is None
    assert number_alias("video") is None


def test_word_finder_finds_the_same_words_as_splitting(library: Library) -> None:
    words = ["dont", "machine", "its", "learning", "santiagos", "a", "youre", "im", "oreilly"]
    finder = word_finder(words)
    for ep in library:
        for seg in ep.segments[:40]:
            folded = fold(seg.text)
            expected = [(w, a, b) for w, a, b in token_spans(folded) if w in words]
            assert list(find_words(finder, folded)) == expected


def test_word_finder_with_no_words_finds_nothing() -> None:
    assert list(find_words(word_finder([]), "anything at all")) == []
    found = find_words(word_finder(["dont", "oreilly", "youve"]), "don't dont o'reilly you've")
    assert [(word, end - start) for word, start, end in found] == [
        ("dont", 5),
        ("dont", 4),
        ("oreilly", 8),
        ("youve", 6),
    ]


def test_the_vocabulary_counts_the_segments_holding_each_folded_term(library: Library) -> None:
    index = build_index(library)
    expected: Counter[str] = Counter()
    for seg in range(index.size):
        text = fold(index.segment(seg)[2].text)
        assert index.folded(seg) == text
        expected.update(set(tokens(text) + short_forms(text)))
    assert {term: index.df(tid) for term, tid in index.vocab.items()} == dict(expected)
    assert index.size == sum(len(ep.segments) for ep in library)


def test_a_number_in_words_finds_it_in_digits(searcher: Searcher) -> None:
    (best, *_) = searcher.search("sixty hours for one video").matches
    assert best.episode.id == "twiml-talk-2-siraj-raval"
    assert "60 hours" in best.segment.text


def test_british_spellings_and_inflections_find_the_american_text(searcher: Searcher) -> None:
    (best, *_) = searcher.search("visualise the verb instead of the noun").matches
    assert best.episode.id == "s08e01-visualising-machine-learning"
    assert best.start == 1135.0
    reached = {searcher.index.terms[t] for t, _ in searcher.expand("unzip")}
    assert "unzipping" in reached
    reached = {searcher.index.terms[t] for t, _ in searcher.expand("colours")}
    assert {"color", "colors"} <= reached


def test_near_topic_questions_still_find_nothing(searcher: Searcher) -> None:
    for query in ("how to train a puppy to stop biting", "marathon training plan for beginners"):
        assert searcher.search(query).matches == ()


def test_abbreviations_and_their_phrases_are_one_term() -> None:
    assert abbreviate(["first", "rule", "of", "machine", "learning"]) == [
        "first",
        "rule",
        "of",
        "ml",
    ]
    assert abbreviate(["machine", "learnings"]) == ["machine", "learnings"]  # not the phrase
    assert short_forms(fold("Deep learning, machine-learning and large language models")) == [
        "dl",
        "ml",
        "llms",
    ]


@pytest.mark.parametrize("query", ["first rule of ml", "first rule of machine learning"])
def test_ml_finds_machine_learning_said_in_full(searcher: Searcher, query: str) -> None:
    # Sample b's captions say "the first rule of machine learning is you may not need ...".
    (best, *_) = searcher.search(query).matches
    assert best.episode.id == "s04e01-from-software-engineering-to-machine-learning"
    assert best.start == 2787.0
    assert best.segment.text[slice(*best.highlight)] == "first rule of machine learning"


def test_a_year_is_not_a_typo_of_another_year(searcher: Searcher) -> None:
    years = {"2000", "2001", "2009", "2015", "2019"}
    assert years <= set(searcher.index.vocab)
    assert searcher.expand("2005") == []
    assert {searcher.index.terms[t] for t, _ in searcher.expand("2019")} == {"2019"}


def _bm25_everywhere(searcher: Searcher, chosen: list[tuple[int, float]]) -> dict[int, float]:
    """Every segment's BM25 over the chosen terms, the plain way (b = 0.5, as the engine's
    padding makes its own): segment number → score, for those that hold a term."""
    index = searcher.index
    lengths = [len(tokens(index.folded(seg))) for seg in range(index.size)]
    avg = np.float32(sum(lengths)) / np.float32(index.size)
    totals = {}
    for seg in range(index.size):
        text = index.folded(seg)
        counts = Counter(tokens(text) + short_forms(text))
        total = 0.0
        for term_id, weight in chosen:
            tf = counts[index.terms[term_id]]
            if tf:
                norm = 1.2 * (0.5 + 0.5 * lengths[seg] / avg)
                total += index.idf(term_id) * weight * tf * 2.2 / (tf + norm)
        if total > 0:
            totals[seg] = total
    return totals


@pytest.mark.parametrize("query", ["basket catapult drift", "you and then the", "machine learning"])
def test_gathering_finds_the_segments_best_by_bm25(searcher: Searcher, query: str) -> None:
    # tantivy's scores are used as they are: its lengths are stored in a byte (exact up to 40
    # terms, within a few percent above) and count the short forms, so its order is the plain
    # one but for segments whose scores are within a few percent of each other.
    terms = searcher._terms(abbreviate(tokens(fold(query))))
    chosen = [(t, w) for term in terms for t, w in term.expansions]
    gathered = searcher.index.gather(chosen, search.RERANK)
    plain = _bm25_everywhere(searcher, chosen)
    best = sorted(plain.values(), reverse=True)[: search.RERANK]
    assert len(gathered) == len(best)
    worst = min(plain[seg] / score for seg, score in zip(gathered, best, strict=True))
    assert worst >= 0.95


def test_gathering_keeps_to_the_filtered_episodes_and_speakers(searcher: Searcher) -> None:
    terms = searcher._terms(["learning"])
    chosen = [(t, w) for term in terms for t, w in term.expansions]
    index = searcher.index
    episode = "s08e01-visualising-machine-learning"
    within = index.gather(chosen, search.RERANK, episodes=[episode])
    assert within and {index.segment(seg)[0].id for seg in within} == {episode}
    everywhere = index.gather(chosen, 10**6)
    assert within == [seg for seg in everywhere if index.segment(seg)[0].id == episode]
    spoken = index.gather(chosen, search.RERANK, episodes=[episode], speakers=["Meor"])
    assert spoken == [seg for seg in within if index.segment(seg)[2].speaker == "Meor"]
    assert spoken != within


def test_a_query_of_common_words_reads_the_postings_of_its_rarest_words_only(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "and then the" is in most segments: reading every posting is what made such queries slow.
    terms = searcher._terms(["you", "and", "then", "the"])
    read: list[int] = []
    gather = search_index.SearchIndex.gather

    def reading(index: search_index.SearchIndex, chosen, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.extend(t for t, _ in chosen)
        return gather(index, chosen, *args, **kwargs)

    monkeypatch.setattr(search_index.SearchIndex, "gather", reading)
    assert searcher._gather(terms)
    rarest = sorted(terms, key=lambda t: -t.idf)[: search.COMMON_GATHER]
    assert read == [t for term in rarest for t, _ in term.expansions]
    every = [t for term in terms for t, _ in term.expansions]
    assert len(read) < len(every)
