"""Reply data for a quote, within Discord's limits, with transcript text escaped (pure).

The Discord adapter turns a `QuoteCard` into an embed and buttons; the console prints it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.episodes.library import LibraryDiff
from bot.episodes.model import Episode
from bot.ingest.speaker_labels import is_label
from bot.reply.echo import excerpt, one_line
from bot.search.ranking import Match
from bot.text import format_clock

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


def thumbnail(episode: Episode) -> str | None:
    """The video's thumbnail when its YouTube id is known."""
    if not episode.youtube_id:
        return None
    return f"https://i.ytimg.com/vi/{episode.youtube_id}/hqdefault.jpg"


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
    speaker: str | None  # None when the source does not say who speaks: the field is left out
    when: str
    chapter: str | None
    thumbnail: str | None
    watch_label: str | None
    footer: str

    def total_length(self) -> int:
        parts = [self.title, self.quote, self.when, self.chapter or "", self.footer]
        speaker = len(self.speaker) + len("Speaker") if self.speaker else 0
        return sum(len(p) for p in parts) + speaker + len("Time") + len("Chapter")


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
    watch = clip(f"Watch at {when}" if when else "Watch", BUTTON_LABEL_LIMIT) if match.url else None
    footer_bits = [episode.show or "", f"result {rank} of {of}" if of > 1 else ""]
    if match.estimated:
        footer_bits.append("time estimated from the transcript")
    return QuoteCard(
        title=clip(episode.title, TITLE_LIMIT),
        url=match.url,
        quote=quote,
        speaker=escape_clip(match.speaker, FIELD_VALUE_LIMIT) if match.speaker else None,
        when=when or "unknown",
        chapter=chapter,
        thumbnail=thumbnail(episode),
        watch_label=watch,
        footer=clip(" · ".join(b for b in footer_bits if b), FOOTER_LIMIT),
    )


@dataclass(frozen=True, slots=True)
class ContextLine:
    """One segment around a match, as plain text (`current`: the match's own segment;
    `who` is None where the source does not say who speaks)."""

    when: str
    who: str | None
    text: str
    current: bool


def context_lines(match: Match, around: int = 1) -> list[ContextLine]:
    """The segments just before and after a match, unescaped, in order."""
    episode = match.episode
    first = max(0, match.position - around)
    last = min(len(episode.segments), match.position + around + 1)
    lines = []
    for i in range(first, last):
        seg = episode.segments[i]
        lines.append(
            ContextLine(
                when=timestamp(seg.start, seg.estimated) or "—",
                who=episode.full_name(seg.speaker),
                text=seg.text,
                current=i == match.position,
            )
        )
    return lines


def context_text(match: Match, around: int = 1) -> str:
    """The segments just before and after a match (Markdown), the match's own in bold."""
    lines = context_lines(match, around)
    share = DESCRIPTION_LIMIT // max(1, len(lines)) - 60
    parts: list[str] = []
    for line in lines:
        body = escape_clip(line.text, share)
        if line.current:
            body = f"**{body}**"
        who = f"{escape_clip(line.who, 100)}: " if line.who else ""
        parts.append(f"`{line.when}` {who}{body}")
    return clip("\n\n".join(parts), DESCRIPTION_LIMIT)


@dataclass(frozen=True, slots=True)
class QuotePage:
    """One result as a reply keeps it for its buttons: its card and the words around it, as
    plain text. Buttons work for minutes, across reloads: holding the match would keep its
    whole episode, and with many replies whole old libraries, alive."""

    card: QuoteCard
    around_title: str  # the Context answer's title
    around: str  # the Context answer: `context_text`


def quote_pages(matches: Sequence[Match]) -> list[QuotePage]:
    """Each result's page, numbered "result N of M" when there are several."""
    of = len(matches)
    return [
        QuotePage(
            quote_card(match, rank, of),
            clip(f"Around {match.episode.title}", TITLE_LIMIT),
            context_text(match),
        )
        for rank, match in enumerate(matches, start=1)
    ]


EPISODES_PER_PAGE = 10
CHAPTER_LINES = 25
_NAMED_FACTS = {"Show", "Host", "Guests"}  # facts with names in them: escaped for Discord


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


def episode_facts(episode: Episode) -> list[tuple[str, str]]:
    """Show, hosts, guests, date, duration, number of quotes, timing, and a title that no
    file or catalog states: (name, plain value)."""
    guests = [
        full or short
        for short, full in episode.speakers
        if short not in episode.hosts and not is_label(full or short)  # "Speaker 2" is no guest
    ]
    hosts = [episode.full_name(h) or h for h in episode.hosts]
    facts: list[tuple[str, str]] = []
    if made_title(episode):
        facts.append(("Title", "made from the file name"))
    if episode.show:
        facts.append(("Show", episode.show))
    if hosts:
        facts.append(("Host", ", ".join(hosts)))
    if guests:
        facts.append(("Guests", ", ".join(guests)))
    if episode.date:
        facts.append(("Date", episode.date))
    duration = episode.duration or _last_time(episode)
    if duration:
        facts.append(("Duration", format_clock(duration)))
    facts.append(("Quotes", f"{len(episode.segments):,}"))
    timing = {"estimated": "estimated from the text", "mixed": "partly estimated"}
    if episode.timing in timing:
        facts.append(("Times", timing[episode.timing]))
    return facts


def made_title(episode: Episode) -> bool:
    """The title was made from the file's name (nothing stated one): shown modestly."""
    return episode.title_from == "filename"


def chapter_lines(episode: Episode) -> tuple[list[tuple[str, str]], int]:
    """Up to `CHAPTER_LINES` chapters as (time, plain title), and how many more there are."""
    shown = [
        (format_clock(c.start) if c.start is not None else "—", c.title)
        for c in episode.chapters[:CHAPTER_LINES]
    ]
    return shown, max(0, len(episode.chapters) - CHAPTER_LINES)


