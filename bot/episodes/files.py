"""Write and read normalised episode files (`<id>.yaml`, schema 1).

The file is plain YAML, read with the safe loader by any tool. The header is block YAML; each
segment is one flow mapping on its own line, written in the JSON subset of YAML so that the
library can read the bulk of the file with `json` (about 10x faster than libyaml) and falls
back to the YAML loader for a file that was edited by hand.

Reading is defensive, because a person or another program may have written the file: every
failure while reading one file is an `EpisodeFileError` naming the file, the line and what is
wrong (`PATH: line N: start inf is not a time in seconds …`), never another exception. Every
value is checked for its type and range (times finite, 0 to `MAX_SECONDS`; chapter numbers
those of the episode's chapters; cue offsets within the text), so nothing downstream meets an
infinite time or a 5,000-digit number. YAML goes through `bot.yaml_safe` (no alias bombs, no
deep nesting). The header's `segment_count` (written since it was added; older files have
none and still load) makes a file caught while being written an error rather than a shorter
episode. `write` replaces a file atomically: readers see the old file or the new, never half.
The header's `text_print` (see `text_print`) is computed from the segments whenever the file is
written (or given by a writer that just computed it); a file without one (written before it
was stored) loads, and the library computes it. `speakers_from` says which copy of the talk
the segments' speakers were aligned from (see `bot.ingest.copy_speakers`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import secrets
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode

from bot import yaml_safe
from bot.episodes import text_print
from bot.episodes.model import (
    SCHEMA_VERSION,
    TITLE_FROM,
    Chapter,
    Episode,
    Segment,
    SetAside,
    SpeakersFrom,
    TitleFrom,
)
from bot.errors import EpisodeFileError, yaml_problem

_SAFE_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SEGMENTS_KEY = "\nsegments:\n"
_UNSAFE_FOR_YAML = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff]"
)
_TIMINGS = ("exact", "estimated", "mixed", "none")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")

MAX_SECONDS = 10_000_000  # ~115 days: far past any recording, far below what breaks a clock
MAX_NUMBER = 1_000_000_000  # source lines, segment counts, season and episode numbers


# ---------------------------------------------------------------------------------------------
# Writing


def _json_line(obj: dict[str, Any]) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
    return _UNSAFE_FOR_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _segment_dict(seg: Segment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start": seg.start,
        "end": seg.end,
        "speaker": seg.speaker,
        "chapter": seg.chapter,
        "text": seg.text,
    }
    if seg.cues:
        out["cues"] = [[o, s] for o, s in seg.cues]
    if seg.estimated:
        out["estimated"] = True
    out["line"] = seg.line
    return out


def dumps(ep: Episode, printed: text_print.TextPrint | None = None) -> str:
    """The episode as the exact text of its file (deterministic). `printed`: the print of its
    segments' texts when the caller has just computed it (else it is computed here)."""
    header: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "id": ep.id,
        "title": ep.title,
        **({"title_from": ep.title_from} if ep.title_from else {}),
        "show": ep.show,
        "season": ep.season,
        "episode": ep.episode,
        "source": ep.source,
        "format": ep.format,
        "youtube_id": ep.youtube_id,
        "url": ep.url,
        "duration": ep.duration,
        "date": ep.date,
        "timing": ep.timing,
        "speakers": dict(ep.speakers),
        "hosts": list(ep.hosts),
        "description": ep.description,
        "chapters": [{"title": c.title, "start": c.start} for c in ep.chapters],
        "notes": list(ep.notes),
        "set_aside": [{"reason": s.reason, "line": s.line, "text": s.text} for s in ep.set_aside],
    }
    if ep.catalogued:
        header["catalogued"] = True
    if ep.advice_pin or ep.advice_ban:
        header["advice"] = {"pin": list(ep.advice_pin), "ban": list(ep.advice_ban)}
    if ep.speakers_from is not None:
        header["speakers_from"] = {
            "episode": ep.speakers_from.episode,
            "source": ep.speakers_from.source,
            "named": ep.speakers_from.named,
            "key": ep.speakers_from.key,
        }
    printed = printed or text_print.of_texts(s.text for s in ep.segments)
    header["text_print"] = text_print.encode(printed)
    header["segment_count"] = len(ep.segments)
    head = yaml.dump(header, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True, width=100)
    body = "".join(f"- {_json_line(_segment_dict(s))}\n" for s in ep.segments)
    return f"{head}segments:\n{body}" if body else f"{head}segments: []\n"


