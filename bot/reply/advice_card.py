"""Reply data for a piece of daily advice, within Discord's limits, text escaped (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.advice.scoring import Candidate
from bot.reply.cards import (
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    clip,
    escape_clip,
    thumbnail,
    timestamp,
)

MARKER = "Daily advice for"  # with the local date, it names a server's post of that day


@dataclass(frozen=True, slots=True)
class AdviceCard:
    """Everything an advice post shows; strings already escaped and within limits."""

    title: str
    url: str | None
    advice: str  # Markdown: the escaped words in quotes, "…" where a sentence was cut
    speaker: str | None  # None when the source does not say who speaks
    when: str
    episode: str
    footer: str
    thumbnail: str | None


def quoted(text: str, escape: Callable[[str], str]) -> str:
    """The advice in quotation marks, with "…" where it starts or ends inside a sentence."""
    text = text.strip()
    lead = "…" if text[:1].islower() else ""
    tail = "" if text[-1:] in ".!?…\"”'’" else "…"
    return f"“{lead}{escape(text)}{tail}”"


def footer_for(day: dt.date | None) -> str:
    """The footer that marks a day's post (so a restart can find it in the channel)."""
    return f"{MARKER} {day.isoformat()}" if day else "Advice from the archive"


def advice_card(candidate: Candidate, day: dt.date | None = None) -> AdviceCard:
    """The card for one candidate; `day` marks it as that day's daily post."""
    episode = candidate.episode
    return AdviceCard(
        title=clip(f"💡 {episode.title}", TITLE_LIMIT),
        url=candidate.url,
        advice=quoted(candidate.text, lambda t: escape_clip(t, DESCRIPTION_LIMIT - 8)),
        speaker=escape_clip(candidate.speaker, FIELD_VALUE_LIMIT) if candidate.speaker else None,
        when=timestamp(candidate.start, candidate.segment.estimated) or "unknown",
        episode=escape_clip(episode.title, FIELD_VALUE_LIMIT),
        footer=clip(footer_for(day), FOOTER_LIMIT),
        thumbnail=thumbnail(episode),
    )
