"""An unsure reply's closest moments, ordered by the pieces' stored vectors (`bot.search.windows`)
and the words' score; confident answers are left as they are. Real model, real samples."""

from __future__ import annotations

import numpy as np
import pytest

from bot.episodes.library import Library
from bot.search.fold import fold
from bot.search.index import SearchIndex, build_index
from bot.search.meaning import Encoder
from bot.search.question import parse
from bot.search.ranking import Match, Searcher
from bot.search.windows import WindowVectors
from tests.conftest import DATA, MODEL, needs_model
from tests.search.test_meaning_check import OFF_TOPIC, PARAPHRASE


@pytest.fixture(scope="module")
def setup() -> tuple[SearchIndex, Encoder]:
    assert MODEL is not None
    return build_index(Library.load(DATA / "episodes")), Encoder.load(MODEL)


def _seg(index: SearchIndex, m: Match) -> int:
    return index.seg_of(m.episode.id, m.position)


def _windows(index: SearchIndex, close_to: dict[int, np.ndarray]) -> WindowVectors:
    """One piece per segment: far from any query, except the segments given."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(index.size, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for seg, vector in close_to.items():
        vectors[seg] = vector
    return WindowVectors(
        vectors.astype(np.float16), np.arange(index.size), np.arange(index.size + 1)
    )


def _unsure(searcher: Searcher) -> tuple[str, tuple[Match, ...]]:
    for query in OFF_TOPIC:
        outcome = searcher.search(query)
        if outcome.kind == "unsure" and len(outcome.closest) == 3:
            return query, outcome.closest
    raise AssertionError("no off-topic query of the samples is unsure with three moments")


@needs_model
def test_the_closest_moments_are_ordered_by_their_pieces_meaning(
    setup: tuple[SearchIndex, Encoder],
) -> None:
    index, encoder = setup
    query, before = _unsure(Searcher(index, encoder))
    last = _seg(index, before[-1])
    said = encoder.encode_many([parse(fold(query)).said])[0]
    outcome = Searcher(index, encoder, _windows(index, {last: said})).search(query)
    assert outcome.kind == "unsure"  # how sure is decided as before
    assert _seg(index, outcome.closest[0]) == last  # the moment closest in meaning first
    assert len(outcome.closest) == 3


@needs_model
def test_confident_answers_and_unembedded_moments_keep_the_words_order(
    setup: tuple[SearchIndex, Encoder],
) -> None:
    index, encoder = setup
    plain = Searcher(index, encoder)
    query, before = _unsure(plain)
    said = encoder.encode_many([parse(fold(query)).said])[0]
    windows = _windows(index, {_seg(index, before[-1]): said})
    with_windows = Searcher(index, encoder, windows)
    assert with_windows.search(PARAPHRASE).matches == plain.search(PARAPHRASE).matches
    # a candidate whose pieces are not embedded yet (a new episode): the words' order stands
    starts = np.arange(index.size + 1)
    gap = _seg(index, before[0])
    starts[gap + 1 :] -= 1
    rows = np.delete(np.arange(index.size), gap)
    partial = WindowVectors(windows.vectors, rows, starts)
    assert Searcher(index, encoder, partial).search(query).closest == before
    # vectors of another index are not used
    other = WindowVectors(windows.vectors[:-1], rows, starts[:-1])
    assert Searcher(index, encoder, other).windows is None
