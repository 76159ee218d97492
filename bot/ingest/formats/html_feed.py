"""HTML transcripts from podcast feeds (`podcast:transcript` type text/html).

Two layouts are read: `<cite>Name:</cite>` + optional `<time>MM:SS</time>` + `<p>` paragraphs
(Changelog, Buzzsprout), and `<p>M:SS</p><p>text</p><p></p>` triples with no `<html>`.
Changelog paragraphs carry Markdown debris: `\\[00:18:17.21\\]` time marks, `\\[laughter\\]`,
and `**Break**:` markers; those are turned into times, sound cues and set-aside markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bot.episodes.model import Facts, SetAside, Transcript, Utterance
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats.captions import has_words, is_sound
from bot.text import parse_clock, squash

FORMAT = "html-transcript"

_CONTAINERS = frozenset({"p", "cite", "time", "title"})
_SKIPPED = frozenset({"script", "style", "template"})
_SNIFF_TAG = re.compile(r"<(?:p|cite)[\s>]", re.IGNORECASE)
_CLOCK_ONLY = re.compile(r"\s*(\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?)\s*")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_MD_ESCAPE = re.compile(r"\\([\[\]*_`#\\])")
# An inline time mark `[00:18:17.21]` (after Markdown unescaping); the fraction is frames.
_INLINE_TIME = re.compile(r"\[(\d{1,2}:\d{2}:\d{2})(?:\.\d+)?\]")
_LEADING_TIME = re.compile(rf"\s*{_INLINE_TIME.pattern}\s*")
_MARKER = re.compile(r"\*\*([^*\n]{1,40})\*\*\s*:?\s*")
_GENERIC_LABELS = frozenset({"", "speaker", "unknown"})
# "Transcript for Go Time #300": the page's title names the page; the episode is the rest.
_PAGE_TITLE = re.compile(r"^transcripts?\s*(?:for|of|:|[-–—])\s*", re.IGNORECASE)
# Markup openers, and the closers html.parser searches for after them (Python 3.11).
_OPENER = re.compile(r"<(?:!--|!\[|[!?/A-Za-z])")
_COMMENT_CLOSE = re.compile(r"--\s*>")
_SECTION_CLOSE = re.compile(r"\]\s*\]\s*>")


def _defuse_unclosed(text: str) -> tuple[str, int | None]:
    """Markup openers that can never close (`<a` with no `>` after it) turned into `&lt;`.

    html.parser reads them as text anyway, but only at the end of the input, after
    searching to the end from each of them: quadratic time on broken input. Returns the
    text and the line of the first one (None if there is none); line numbers do not change.
    """
    last_gt = text.rfind(">")
    last_comment = max((m.start() for m in _COMMENT_CLOSE.finditer(text)), default=-1)
    last_section = max((m.start() for m in _SECTION_CLOSE.finditer(text)), default=-1)
    parts: list[str] = []
    pos = 0
    first: int | None = None
    for opener in _OPENER.finditer(text):
        start, kind = opener.start(), opener.group()
        if kind == "<!--":
            closed = last_comment >= start + 4
        elif kind == "<![":
            closed = last_section >= start + 3
        else:
            closed = last_gt > start
        if not closed:
            parts += [text[pos:start], "&lt;"]
            pos = start + 1
            if first is None:
                first = text.count("\n", 0, start) + 1
    if first is None:
        return text, None
    parts.append(text[pos:])
    return "".join(parts), first


@dataclass(slots=True)
class _Block:
    """The text of one `<p>`, `<cite>`, `<time>`, `<title>`, or stray text, with its line."""

    kind: str
    text: str
    line: int


class _Collector(HTMLParser):
    """Cuts the page into blocks; `<script>`/`<style>` and `<head>` text are skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.canonical: str | None = None
        self._open: str | None = None
        self._parts: list[str] = []
        self._line = 1
        self._skip = 0
        self._in_head = False

    def _flush(self) -> None:
        if self._open is not None:
            self.blocks.append(_Block(self._open, "".join(self._parts), self._line))
        self._open, self._parts = None, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag == "head":
            self._in_head = True
        elif tag in _CONTAINERS:
            self._flush()
            self._open, self._line = tag, self.getpos()[0]
        elif tag == "br" and self._open is not None:
            self._parts.append("\n")
        elif tag == "link":
            values = dict(attrs)
            if (values.get("rel") or "").lower() == "canonical" and values.get("href"):
                self.canonical = values["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag == "head":
            self._in_head = False
        elif tag == self._open or tag in ("body", "html"):
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._open is not None:
            self._parts.append(data)
        elif data.strip() and not self._in_head:
            self.blocks.append(_Block("stray", data, self.getpos()[0]))

    def close(self) -> None:
        super().close()
        self._flush()


def sniff(text: str, name: str) -> bool:
    """Markup that starts with a tag and holds `<p>` or `<cite>`; not XML, not WebVTT."""
    head = text.lstrip("\ufeff").lstrip()
    if not head.startswith("<") or head.startswith("<?xml"):
        return False
    return _SNIFF_TAG.search(head[:50_000]) is not None


@dataclass(slots=True)
class _State:
    """What the reader carries from block to block."""

    utterances: list[Utterance] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    speaker: str | None = None
    label: str | None = None
    turn: bool = False
    pending: float | None = None
    timed: bool = False
    frames_noted: bool = False


def _clock(value: str, line: int) -> float:
    """Seconds of a `<time>`, a clock paragraph or a time mark; ReaderError if not a time."""
    seconds = parse_clock(value)
    if seconds is None:
        raise ReaderError(line, f"time {squash(value)[:40]!r} is not a time")
    return seconds


def _sub_paragraphs(text: str, line: int) -> list[tuple[str, int]]:
    """A paragraph cut at blank lines (Markdown paragraphs inside one `<p>`), with lines."""
    out: list[tuple[str, int]] = []
    pos = 0
    for part in [*_PARAGRAPH_BREAK.finditer(text), None]:
        stop = part.start() if part else len(text)
        chunk = text[pos:stop]
        if chunk.strip():
            lead = chunk[: len(chunk) - len(chunk.lstrip())]
            out.append((chunk, line + text.count("\n", 0, pos) + lead.count("\n")))
        if part:
            pos = part.end()
    return out


def _speech(raw: str, line: int, state: _State) -> None:
    """One paragraph of speech: time marks, markers and sound cues handled."""
    text = _MD_ESCAPE.sub(r"\1", raw)
    start = state.pending
    leading = _LEADING_TIME.match(text)
    if leading:
        start = _clock(leading.group(1), line)
        text = text[leading.end() :]
        if not state.frames_noted:
            state.frames_noted = True
            state.notes.append(
                f"line {line}: inline time marks like {leading.group(0).strip()!r}; "
                "whole seconds used (the part after the dot looks like frames)"
            )
    marker = _MARKER.fullmatch(_INLINE_TIME.sub("", text).strip())
    if marker:
        label = squash(marker.group(1))
        state.set_aside.append(SetAside(reason=f"{label.lower()} marker", text=label, line=line))
        return
    inline = _INLINE_TIME.findall(text)
    if inline:
        text = _INLINE_TIME.sub(" ", text)
        state.notes.append(f"line {line}: time mark [{inline[0]}] inside the text; removed")
    text = squash(text)
    if not text:
        if leading:
            state.pending = start  # a bare time mark: it times what follows
        return
    state.pending = None
    if is_sound(text):
        state.set_aside.append(SetAside(reason="sound cue", text=text, line=line))
        return
    if not has_words(text):
        state.notes.append(f"line {line}: paragraph {text[:20]!r} has no words; skipped")
        return
    state.utterances.append(Utterance(text, line, start, None, state.speaker, state.turn))
    state.turn = False


def read(text: str, name: str) -> Transcript:
    """Read an HTML feed transcript: speakers from `<cite>`, times from `<time>` or clocks."""
    text, unclosed = _defuse_unclosed(text)
    collector = _Collector()
    try:
        collector.feed(text)
        collector.close()
    except (AssertionError, ValueError, IndexError) as exc:  # html.parser edge cases
        raise ReaderError(None, f"HTML cannot be parsed: {exc}") from exc
    state = _State()
    if unclosed is not None:
        state.notes.append(f"line {unclosed}: markup that never closes; read as text")
    facts = Facts(url=collector.canonical)
    for block in collector.blocks:
        if block.kind == "title":
            facts.title = facts.title or _PAGE_TITLE.sub("", squash(block.text)) or None
        elif block.kind == "cite":
            label = squash(block.text).rstrip(":").strip()
            state.turn = label != state.label
            state.label = label
            state.speaker = None if label.casefold() in _GENERIC_LABELS else label
            if state.speaker is not None:
                facts.speakers.setdefault(state.speaker, None)
        elif block.kind == "time":
            if block.text.strip():
                state.pending = _clock(block.text, block.line)
                state.timed = True  # caption-like: timed pieces of speech
        elif block.kind == "p" and _CLOCK_ONLY.fullmatch(block.text):
            state.pending = _clock(block.text, block.line)
            state.timed = True
        else:
            for chunk, line in _sub_paragraphs(block.text, block.line):
                if block.kind == "stray":
                    state.notes.append(f"line {line}: text outside <p>; kept")
                _speech(chunk, line, state)
    if not state.utterances:
        raise NotTranscriptContent("no transcript paragraphs in the HTML")
    return Transcript(
        format=FORMAT,
        utterances=state.utterances,
        facts=facts,
        set_aside=state.set_aside,
        notes=state.notes,
        fragments=state.timed,
    )
