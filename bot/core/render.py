"""Reply data for a quote, within Discord's limits, with transcript text escaped (pure).

The Discord adapter turns a `QuoteCard` into an embed and buttons; the console prints it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.model import Episode
from bot.core.search import Match
from bot.core.text import format_clock

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
BUTTON_LABEL_LIMIT = 80
CHOICE_NAME_LIMIT = 100
EMBED_TOTAL_LIMIT = 6000
QUOTE_WINDOW = 420  # characters of quote around the match: a readable window

_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#<@:-])")


def escape_markdown(text: str) -> str:
    """Escape everything Discord would read as Markdown, a link or a mention."""
    return _MARKDOWN.sub(r"\\\1", text)


def clip(text: str, limit: int) -> str:
    """Cut text to `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def escape_clip(text: str, limit: int) -> str:
    """Escaped text within `limit` characters, never ending on half an escape."""
    out = clip(escape_markdown(text), limit)
    if out.endswith("…"):
        body = out[:-1]
        trailing = len(body) - len(body.rstrip("\\"))
        if trailing % 2:
            out = body[:-1] + "…"
    return out


def timestamp(second: float | None, estimated: bool) -> str:
    """`17:41`, or `≈ 17:41` when the time is estimated; empty when unknown."""
    if second is None:
        return ""
    return ("≈ " if estimated else "") + format_clock(second)


def quote_window(
    text: str, span: tuple[int, int], width: int = QUOTE_WINDOW
) -> tuple[str, str, str]:
    """(before, matched, after): the match with whole words of context, `…` where cut."""
    start, end = max(0, span[0]), min(len(text), max(span[0], span[1]))
    if end - start > width:  # a very long match: keep its start
        end = start + width
        while end > start and not text[end - 1].isspace() and end < len(text):
            end -= 1
        end = end or start + width
    room = max(0, width - (end - start))
    left = start - room // 2
    right = end + (room - room // 2)
    if left < 0:
        right, left = right - left, 0
    if right > len(text):
        left, right = max(0, left - (right - len(text))), len(text)
    if left > 0:
        while left < start and not text[left - 1].isspace():
            left += 1
    if right < len(text):
        while right > end and not text[right].isspace():
            right -= 1
    before = text[left:start]
    after = text[end:right]
    return (
        ("…" if left > 0 else "") + before.lstrip(),
        text[start:end],
        after.rstrip() + ("…" if right < len(text) else ""),
    )


@dataclass(frozen=True, slots=True)
class QuoteCard:
    """Everything a quote reply shows; every string already within Discord's limits."""

    title: str
    url: str | None
    quote: str  # Markdown: escaped transcript text with the match in bold
    speaker: str
    when: str
    chapter: str | None
    thumbnail: str | None
    watch_label: str | None
    footer: str

    def total_length(self) -> int:
        parts = [self.title, self.quote, self.speaker, self.when, self.chapter or "", self.footer]
        return sum(len(p) for p in parts) + len("Speaker") + len("Time") + len("Chapter")


def quote_card(match: Match, rank: int = 1, of: int = 1) -> QuoteCard:
    """The card for one search result."""
    episode = match.episode
    before, hit, after = quote_window(match.segment.text, match.highlight)
    bold = f"**{escape_markdown(hit)}**" if hit.strip() else ""
    quote = clip(f"{escape_markdown(before)}{bold}{escape_markdown(after)}", DESCRIPTION_LIMIT)
    when = timestamp(match.start, match.estimated)
    chapter = None
    if match.segment.chapter is not None and match.segment.chapter < len(episode.chapters):
        chapter = escape_clip(episode.chapters[match.segment.chapter].title, FIELD_VALUE_LIMIT)
    thumbnail = (
        f"https://i.ytimg.com/vi/{episode.youtube_id}/hqdefault.jpg" if episode.youtube_id else None
    )
    watch = clip(f"Watch at {when}" if when else "Watch", BUTTON_LABEL_LIMIT) if match.url else None
    footer_bits = [episode.show or "", f"result {rank} of {of}" if of > 1 else ""]
    if match.estimated:
        footer_bits.append("time estimated from the transcript")
    return QuoteCard(
        title=clip(episode.title, TITLE_LIMIT),
        url=match.url,
        quote=quote,
        speaker=escape_clip(match.speaker or "Unknown speaker", FIELD_VALUE_LIMIT),
        when=when or "unknown",
        chapter=chapter,
        thumbnail=thumbnail,
        watch_label=watch,
        footer=clip(" · ".join(b for b in footer_bits if b), FOOTER_LIMIT),
    )


def context_text(match: Match, around: int = 1) -> str:
    """The segments just before and after a match (Markdown), the match's own in bold."""
    episode = match.episode
    first = max(0, match.position - around)
    last = min(len(episode.segments), match.position + around + 1)
    share = DESCRIPTION_LIMIT // max(1, last - first) - 60
    parts: list[str] = []
    for i in range(first, last):
        seg = episode.segments[i]
        when = timestamp(seg.start, seg.estimated) or "—"
        who = escape_clip(episode.full_name(seg.speaker) or "Unknown speaker", 100)
        body = escape_clip(seg.text, share)
        if i == match.position:
            body = f"**{body}**"
        parts.append(f"`{when}` {who}: {body}")
    return clip("\n\n".join(parts), DESCRIPTION_LIMIT)


EPISODES_PER_PAGE = 10
CHAPTER_LINES = 25


@dataclass(frozen=True, slots=True)
class EpisodeCard:
    """What /episode shows about one episode."""

    title: str
    url: str | None
    description: str
    fields: tuple[tuple[str, str], ...]
    thumbnail: str | None


def episode_link(episode: Episode) -> str | None:
    if episode.youtube_id:
        return f"https://www.youtube.com/watch?v={episode.youtube_id}"
    return episode.url


def episode_card(episode: Episode) -> EpisodeCard:
    """Title, show, guests, date, duration, link, number of quotes, chapters with times."""
    guests = [full or short for short, full in episode.speakers if short not in episode.hosts]
    hosts = [episode.full_name(h) or h for h in episode.hosts]
    facts: list[tuple[str, str]] = []
    if episode.show:
        facts.append(("Show", escape_clip(episode.show, FIELD_VALUE_LIMIT)))
    if hosts:
        facts.append(("Host", escape_clip(", ".join(hosts), FIELD_VALUE_LIMIT)))
    if guests:
        facts.append(("Guests", escape_clip(", ".join(guests), FIELD_VALUE_LIMIT)))
    if episode.date:
        facts.append(("Date", episode.date))
    duration = episode.duration or _last_time(episode)
    if duration:
        facts.append(("Duration", format_clock(duration)))
    facts.append(("Quotes", f"{len(episode.segments):,}"))
    timing = {"estimated": "estimated from the text", "mixed": "partly estimated"}
    if episode.timing in timing:
        facts.append(("Times", timing[episode.timing]))
    lines = []
    for chapter in episode.chapters[:CHAPTER_LINES]:
        when = format_clock(chapter.start) if chapter.start is not None else "—"
        lines.append(f"`{when}` {escape_clip(chapter.title, 120)}")
    if len(episode.chapters) > CHAPTER_LINES:
        lines.append(f"… and {len(episode.chapters) - CHAPTER_LINES} more chapters")
    about = escape_clip(episode.description, 600) if episode.description else ""
    chapters = "\n".join(lines)
    description = "\n\n".join(p for p in (about, f"**Chapters**\n{chapters}" if lines else "") if p)
    return EpisodeCard(
        title=clip(episode.title, TITLE_LIMIT),
        url=episode_link(episode),
        description=clip(description, DESCRIPTION_LIMIT) or "No description.",
        fields=tuple(facts),
        thumbnail=(
            f"https://i.ytimg.com/vi/{episode.youtube_id}/hqdefault.jpg"
            if episode.youtube_id
            else None
        ),
    )


def episode_page(episodes: list[Episode], page: int) -> tuple[str, int]:
    """One page of the episode list (Markdown) and the number of pages."""
    pages = max(1, -(-len(episodes) // EPISODES_PER_PAGE))
    page = max(0, min(page, pages - 1))
    chunk = episodes[page * EPISODES_PER_PAGE : (page + 1) * EPISODES_PER_PAGE]
    lines = []
    for ep in chunk:
        show = f" · {escape_clip(ep.show, 60)}" if ep.show else ""
        lines.append(f"**{escape_clip(ep.title, 200)}**{show} · {len(ep.segments):,} quotes")
    return clip("\n".join(lines) or "No episodes yet.", DESCRIPTION_LIMIT), pages


def _last_time(episode: Episode) -> float | None:
    times = [t for s in episode.segments for t in (s.end, s.start) if t is not None]
    return max(times) if times and episode.timing == "exact" else None
