"""Draft catalog entries for raw files that have none: what ingest found, what is missing.

Every field of a draft is a comment saying where its value came from, so the catalog stays
valid and a draft changes nothing (YAML reads it as an empty entry) until a curator
uncomments a line and fills it in. Drafts are appended; nothing a curator wrote is touched.
"""

from __future__ import annotations

import json

from bot.episodes.model import Episode

HEADER = (
    "# Drafts by `python -m bot catalog draft`: each field is a comment, so nothing takes "
    "effect\n# until you uncomment a line and fill it in (or correct it). Delete what you do "
    "not need.\n"
)


def _value(value: object) -> str:
    """A value as YAML reads it back (JSON strings and numbers are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def draft_entry(name: str, episode: Episode) -> str:
    """The draft entry of raw file `name`, from the episode ingest made of it."""
    timed = {"exact": "timed", "estimated": "times estimated", "none": "no times"}
    chapters = f", {len(episode.chapters)} chapters" if episode.chapters else ""
    lines = [
        f"{_value(name) if ':' in name or name.startswith(('#', '-')) else name}:",
        f"  # found: {len(episode.segments):,} segments ({timed.get(episode.timing, 'timed')})"
        f"{chapters}; read as {episode.format}",
    ]

    def field(key: str, value: object, source: str, missing: str) -> None:
        if value is None:
            lines.append(f"  # {key}:  # missing: {missing}")
        else:
            lines.append(f"  # {key}: {_value(value)}  # {source}")

    made_up = episode.title_from == "filename"
    field(
        "title",
        episode.title,
        "made from the file name: state the real one" if made_up else "stated by the file",
        "",
    )
    field("show", episode.show, "stated by the file or its folder", "the podcast or channel")
    field(
        "youtube_id",
        episode.youtube_id,
        "stated by the file",
        "answers link to the second of the video only with it",
    )
    if episode.youtube_id is None:
        field("url", episode.url, "stated by the file", "a page of the episode, else no link")
    field("date", episode.date, "stated by the file", "YYYY-MM-DD")
    if episode.speakers:
        lines.append("  # speakers:  # as spoken in the file: give each one's full name")
        for label, full in episode.speakers:
            shown = _value(full) if full and full != label else ""
            lines.append(f"  #   {_value(label)}: {shown}".rstrip())
    else:
        lines.append("  # speakers:  # missing: the file names no speaker")
    return "\n".join(lines) + "\n"


def drafts(entries: list[tuple[str, Episode]], existing_text: str) -> str:
    """The catalog text with drafts for `entries` appended (the existing text unchanged)."""
    if not entries:
        return existing_text
    text = existing_text
    if text and not text.endswith("\n"):
        text += "\n"
    if HEADER not in text:
        text += ("\n" if text else "") + HEADER
    for name, episode in entries:
        text += "\n" + draft_entry(name, episode)
    return text