def write(ep: Episode, folder: Path, printed: text_print.TextPrint | None = None) -> Path:
    """Write the episode to `folder/<id>.yaml`; only rewrites a file whose text changed
    (`printed`: as for `dumps`).

    The text is checked by the reader first (an episode the library would refuse is an
    `EpisodeFileError`, and nothing is written), then written to a temporary file in the same
    folder, flushed to disk and renamed over the old one: a reader sees the old file or the
    new one, never half of it.
    """
    path = folder / f"{ep.id}.yaml"
    text = dumps(ep, printed)
    loads(text, path)
    if _same_text(path, text):
        return path
    tmp = folder / f".{ep.id}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _same_text(path: Path, text: str) -> bool:
    try:
        return read_text(path) == text
    except EpisodeFileError:
        return False


# ---------------------------------------------------------------------------------------------
# Reading


def read_text(path: Path) -> str:
    """The text of an episode file, refusing what is not a regular file without waiting on it
    (a FIFO would block an ordinary open until something writes to it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise EpisodeFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise EpisodeFileError(path, "cannot read: not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    except OSError as exc:
        raise EpisodeFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        why = f"cannot read: not UTF-8 ({exc.reason} at byte {exc.start:,})"
        raise EpisodeFileError(path, why) from None


def read(path: Path) -> Episode:
    """Read one episode file."""
    return loads(read_text(path), path)


def loads(text: str, path: Path | str = "<episode>") -> Episode:
    """Parse an episode file's text. Whatever is wrong with it, the only exception is an
    `EpisodeFileError` naming `path`, the line when known, and what is wrong."""
    try:
        data, lines = _parse(text, path)
        return _episode(data, lines)
    except EpisodeFileError:
        raise
    except _Bad as exc:
        raise EpisodeFileError(path, str(exc)) from None
    except RecursionError:
        raise EpisodeFileError(path, "nested too deeply to read") from None
    except Exception as exc:  # one broken file is one problem, whatever it raises
        why = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise EpisodeFileError(path, f"cannot read: {_cut(why, 160)}") from exc


class _Bad(Exception):
    """A value that is wrong, at a line of the file (None: the file as a whole)."""

    def __init__(self, line: int | None, why: str) -> None:
        super().__init__(f"line {line}: {why}" if line else why)


@dataclass(slots=True)
class _Lines:
    """Where things stand in the file (1-based), for messages."""

    keys: dict[str, int] = field(default_factory=dict)  # header key → its line
    items: dict[str, list[int]] = field(default_factory=dict)  # header list → each item's line
    segments: list[int] = field(default_factory=list)  # each segment's line

    def key(self, name: str) -> int | None:
        return self.keys.get(name)

    def item(self, name: str, index: int) -> int | None:
        found = self.items.get(name, [])
        return found[index] if index < len(found) else self.keys.get(name)


def _parse(text: str, path: Path | str) -> tuple[dict[str, Any], _Lines]:
    cut = text.find(_SEGMENTS_KEY)
    if cut < 0:
        return _yaml(text, path)
    head_text, body = text[: cut + 1], text[cut + len(_SEGMENTS_KEY) :]
    first = head_text.count("\n") + 2  # the line after `segments:`
    rows = [(first + i, line) for i, line in enumerate(body.split("\n")) if line.strip()]
    if not all(line.startswith("- {") for _, line in rows):
        return _yaml(text, path)
    segments: list[Any] = []
    for number, line in rows:
        try:
            segments.append(json.loads(line[2:]))
        except json.JSONDecodeError:
            break  # edited by hand, or cut off: read the whole file as YAML below
        except RecursionError:
            raise _Bad(number, "the segment is nested too deeply to read") from None
        except ValueError:  # json's only other error: an integer Python will not read
            limit = sys.get_int_max_str_digits()
            raise _Bad(number, f"the segment has a number of more than {limit:,} digits") from None
    else:
        head, lines = _yaml(head_text, path)
        head["segments"] = segments
        lines.segments = [number for number, _ in rows]
        return head, lines
    cut_off = not text.endswith("\n") and len(segments) == len(rows) - 1
    try:
        return _yaml(text, path)
    except EpisodeFileError:
        if cut_off:
            raise _Bad(
                rows[-1][0],
                "the file ends in the middle of a segment: incomplete, still being written?",
            ) from None
        raise


def _yaml(text: str, path: Path | str) -> tuple[dict[str, Any], _Lines]:
    try:
        data, node = yaml_safe.load_with_node(text)
    except yaml_safe.YAMLLimitError as exc:
        line, why = yaml_problem(exc)
        raise _Bad(line, why) from None
    except yaml.YAMLError as exc:
        line, why = yaml_problem(exc)
        where = f"line {line}: " if line else ""
        raise EpisodeFileError(path, f"{where}not valid YAML ({why})") from None
    if not isinstance(data, dict) or not isinstance(node, MappingNode):
        raise EpisodeFileError(path, "not an episode: the file is not a mapping")
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        raise EpisodeFileError(
            path, f"schema {_show(schema)} is not {SCHEMA_VERSION}: re-run `python -m bot ingest`"
        )
    lines = _Lines()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        lines.keys.setdefault(key, key_node.start_mark.line + 1)
        if isinstance(value_node, SequenceNode):
            numbers = [item.start_mark.line + 1 for item in value_node.value]
            lines.items.setdefault(key, numbers)
    lines.segments = lines.items.get("segments", [])
    return data, lines


# ---------------------------------------------------------------------------------------------
# Values, checked


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _show(value: Any) -> str:
    """A short description of a value for a message (never the whole of a huge one)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        try:
            digits = str(abs(value))
        except ValueError:  # past Python's limit for turning integers into text
            return f"a number of more than {sys.get_int_max_str_digits():,} digits"
        return str(value) if len(digits) <= 20 else f"a {len(digits):,}-digit number"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(_cut(value, 40))
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _seconds(value: Any, name: str, line: int | None) -> float | None:
    """A time in seconds, or None; finite and within 0 to `MAX_SECONDS`."""
    if value is None:
        return None
    if not _is_number(value) or not (
        0 <= value <= MAX_SECONDS and (isinstance(value, int) or math.isfinite(value))
    ):
        raise _Bad(line, f"{name} is {_show(value)}, not a time in seconds (0 to {MAX_SECONDS:,})")
    return float(value)


