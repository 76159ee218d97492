"""Show-notes pages with no transcript (Pelican Markdown): recognised so they are skipped."""

from __future__ import annotations

import re

from bot.episodes.model import Transcript
from bot.errors import NotTranscriptContent

FORMAT = "show-notes"

_PELICAN = re.compile(r"^(Title|Date|Slug|url|save_as|Author|Category|Tags):\s", re.IGNORECASE)
_TRANSCRIPT_HINT = re.compile(r"transcript", re.IGNORECASE)


def sniff(text: str, name: str) -> bool:
    head = text.split("\n")[:12]
    meta = sum(1 for line in head if _PELICAN.match(line))
    return meta >= 2 and re.search(r"(?m)^#{2,3} ", text) is not None


def read(text: str, name: str) -> Transcript:
    hint = " (it only mentions a transcript)" if _TRANSCRIPT_HINT.search(text) else ""
    raise NotTranscriptContent(f"show notes with no transcript{hint}")
