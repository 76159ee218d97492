"""Turn a reader's utterances into quote-sized segments with finer timing kept inside.

Every format goes through this one path:
- never merge across a speaker change, a marked turn, a chapter heading or a long pause;
  what lies between two such cuts is a *run*;
- a run short enough to quote is one segment; a longer one is split into about equal parts of
  ~330 characters or ~25 seconds, each cut at the sentence end (else the pause) nearest its
  ideal place, so that no segment is a stub and none runs much past a minute.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

from bot.episodes.model import ChapterMark, Segment, Utterance
from bot.text import ends_sentence

PAUSE_SECONDS = 2.5
TARGET_CHARS = 330
TARGET_SECONDS = 25.0
WHOLE_CHARS = 420  # a run up to this size (and WHOLE_SECONDS) stays one segment
WHOLE_SECONDS = 35.0
CUE_SPACING = 1.0  # seconds between kept cues: links are to the second, word timings thinned
SPEAKING_RATE = 2.5  # words a second, to tell a pause from speech in start-only captions

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


@dataclass(slots=True)
class _Piece:
    text: str
    start: float | None
    end: float | None
    speaker: str | None
    line: int
    estimated: bool
    hard_break: bool
    chapter: int | None


def split_sentences(text: str) -> list[str]:
    """Split text at sentence ends followed by a capitalised word; keeps every character."""
    parts: list[str] = []
    last = 0
    for m in _SENTENCE_SPLIT.finditer(text):
        parts.append(text[last : m.start()].strip() + text[m.start() : m.end()].rstrip())
        last = m.end()
    parts.append(text[last:].strip())
    return [p for p in parts if p]


def chapter_of(utterance_count: int, marks: list[ChapterMark]) -> list[int | None]:
    """For each utterance index, the index of the chapter mark it falls under (or None)."""
    result: list[int | None] = [None] * utterance_count
    ordered = sorted(range(len(marks)), key=lambda i: marks[i].before)
    current: int | None = None
    pos = 0
    for idx in range(utterance_count):
        while pos < len(ordered) and marks[ordered[pos]].before <= idx:
            current = ordered[pos]
            pos += 1
        result[idx] = current
    return result


def make_pieces(
    utterances: list[Utterance],
    chapters: list[int | None],
    explode: bool,
) -> list[_Piece]:
    """Utterances as pieces, split into sentences when `explode` (untimed text)."""
    pieces: list[_Piece] = []
    prev_speaker: str | None = None
    prev_chapter: int | None = None
    for i, u in enumerate(utterances):
        hard = i == 0 or u.turn or u.speaker != prev_speaker or chapters[i] != prev_chapter
        prev_speaker, prev_chapter = u.speaker, chapters[i]
        texts = split_sentences(u.text) if explode else [u.text]
        for j, t in enumerate(texts):
            pieces.append(
                _Piece(t, u.start, u.end, u.speaker, u.line, False, hard and j == 0, chapters[i])
            )
    return pieces


def segment(pieces: list[_Piece], merge: bool) -> list[Segment]:
    """Group pieces into segments by the rules in the module docstring."""
    segments: list[Segment] = []
    for run in _runs(pieces, merge):
        for part in _split_run(run):
            segments.append(_close(part))
    return segments


def _runs(pieces: list[_Piece], merge: bool) -> list[list[_Piece]]:
    """Cut at what must never be merged across: turns, speakers, chapters, long pauses."""
    runs: list[list[_Piece]] = []
    for piece in pieces:
        if (
            not runs
            or not merge
            or piece.hard_break
            or _pause(runs[-1][-1], piece) >= PAUSE_SECONDS
        ):
            runs.append([piece])
        else:
            runs[-1].append(piece)
    return runs


def _pause(prev: _Piece, piece: _Piece) -> float:
    """Silence before `piece`: from the previous end, or beyond its expected speaking time."""
    if piece.start is None or prev.start is None:
        return 0.0
    if prev.end is not None and prev.end > prev.start:
        return piece.start - prev.end
    return piece.start - prev.start - len(prev.text.split()) / SPEAKING_RATE


def _size(run: list[_Piece], a: int, b: int) -> tuple[int, float]:
    """Characters and seconds of run[a:b]."""
    chars = sum(len(p.text) + 1 for p in run[a:b])
    first, last = run[a].start, run[b - 1].end if run[b - 1].end is not None else None
    if last is None and b < len(run):
        last = run[b].start
    seconds = (last - first) if first is not None and last is not None else 0.0
    return chars, max(seconds, 0.0)


def _split_run(run: list[_Piece]) -> list[list[_Piece]]:
    """Split a run into about equal parts near the targets, preferring sentence ends, then
    pauses, so no part is a stub and none passes the hard limits if it can be helped."""
    chars, seconds = _size(run, 0, len(run))
    if len(run) == 1 or (chars <= WHOLE_CHARS and seconds <= WHOLE_SECONDS):
        return [run]
    parts = math.ceil(max(chars / TARGET_CHARS, seconds / TARGET_SECONDS))
    offsets = [0]
    for p in run:
        offsets.append(offsets[-1] + len(p.text) + 1)
    punctuated = any(ends_sentence(p.text) for p in run[:-1])
    cuts: list[int] = []
    last_cut = 0
    for j in range(1, parts):
        ideal = chars * j / parts
        span = chars / parts * 0.45
        best, best_score = None, -math.inf
        for i in range(last_cut + 1, len(run)):
            distance = abs(offsets[i] - ideal)
            if offsets[i] < ideal - span:
                continue
            if offsets[i] > ideal + span:
                break
            score = -distance / max(span, 1.0)
            if ends_sentence(run[i - 1].text):
                score += 2.0
            elif punctuated:
                score -= 1.0
            score += min(max(_pause(run[i - 1], run[i]), 0.0), 2.0)
            if score > best_score:
                best, best_score = i, score
        if best is not None:
            cuts.append(best)
            last_cut = best
    bounds = [0, *cuts, len(run)]
    return [run[a:b] for a, b in itertools.pairwise(bounds) if a < b]


def _close(pieces: list[_Piece]) -> Segment:
    text_parts: list[str] = []
    cues: list[tuple[int, float]] = []
    offset = 0
    for p in pieces:
        if p.start is not None and (not cues or p.start - cues[-1][1] >= CUE_SPACING):
            cues.append((offset, round(p.start, 2)))
        text_parts.append(p.text)
        offset += len(p.text) + 1
    first, last = pieces[0], pieces[-1]
    end = last.end if last.end is not None else None
    start = first.start
    if end is not None and start is not None and end < start:
        end = start
    if len(cues) == 1 and cues[0][0] == 0:
        cues = []
    return Segment(
        start=None if start is None else round(start, 2),
        end=None if end is None else round(end, 2),
        speaker=first.speaker,
        text=" ".join(text_parts),
        chapter=first.chapter,
        cues=tuple(cues),
        estimated=any(p.estimated for p in pieces),
        line=first.line,
    )
