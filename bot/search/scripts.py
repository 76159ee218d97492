"""Letters of any script: how each character folds, and which kind of word it belongs to.

`fold` turns text into these characters, one for one: a space for anything that is not part
of a word, an apostrophe, or a letter, digit or mark of one of three kinds of word:

- *Latin* (`LATIN`): a-z and 0-9 (accents off: é → e, ø → o), and the Latin letters that
  have no one-letter ASCII form (ß, æ, œ, ŋ …). A term spells ß, æ and œ out (`spelled`):
  "strasse" and "Straße" are one term, while the folded text keeps ß, so offsets still hold.
- *CJK* (`CJK`): Han, Hiragana, Katakana, Hangul. Written without spaces between words, a
  run of them is searched by its overlapping pairs of characters (`grams`).
- any *other* script (Cyrillic, Greek, Arabic, Devanagari …): runs of its letters, digits
  and marks, as words. Greek loses its accents (ά → α) and final sigma (ς → σ); Cyrillic ё
  is е.
"""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = "'’‘ʼ`´"
LATIN = (
    "a-z0-9\u00c0-\u024f\u0250-\u02af\u1d00-\u1dbf\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff"
    "\uab30-\uab6f"
)
CJK = (
    "\u1100-\u11ff\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b\u303c\u3040-\u30ff"
    "\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uffdc\U0001b000-\U0001b16f\U00020000-\U000323af"
)
OTHER = f"[^ '{LATIN}{CJK}]"  # what else `fold` leaves in a word: any other script
_IS_LATIN = re.compile(f"[{LATIN}]")
_IS_CJK = re.compile(f"[{CJK}]")
_SPELLED = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe"})
# Latin letters with no ASCII decomposition that read as one ASCII letter.
_AS_ASCII = {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ð": "d"}
# Combining marks over letters of any script (accents): dropped. Marks of a script of their
# own (Devanagari's vowel signs, Thai's, Hebrew points …) are part of its words.
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_GREEK = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")
_CYRILLIC = re.compile("[\u0400-\u052f\u1c80-\u1c8f\ua640-\ua69f]")


def is_latin(ch: str) -> bool:
    return _IS_LATIN.match(ch) is not None


def is_cjk(ch: str) -> bool:
    return _IS_CJK.match(ch) is not None


def fold_char(ch: str) -> str:
    """One character as the search sees it: always one character (see the module)."""
    if ch in APOSTROPHES:
        return "'"
    if ch.isascii():
        return ch.lower() if ch.isalnum() else " "
    base = unicodedata.normalize("NFKD", ch)
    letters = [c for c in base if not unicodedata.combining(c)]
    if len(letters) == 1 and letters[0].isascii() and letters[0].isalnum():
        return letters[0].lower()
    if ch.isalnum():
        return _letter(ch, letters)
    if unicodedata.category(ch).startswith("M") and not _DIACRITICS.match(ch) and not is_cjk(ch):
        return ch
    return " "


def _letter(ch: str, letters: list[str]) -> str:
    """A letter or digit with no ASCII form, lower case and folded as its script wants."""
    lowered = ch.lower() if len(ch.lower()) == 1 else ch
    if lowered in _AS_ASCII:
        return _AS_ASCII[lowered]
    if _GREEK.match(ch) and len(letters) == 1:
        letter = letters[0].lower()
        return "σ" if letter == "ς" else letter  # final sigma, or the lunate sigma symbol
    if _CYRILLIC.match(ch):
        return "е" if lowered == "ё" else lowered
    compatible = unicodedata.normalize("NFKC", lowered)  # half-width kana, Arabic forms …
    if len(compatible) != 1 or not compatible.isalnum():
        return lowered
    # What it stands for, folded in turn (a mathematical bold capital alpha is a Greek capital
    # alpha to NFKC, and that is α): so folded text folds to itself.
    return compatible if compatible == lowered else fold_char(compatible)


def spelled(word: str) -> str:
    """A Latin word as a term: ß, æ and œ spelled out (`straße` → `strasse`)."""
    return word if word.isascii() else word.translate(_SPELLED)


def grams(run: str) -> list[str]:
    """The terms of a run of CJK characters: its overlapping pairs (`機械学習` → 機械, 械学,
    学習), or the character itself when it stands alone."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]
