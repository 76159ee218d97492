"""Helpers shared by the caption readers (WebVTT, SubRip, JSON, Podlove).

A cue's text lines are cut into *pieces* at turn starts: a `<v Name>` voice tag, a leading
`- ` or `>> ` turn marker, or a `Name:` prefix that names a speaker of the file. A
`CaptionBuilder` turns the pieces into `Utterance`s, carrying a prefix-named speaker forward
to the following cues, and sets pure sound cues such as `(silence)` aside.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from bot.episodes.model import Facts, SetAside, Transcript, Utterance
from bot.text import squash

# A turn marker at the start of a line: "- " (one dash, then a space) or ">>".
_MARKER = re.compile(r"(?:-[ \t]+|>>[ \t]*)")

# `Name:` / `Two Names (role):` at the start of a line; the words are checked separately.
_NAME_WORD = r"[^\W\d_][\w'’.\-]*"
_PREFIX = re.compile(
    rf"(?P<name>{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|\d+)){{0,3}})"
    r"(?:[ \t]+\((?P<role>[^()\n]{1,40})\))?[ \t]*:(?=[ \t]|$)"
)
# Single-word prefixes that are common words in speech or notes, never taken as names.
_NOT_NAMES = frozenset({"Note", "Notes", "Edit", "Update", "Warning", "Example", "Source"})

# A WebVTT voice tag: `<v Name>`, `<v.class Name>`; the name is optional here.
_VOICE = re.compile(r"<v(?=[.\s>])(?:\.[^\s<>]*)?(?:\s+(?P<name>[^<>]*))?>")
# A cue that is only sound descriptions: "(silence)", "[Music]", "(laughs) (applause)".
_SOUND = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\])(?:\s*(?:\([^()]*\)|\[[^\[\]]*\]))*\s*")

NOTES_PER_KIND = 20


@dataclass(frozen=True, slots=True)
class Prefix:
    """A `Name (role):` prefix found at a turn start, and the text after it."""

    name: str
    role: str | None
    rest: str


def parse_prefix(text: str) -> Prefix | None:
    """The `Name:` prefix at the start of `text` if it is 1–4 capitalised words (+ role)."""
    m = _PREFIX.match(text)
    if not m:
        return None
    name = " ".join(m.group("name").split())
    words = name.split()
    if not words[0][0].isupper() or any(not (w.isdigit() or w[0].isupper()) for w in words[1:]):
        return None
    if len(words) == 1 and name in _NOT_NAMES:
        return None
    role = m.group("role")
    return Prefix(name, squash(role) if role else None, text[m.end() :].lstrip())


def is_sound(text: str) -> bool:
    """Whether the text is only bracketed sound descriptions like `(laughs)` or `[Music]`."""
    return bool(text.strip()) and _SOUND.fullmatch(text) is not None


def has_words(text: str) -> bool:
    """Whether the text holds at least one letter or digit."""
    return any(ch.isalnum() for ch in text)


@dataclass(slots=True)
class Piece:
    """The text of one speaker turn inside a cue (a whole cue when it has no turn start)."""

    text: str
    line: int
    marker: bool = False
    voiced: bool = False
    voice: str | None = None
    name: str | None = None


def _segments(line: str, voice_tags: bool) -> list[tuple[bool, str | None, str]]:
    """A line cut at voice tags: (starts with a voice tag, voice name, text after it)."""
    matches = list(_VOICE.finditer(line)) if voice_tags else []
    if not matches:
        return [(False, None, line)]
    out: list[tuple[bool, str | None, str]] = []
    if matches[0].start() > 0:
        out.append((False, None, line[: matches[0].start()]))
    for k, m in enumerate(matches):
        stop = matches[k + 1].start() if k + 1 < len(matches) else len(line)
        out.append((True, squash(m.group("name") or "") or None, line[m.end() : stop]))
    return out


def _turn_start(text: str, names: Iterable[str] | None) -> tuple[bool, Prefix | None, str]:
    """At a turn start: (has a `- `/`>>` marker, the name prefix if known, the rest)."""
    stripped = text.lstrip()
    marker = _MARKER.match(stripped)
    if marker:
        stripped = stripped[marker.end() :]
    prefix = parse_prefix(stripped)
    if prefix is not None and (names is None or prefix.name in names):
        return bool(marker), prefix, prefix.rest
    return bool(marker), None, stripped


def turn_start_prefixes(
    lines: Sequence[str], voice_tags: bool, clean_text: Callable[[str], str]
) -> Iterator[Prefix]:
    """Every syntactic `Name:` prefix found at a turn start of one cue's lines."""
    for line in lines:
        segments = _segments(line, voice_tags)
        for k, (starts_voice, _voice, text) in enumerate(segments):
            if k == 0 or starts_voice:
                _marker, prefix, _rest = _turn_start(clean_text(text), None)
                if prefix is not None:
                    yield prefix


def speaker_names(
    cues: Iterable[Sequence[str]], voice_tags: bool, clean_text: Callable[[str], str]
) -> dict[str, str | None]:
    """Names that prefix turns in at least 2 cues of the file, with a role if one is given."""
    counts: Counter[str] = Counter()
    roles: dict[str, str | None] = {}
    for lines in cues:
        seen = set()
        for prefix in turn_start_prefixes(lines, voice_tags, clean_text):
            seen.add(prefix.name)
            if roles.get(prefix.name) is None:
                roles[prefix.name] = prefix.role
        counts.update(seen)
    return {name: roles[name] for name, count in counts.items() if count >= 2}


