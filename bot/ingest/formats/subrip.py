"""SubRip (.srt) captions, read with the `srt` library; line numbers from its own cue regex.

SubRip has no header, but some files open with one anyway (`Title: …` lines, front matter):
it states the episode's facts and is set aside before the cues are parsed."""

from __future__ import annotations

import re

import srt  # type: ignore[import-untyped]

from bot.episodes.model import Transcript
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats.captions import (
    NOTES_PER_KIND,
    CaptionBuilder,
    LineCounter,
    caption_transcript,
    cue_pieces,
    normalise_newlines,
    speaker_names,
    timing_notes,
)
from bot.ingest.formats.stated import leading_header
from bot.text import line_of, squash

FORMAT = "subrip"

_TIMING = re.compile(r"[ \t]*\d+:\d\d:\d\d[,.]\d+ *--> *\d+:\d\d:\d\d[,.]\d+")
_SNIFF_LINES = 30
# Formatting tags SubRip players accept (<i>, <b>, <font color=...>) and ASS overrides ({\an8}).
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|\{\\[^{}]*\}")
# How a SubRip file must start (an optional cue number, then a timing); checked before
# `srt.parse`, whose search through leading garbage is quadratic (cubic in digit runs).
_START = re.compile(r"\s*(?:-?\d{1,12}(?:\.\d{0,12})?[ \t]*\n\s*)?\d{1,12}[:,.]\d{1,12}[:,.]\d")
# A cue text of one long run with no spaces: the words were glued together.
_GLUED = re.compile(r"\S{25,}")


def sniff(text: str, name: str) -> bool:
    """A SubRip timing line within the first lines, and no WEBVTT header."""
    head = text.lstrip("\ufeff")
    if head.startswith("WEBVTT"):
        return False
    return any(_TIMING.match(line) for line in head.split("\n", _SNIFF_LINES)[:_SNIFF_LINES])


def clean_text(text: str) -> str:
    """Cue text without formatting tags."""
    return _TAG.sub("", text)


def _subtitles(text: str) -> list[tuple[int, float, float, list[tuple[int, str]]]]:
    """(timing line, start, end, numbered text lines) of every cue, in source order.

    `srt.parse` finds the cues with `srt.SRT_REGEX`; the same matches give their lines.
    """
    cues: list[tuple[int, float, float, list[tuple[int, str]]]] = []
    if text.strip() and not _START.match(text):
        line = line_of(text, len(text) - len(text.lstrip()))
        raise ReaderError(line, "not SubRip: no cue number or timing line at the start")
    counter = LineCounter(text)
    subtitles = srt.parse(text)
    timing_line: int | None = None
    try:
        for match in srt.SRT_REGEX.finditer(text):
            timing_line = counter(match.start(2))
            subtitle = next(subtitles)
            first = counter(match.start(5))
            lines = [(first + k, line) for k, line in enumerate(subtitle.content.split("\n"))]
            start = subtitle.start.total_seconds()
            end = subtitle.end.total_seconds()
            cues.append((timing_line, float(start), float(end), lines))
        next(subtitles, None)  # the check for unreadable text after the last cue
    except srt.SRTParseError as exc:
        skipped = len(exc.unmatched_content) - len(exc.unmatched_content.lstrip())
        line = line_of(text, exc.expected_start + skipped)
        snippet = squash(exc.unmatched_content)[:60]
        where = f"after cue {len(cues)}" if cues else "before the first cue"
        raise ReaderError(line, f"not SubRip {where}: cannot read {snippet!r}") from exc
    except (ValueError, OverflowError, StopIteration) as exc:
        why = f"cue {len(cues) + 1}: time cannot be read ({exc})"
        raise ReaderError(timing_line, why) from exc
    return cues


def read(text: str, name: str) -> Transcript:
    """Read a SubRip file: multi-line cues, `Name:` prefixes, turn markers, sound cues."""
    text = normalise_newlines(text)
    all_lines = text.split("\n")
    header = leading_header(all_lines)
    if header.body:  # blank the header out, keeping every line where it was
        text = "\n" * header.body + "\n".join(all_lines[header.body :])
    cues = _subtitles(text)
    if not cues:
        raise NotTranscriptContent("no SubRip cues")
    names = speaker_names(
        ([line for _, line in lines] for _, _, _, lines in cues),
        voice_tags=False,
        clean_text=clean_text,
    )
    builder = CaptionBuilder()
    notes: list[str] = []
    glued = 0
    for timing_line, start, end, lines in cues:
        body = " ".join(line for _, line in lines)
        if not body.strip():
            notes.append(f"line {timing_line}: cue has no text; skipped")
            continue
        if _GLUED.search(body) and " " not in body.strip():
            glued += 1
            if glued <= NOTES_PER_KIND:
                notes.append(f"line {lines[0][0]}: cue text has no spaces (words run together)")
        for piece in cue_pieces(lines, names, voice_tags=False, clean_text=clean_text):
            builder.add(piece, start, end)
    builder.finish()
    if glued > NOTES_PER_KIND:
        notes.append(f"{glued - NOTES_PER_KIND} more cues have no spaces between words")
    notes.extend(timing_notes((f"line {n}", start, end) for n, start, end, _ in cues))
    notes.extend(header.notes)
    transcript = caption_transcript(FORMAT, builder, notes, names, facts=header.facts)
    transcript.set_aside[:0] = header.set_aside
    return transcript
