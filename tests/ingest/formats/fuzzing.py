"""The property every reader keeps: any text reads, or fails with our error types only."""

from __future__ import annotations

from types import ModuleType

from bot.errors import NotTranscriptContent, ReaderError


def reads_or_fails_cleanly(reader: ModuleType, text: str, name: str) -> None:
    """`reader.read(text)` raises nothing but our errors, and keeps no empty utterance."""
    try:
        transcript = reader.read(text, name)
    except (ReaderError, NotTranscriptContent):
        return
    assert all(u.text.strip() for u in transcript.utterances)
