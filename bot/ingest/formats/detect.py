"""Decide a file's format from its content (the extension only breaks ties)."""

from __future__ import annotations

from types import ModuleType

from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats import (
    datatalks,
    datatalks_scraped,
    html_feed,
    json_timed,
    plaintext,
    podlove,
    show_notes,
    speaker_paragraphs,
    subrip,
    timed_lines,
    vtt,
)

# Asked in this order; the first whose sniff() says yes reads the file. Specific, structured
# formats first; plain text last, as it reads anything that is text.
READERS: tuple[ModuleType, ...] = (
    json_timed,
    podlove,
    vtt,
    html_feed,
    subrip,
    datatalks,
    show_notes,
    speaker_paragraphs,
    datatalks_scraped,
    timed_lines,
    plaintext,
)


def decode(data: bytes) -> str:
    """Bytes → text: UTF-8 (BOM allowed) or UTF-16 with a BOM; anything else is an error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReaderError(None, f"not valid UTF-16 text: {exc.reason}") from exc
    if b"\x00" in data[:8192]:
        raise ReaderError(None, "binary file (NUL bytes), not a text transcript")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReaderError(line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect(text: str, name: str) -> ModuleType:
    """The reader module for this content; `NotTranscriptContent` when none fits."""
    if not text.strip():
        raise NotTranscriptContent("empty file")
    for reader in READERS:
        if reader.sniff(text, name):
            return reader
    raise NotTranscriptContent("no known transcript format")
