"""Word forms, the word finder and the postings build: what lets loose queries find quotes."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from bot.episodes.library import Library
from bot.search import index as search_index
from bot.search import ranking as search
from bot.search.fold import (
    abbreviate,
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
            found = [
                (m.group().replace("'", ""), m.start(), m.end()) for m in finder.finditer(folded)
            ]
            assert found == expected


def test_word_finder_with_no_words_finds_nothing() -> None:
    assert word_finder([]).search("anything at all") is None
    assert isinstance(word_finder(["x"]), re.Pattern)
    found = word_finder(["dont", "oreilly", "youve"]).findall("don't dont o'reilly you've")
    assert found == ["don't", "dont", "o'reilly", "you've"]


def test_postings_built_in_chunks_are_the_plain_postings(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index._Postings, "CHUNK_TOKENS", 97)  # many small chunks
    index = build_index(library)
    expected: dict[str, list[tuple[int, int]]] = {}
    for seg_id, text in enumerate(index.folded):
        for term, tf in Counter(tokens(text) + short_forms(text)).items():
            expected.setdefault(term, []).append((seg_id, tf))
    assert sorted(index.vocab) == sorted(expected)
    for term, tid in index.vocab.items():
        segs, tfs = index.postings(tid)
        assert list(zip(segs.tolist(), tfs.tolist(), strict=True)) == expected[term]
    assert index.post_start[-1] == len(index.post_seg) == sum(map(len, expected.values()))
    assert index.post_seg.dtype == np.uint32


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


@pytest.mark.parametrize("query", ["basket catapult drift", "you and then the", "machine learning"])
def test_dense_and_sorted_gathering_find_the_same_candidates(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    terms = searcher._terms(abbreviate(tokens(fold(query))))
    monkeypatch.setattr(search, "DENSE_SHARE", 10**9)  # always dense
    dense = searcher._gather(terms, None)
    monkeypatch.setattr(search, "DENSE_SHARE", 0)  # always sorted
    assert searcher._gather(terms, None) == dense
    assert len(dense) == min(search.RERANK, len(set(dense))) and dense


def test_a_query_of_common_words_reads_the_postings_of_its_rarest_words_only(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "and then the" is in most segments: reading every posting is what made such queries slow.
    terms = searcher._terms(["you", "and", "then", "the"])
    read: list[int] = []
    bm25 = search_index.SearchIndex.bm25

    def reading(index: search_index.SearchIndex, term_id: int, weight: float = 1.0):  # type: ignore[no-untyped-def]
        read.append(term_id)
        return bm25(index, term_id, weight)

    monkeypatch.setattr(search_index.SearchIndex, "bm25", reading)
    assert searcher._gather(terms, None)
    rarest = sorted(terms, key=lambda t: -t.idf)[: search.COMMON_GATHER]
    assert read == [t for term in rarest for t, _ in term.expansions]
    every = [t for term in terms for t, _ in term.expansions]
    assert len(read) < len(every)
