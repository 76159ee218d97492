"""Text as the search sees it: one normalisation for segments and queries alike.

`fold` keeps the length of the text (one character in, one out), so an offset in folded text
is the same offset in the original: a match found in folded text is highlighted in the original.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate

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


# -- abbreviations -------------------------------------------------------------------------
# Members type "ml" for what speakers say in full, and the other way round. Each phrase is one
# concept: a segment that says it is indexed under its short form too, and the phrase in a
# query becomes the short form, so "ml", "ML" and "machine learning" find one another.
ABBREVIATIONS = {
    "machine learning": "ml",
    "artificial intelligence": "ai",
    "deep learning": "dl",
    "natural language processing": "nlp",
    "large language model": "llm",
    "large language models": "llms",
    "reinforcement learning": "rl",
}
PHRASES = {  # short form → the phrases it stands for
    short: tuple(phrase for phrase, its in ABBREVIATIONS.items() if its == short)
    for short in ABBREVIATIONS.values()
}
_PHRASE = re.compile(
    r"(?<![a-z0-9])(?:"
    + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True))
    + r")(?![a-z0-9])"
)


_LAST_WORDS = tuple({phrase.rsplit(" ", 1)[1] for phrase in ABBREVIATIONS})


def short_forms(folded: str) -> list[str]:
    """The short form of each abbreviated phrase said in folded text (`ml` per "machine
    learning")."""
    if not any(word in folded for word in _LAST_WORDS):  # most text: no regex scan at all
        return []
    return [ABBREVIATIONS[m.group()] for m in _PHRASE.finditer(folded)]


def abbreviate(terms: list[str]) -> list[str]:
    """Query terms with each abbreviated phrase as its short form."""
    text = " ".join(terms)
    return tokens(_PHRASE.sub(lambda m: ABBREVIATIONS[m.group()], text)) if terms else terms


# -- word forms ----------------------------------------------------------------------------
# Members type "visualising" for "visualize", "colours" for "colors", "learnt" for "learned",
# "sixty" for "60". A light stemmer maps such forms to one key; the index groups its vocabulary
# by key so a query word reaches every form the archive holds.
_IRREGULAR = {"learnt": "learn", "spelt": "spell", "dreamt": "dream", "burnt": "burn"}
_BRITISH = re.compile(r"(?<=[a-z]{3})our(?=(?:s|ed|ing|ite|ites|ful)?$)")
_ISE = re.compile(r"(?<=[a-z]{4})is(?=(?:e|es|ed|ing|ation|ations|er|ers)$)")
_DOUBLE = re.compile(r"([b-df-hj-kmnp-rtv-y])\1$")  # not l, s, z: call, pass, buzz
_VOWEL = re.compile(r"[aeiouy]")
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_TENS = "thirty forty fifty sixty seventy eighty ninety"
_NUMBERS = {word: str(value) for value, word in enumerate(_NUMBER_WORDS.split())}
_NUMBERS.update({word: str(30 + 10 * i) for i, word in enumerate(_TENS.split())})
_NUMBERS.update({"hundred": "100", "thousand": "1000", "million": "1000000"})
_DIGITS = {digits: word for word, digits in _NUMBERS.items()}


def stem(term: str) -> str:
    """A key shared by a word's inflections and spellings (`zipping` → `zip`, `colours` →
    `color`, `visualising` → `visualiz`); short words and numbers are their own key."""
    if term in _IRREGULAR:
        return _IRREGULAR[term]
    if len(term) <= 3 or not term.isalpha():
        return term
    word = _ISE.sub("iz", _BRITISH.sub("or", term))
    if word.endswith(("ies", "ied")) and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ing") and len(word) > 5 and _VOWEL.search(word[:-3]):
        word = _DOUBLE.sub(r"\1", word[:-3])
    elif (
        word.endswith("ed")
        and not word.endswith("eed")
        and len(word) > 4
        and _VOWEL.search(word[:-2])
    ):
        word = _DOUBLE.sub(r"\1", word[:-2])
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def number_alias(term: str) -> str | None:
    """The digits for a number word and the word for small numbers in digits (`ten` ↔ `10`)."""
    return _NUMBERS.get(term) or _DIGITS.get(term)


def _with_apostrophes(word: str) -> str:
    """A pattern for a term as it may be written: contractions and o' names take an
    apostrophe (`dont` → don't, `youre` → you're, `its` → it's, `oreilly` → o'reilly)."""
    cuts = set()
    if word.endswith(("nt", "s", "d", "m")):
        cuts.add(len(word) - 1)
    if word.endswith(("re", "ve", "ll")):
        cuts.add(len(word) - 2)
    if word.startswith("o"):
        cuts.add(1)
    cuts.discard(0)
    pieces, last = [], 0
    for cut in sorted(cuts):
        pieces.append(re.escape(word[last:cut]))
        last = cut
    pieces.append(re.escape(word[last:]))
    return "'?".join(pieces)


def word_finder(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds just these terms in folded text, as whole tokens (far quicker
    than splitting every candidate), with the apostrophes contractions and o' names take."""
    alternatives = sorted((_with_apostrophes(w) for w in words if w), key=len, reverse=True)
    body = "|".join(alternatives) or "(?!)"
    return re.compile(rf"(?<![a-z0-9])(?<![a-z0-9]')(?:{body})(?![a-z0-9])(?!'[a-z0-9])")


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_JOINING = re.compile(r"(?<=[a-z0-9])'(?=[a-z0-9])")


def _joined(folded: str) -> str:
    """Folded text whose terms are its runs of letters and digits: an apostrophe inside a
    term taken out (`don't` → `dont`), any other one a space."""
    if "''" not in folded:  # the common case, quickly: no apostrophe can join two terms
        return folded.replace("'", "")
    return _JOINING.sub("", folded).replace("'", " ")


@lru_cache(maxsize=8192)
def _ending(term: str) -> re.Pattern[str]:
    """The term where a run of letters and digits ends (where it starts is checked apart: a
    pattern that starts with the term's letters is searched for quickly)."""
    return re.compile(re.escape(term) + "(?![a-z0-9])")


def term_counts(texts: Sequence[str], terms: Iterable[str]) -> dict[str, dict[int, int]]:
    """For each of these terms, how often each folded text holds it (text index → count),
    exactly as `tokens` counts it; the texts are searched as one string, a term at a time, far
    quicker than splitting every text into terms."""
    pieces = [_joined(text) for text in texts]
    whole = " ".join(pieces)
    starts = list(accumulate((len(p) + 1 for p in pieces[:-1]), initial=0))
    found: dict[str, dict[int, int]] = {}
    for term in dict.fromkeys(terms):
        counts: dict[int, int] = {}
        for hit in _ending(term).finditer(whole) if term else ():
            at = hit.start()
            if at and whole[at - 1] in _ALNUM:
                continue
            which = bisect_right(starts, at) - 1
            counts[which] = counts.get(which, 0) + 1
        found[term] = counts
    return found
