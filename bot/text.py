"""Small text helpers shared by every stage: clocks, words, slugs (imports nothing)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,3}):(\d{2})(?:[.,](\d{1,3}))?$")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")

# Characters that YAML treats as line breaks or forbids, and JSON would write raw.
_UNSAFE = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85])
_UNSAFE.update(dict.fromkeys([0x2028, 0x2029, 0xFEFF]))


def squash(text: str) -> str:
    """Collapse every run of white space to one space and strip the ends."""
    return _SPACE.sub(" ", text).strip()


def clean(text: str) -> str:
    """Text as stored in a segment: NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text)
    return squash(text.translate(dict.fromkeys(_UNSAFE, " ")))


def parse_clock(value: str) -> float | None:
    """Seconds from `SS`-free clocks like `1:56`, `01:02:03`, `4:57:38.340`; None if not one."""
    m = _CLOCK.match(value.strip())
    if not m:
        return None
    hours, minutes, seconds, frac = m.groups()
    millis = (int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)) * 1000
    if frac:
        millis += int(frac.ljust(3, "0"))
    return millis / 1000


def format_clock(seconds: float) -> str:
    """`M:SS` under an hour, `H:MM:SS` after, as people read timestamps."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def slugify(text: str, limit: int = 60) -> str:
    """A URL-safe id part: ASCII lower case words joined by `-`, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


def words(text: str) -> list[str]:
    """The spoken words of a text, folded for comparison: case and punctuation removed."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return [w.replace("'", "") for w in _WORD.findall(folded)]


def ends_sentence(text: str) -> bool:
    """Whether the text ends with sentence punctuation (closing quotes allowed)."""
    return bool(_SENTENCE_END.search(text.rstrip()))


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1
