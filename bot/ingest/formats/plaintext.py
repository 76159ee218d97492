"""Plain text with no times and no speakers (sample c, 3Blue1Brown and MLOps Community text).

A header it opens with (front matter, a `# Title` heading, `Title:` or `Episode 12: Title`
lines) states facts and is set aside. Each other non-empty line is a fragment; the shared
pipeline splits sentences, groups them into segments and estimates their times from word
positions (marked estimated).
"""

from __future__ import annotations

from bot.episodes.model import Transcript, Utterance
from bot.errors import NotTranscriptContent
from bot.ingest.formats.stated import leading_header
from bot.text import squash

FORMAT = "plain-text"
_MIN_WORDS = 20


def sniff(text: str, name: str) -> bool:
    return True  # the last resort: any text reads as plain text


def read(text: str, name: str) -> Transcript:
    lines = text.split("\n")
    header = leading_header(lines)
    utterances = [
        Utterance(squash(lines[index]), index + 1)
        for index in range(header.body, len(lines))
        if lines[index].strip()
    ]
    if sum(len(u.text.split()) for u in utterances) < _MIN_WORDS:
        raise NotTranscriptContent(f"fewer than {_MIN_WORDS} words of text")
    return Transcript(
        FORMAT,
        utterances,
        header.facts,
        set_aside=header.set_aside,
        notes=header.notes,
        fragments=True,
    )
