"""Text copied from rendered DataTalks.Club pages: a disclaimer, the chapter list, then blocks

    Alexey
    : text (
    1:35
    )

with chapter titles between blocks. Times may be float-like (`0.0`).
"""

from __future__ import annotations

import re

from bot.episodes.model import ChapterMark, Facts, SetAside, Transcript, Utterance
from bot.errors import ReaderError
from bot.text import parse_clock, squash

FORMAT = "datatalks-scraped"

_NAME = re.compile(r"^[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}$")
_TIME = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?|\d+(?:\.\d+)?)\s*$")


def _is_block_start(lines: list[str], i: int) -> bool:
    return (
        i + 1 < len(lines) and bool(_NAME.match(lines[i].strip())) and lines[i + 1].startswith(":")
    )


def sniff(text: str, name: str) -> bool:
    lines = text.split("\n")
    return sum(1 for i in range(len(lines) - 1) if _is_block_start(lines, i)) >= 3


def _seconds(value: str) -> float | None:
    value = value.strip()
    clock = parse_clock(value)
    if clock is not None:
        return clock
    try:
        return float(value)
    except ValueError:
        return None


def read(text: str, name: str) -> Transcript:
    lines = text.split("\n")
    first = next((i for i in range(len(lines)) if _is_block_start(lines, i)), None)
    if first is None:
        raise ReaderError(None, "no 'Name' / ': text' blocks found")
    set_aside: list[SetAside] = []
    toc: set[str] = set()
    banner_done = False
    for i in range(first):
        line = squash(lines[i])
        if not line:
            continue
        if not banner_done and (
            line.endswith(",")
            or line in {".", "let us know"}
            or line.startswith("The transcripts are")
            or line.startswith("If you notice")
        ):
            set_aside.append(SetAside("page banner", line, i + 1))
            continue
        banner_done = True
        if line in toc:  # the first chapter title, repeated just before the first block
            continue
        toc.add(line)
        set_aside.append(SetAside("chapter list", line, i + 1))
    chapters: list[ChapterMark] = []
    utterances: list[Utterance] = []
    pending_title = next(
        (squash(lines[j]) for j in range(first - 1, -1, -1) if squash(lines[j]) in toc), None
    )
    if pending_title:
        chapters.append(ChapterMark(pending_title, 0))
    i = first
    while i < len(lines):
        if _is_block_start(lines, i):
            speaker, number = squash(lines[i]), i + 2
            i, body, start = _block(lines, i + 1)
            if body:
                utterances.append(Utterance(body, number, start, None, speaker, True))
            continue
        line = squash(lines[i])
        if line in toc:
            chapters.append(ChapterMark(line, len(utterances)))
        elif line:  # page text between blocks (a newsletter box, a footer): not speech
            set_aside.append(SetAside("page text", line, i + 1))
        i += 1
    if not utterances:
        raise ReaderError(first + 1, "no transcript blocks")
    facts = Facts(show="DataTalks.Club")
    for u in utterances:
        if u.speaker:
            facts.speakers.setdefault(u.speaker, None)
    return Transcript(FORMAT, utterances, facts, chapters, set_aside, [], fragments=False)


def _block(lines: list[str], i: int) -> tuple[int, str, float | None]:
    """Read `: text (` … `time` … `)` from line i; return the next line index, text, time."""
    parts = [lines[i][1:]]
    i += 1
    while i < len(lines) and not _is_block_start(lines, i):
        if (
            parts[-1].rstrip().endswith("(")
            and _TIME.match(lines[i])
            and i + 1 < len(lines)
            and lines[i + 1].strip() == ")"
        ):
            parts[-1] = parts[-1].rstrip()[:-1]
            return i + 2, squash(" ".join(parts)), _seconds(lines[i])
        if not lines[i].strip():
            break
        parts.append(lines[i])
        i += 1
    return i, squash(" ".join(parts)), None
