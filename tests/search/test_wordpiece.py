"""Our WordPiece gives the sentence model the ids Hugging Face's tokenizer gives it."""

from __future__ import annotations

import pytest

from bot.episodes.library import Library
from bot.search.meaning import MAX_TOKENS
from bot.search.wordpiece import WordPiece
from tests.conftest import DATA, MODEL, needs_model

HARD = [
    "naïve café Ünïcode ß straße İstanbul ǅ ﬁ",
    "日本語のテキスト 中文字符 mixed英文",
    "Ελληνικά κείμενο, Привет, мир!",
    "tab\there\u2028line\u00a0nbsp\u3000wide",
    "emoji 😀🎉 ok",
    "x" * 150,
    "don't stop—now… (really?) [yes] {no} <maybe> #1 @me",
    "\x00\x07control\ufffdchars\u200bzero-width",
    "word " * 400,
]


@pytest.fixture(scope="module")
def ours() -> WordPiece:
    assert MODEL is not None
    return WordPiece.load(MODEL / "tokenizer.json", MAX_TOKENS)


@needs_model
def test_the_same_ids_as_hugging_faces_tokenizer(ours: WordPiece) -> None:
    tokenizers = pytest.importorskip(
        "tokenizers", reason="tokenizers is not installed (the [check] extra, which CI installs)"
    )
    assert MODEL is not None
    theirs = tokenizers.Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    theirs.no_padding()
    theirs.enable_truncation(MAX_TOKENS)
    texts = list(HARD)
    for episode in Library.load(DATA / "episodes"):
        texts += [episode.title, *(segment.text for segment in episode.segments)]
    differ = [t for t in texts if ours.encode(t) != theirs.encode(t).ids]
    assert not differ, differ[:3]


@needs_model
def test_pieces_unknown_words_and_the_length_limit(ours: WordPiece) -> None:
    ids = ours.encode("Visualising")
    assert ids[0] == ours.cls and ids[-1] == ours.sep and len(ids) > 3  # visual ##ising
    assert ours.encode("x" * 150) == [ours.cls, ours.unk, ours.sep]  # over 100 characters
    assert ours.encode("") == [ours.cls, ours.sep]
    long = ours.encode("word " * 400)
    assert len(long) == MAX_TOKENS and long[-1] == ours.sep
    assert len(ours.encode("日本")) == 4  # each CJK character a word of its own
