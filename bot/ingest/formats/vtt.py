"""WebVTT captions, read with webvtt-py; line numbers come from a scan of the same blocks.

webvtt-py skips a cue it cannot read without a word, so the scan checks that every cue block
it finds was read, and raises `ReaderError` for one that was not instead of losing its text.
The header (`WEBVTT - Title`, `Title: …` lines) and NOTE blocks state the episode's facts.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp
from webvtt.vtt import WebVTTCueBlock, WebVTTRegionBlock, WebVTTStyleBlock

from bot.episodes.model import Facts, Transcript
from bot.errors import ReaderError
from bot.ingest.formats.captions import (
    CaptionBuilder,
    caption_transcript,
    cue_pieces,
    normalise_newlines,
    speaker_names,
    timing_notes,
)
from bot.ingest.formats.stated import facts_from, key_value

FORMAT = "webvtt"

_TAG = re.compile(r"<[^<>]*>")
_HEADER = re.compile(r"WEBVTT(?=[ \t\n]|\Z)")
_NOTE = re.compile(r"NOTE(?=[ \t]|\Z)")
_NOT_TITLES = {"file", "captions", "subtitles"}  # `WEBVTT FILE` and the like name no episode

Numbered = list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class _Cue:
    """A cue block as found in the text: its timing line, times and numbered text lines."""

    timing_line: int
    start: float | None
    end: float | None
    lines: Numbered


def sniff(text: str, name: str) -> bool:
    """A WebVTT file starts with the `WEBVTT` header line."""
    return _HEADER.match(text.lstrip("\ufeff")) is not None


def clean_text(text: str) -> str:
    """Cue text without tags (`<c>`, `<i>`, `</v>`, timestamps) and with entities decoded."""
    return html.unescape(_TAG.sub("", text))


def _blocks(lines: list[str]) -> list[Numbered]:
    """The text's blocks, cut exactly as webvtt-py cuts them, with 1-based line numbers.

    A block ends at an empty line; a line holding `-->` that cannot be the timing line of
    the current block starts a new one.
    """
    blocks: list[Numbered] = []
    block: Numbered = []
    in_header = True
    for number, line in enumerate(lines, 1):
        starts_new = bool(block) and "-->" in line
        starts_new = starts_new and (in_header or len(block) > 1 or "-->" in block[0][1])
        if (not line or starts_new) and block:
            blocks.append(block)
            block = []
            in_header = False
        if line:
            block.append((number, line))
    if block:
        blocks.append(block)
    return blocks


def _seconds(timestamp: Timestamp) -> float:
    """A webvtt-py timestamp in seconds."""
    return timestamp.in_milliseconds() / 1000


def _cues(text: str, notes: list[str]) -> list[_Cue]:
    """Every cue (and stray text block) in source order, read by webvtt-py and checked."""
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise ReaderError(1, f"webvtt-py cannot read it: {exc}") from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cues: list[_Cue] = []
    used = 0
    number = 0
    seen_arrow = False
    for block in _blocks(lines)[1:]:
        texts = [line for _, line in block]
        after_arrow, seen_arrow = seen_arrow, seen_arrow or any("-->" in t for t in texts)
        if WebVTTCueBlock.is_valid(texts):
            timing = 0 if WebVTTCueBlock.CUE_TIMINGS_PATTERN.match(texts[0]) else 1
            timing_line = block[timing][0]
            number += 1
            parsed = WebVTTCueBlock.from_lines(texts)
            for label, value in (("start", parsed.start), ("end", parsed.end)):
                try:
                    Timestamp.from_string(value)
                except MalformedCaptionError as exc:
                    why = f"cue {number}: {label} time {value!r} is not a time"
                    raise ReaderError(timing_line, why) from exc
            if used >= len(captions) or captions[used].lines != parsed.payload:
                raise ReaderError(timing_line, f"cue {number}: webvtt-py read it differently")
            caption = captions[used]
            used += 1
            start, end = _seconds(caption.start_time), _seconds(caption.end_time)
            cues.append(_Cue(timing_line, start, end, block[timing + 1 :]))
        elif (
            _NOTE.match(texts[0])
            or WebVTTStyleBlock.is_valid(texts)
            or (WebVTTRegionBlock.is_valid(texts) and not after_arrow)
        ):
            continue
        elif any("-->" in line for line in texts):
            where, line = next((n, t) for n, t in block if "-->" in t)
            why = f"cue {number + 1}: timing line {line.strip()!r} is not understood"
            raise ReaderError(where, why)
        else:
            notes.append(f"line {block[0][0]}: text block with no timing line; kept untimed")
            cues.append(_Cue(block[0][0], None, None, block))
    if used != len(captions):
        raise ReaderError(None, "webvtt-py read more cues than the scan found")
    return cues


def read(text: str, name: str) -> Transcript:
    """Read a WebVTT file: voice tags, turn markers, `Name:` prefixes, sound cues, notes."""
    text = normalise_newlines(text)
    if not _HEADER.match(text):
        raise ReaderError(1, "no WEBVTT header on the first line")
    notes: list[str] = []
    cues = _cues(text, notes)
    names = speaker_names(
        ([line for _, line in cue.lines] for cue in cues), voice_tags=True, clean_text=clean_text
    )
    builder = CaptionBuilder()
    voices: dict[str, None] = {}
    for cue in cues:
        for piece in cue_pieces(cue.lines, names, voice_tags=True, clean_text=clean_text):
            if piece.voice is not None:
                voices.setdefault(piece.voice)
            builder.add(piece, cue.start, cue.end)
    builder.finish()
    timed = [(c.timing_line, c.start, c.end) for c in cues if c.start is not None]
    notes.extend(timing_notes((f"line {n}", s, e) for n, s, e in timed if e is not None))
    facts = _stated(text.split("\n"))
    return caption_transcript(FORMAT, builder, notes, names, voices, facts=facts)


def _stated(lines: list[str]) -> Facts:
    """What the header and the NOTE blocks state: `WEBVTT - Title`, `Title: …`, `Episode: 12`."""
    blocks = _blocks(lines)
    if not blocks:
        return Facts()
    header = [line for _, line in blocks[0]]
    after = header[0][len("WEBVTT") :].strip(" \t-–—:")
    pairs: list[tuple[str, str]] = []
    if after and key_value(after) is None and after.casefold() not in _NOT_TITLES:
        pairs.append(("title", after))
    texts = [after, *header[1:]]
    for block in blocks[1:]:
        first = block[0][1]
        if _NOTE.match(first):
            texts.extend([first[len("NOTE") :], *(line for _, line in block[1:])])
    pairs.extend(pair for pair in map(key_value, texts) if pair is not None)
    return facts_from(pairs)
