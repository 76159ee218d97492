"""Plain text with no times and no speakers (sample c, 3Blue1Brown and MLOps Community text).

Each non-empty line is a fragment; the shared pipeline splits sentences, groups them into
segments and estimates their times from word positions (marked estimated).
"""

from __future__ import annotations

from bot.episodes.model import Transcript, Utterance
from bot.errors import NotTranscriptContent
from bot.text import squash

FORMAT = "plain-text"
_MIN_WORDS = 20


def sniff(text: str, name: str) -> bool:
    return True  # the last resort: any text reads as plain text


def read(text: str, name: str) -> Transcript:
    utterances = [
        Utterance(squash(line), number)
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]
    if sum(len(u.text.split()) for u in utterances) < _MIN_WORDS:
        raise NotTranscriptContent(f"fewer than {_MIN_WORDS} words of text")
    return Transcript(FORMAT, utterances, fragments=True)
