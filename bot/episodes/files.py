"""Write and read normalised episode files (`<id>.yaml`, schema 1).

The file is plain YAML, read with the safe loader by any tool. The header is block YAML; each
segment is one flow mapping on its own line, written in the JSON subset of YAML so that the
library can read the bulk of the file with `json` (about 10x faster than libyaml) and falls
back to the YAML loader for a file that was edited by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from bot.episodes.model import (
    SCHEMA_VERSION,
    TITLE_FROM,
    Chapter,
    Episode,
    Segment,
    SetAside,
    TitleFrom,
)
from bot.errors import EpisodeFileError, yaml_problem

_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SEGMENTS_KEY = "\nsegments:\n"
_UNSAFE_FOR_YAML = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff]"
)
_TIMINGS = ("exact", "estimated", "mixed", "none")


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


def dumps(ep: Episode) -> str:
    """The episode as the exact text of its file (deterministic)."""
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
    head = yaml.dump(header, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True, width=100)
    body = "".join(f"- {_json_line(_segment_dict(s))}\n" for s in ep.segments)
    return f"{head}segments:\n{body}" if body else f"{head}segments: []\n"


def write(ep: Episode, folder: Path) -> Path:
    """Write the episode to `folder/<id>.yaml`; only rewrites a file whose text changed."""
    path = folder / f"{ep.id}.yaml"
    text = dumps(ep)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return path


def loads(text: str, path: Path | str = "<episode>") -> Episode:
    """Parse an episode file's text; a broken or other-schema file is an `EpisodeFileError`."""
    data = _parse(text, path)
    try:
        return _episode(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise EpisodeFileError(path, f"not a schema {SCHEMA_VERSION} episode: {exc}") from exc


def read(path: Path) -> Episode:
    """Read one episode file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EpisodeFileError(path, f"cannot read: {exc}") from exc
    return loads(text, path)


def _parse(text: str, path: Path | str) -> dict[str, Any]:
    cut = text.find(_SEGMENTS_KEY)
    if cut >= 0:
        head_text, body = text[: cut + 1], text[cut + len(_SEGMENTS_KEY) :]
        lines = [line for line in body.splitlines() if line.strip()]
        if all(line.startswith("- {") for line in lines):
            try:
                segments = [json.loads(line[2:]) for line in lines]
            except json.JSONDecodeError:
                pass  # edited by hand: read the whole file as YAML below
            else:
                head = _yaml(head_text, path)
                head["segments"] = segments
                return head
    return _yaml(text, path)


def _yaml(text: str, path: Path | str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        line, why = yaml_problem(exc)
        where = f"line {line}: " if line else ""
        raise EpisodeFileError(path, f"{where}not valid YAML ({why})") from exc
    if not isinstance(data, dict):
        raise EpisodeFileError(path, "not an episode: the file is not a mapping")
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        raise EpisodeFileError(
            path, f"schema {schema!r} is not {SCHEMA_VERSION}: re-run `python -m bot ingest`"
        )
    return data


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _segment(raw: dict[str, Any]) -> Segment:
    text = raw["text"]
    if not isinstance(text, str) or not text:
        raise ValueError("a segment has no text")
    chapter = raw.get("chapter")
    return Segment(
        start=_opt_float(raw.get("start")),
        end=_opt_float(raw.get("end")),
        speaker=_opt_str(raw.get("speaker")),
        text=text,
        chapter=None if chapter is None else int(chapter),
        cues=tuple((int(o), float(s)) for o, s in raw.get("cues") or ()),
        estimated=bool(raw.get("estimated", False)),
        line=int(raw.get("line", 0)),
    )


def _episode(data: dict[str, Any]) -> Episode:
    timing = data.get("timing", "none")
    if timing not in _TIMINGS:
        raise ValueError(f"timing {timing!r} is not one of {', '.join(_TIMINGS)}")
    speakers = data.get("speakers") or {}
    if not isinstance(speakers, dict):
        raise TypeError("speakers is not a mapping")
    return Episode(
        id=str(data["id"]),
        title=str(data["title"]),
        source=str(data["source"]),
        format=str(data["format"]),
        segments=tuple(_segment(s) for s in data.get("segments") or ()),
        show=_opt_str(data.get("show")),
        season=data.get("season"),
        episode=data.get("episode"),
        youtube_id=_opt_str(data.get("youtube_id")),
        url=_opt_str(data.get("url")),
        duration=_opt_float(data.get("duration")),
        date=_opt_str(data.get("date")),
        description=_opt_str(data.get("description")),
        timing=timing,
        speakers=tuple((str(k), _opt_str(v)) for k, v in speakers.items()),
        hosts=tuple(str(h) for h in data.get("hosts") or ()),
        chapters=tuple(
            Chapter(str(c["title"]), _opt_float(c.get("start"))) for c in data.get("chapters") or ()
        ),
        set_aside=tuple(
            SetAside(str(s["reason"]), str(s["text"]), int(s.get("line", 0)))
            for s in data.get("set_aside") or ()
        ),
        notes=tuple(str(n) for n in data.get("notes") or ()),
        advice_pin=_numbers(data, "pin"),
        advice_ban=_numbers(data, "ban"),
        catalogued=bool(data.get("catalogued", False)),
        title_from=_title_from(data.get("title_from")),
    )


def _title_from(value: Any) -> TitleFrom | None:
    """`title_from: file | catalog | filename`; absent in files written before it existed."""
    if value is None:
        return None
    for known in TITLE_FROM:
        if value == known:
            return known
    raise ValueError(f"title_from {value!r} is not one of {', '.join(TITLE_FROM)}")


def _numbers(data: dict[str, Any], key: str) -> tuple[int, ...]:
    """`advice: {pin: [...], ban: [...]}`: segment numbers a curator chose."""
    advice = data.get("advice") or {}
    if not isinstance(advice, dict):
        raise TypeError("advice is not a mapping")
    count = len(data.get("segments") or ())
    numbers = tuple(int(n) for n in advice.get(key) or ())
    for n in numbers:
        if not 0 <= n < count:
            raise ValueError(f"advice {key}: {n} is not a segment number (0–{count - 1})")
    return numbers
