"""Timed transcripts in JSON (or in Python `repr` form, which some tools write instead).

Shapes read: youtube-transcript-api `[{text, start, duration}]`; Whisper
`{segments: [{start, end, text, speaker?}], text?}` and `[{start, end, text}]`; sentence
timings `[[text, start, end]]`; word timings `[[" word", start, end]]`. An object's metadata
(title, channel, video id, date) states the episode's facts. Diarisation without text, podcast
metadata (whose title names the show of the folder's files) and lists of episodes (even
truncated ones) are not transcripts.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.episodes.model import Facts, SetAside, Transcript, Utterance
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats import stated
from bot.ingest.formats.captions import LineCounter, has_words, is_sound, timing_notes

FORMAT = "json"

MAX_LITERAL_CHARS = 20_000_000  # Python-literal files are parsed by `ast`; keep them bounded
NOTES_PER_KIND = 5

_SNIFF = re.compile(r"\s*(?:\[\s*[\[{\"']|\{\s*[\"'}])")
_PYTHONISH = re.compile(r"[\[{,:]\s*'")
_TEXT_KEY = re.compile(r"[\"']text[\"']\s*:")
_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_INDENT = re.compile(r"[ \t]*")
_PLAIN = re.compile(r"[^'\"]*")
_STRING_BODY = {q: re.compile(rf"(?:[^{q}\\\n]|\\[\s\S])*") for q in "'\""}

_EPISODE_KEYS = frozenset(
    {"description", "mp3", "mp3_url", "audio", "audio_url", "enclosure", "url", "link"}
    | {"publish_date", "pub_date", "pubDate", "date", "episode_number", "number", "guid"}
)
_PODCAST_KEYS = frozenset(
    {"feed_url", "web_url", "feed", "rss", "html_description", "language", "author", "itunes"}
)

_METADATA_KEYS = ("metadata", "info", "video", "episode")

LinesOf = Callable[[str | None], list[int]]


def sniff(text: str, name: str) -> bool:
    """JSON (or Python-literal) content: a list of lists/objects/strings, or an object."""
    if _SNIFF.match(text.lstrip("\ufeff")):
        return True
    return name.lower().endswith(".json") and text.lstrip("\ufeff").lstrip()[:1] in ("[", "{")


# --- Loading, with the source line of every item of the list that holds the transcript ---


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _array_offsets(text: str, pos: int) -> list[int]:
    """Offsets of the items of the (valid) JSON array that opens at `pos`."""
    offsets: list[int] = []
    pos = _skip(text, pos + 1)
    if text[pos] == "]":
        return offsets
    while True:
        offsets.append(pos)
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ",":
            return offsets
        pos = _skip(text, pos + 1)


def _object_offsets(text: str, pos: int) -> dict[str, int]:
    """Offsets of the values of the (valid) JSON object that opens at `pos`, by key."""
    offsets: dict[str, int] = {}
    pos = _skip(text, pos + 1)
    if text[pos] == "}":
        return offsets
    while True:
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)
        offsets[key] = pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ",":
            return offsets
        pos = _skip(text, pos + 1)


def _json_lines(text: str) -> LinesOf:
    """Item lines of the top-level array (key None) or of the array under a top-level key."""

    def lines_of(key: str | None) -> list[int]:
        pos = _skip(text, 0)
        if key is not None:
            pos = _object_offsets(text, pos)[key]
        counter = LineCounter(text)
        return [counter(offset) for offset in _array_offsets(text, pos)]

    return lines_of


def _complete_items(text: str) -> tuple[list[Any], bool]:
    """The items of a top-level array or object (values) that decode before JSON breaks.

    Returns the items and whether the container was closed.
    """
    items: list[Any] = []
    pos = _skip(text, 0)
    opener = text[pos : pos + 1]
    if opener not in ("[", "{"):
        return items, False
    closer = "]" if opener == "[" else "}"
    pos = _skip(text, pos + 1)
    try:
        while pos < len(text) and text[pos] != closer:
            if opener == "{":
                key, pos = _DECODER.raw_decode(text, pos)
                pos = _skip(text, pos)
                if not isinstance(key, str) or text[pos : pos + 1] != ":":
                    return items, False
                pos = _skip(text, pos + 1)
            item, pos = _DECODER.raw_decode(text, pos)
            items.append(item)
            pos = _skip(text, pos)
            if text[pos : pos + 1] == ",":
                pos = _skip(text, pos + 1)
            elif text[pos : pos + 1] != closer:
                return items, False
    except (ValueError, RecursionError):
        return items, False
    return items, pos < len(text)


def _join_broken_strings(text: str) -> tuple[str, list[int]]:
    """Join line breaks inside one-line string literals (broken pretty-printing).

    A break before `]` or `}` is removed with its indentation (the printer put it there);
    any other becomes one space. Returns the text and the offsets of the joined breaks.
    """
    parts: list[str] = []
    joins: list[int] = []
    pos, end = 0, len(text)
    while pos < end:
        plain = _PLAIN.match(text, pos)
        assert plain is not None  # [^'"]* always matches
        parts.append(plain.group())
        pos = plain.end()
        if pos >= end:
            break
        quote = text[pos]
        if text.startswith(quote * 3, pos):
            close = text.find(quote * 3, pos + 3)
            close = end if close < 0 else close + 3
            parts.append(text[pos:close])
            pos = close
            continue
        parts.append(quote)
        pos += 1
        while pos < end:
            body = _STRING_BODY[quote].match(text, pos)
            assert body is not None  # (...)* always matches
            parts.append(body.group())
            pos = body.end()
            if pos >= end:
                break
            if text[pos] == quote:
                parts.append(quote)
                pos += 1
                break
            joins.append(pos)  # a raw line break inside the string
            indent = _INDENT.match(text, pos + 1)
            after = indent.end() if indent else pos + 1
            parts.append("" if text[after : after + 1] in ("]", "}") else " ")
            pos = after
    return "".join(parts), joins


def _literal_node(source: str) -> ast.expr:
    """The expression node of a Python literal; errors propagate to the caller."""
    return ast.parse(source, mode="eval").body


def _python_literal(text: str, notes: list[str]) -> tuple[Any, LinesOf]:
    """Read a Python `repr` file with `ast.literal_eval` (never `eval`); join broken strings."""
    if len(text) > MAX_LITERAL_CHARS:
        raise ReaderError(None, f"not JSON, and too large ({len(text)} characters) to read")
    line_map: list[int] | None = None
    try:
        node = _literal_node(text)
    except SyntaxError as first:
        repaired, joins = _join_broken_strings(text)
        if not joins:
            raise
        try:
            node = _literal_node(repaired)
        except SyntaxError:
            raise first from None
        joined_lines = [text.count("\n", 0, offset) + 1 for offset in joins]
        for line in joined_lines[:NOTES_PER_KIND]:
            notes.append(f"line {line}: line break inside a string (broken printing); joined")
        if len(joined_lines) > NOTES_PER_KIND:
            notes.append(f"{len(joined_lines) - NOTES_PER_KIND} more broken strings joined")
        joined = set(joined_lines)
        line_map = [0]  # repaired line → original line
        for original in range(1, text.count("\n") + 2):
            if original == 1 or original - 1 not in joined:
                line_map.append(original)
    data = ast.literal_eval(node)
    mapping = line_map

    def lines_of(key: str | None) -> list[int]:
        target = node
        if key is not None:
            if not isinstance(node, ast.Dict):
                raise ValueError("not a dict")
            index = [isinstance(k, ast.Constant) and k.value == key for k in node.keys]
            target = node.values[index.index(True)]
        if not isinstance(target, ast.List | ast.Tuple):
            raise ValueError(f"{key or 'the file'} is not a list")
        lines = [element.lineno for element in target.elts]
        return [mapping[line] for line in lines] if mapping else lines

    return data, lines_of


def _load(text: str, notes: list[str]) -> tuple[Any, LinesOf]:
    """JSON (or a Python literal); NotTranscriptContent for a truncated list of episodes."""
    try:
        return json.loads(text), _json_lines(text)
    except json.JSONDecodeError as exc:
        json_error: ValueError = exc
        json_line: int | None = exc.lineno
    except (ValueError, RecursionError) as exc:
        raise ReaderError(None, f"invalid JSON: {exc}") from exc
    items, closed = _complete_items(text)
    if items and all(_is_episode(item) for item in items) and not closed:
        raise NotTranscriptContent("truncated JSON list of episodes (not a transcript)")
    if _PYTHONISH.search(text[:2000]):
        try:
            return _python_literal(text, notes)
        except SyntaxError as exc:
            raise ReaderError(exc.lineno, f"neither JSON nor a Python literal: {exc.msg}") from exc
        except (ValueError, TypeError, MemoryError, RecursionError) as exc:
            why = f"neither JSON nor a Python literal: {str(exc)[:80]}"
            raise ReaderError(None, why) from exc
    msg = json_error.msg if isinstance(json_error, json.JSONDecodeError) else str(json_error)
    raise ReaderError(json_line, f"invalid JSON: {msg}")


# --- Shapes ---


def _is_episode(item: Any) -> bool:
    """An episode record: a title, an episode field (description, mp3 url...), no times."""
    if not isinstance(item, dict) or not isinstance(item.get("title"), str):
        return False
    return bool(_EPISODE_KEYS & item.keys()) and not {"start", "segments"} & item.keys()


def _is_podcast(data: dict[str, Any]) -> bool:
    """Podcast (feed) metadata: a title and feed fields, no segments or timed text."""
    return "title" in data and bool(_PODCAST_KEYS & data.keys()) and "segments" not in data


def _metadata(data: dict[str, Any]) -> Facts:
    """What a transcript object states beside its segments (title, channel, video id, date),
    at its top level or in a `metadata` / `info` object."""
    facts = stated.facts_from(data.items())
    for key in _METADATA_KEYS:
        if isinstance(data.get(key), dict):
            stated.facts_from(data[key].items(), facts)
    return facts


def _show(value: Any) -> str:
    """A short repr for messages."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _number(value: Any, what: str, line: int) -> float:
    """A finite number of seconds, or ReaderError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReaderError(line, f"{what} {_show(value)} is not a number")
    try:
        seconds = float(value)
    except OverflowError as exc:
        raise ReaderError(line, f"{what} {_show(value)} is too large") from exc
    if not math.isfinite(seconds):
        raise ReaderError(line, f"{what} {_show(value)} is not a finite number")
    return seconds


@dataclass(slots=True)
class _Item:
    """One timed text item before it becomes an utterance."""

    text: str
    line: int
    start: float | None
    end: float | None
    speaker: str | None = None


def _object_item(obj: Any, number: int, line: int) -> _Item:
    """An item `{text, start?, end?|duration?, speaker?}`."""
    where = f"item {number}"
    if not isinstance(obj, dict):
        raise ReaderError(line, f"{where}: {_show(obj)} is not an object like the others")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ReaderError(line, f"{where}: text {_show(text)} is not a string")
    start = _number(obj["start"], f"{where}: start", line) if "start" in obj else None
    end: float | None = None
    if "end" in obj:
        end = _number(obj["end"], f"{where}: end", line)
    elif "duration" in obj and start is not None:
        end = start + _number(obj["duration"], f"{where}: duration", line)
    speaker = obj.get("speaker")
    if speaker is not None and not isinstance(speaker, str):
        raise ReaderError(line, f"{where}: speaker {_show(speaker)} is not a string")
    return _Item(text, line, start, end, speaker or None)


def _triple_item(obj: Any, number: int, line: int) -> _Item:
    """An item `[text, start, end]`."""
    where = f"item {number}"
    if not isinstance(obj, list | tuple) or len(obj) != 3 or not isinstance(obj[0], str):
        raise ReaderError(line, f"{where}: {_show(obj)} is not [text, start, end]")
    start = _number(obj[1], f"{where}: start", line)
    end = _number(obj[2], f"{where}: end", line)
    return _Item(obj[0], line, start, end)


@dataclass(slots=True)
class _Out:
    """What the reader collects."""

    utterances: list[Utterance] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: int = 0


def _add_items(items: Sequence[_Item], out: _Out) -> None:
    """Whole items (segments, sentences, caption lines) → utterances."""
    previous: str | None = None
    for item in items:
        text = " ".join(item.text.split())
        if is_sound(text):
            out.set_aside.append(SetAside(reason="sound cue", text=text, line=item.line))
            continue
        if not has_words(text):
            out.empty += 1
            if out.empty <= NOTES_PER_KIND:
                out.notes.append(f"line {item.line}: item text {text!r} has no words; skipped")
            continue
        turn = item.speaker is not None and item.speaker != previous
        out.utterances.append(Utterance(text, item.line, item.start, item.end, item.speaker, turn))
        previous = item.speaker if item.speaker is not None else previous


def _add_words(items: Sequence[_Item], out: _Out) -> None:
    """Word timings → one utterance per word; a token with no leading space joins the last."""
    for item in items:
        word = item.text.strip()
        if not word:
            out.empty += 1
            if out.empty <= NOTES_PER_KIND:
                out.notes.append(f"line {item.line}: empty word; skipped")
            continue
        glue = not item.text[:1].isspace() and out.utterances
        if glue:
            last = out.utterances[-1]
            out.utterances[-1] = Utterance(
                last.text + word, last.line, last.start, item.end, last.speaker, last.turn
            )
        else:
            out.utterances.append(Utterance(word, item.line, item.start, item.end))


def _are_words(items: Sequence[_Item]) -> bool:
    """Word timings: no item holds a space inside, and most start with one."""
    if any(len(item.text.split()) > 1 for item in items):
        return False
    spaced = sum(1 for item in items if item.text[:1].isspace())
    return spaced * 2 >= len(items)


def _list_items(data: list[Any], lines: list[int]) -> tuple[list[_Item], bool]:
    """The items of a top-level list, and whether they are word timings."""
    first = data[0]
    if isinstance(first, dict):
        if "text" not in first:
            if all(_is_episode(item) for item in data):
                raise NotTranscriptContent("a list of episodes, not a transcript")
            if "speaker" in first and "start" in first:
                raise NotTranscriptContent("speaker diarisation only, no text")
            raise NotTranscriptContent("a JSON list of objects with no text")
        items = [
            _object_item(obj, k, line)
            for k, (obj, line) in enumerate(zip(data, lines, strict=True), 1)
        ]
        return items, False
    if isinstance(first, list | tuple) and len(first) == 3 and isinstance(first[0], str):
        items = [
            _triple_item(obj, k, line)
            for k, (obj, line) in enumerate(zip(data, lines, strict=True), 1)
        ]
        return items, _are_words(items)
    raise NotTranscriptContent("a JSON list with no timed text")


def read(text: str, name: str) -> Transcript:
    """Read timed JSON; raise NotTranscriptContent for JSON that holds no transcript."""
    text = text.lstrip("\ufeff")
    out = _Out()
    data, lines_of = _load(text, out.notes)
    words = False
    overlap_limit = NOTES_PER_KIND
    try:
        if isinstance(data, list):
            if not data:
                raise NotTranscriptContent("an empty JSON list")
            items, words = _list_items(data, lines_of(None))
            if isinstance(data[0], dict) and "duration" in data[0]:
                overlap_limit = 0  # YouTube caption lines overlap the next one by design
        elif isinstance(data, dict):
            segments = data.get("segments")
            if isinstance(segments, list) and segments:
                if not any(isinstance(s, dict) and "text" in s for s in segments):
                    if all(isinstance(s, dict) and "speaker" in s for s in segments):
                        raise NotTranscriptContent("speaker diarisation only, no text")
                    raise NotTranscriptContent("JSON segments with no text")
                pairs = zip(segments, lines_of("segments"), strict=True)
                items = [_object_item(obj, k, line) for k, (obj, line) in enumerate(pairs, 1)]
            elif isinstance(data.get("text"), str) and data["text"].strip():
                key = _TEXT_KEY.search(text)
                line = LineCounter(text)(key.start()) if key else 1
                out.notes.append("no segments: the whole text is one untimed utterance")
                items = [_Item(data["text"], line, None, None)]
            elif _is_podcast(data):
                show = stated.facts_from([("show", data.get("title"))]).show
                raise NotTranscriptContent("podcast metadata, no transcript", show=show)
            elif data and all(_is_episode(value) for value in data.values()):
                raise NotTranscriptContent("a list of episodes, not a transcript")
            else:
                raise NotTranscriptContent("a JSON object with no transcript")
        else:
            raise NotTranscriptContent("JSON with no timed text")
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ReaderError(None, f"JSON structure not understood: {str(exc)[:80]}") from exc
    if words:
        _add_words(items, out)
    else:
        _add_items(items, out)
    if out.empty > NOTES_PER_KIND:
        out.notes.append(f"{out.empty - NOTES_PER_KIND} more items with no words skipped")
    timed = [
        (f"line {item.line}, item {number}", item.start, item.end)
        for number, item in enumerate(items, 1)
        if item.start is not None and item.end is not None
    ]
    out.notes.extend(timing_notes(timed, limit=overlap_limit, item="item"))
    facts = _metadata(data) if isinstance(data, dict) else Facts()
    for utterance in out.utterances:
        if utterance.speaker is not None:
            facts.speakers.setdefault(utterance.speaker, None)
    return Transcript(
        format=FORMAT,
        utterances=out.utterances,
        facts=facts,
        set_aside=out.set_aside,
        notes=out.notes,
        fragments=True,
    )
