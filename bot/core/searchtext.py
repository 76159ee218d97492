"""Text as the search sees it: one normalisation for segments and queries alike.

`fold` keeps the length of the text (one character in, one out), so an offset in folded text
is the same offset in the original: a match found in folded text is highlighted in the original.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_APOSTROPHES = "'’‘ʼ`´"


def _fold_char(ch: str) -> str:
    if ch in _APOSTROPHES:
        return "'"
    if ch.isascii():
        return ch.lower() if ch.isalnum() else " "
    base = unicodedata.normalize("NFKD", ch)
    letters = [c for c in base if not unicodedata.combining(c)]
    if len(letters) == 1 and letters[0].isascii() and letters[0].isalnum():
        return letters[0].lower()
    if ch.isalnum():  # a letter with no ASCII form keeps its place as a letter
        lowered = ch.lower()
        return lowered if len(lowered) == 1 else ch
    return " "


class _FoldTable(dict[int, str]):
    """A `str.translate` table that works out each character once, on first sight."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case, accents off, curly quotes straight, punctuation to spaces; same length."""
    return text.translate(_TABLE)


def tokens(folded: str) -> list[str]:
    """The terms of folded text: letters and digits, apostrophes inside a word dropped."""
    return [t.replace("'", "") for t in _TOKEN.findall(folded)]


def token_spans(folded: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for each term of folded text."""
    return [(m.group().replace("'", ""), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
