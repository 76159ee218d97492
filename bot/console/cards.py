"""Cards for the console from the core's results: the Discord embeds' content, unescaped."""

from __future__ import annotations

from bot.advice.scoring import Candidate
from bot.console.replies import Card, Line, Span
from bot.episodes.model import Episode
from bot.reply import cards as render
from bot.reply.advice_card import advice_card as advice_reply
from bot.reply.advice_card import quoted
from bot.search.ranking import Match


def quote_card(match: Match, rank: int = 1, of: int = 1) -> Card:
    """A /quote result: the quote with the matched words marked, speaker, time, chapter."""
    shared = render.quote_card(match, rank, of)  # title, link, time and footer need no escaping
    before, hit, after = render.quote_window(match.segment.text, match.highlight)
    quote: Line = (
        Span("“" + before),
        Span(hit, "match"),
        Span(after + "”"),
    )
    episode = match.episode
    fields = [("Speaker", match.speaker)] if match.speaker else []
    fields.append(("Time", shared.when))
    chapter = match.segment.chapter
    if chapter is not None and chapter < len(episode.chapters):
        fields.append(("Chapter", episode.chapters[chapter].title))
    return Card(
        title=shared.title,
        url=shared.url,
        lines=(tuple(s for s in quote if s.text),),
        fields=tuple(fields),
        footer=shared.footer,
    )


def context_card(match: Match) -> Card:
    """The lines around a quote (the Context button), the quote's own line marked."""
    lines: list[Line] = []
    for line in render.context_lines(match):
        lines.append(
            (
                Span(line.when, "dim"),
                Span(f" {line.who}: " if line.who else " ", "strong"),
                Span(line.text, "match" if line.current else ""),
            )
        )
    return Card(title=f"Around {match.episode.title}", url=match.url, lines=tuple(lines))


def episode_card(episode: Episode) -> Card:
    """/episode NAME: about one episode, with its chapters."""
    lines: list[Line] = []
    if episode.description:
        lines.append((Span(render.clip(episode.description, 600)),))
    chapters, more = render.chapter_lines(episode)
    if chapters:
        lines.append((Span("Chapters", "strong"),))
        lines.extend((Span(when, "dim"), Span(f" {title}")) for when, title in chapters)
        if more:
            lines.append((Span(f"… and {more} more chapters", "dim"),))
    return Card(
        title=episode.title,
        url=render.episode_link(episode),
        lines=tuple(lines) or ((Span("No description."),),),
        fields=tuple(render.episode_facts(episode)),
        tone="info",
    )


def list_card(episodes: list[Episode], page: int) -> Card:
    """/episode alone: one page of the episode list."""
    pages = render.page_count(episodes)
    page = max(0, min(page, pages - 1))
    lines: list[Line] = []
    for ep in render.page_of(episodes, page):
        show = f" · {ep.show}" if ep.show else ""
        style = "" if render.made_title(ep) else "strong"  # a title made from a file name
        lines.append((Span(ep.title, style), Span(f"{show} · {len(ep.segments):,} quotes")))
    turn = " · /next, /prev turn the page" if pages > 1 else ""
    return Card(
        title="Episodes",
        lines=tuple(lines) or ((Span("No episodes yet."),),),
        footer=f"Page {page + 1} of {pages} · /episode NAME for one{turn}",
        tone="info",
    )


def advice_card(candidate: Candidate, left: int, total: int) -> Card:
    """/advice: one piece of advice as the daily post shows it, and why it was chosen."""
    shared = advice_reply(candidate)  # title, link and time need no escaping
    why = "; ".join(str(r) for r in candidate.reasons)
    return Card(
        title=shared.title,
        url=shared.url,
        lines=(
            (Span(quoted(candidate.text, str)),),
            (Span(f"score {candidate.score:.0f}: {why}", "dim"),),
        ),
        fields=(
            *([("Speaker", candidate.speaker)] if candidate.speaker else []),
            ("Time", shared.when),
            ("Episode", candidate.episode.title),
        ),
        footer=f"{candidate.id} · {left} of {total} left in this session's round · /advice again",
        tone="info",
    )
