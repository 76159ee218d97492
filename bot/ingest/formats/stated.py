"""Facts a file states about its episode outside the speech: one vocabulary for every reader.

`Title:` means the same in a WebVTT header or NOTE block, the first lines of a text file, YAML
front matter and a JSON object: `facts_from` maps such keys to `Facts` fields, and
`leading_header` reads the header lines a text-like file may open with (front matter, a
`# Title` heading, `Key: value` lines, an `Episode 12: Title` line) before its speech.
Only what is written is taken: a value that does not read as its field is left out.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot import yaml_safe
from bot.episodes.model import Facts, SetAside
from bot.errors import ReaderError, yaml_problem
from bot.text import parse_clock, squash

# Key (folded: lower case, `_` for spaces and dashes) → the `Facts` field it states.
_FIELDS = {
    "title": "title",
    "episode_title": "title",
    "show": "show",
    "podcast": "show",
    "series": "show",
    "channel": "show",
    "uploader": "show",
    "episode": "episode",
    "episode_number": "episode",
    "season": "season",
    "season_number": "season",
    "date": "date",
    "published": "date",
    "publish_date": "date",
    "pubdate": "date",
    "upload_date": "date",
    "release_date": "date",
    "video_id": "youtube_id",
    "videoid": "youtube_id",
    "youtube_id": "youtube_id",
    "youtube": "youtube_id",
    "youtube_url": "url",
    "webpage_url": "url",
    "url": "url",
    "link": "url",
    "duration_seconds": "duration",
    "duration": "duration",
    "description": "description",
}
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_URL = re.compile(
    r"(?:youtube\.com/(?:watch\?(?:[^#\s]*&)?v=|embed/|shorts/|live/)|youtu\.be/)"
    r"([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])"
)
_NUMBER = re.compile(r"#?\s*(\d{1,5})")
_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_KEY_VALUE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,24}?)\s*:\s+(\S.*)$")
_HEADING = re.compile(r"^#\s+(\S.*)$")
_EPISODE_LINE = re.compile(r"^episode\s+#?(\d{1,5})\s*(?::|\s[-–—])\s*(\S.{0,150})$", re.I)
_HEADER_LINES = 12  # a header is short; past this, the file's own text has begun


def field_of(key: str) -> str | None:
    """The `Facts` field a metadata key states (`Title`, `video_id`, `Publish date`…)."""
    return _FIELDS.get(re.sub(r"[\s-]+", "_", key.strip().casefold()))


def youtube_id_in(value: str) -> str | None:
    """The video id of a YouTube URL, or `value` itself when it is a bare 11-character id."""
    value = value.strip()
    m = _YOUTUBE_URL.search(value)
    if m:
        return m.group(1)
    return value if _YOUTUBE_ID.fullmatch(value) else None


def iso_date(value: Any) -> str | None:
    """`YYYY-MM-DD` from a date, `2024-01-29…`, `20240129` or an RFC 2822 date; else None."""
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _ISO_DATE.match(text)
    if m:
        try:
            return dt.date(*(int(g) for g in m.groups())).isoformat()
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    m = _NUMBER.fullmatch(value.strip()) if isinstance(value, str) else None
    return int(m.group(1)) if m else None


def _seconds(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if value >= 0 else None
    return parse_clock(value) if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return squash(str(value)) or None


def facts_from(pairs: Iterable[tuple[str, Any]], facts: Facts | None = None) -> Facts:
    """The facts stated by `(key, value)` pairs; the first value for a field wins.

    A YouTube URL states the video id too; an unknown key or a value that does not read as
    its field (a date that is no date, an episode that is no number) is left out.
    """
    facts = facts if facts is not None else Facts()
    for key, value in pairs:
        name = field_of(key)
        if name is None or getattr(facts, name) is not None:
            continue
        if name in ("episode", "season"):
            setattr(facts, name, _number(value))
        elif name == "date":
            facts.date = iso_date(value)
        elif name == "duration":
            facts.duration = _seconds(value)
        elif name == "youtube_id":
            facts.youtube_id = youtube_id_in(value) if isinstance(value, str) else None
        elif name == "url":
            url = _text(value)
            facts.url = url if url and url.startswith(("http://", "https://")) else None
            if facts.url and facts.youtube_id is None:
                facts.youtube_id = youtube_id_in(facts.url)
        else:
            setattr(facts, name, _text(value))
    return facts


def key_value(line: str) -> tuple[str, str] | None:
    """`(key, value)` of a `Key: value` line whose key states a fact; else None."""
    m = _KEY_VALUE.match(line.strip())
    if m and field_of(m.group(1)) is not None:
        return m.group(1), m.group(2).strip()
    return None


@dataclass(slots=True)
class Header:
    """What a file's opening header states, and where its speech begins (a line index)."""

    facts: Facts = field(default_factory=Facts)
    body: int = 0
    set_aside: list[SetAside] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # the front matter as read


def front_matter(lines: list[str], header: Header) -> None:
    """Read YAML front matter (`---` … `---` from the first line) into `header`."""
    if not lines or lines[0].strip() != "---":
        return
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return
    header.body = end + 1
    try:
        data: Any = yaml_safe.load("\n".join(lines[1:end]))
    except yaml_safe.YAMLLimitError as exc:  # hostile, not a quirk: the file fails
        raise ReaderError(*yaml_problem(exc, 2)) from None
    except yaml.YAMLError as exc:
        header.notes.append(
            f"line 2: front matter is not valid YAML ({exc.__class__.__name__}); ignored"
        )
        return
    if isinstance(data, dict):
        header.data = {str(k): v for k, v in data.items()}
        facts_from(header.data.items(), header.facts)


def leading_header(lines: list[str], headings: bool = True) -> Header:
    """The header a text file opens with: front matter, then, before any other line, a
    `# Title` heading (when `headings`), `Key: value` lines and an `Episode 12: Title` line.

    Every header line read is set aside as "header"; `body` is the first line index after it.
    """
    header = Header()
    front_matter(lines, header)
    index = header.body
    stop = min(len(lines), index + _HEADER_LINES)
    while index < stop:
        text = lines[index].strip()
        heading = _HEADING.match(text) if headings else None
        episode = _EPISODE_LINE.match(text)
        pair = key_value(text)
        if not text:
            pass
        elif heading:
            facts_from([("title", heading.group(1))], header.facts)
        elif pair:
            facts_from([pair], header.facts)
        elif episode:
            facts_from([("episode", episode.group(1)), ("title", episode.group(2))], header.facts)
        else:
            break
        if text:
            header.set_aside.append(SetAside("header", text, index + 1))
        index += 1
    if header.set_aside:
        header.body = index
    return header