def _whole(value: Any, name: str, line: int | None, high: int = MAX_NUMBER) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
        raise _Bad(line, f"{name} is {_show(value)}, not a whole number from 0 to {high:,}")
    return value


def _opt_whole(value: Any, name: str, line: int | None) -> int | None:
    return None if value is None else _whole(value, name, line)


def _text(value: Any, name: str, line: int | None) -> str:
    """A text field. A number or a date a hand edit left unquoted is taken as written."""
    if isinstance(value, str):
        return value
    if _is_number(value) and (isinstance(value, int) or math.isfinite(value)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        raise _Bad(line, f"{name} is missing")
    raise _Bad(line, f"{name} is {_show(value)}, not text")


def _opt_text(value: Any, name: str, line: int | None) -> str | None:
    return None if value is None else _text(value, name, line)


def _flag(value: Any, name: str, line: int | None) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _Bad(line, f"{name} is {_show(value)}, not true or false")
    return value


def _list(value: Any, name: str, line: int | None) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(line, f"{name} is {_show(value)}, not a list")
    return value


def _mapping(value: Any, name: str, line: int | None) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Bad(line, f"{name} is {_show(value)}, not a mapping")
    return value


def _required(data: dict[str, Any], lines: _Lines, name: str) -> str:
    if name not in data:
        raise _Bad(None, f"not a schema {SCHEMA_VERSION} episode: {name!r} is missing")
    return _text(data[name], name, lines.key(name))


def _segment(raw: Any, line: int | None, chapters: int) -> Segment:
    if not isinstance(raw, dict):
        raise _Bad(line, f"a segment is {_show(raw)}, not a mapping")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Bad(line, "a segment has no text")
    chapter = raw.get("chapter")
    if chapter is not None and (
        not isinstance(chapter, int) or isinstance(chapter, bool) or not 0 <= chapter < chapters
    ):
        known = f"0 to {chapters - 1}" if chapters else "it has none"
        raise _Bad(line, f"chapter {_show(chapter)} is not one of the episode's chapters ({known})")
    cues: list[tuple[int, float]] = []
    for pair in _list(raw.get("cues"), "cues", line):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _Bad(line, f"a cue is {_show(pair)}, not [offset, second]")
        offset = _whole(pair[0], "a cue's offset", line, high=len(text))
        second = _seconds(pair[1], "a cue's second", line)
        if second is None:
            raise _Bad(line, "a cue has no second")
        cues.append((offset, second))
    return Segment(
        start=_seconds(raw.get("start"), "start", line),
        end=_seconds(raw.get("end"), "end", line),
        speaker=_opt_text(raw.get("speaker"), "speaker", line),
        text=text,
        chapter=chapter,
        cues=tuple(cues),
        estimated=_flag(raw.get("estimated"), "estimated", line),
        line=_whole(raw.get("line", 0), "line", line),
    )


def _episode(data: dict[str, Any], lines: _Lines) -> Episode:
    def at(key: str) -> int | None:
        return lines.key(key)

    episode_id = _required(data, lines, "id")
    if not _ID.fullmatch(episode_id):
        raise _Bad(
            at("id"),
            f"id {_show(episode_id)} is not a file-name-safe id (letters, digits, '-', '_', "
            "'.'; not first)",
        )
    title = _required(data, lines, "title")
    source = _required(data, lines, "source")
    format_ = _required(data, lines, "format")
    timing = data.get("timing", "none")
    if timing not in _TIMINGS:
        raise _Bad(at("timing"), f"timing {_show(timing)} is not one of {', '.join(_TIMINGS)}")
    speakers = _mapping(data.get("speakers"), "speakers", at("speakers"))
    chapters: list[Chapter] = []
    for i, raw in enumerate(_list(data.get("chapters"), "chapters", at("chapters"))):
        line = lines.item("chapters", i)
        item = _mapping(raw, "a chapter", line)
        chapters.append(
            Chapter(
                _text(item.get("title"), "a chapter's title", line),
                _seconds(item.get("start"), "a chapter's start", line),
            )
        )
    set_aside: list[SetAside] = []
    for i, raw in enumerate(_list(data.get("set_aside"), "set_aside", at("set_aside"))):
        line = lines.item("set_aside", i)
        item = _mapping(raw, "a set_aside entry", line)
        set_aside.append(
            SetAside(
                _text(item.get("reason"), "a set_aside reason", line),
                _text(item.get("text"), "a set_aside text", line),
                _whole(item.get("line", 0), "a set_aside line", line),
            )
        )
    if "segments" not in data:
        raise _Bad(None, "has no `segments:`: incomplete, still being written?")
    raw_segments = _list(data["segments"], "segments", at("segments"))
    count = data.get("segment_count")
    if count is not None:
        expected = _whole(count, "segment_count", at("segment_count"))
        if len(raw_segments) < expected:
            raise _Bad(
                None,
                f"has {len(raw_segments):,} of {expected:,} segments: incomplete, "
                "still being written?",
            )
        if len(raw_segments) > expected:
            raise _Bad(
                at("segment_count"),
                f"has {len(raw_segments):,} segments but segment_count says {expected:,}",
            )
    segments = tuple(
        _segment(raw, lines.segments[i] if i < len(lines.segments) else None, len(chapters))
        for i, raw in enumerate(raw_segments)
    )
    return Episode(
        id=episode_id,
        title=title,
        source=source,
        format=format_,
        segments=segments,
        show=_opt_text(data.get("show"), "show", at("show")),
        season=_opt_whole(data.get("season"), "season", at("season")),
        episode=_opt_whole(data.get("episode"), "episode", at("episode")),
        youtube_id=_opt_text(data.get("youtube_id"), "youtube_id", at("youtube_id")),
        url=_opt_text(data.get("url"), "url", at("url")),
        duration=_seconds(data.get("duration"), "duration", at("duration")),
        date=_opt_text(data.get("date"), "date", at("date")),
        description=_opt_text(data.get("description"), "description", at("description")),
        timing=timing,
        speakers=tuple(
            (
                _text(k, "a speaker's name", at("speakers")),
                _opt_text(v, "a speaker's full name", at("speakers")),
            )
            for k, v in speakers.items()
        ),
        hosts=tuple(
            _text(h, "a host", lines.item("hosts", i))
            for i, h in enumerate(_list(data.get("hosts"), "hosts", at("hosts")))
        ),
        chapters=tuple(chapters),
        set_aside=tuple(set_aside),
        notes=tuple(
            _text(n, "a note", lines.item("notes", i))
            for i, n in enumerate(_list(data.get("notes"), "notes", at("notes")))
        ),
        advice_pin=_numbers(data, lines, "pin", len(segments)),
        advice_ban=_numbers(data, lines, "ban", len(segments)),
        catalogued=_flag(data.get("catalogued"), "catalogued", at("catalogued")),
        title_from=_title_from(data.get("title_from"), at("title_from")),
        speakers_from=_speakers_from(data.get("speakers_from"), at("speakers_from"), segments),
        text_print=_text_print(data.get("text_print"), at("text_print")),
    )


def _text_print(value: Any, line: int | None) -> text_print.TextPrint | None:
    """`text_print: SCHEME RUNS HASHES`; None when absent (files written before it was
    stored) or of another scheme: the library computes it then."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(line, f"text_print is {_show(value)}, not text")
    try:
        return text_print.decode(value)
    except text_print.PrintError as exc:
        raise _Bad(line, f"text_print: {exc}") from None


def _speakers_from(
    value: Any, line: int | None, segments: tuple[Segment, ...]
) -> SpeakersFrom | None:
    """`speakers_from: {episode, source, named, key}`: the copy the speakers were aligned from."""
    if value is None:
        return None
    item = _mapping(value, "speakers_from", line)
    named = _whole(item.get("named"), "speakers_from named", line, high=len(segments))
    return SpeakersFrom(
        _text(item.get("episode"), "speakers_from episode", line),
        _text(item.get("source"), "speakers_from source", line),
        named,
        _text(item.get("key"), "speakers_from key", line),
    )


def _title_from(value: Any, line: int | None) -> TitleFrom | None:
    """`title_from: file | catalog | filename`; absent in files written before it existed."""
    if value is None:
        return None
    for known in TITLE_FROM:
        if value == known:
            return known
    raise _Bad(line, f"title_from is {_show(value)}, not one of {', '.join(TITLE_FROM)}")


def _numbers(data: dict[str, Any], lines: _Lines, key: str, count: int) -> tuple[int, ...]:
    """`advice: {pin: [...], ban: [...]}`: segment numbers a curator chose."""
    line = lines.key("advice")
    advice = _mapping(data.get("advice"), "advice", line)
    numbers = _list(advice.get(key), f"advice {key}", line)
    for n in numbers:
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < count:
            raise _Bad(line, f"advice {key}: {_show(n)} is not a segment number (0–{count - 1})")
    return tuple(numbers)
