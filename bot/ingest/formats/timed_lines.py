"""Lines that start with a clock (`M:SS text`, `HH:MM:SS text`) or a clock line followed by text.

Covers sample b (YouTube auto-captions, `M:SS text`), sample e (`HH:MM:SS` then the caption
line) and Talk Python's `HH:MM:SS text` transcripts with inline `<v Name>` voice tags. A file
of a few dozen timed titles minutes apart is a chapter list, not a transcript. A header before
the first timed line (front matter, `Title:` lines) states facts and is not speech.
"""

from __future__ import annotations

import itertools
import re
import statistics

from bot.episodes.model import Transcript, Utterance
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats.stated import leading_header
from bot.text import parse_clock, squash

FORMAT = "timed-lines"

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIMED = re.compile(rf"^\s*\[?({_CLOCK})\]?\s+(\S.*)$")
_BARE = re.compile(rf"^\s*\[?({_CLOCK})\]?\s*$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_CLOSE_VOICE = re.compile(r"</v>")
_CHAPTER_MAX_LINES = 120
_CHAPTER_MIN_GAP = 30.0
_CHAPTER_MAX_WORDS = 14


def sniff(text: str, name: str) -> bool:
    lines = [line for line in text.split("\n")[:400] if line.strip()]
    if len(lines) < 3:
        return False
    timed = sum(1 for line in lines if _TIMED.match(line))
    bare = sum(1 for line in lines if _BARE.match(line))
    if timed >= 0.6 * len(lines):
        return True
    # Clock line, then its text line: about half the lines are bare clocks.
    return bare >= 0.35 * len(lines) and bare + timed >= 0.4 * len(lines)


def read(text: str, name: str) -> Transcript:
    lines = text.split("\n")
    header = leading_header(lines)
    utterances: list[Utterance] = []
    pending: float | None = None
    pending_used = True
    speaker: str | None = None
    for number in range(header.body + 1, len(lines) + 1):
        raw = lines[number - 1]
        if not raw.strip():
            continue
        bare = _BARE.match(raw)
        if bare:
            pending, pending_used = _clock(bare.group(1), number), False
            continue
        timed = _TIMED.match(raw)
        if timed:
            start: float | None = _clock(timed.group(1), number)
            body = timed.group(2)
        else:
            start = None if pending_used else pending  # None: continues the line before
            body = raw
        pending_used = True
        speaker, parts = _voices(body, speaker)
        for who, part, turn in parts:
            utterances.append(Utterance(squash(part), number, start, None, who, turn))
    if not utterances:
        raise ReaderError(None, "no timed text lines")
    _reject_chapter_list(utterances)
    return Transcript(
        FORMAT,
        utterances,
        header.facts,
        set_aside=header.set_aside,
        notes=header.notes,
        fragments=True,
    )


def _clock(value: str, line: int) -> float:
    seconds = parse_clock(value)
    if seconds is None:
        raise ReaderError(line, f"{value!r} is not a time")
    return seconds


_Part = tuple[str | None, str, bool]


def _voices(
    body: str, speaker: str | None
) -> tuple[str | None, list[tuple[str | None, str, bool]]]:
    """Split a line at `<v Name>` tags into (speaker, text, starts a new turn) parts.

    Returns the speaker in force after the line, and the parts with text.
    """
    body = _CLOSE_VOICE.sub("", body)
    parts: list[_Part] = []
    last, turn, current = 0, False, speaker
    for m in _VOICE.finditer(body):
        chunk = body[last : m.start()]
        if chunk.strip():
            parts.append((current, chunk, turn))
            turn = False
        new = squash(m.group(1))
        turn = turn or new != current
        current, last = new, m.end()
    chunk = body[last:]
    if chunk.strip():
        parts.append((current, chunk, turn))
    return current, parts


def _reject_chapter_list(utterances: list[Utterance]) -> None:
    """Raise NotTranscriptContent for a chapter list: few short titles, minutes apart."""
    if len(utterances) > _CHAPTER_MAX_LINES:
        return
    starts = [u.start for u in utterances if u.start is not None]
    if len(starts) < 3:
        return
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    lengths = [len(u.text.split()) for u in utterances]
    if (
        statistics.median(gaps) >= _CHAPTER_MIN_GAP
        and statistics.median(lengths) <= _CHAPTER_MAX_WORDS
    ):
        raise NotTranscriptContent(
            f"a chapter list ({len(utterances)} timed titles), not a transcript"
        )
