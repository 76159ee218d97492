"""Text as the search sees it: one normalisation for segments and queries alike.

`fold` keeps the length of the text (one character in, one out), so an offset in folded text
is the same offset in the original: a match found in folded text is highlighted in the original.
Words of any script are terms (`bot.search.scripts`: Latin, CJK in pairs of characters, any
other); what a term adds to the text it comes from (ß as ss) is undone where it is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.search.scripts import CJK, LATIN, OTHER, fold_char, grams, is_cjk, is_latin, spelled

_LATIN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")  # all an ASCII text holds
_TOKEN = re.compile(
    rf"([{LATIN}]+(?:'[{LATIN}]+)*)|([{CJK}]+(?:'[{CJK}]+)*)|{OTHER}+(?:'{OTHER}+)*"
)
# French elision: l'équipe is "l" and "equipe", qu'il "qu" and "il"; its apostrophe parts
# two words, as a space would (an apostrophe inside any other word joins it: don't → dont,
# o'reilly → oreilly).
ELIDED = ("jusqu", "lorsqu", "puisqu", "quoiqu", "qu", "c", "d", "j", "l", "m", "n", "s", "t")
_ELISION = re.compile(
    "'(?=[aeiouyhæœ])(?:" + "|".join(f"(?<=(?<![{LATIN}]){e}')" for e in ELIDED) + ")"
)


def _unelided(folded: str) -> str:
    """Folded text with the apostrophe of each elision a space (same length)."""
    if "'" not in folded or not _ELISION.search(folded):  # the common case, quickly
        return folded
    return _ELISION.sub(" ", folded)


class _FoldTable(dict[int, str]):
    """A `str.translate` table that works out each character once, on first sight."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case, accents off, curly quotes straight, punctuation to spaces; same length."""
    return text.translate(_TABLE)


def _runs(folded: str) -> Iterator[tuple[str, int, int, bool]]:
    """(word, start, end, is CJK) for each run of one kind of letters (see
    `bot.search.scripts`), apostrophes inside it dropped."""
    text = _unelided(folded)
    if text.isascii():
        for m in _LATIN_TOKEN.finditer(text):
            yield m.group().replace("'", ""), m.start(), m.end(), False
        return
    for m in _TOKEN.finditer(text):
        yield m.group().replace("'", ""), m.start(), m.end(), m.lastindex == 2


def words(folded: str) -> list[str]:
    """The words of folded text as written: a CJK run whole, ß kept (for aligning a query
    with the text)."""
    text = _unelided(folded)
    if text.isascii():
        return [t.replace("'", "") for t in _LATIN_TOKEN.findall(text)]
    return [word for word, *_ in _runs(text)]


def tokens(folded: str) -> list[str]:
    """The terms of folded text: letters and digits, apostrophes inside a word dropped, ß, æ
    and œ spelled out, a CJK run as its pairs of characters."""
    text = _unelided(folded)
    if text.isascii():  # the common case, quickly
        return [t.replace("'", "") for t in _LATIN_TOKEN.findall(text)]
    return [term for term, *_ in token_spans(text)]