def episode_card(episode: Episode) -> EpisodeCard:
    """Title, show, guests, date, duration, link, number of quotes, chapters with times."""
    facts = [
        (name, escape_clip(value, FIELD_VALUE_LIMIT) if name in _NAMED_FACTS else value)
        for name, value in episode_facts(episode)
    ]
    chapters, more = chapter_lines(episode)
    lines = [f"`{when}` {escape_clip(title, 120)}" for when, title in chapters]
    if more:
        lines.append(f"… and {more} more chapters")
    about = escape_clip(episode.description, 600) if episode.description else ""
    listed = "\n".join(lines)
    description = "\n\n".join(p for p in (about, f"**Chapters**\n{listed}" if lines else "") if p)
    title = clip(episode.title, TITLE_LIMIT)
    # Discord refuses an embed of more than 6,000 characters in all: the description (the
    # chapters) gives way to the title and the facts.
    room = EMBED_TOTAL_LIMIT - len(title) - sum(len(n) + len(v) for n, v in facts)
    return EpisodeCard(
        title=title,
        url=episode_link(episode),
        description=clip(description, min(DESCRIPTION_LIMIT, room)) or "No description.",
        fields=tuple(facts),
        thumbnail=thumbnail(episode),
    )


def listing_order(episodes: Iterable[Episode]) -> list[Episode]:
    """Episodes in the order the list shows them: by show, then title."""
    return sorted(episodes, key=lambda e: (e.show or "", e.title.casefold()))


def page_count(episodes: list[Episode]) -> int:
    """How many pages the episode list has (at least one)."""
    return max(1, -(-len(episodes) // EPISODES_PER_PAGE))


def page_of(episodes: list[Episode], page: int) -> list[Episode]:
    """The episodes on one page (0-based; clamped to the pages there are)."""
    page = max(0, min(page, page_count(episodes) - 1))
    return episodes[page * EPISODES_PER_PAGE : (page + 1) * EPISODES_PER_PAGE]


def episode_page(episodes: list[Episode], page: int) -> tuple[str, int]:
    """One page of the episode list (Markdown) and the number of pages."""
    lines = []
    for ep in page_of(episodes, page):
        show = f" · {escape_clip(ep.show, 60)}" if ep.show else ""
        title = escape_clip(ep.title, 200)
        title = title if made_title(ep) else f"**{title}**"
        lines.append(f"{title}{show} · {len(ep.segments):,} quotes")
    return clip("\n".join(lines) or "No episodes yet.", DESCRIPTION_LIMIT), page_count(episodes)


def diff_summary(
    diff: LibraryDiff, episodes: int, quotes: int, escape: Callable[[str], str]
) -> str:
    """What a reload changed, for the admin who asked; `escape` readies ids and problems for
    the adapter (Discord's Markdown escaping, or nothing for a terminal)."""
    if diff.unchanged:
        lines = ["Reloaded: nothing changed."]
    else:
        lines = ["Reloaded."]
        for label, ids in (
            ("Added", diff.added),
            ("Removed", diff.removed),
            ("Changed", diff.changed),
        ):
            if ids:
                shown = ", ".join(ids[:10]) + (
                    f" and {len(ids) - 10} more" if len(ids) > 10 else ""
                )
                lines.append(f"{label} ({len(ids)}): {escape(shown)}")
    lines.append(f"Now serving {episodes:,} episodes and {quotes:,} quotes.")
    if diff.problems:
        lines.append(f"{len(diff.problems)} file(s) could not be read:")
        lines.extend(f"• {escape(str(p))}" for p in diff.problems[:10])
    return clip("\n".join(lines), DESCRIPTION_LIMIT)


RELOAD_FAILED = "Reload failed; the previous transcripts are still being served."


def too_long(limit: int) -> str:
    """The polite refusal of a query over `limit` characters."""
    return (
        f"That is a long one! Please keep a query under {limit} characters: "
        "a few words you remember are enough."
    )


def no_match(query: str, suggestions: Iterable[str], escape: Callable[[str], str]) -> str:
    """Nothing good enough: say so, with "did you mean" hints when there are any; the query
    is shown as its short `excerpt`."""
    hints = [escape(one_line(h)) for h in suggestions]
    hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
    return f"I found no quote that matches “{escape(excerpt(query))}”.{hint}"


UNSURE_HEADING = "Not sure I found it; the closest moments:"
CLOSEST_WORDS = 160  # characters of each closest moment's words


def closest_lines(closest: Iterable[Match], escape: Callable[[str], str]) -> list[str]:
    """One line per closest moment: its number, episode, speaker and time, and a short quote
    of the words around the match (escaped for where it is shown)."""
    lines = []
    for number, match in enumerate(closest, start=1):
        before, hit, after = quote_window(match.segment.text, match.highlight, CLOSEST_WORDS)
        where = ", ".join(
            bit for bit in (match.speaker or "", timestamp(match.start, match.estimated)) if bit
        )
        words = clip(f"{before}{hit}{after}", CLOSEST_WORDS + 2)
        title = clip(match.episode.title, 120)
        lines.append(
            f"{number}. {escape(title)}{f' — {escape(where)}' if where else ''}: “{escape(words)}”"
        )
    return lines


def unsure_text(closest: Iterable[Match], escape: Callable[[str], str]) -> str:
    """The private answer when search is not sure: the closest moments, to check and post."""
    return "\n".join([UNSURE_HEADING, *closest_lines(closest, escape)])


def _last_time(episode: Episode) -> float | None:
    times = [t for s in episode.segments for t in (s.end, s.start) if t is not None]
    return max(times) if times and episode.timing == "exact" else None