def cue_pieces(
    lines: Sequence[tuple[int, str]],
    names: Iterable[str],
    voice_tags: bool,
    clean_text: Callable[[str], str],
) -> list[Piece]:
    """One cue's numbered text lines cut into pieces at voice tags, markers and name prefixes."""
    known = set(names)
    pieces: list[Piece] = []
    for lineno, line in lines:
        for k, (starts_voice, voice, raw) in enumerate(_segments(line, voice_tags)):
            text = clean_text(raw)
            if starts_voice:
                pieces.append(Piece("", lineno, voiced=True, voice=voice))
            if k == 0 or starts_voice:
                marker, prefix, text = _turn_start(text, known)
                if (marker or prefix) and not starts_voice:
                    pieces.append(Piece("", lineno))
                if pieces:
                    pieces[-1].marker = pieces[-1].marker or marker
                    if prefix is not None:
                        pieces[-1].name = prefix.name
            if not pieces:
                pieces.append(Piece("", lineno))
            piece = pieces[-1]
            if not piece.text.strip():
                piece.line = lineno
            piece.text = f"{piece.text} {text}" if piece.text else text
    return pieces


@dataclass(slots=True)
class CaptionBuilder:
    """Turns pieces into utterances: speakers, turns, sound cues and dropped punctuation."""

    utterances: list[Utterance] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    carry: str | None = None
    previous: str | None = None
    _dropped: int = 0

    def add(self, piece: Piece, start: float | None, end: float | None) -> None:
        """Add one piece with its cue's times."""
        text = squash(piece.text)
        if piece.name is not None:
            speaker: str | None = piece.name
            self.carry = piece.name
            turn = True
        elif piece.voiced:
            speaker = piece.voice
            turn = piece.marker or speaker != self.previous or not self.utterances
        elif piece.marker:
            speaker = None
            self.carry = None
            turn = True
        else:
            speaker = self.carry
            turn = False
        if is_sound(text):
            self.set_aside.append(SetAside(reason="sound cue", text=text, line=piece.line))
            return
        if not has_words(text):
            if text:
                self._dropped += 1
                if self._dropped <= NOTES_PER_KIND:
                    self.notes.append(f"line {piece.line}: text {text!r} has no words; dropped")
            return
        self.utterances.append(Utterance(text, piece.line, start, end, speaker, turn))
        self.previous = speaker

    def finish(self) -> None:
        """Add the summary note for dropped punctuation beyond the per-kind limit."""
        if self._dropped > NOTES_PER_KIND:
            more = self._dropped - NOTES_PER_KIND
            self.notes.append(f"{more} more cues with no words dropped")


def timing_notes(
    cues: Iterable[tuple[str, float, float]], limit: int = NOTES_PER_KIND, item: str = "cue"
) -> list[str]:
    """Notes on cues with non-positive duration, overlaps and backward starts (all kept).

    Each cue is (where, start, end), `where` being e.g. "line 12" or "line 1, item 40".
    """
    kinds: dict[str, list[str]] = {"duration": [], "overlap": [], "backwards": []}
    counts: Counter[str] = Counter()
    previous: tuple[float, float] | None = None
    for where, start, end in cues:
        found: list[tuple[str, str]] = []
        if end <= start:
            found.append(("duration", f"{where}: {item} has non-positive duration; kept"))
        if previous is not None:
            if start < previous[0]:
                found.append(("backwards", f"{where}: {item} starts before the previous one; kept"))
            elif start < previous[1]:
                found.append(("overlap", f"{where}: {item} overlaps the previous one; kept"))
        for kind, note in found:
            counts[kind] += 1
            if counts[kind] <= limit:
                kinds[kind].append(note)
        previous = (start, end)
    notes = [note for kind in kinds for note in kinds[kind]]
    labels = {
        "duration": "have non-positive duration",
        "overlap": "overlap the previous one",
        "backwards": "start before the previous one",
    }
    for kind, label in labels.items():
        if counts[kind] > limit:
            more = "" if limit == 0 else " more"
            notes.append(f"{counts[kind] - limit}{more} {item}s {label}; kept")
    return notes


def speaker_facts(facts: Facts, names: dict[str, str | None], voices: Iterable[str]) -> None:
    """Record the speaker labels the file states, and hosts where a `(host)` role says so."""
    for name in [*names, *voices]:
        facts.speakers.setdefault(name, None)
    for name, role in names.items():
        if role is not None and role.casefold() == "host" and name not in facts.hosts:
            facts.hosts.append(name)


class LineCounter:
    """1-based line numbers of (mostly increasing) offsets, counted incrementally."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def __call__(self, offset: int) -> int:
        """The line of the character at `offset`."""
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR → LF, and no byte-order mark (the caller usually did this already)."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def caption_transcript(
    fmt: str,
    builder: CaptionBuilder,
    notes: list[str],
    names: dict[str, str | None],
    voices: Iterable[str] = (),
    *,
    facts: Facts | None = None,
) -> Transcript:
    """The transcript of a caption file once its cues are read: fragments to be merged.

    `facts` are what the file states besides its speakers (a header's title…)."""
    facts = facts if facts is not None else Facts()
    speaker_facts(facts, names, voices)
    return Transcript(
        format=fmt,
        utterances=builder.utterances,
        facts=facts,
        set_aside=builder.set_aside,
        notes=[*notes, *builder.notes],
        fragments=True,
    )
