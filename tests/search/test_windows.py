"""Pieces of a segment's text and a moment's closeness from stored piece vectors."""

from __future__ import annotations

import numpy as np

from bot.search.windows import NO_VECTOR, PIECE_WORDS, WindowVectors, piece_key, pieces


def test_a_text_is_cut_into_equal_pieces_of_at_most_32_words() -> None:
    assert pieces("") == [] and pieces("   \n") == []
    assert pieces("one short caption") == ["one short caption"]
    words = [f"w{i}" for i in range(70)]  # 70 words: 3 pieces of 24, 24 and 22
    cut = pieces(" ".join(words))
    assert [len(p.split()) for p in cut] == [24, 24, 22]
    assert " ".join(cut).split() == words  # nothing lost, nothing repeated, in order
    assert all(len(p.split()) <= PIECE_WORDS for p in pieces(" ".join(words * 5)))


def test_a_piece_key_depends_on_its_text_only() -> None:
    assert piece_key("we shipped it on friday") == piece_key("we shipped it on friday")
    assert piece_key("we shipped it on friday") != piece_key("we shipped it on monday")
    assert 0 <= piece_key("x") < 2**64


def test_closeness_is_the_best_cosine_of_a_segments_pieces() -> None:
    vectors = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float16)
    # segment 0: rows 0 and 2; segment 1: no pieces; segment 2: row 1
    windows = WindowVectors(vectors, np.array([0, 2, 1]), np.array([0, 2, 2, 3]))
    assert windows.segments == 3
    query = np.array([0.6, 0.8], dtype=np.float32)
    close = windows.closeness(query, [2, 1, 0])
    assert close[1] == NO_VECTOR
    assert np.allclose(close[0], 0.8, atol=1e-3) and np.allclose(close[2], 1.0, atol=1e-3)
    assert windows.closeness(query, [1]) == [NO_VECTOR]
    assert windows.closeness(query, []) == []
