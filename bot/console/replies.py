"""What a console command answers: plain data that `view` draws (no terminal codes here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tone = Literal["quote", "info", "error"]
Style = Literal["", "match", "strong", "dim"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text; `match` is the matched words of a quote, `strong` a heading or title."""

    text: str
    style: Style = ""


Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Card:
    """An embed-like card: title and link, body lines, named fields, a footer."""

    title: str
    url: str | None = None
    lines: tuple[Line, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    footer: str = ""
    tone: Tone = "quote"


@dataclass(frozen=True, slots=True)
class Notice:
    """A line or a few of plain text (Discord's private one-line answers)."""

    text: str
    tone: Tone = "info"


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's answer. `ok` is False when it found nothing or was wrong (exit status 1
    for `-c`); `quit` ends the console."""

    parts: tuple[Card | Notice, ...] = ()
    ok: bool = True
    quit: bool = False

    @classmethod
    def say(cls, text: str) -> Reply:
        return cls((Notice(text),))

    @classmethod
    def refuse(cls, text: str) -> Reply:
        return cls((Notice(text, "error"),), ok=False)
