"""What /ingest found in a file and what /remove took out, for the admin who asked (pure).

`escape` readies the file's text (titles, names, warnings) for the adapter: Discord's
Markdown escaping, or nothing for a terminal. A link is never escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.episodes.library import Library
from bot.episodes.model import link
from bot.ingest.intake import Added, Removed
from bot.reply.cards import RELOAD_FAILED
from bot.reply.echo import MESSAGE_LIMIT, excerpt
from bot.text import format_clock

WARNINGS_SHOWN = 5
WARNING_LIMIT = 160
TITLE_SHOWN = 150

INGEST_FAILED = "Not added, nothing changed: {why}"


def _same_talk(ep_id: str, library: Library) -> list[str]:
    """What the library made of an episode that is another copy of the same talk."""
    lines = []
    for dup in library.duplicates:
        if dup.dropped == ep_id:
            lines.append(f"Not served: episode {dup.kept} is the same talk ({dup.why}).")
        elif dup.kept == ep_id:
            lines.append(f"Served instead of episode {dup.dropped}, the same talk ({dup.why}).")
    return lines


def _served(library: Library, reload_failed: str | None, escape: Callable[[str], str]) -> str:
    if reload_failed is not None:
        return f"{RELOAD_FAILED} Why: {escape(excerpt(reload_failed, 300))}"
    problems = f"; {len(library.problems)} file(s) could not be read" if library.problems else ""
    return f"Now serving {len(library):,} episodes{problems}."


def added_text(
    added: Added,
    library: Library,
    escape: Callable[[str], str],
    reload_failed: str | None = None,
) -> str:
    """The episode made of an added file: segments, timing, speakers, chapters, warnings,
    another copy of the same talk, and a link to its first quote; then what is served (or
    why the reload failed)."""
    ep = added.episode
    speakers = [full or name for name, full in ep.speakers]
    people = f"{len(speakers)} speakers ({', '.join(speakers[:6])})" if speakers else "no speakers"
    title = escape(excerpt(ep.title, TITLE_SHOWN))
    lines = [
        f"Added {title} ({escape(ep.id)}) from {escape(added.name)}, read as {escape(ep.format)}.",
        f"{len(ep.segments):,} segments · timing {ep.timing} · {escape(excerpt(people, 300))} · "
        f"{len(ep.chapters)} chapters.",
    ]
    if added.warnings:
        lines.append(f"Warnings ({len(added.warnings)}):")
        lines.extend(
            f"• {escape(excerpt(w, WARNING_LIMIT))}" for w in added.warnings[:WARNINGS_SHOWN]
        )
    lines.extend(escape(line) for line in _same_talk(ep.id, library))
    first = ep.segments[0]
    url = link(ep, first.start)
    at = f" at {format_clock(first.start)}" if first.start is not None else ""
    lines.append(f"First quote{at}: {url}" if url else "First quote: no link (no video or page).")
    lines.append(_served(library, reload_failed, escape))
    return "\n".join(lines)[:MESSAGE_LIMIT]


def failed_text(why: str, escape: Callable[[str], str]) -> str:
    """The one line of a file that was not added."""
    return INGEST_FAILED.format(why=escape(excerpt(why, 300)))


def _short(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def removed_text(
    removed: Removed,
    library: Library,
    escape: Callable[[str], str],
    reload_failed: str | None = None,
) -> str:
    """What /remove took out and where it put it."""
    ep = removed.episode
    lines = [f"Removed {escape(excerpt(ep.title, TITLE_SHOWN))} ({escape(ep.id)})."]
    if removed.raw_moved_to is not None:
        lines.append(f"Its raw file was moved to {escape(_short(removed.raw_moved_to))}.")
    else:
        lines.append("Its raw file was not in the raw folder; nothing moved.")
    if removed.entry_moved_to is not None:
        lines.append(f"Its catalog entry was moved to {escape(_short(removed.entry_moved_to))}.")
    lines.append(_served(library, reload_failed, escape))
    return "\n".join(lines)[:MESSAGE_LIMIT]