def token_spans(folded: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for each term of folded text."""
    found = []
    for word, start, end, cjk in _runs(folded):
        if cjk:
            found += [
                (gram, start + i, start + i + len(gram)) for i, gram in enumerate(grams(word))
            ]
        else:
            found.append((spelled(word), start, end))
    return found


def spelled_out(folded: str) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """Folded text with ß, æ and œ spelled out (to align a query with it), and what turns a
    span of that text back into a span of the folded text."""
    if folded.isascii():
        return folded, lambda start, end: (start, end)
    where: list[int] = []
    for at, ch in enumerate(folded):
        where += [at] * len(spelled(ch))
    where.append(len(folded))

    def back(start: int, end: int) -> tuple[int, int]:
        return where[start], where[end - 1] + 1 if end > start else where[start]

    return spelled(folded), back


def cjk_characters(folded: str) -> list[str]:
    """Each character of the CJK runs of two or more, as a term of its own: a query of one
    character finds it inside a run (a run of one is already its own term)."""
    if folded.isascii():
        return []
    return [ch for word, _, _, cjk in _runs(folded) if cjk and len(word) > 1 for ch in word]


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
    rf"(?<![{LATIN}])(?:"
    + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True))
    + rf")(?![{LATIN}])"
)


_LAST_WORDS = tuple({phrase.rsplit(" ", 1)[1] for phrase in ABBREVIATIONS})


def short_forms(folded: str) -> list[str]:
    """The short form of each abbreviated phrase said in folded text (`ml` per "machine
    learning")."""
    if not any(word in folded for word in _LAST_WORDS):  # most text: no regex scan at all
        return []
    return [ABBREVIATIONS[m.group()] for m in _PHRASE.finditer(folded)]


def abbreviate(terms: list[str]) -> list[str]:
    """Query terms (or words) with each abbreviated phrase as its short form."""
    text = " ".join(terms)
    return words(_PHRASE.sub(lambda m: ABBREVIATIONS[m.group()], text)) if terms else terms


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


_SPELLED_IN_TEXT = {"ss": "(?:ss|ß)", "ae": "(?:ae|æ)", "oe": "(?:oe|œ)"}
_SPELLED_PAIR = re.compile("|".join(_SPELLED_IN_TEXT))


def _latin_pattern(term: str) -> str:
    """A pattern for a Latin term as it may be written: with the apostrophes of contractions
    and o' names, and ß, æ, œ where the term spells them out (`strasse` finds `straße`)."""
    usual = _with_apostrophes(term)
    if not _SPELLED_PAIR.search(term):
        return usual
    return f"(?:{usual}|{_SPELLED_PAIR.sub(lambda m: _SPELLED_IN_TEXT[m.group()], term)})"


@dataclass(frozen=True, slots=True)
class Finder:
    """What finds some terms in folded text (see `word_finder`, `find_words`)."""

    words: re.Pattern[str]  # Latin and any other script's terms, as whole runs
    cjk: re.Pattern[str] | None  # CJK pairs and characters, wherever they stand in a run


def word_finder(wanted: Iterable[str]) -> Finder:
    """What finds just these terms in folded text, as whole tokens (far quicker than
    splitting every candidate), with the apostrophes contractions and o' names take; a term
    of CJK characters anywhere in a run, overlapping.

    The patterns hold no class of letters beyond ASCII (such a class takes milliseconds to
    compile, and each query compiles its own): in ASCII text, where nearly every segment is,
    their bounds are exact; in any other, a match counts where a run of letters starts and
    ends (`find_words`)."""
    terms = [term for term in wanted if term]
    latin = [t for t in terms if _kind(t) == "latin"]
    # Longest first, whatever the set's order: a term that is the start of another ("ss" of
    # "ssae", both found in "ßæ") must not match the start of the other's run.
    latin.sort(key=lambda t: (-len(t), -len(_with_apostrophes(t)), t))
    body = "|".join(map(_latin_pattern, latin)) or "(?!)"
    kinds = [rf"(?<![a-z0-9])(?<![a-z0-9]')(?:{body})(?![a-z0-9])(?!'[a-z0-9])"]
    other = sorted((t for t in terms if _kind(t) == "other"), key=len, reverse=True)
    if other:  # apostrophes join their words too (п'ять)
        kinds.append("|".join("'?".join(map(re.escape, t)) for t in other))
    words = re.compile("|".join(kinds))
    cjk = [t for t in terms if _kind(t) == "cjk"]
    if not cjk:
        return Finder(words, None)
    pairs = "|".join(re.escape(t) for t in cjk if len(t) > 1) or "(?!)"
    single = "|".join(re.escape(t) for t in cjk if len(t) == 1) or "(?!)"
    # Lookaheads: pairs overlap (機械学習 holds 機械, 械学, 学習), and a pair holds a character.
    return Finder(words, re.compile(f"(?=({pairs}))(?:(?=({single}))|)|(?=({single}))"))


def find_words(finder: Finder, folded: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for each term the finder finds in folded text, in order."""
    text = _unelided(folded)
    if text.isascii():
        return [(m.group().replace("'", ""), *m.span()) for m in finder.words.finditer(text)]
    starts, ends = set(), set()
    for _, start, end, _ in _runs(text):
        starts.add(start)
        ends.add(end)
    hits = [
        (spelled(found.group().replace("'", "")), *found.span())
        for found in finder.words.finditer(text)
        if found.start() in starts and found.end() in ends
    ]
    for found in finder.cjk.finditer(text) if finder.cjk else ():
        for group in range(1, (found.lastindex or 0) + 1):
            if found.group(group) is not None:
                hits.append((found.group(group), found.start(group), found.end(group)))
    return sorted(hits, key=lambda hit: hit[1])


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _kind(term: str) -> str:
    """The kind of run a term comes from: "latin", "cjk" or "other" (`bot.search.scripts`)."""
    first = term[0]
    if first in _ALNUM or is_latin(first):
        return "latin"
    return "cjk" if is_cjk(first) else "other"
