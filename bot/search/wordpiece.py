"""The sentence model's tokenizer: BERT's uncased WordPiece, read from its `tokenizer.json`.

all-MiniLM-L6-v2 cuts text the way BERT does: clean and lowercase it, strip accents, put
each CJK character and punctuation mark on its own, then split each word greedily into the
longest pieces of a 30,522-entry vocabulary (`##` marks a piece inside a word). This module
replaces Hugging Face's `tokenizers`, whose wheel brings `huggingface-hub` and its network
stack (~35 MB installed) to a bot that encodes a few short texts per query;
`tests/search/test_wordpiece.py` checks both give the same ids on real transcripts (and they
did on every segment and title of the whole corpus: `bench/wordpiece_check.py`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

WORDS_KEPT = 100_000  # words whose pieces are kept (a transcript archive's vocabulary)
# The code points BERT treats as CJK characters (each one a word of its own).
_CJK = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def _is_cjk(code: int) -> bool:
    return any(low <= code <= high for low, high in _CJK)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


# ASCII text (most of an English archive) takes a short way through the same rules.
_ASCII_CLEAN = {c: None for c in [*range(32), 127] if chr(c) not in "\t\n\r"} | {
    ord("\t"): " ",
    ord("\n"): " ",
    ord("\r"): " ",
}
_ASCII_WORDS = re.compile(r"[^\s!-/:-@\[-`{-~]+|[!-/:-@\[-`{-~]")


def _normalized(text: str) -> str:
    """BertNormalizer: control characters out, whitespace as spaces, spaces around CJK,
    accents stripped, lowercase."""
    if text.isascii():
        return text.translate(_ASCII_CLEAN).lower()
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code in (0, 0xFFFD) or (
            char not in "\t\n\r" and unicodedata.category(char).startswith("C")
        ):
            continue
        if char.isspace():
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def _words(text: str) -> list[str]:
    """BertPreTokenizer: split on whitespace; each punctuation mark a word of its own."""
    if text.isascii():
        return _ASCII_WORDS.findall(text)
    words: list[str] = []
    for chunk in text.split():
        start = 0
        for i, char in enumerate(chunk):
            if _is_punctuation(char):
                if i > start:
                    words.append(chunk[start:i])
                words.append(char)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


class WordPiece:
    """Text → the model's token ids: [CLS], the pieces of each word, [SEP]."""

    def __init__(self, vocab: dict[str, int], max_tokens: int, max_word_chars: int = 100) -> None:
        self.vocab = vocab
        self.max_tokens = max_tokens
        self.max_word_chars = max_word_chars
        self.unk, self.cls, self.sep = vocab["[UNK]"], vocab["[CLS]"], vocab["[SEP]"]
        self._known: dict[str, list[int]] = {}  # each word's pieces, once worked out

    @classmethod
    def load(cls, path: Path, max_tokens: int) -> WordPiece:
        """The vocabulary of a Hugging Face `tokenizer.json` (a WordPiece model)."""
        model = json.loads(path.read_text(encoding="utf-8"))["model"]
        if model.get("type") != "WordPiece":
            raise ValueError(f"{path}: not a WordPiece tokenizer ({model.get('type')})")
        return cls(dict(model["vocab"]), max_tokens, int(model["max_input_chars_per_word"]))

    def _pieces(self, word: str) -> list[int]:
        known = self._known.get(word)
        if known is None:
            if len(self._known) >= WORDS_KEPT:
                self._known.clear()
            known = self._known[word] = self._split(word)
        return known

    def _split(self, word: str) -> list[int]:
        if len(word) > self.max_word_chars:
            return [self.unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    pieces.append(found)
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        """The ids of `text`, cut to `max_tokens` with [CLS] and [SEP] included."""
        ids = [self.cls]
        for word in _words(_normalized(text)):
            ids += self._pieces(word)
            if len(ids) >= self.max_tokens - 1:
                break
        return [*ids[: self.max_tokens - 1], self.sep]
