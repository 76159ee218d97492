"""Transcripts of paragraphs under speaker names, in three layouts seen in the real files.

- `**Name:** text` paragraphs (Changelog's Practical AI), with inline `\\[MM:SS\\]` stamps and
  `**Break:**` ad breaks;
- front matter of show notes, then `Name (HH:MM:SS):` lines each followed by a paragraph
  (Lenny's Podcast);
- show notes, a "Click here to read the raw transcript..." banner, then a speaker-name line and
  paragraphs (sample d, Podcast.__init__): the guest's answers usually have no name line, so an
  unnamed paragraph that answers the host is the guest's.

In all three, an unnamed paragraph otherwise continues the speaker before it. Show notes,
sponsor reads inside the host's paragraphs and the banner are set aside, not segments.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml

from bot import yaml_safe
from bot.episodes.model import Facts, SetAside, Transcript, Utterance
from bot.errors import ReaderError, yaml_problem
from bot.ingest.segmenter import split_sentences
from bot.text import parse_clock, squash

FORMAT_BOLD = "markdown-bold-speakers"
FORMAT_TIMED = "markdown-timed-speakers"
FORMAT_LINES = "speaker-name-lines"
FORMAT = FORMAT_LINES

_BOLD = re.compile(r"^\*\*([^*:\n]{1,60}?):?\*\*:?\s*(.*)$")
_TIMED_NAME = re.compile(r"^([^\s(][^()\n]{0,60}?) \((\d{1,2}:\d{2}(?::\d{2})?)\):\s*$")
_NAME_LINE = re.compile(r"^(?:[A-Z][\w.'’-]*)(?: [A-Z][\w.'’-]*){0,3}$")
_BANNER = re.compile(r"^click here to read the (raw|full) transcript", re.IGNORECASE)
_STAMP = re.compile(r"\\?\[(\d{1,2}:\d{2}(?::\d{2})?)\\?\]")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")
_ESCAPE = re.compile(r"\\([\[\]\\`*_{}()#+\-.!])")
_FOOTER = re.compile(r"^liked it\? take a second to support", re.IGNORECASE)
_TITLE_EPISODE = re.compile(r"^(.*?)\s+[-–—]\s+Episode\s+(\d+)\s*$")
# Sentences of a sponsor read or show promotion, as hosts read them.
_PROMO = re.compile(
    r"(our friends (over )?at|launch your next app|thank them for|\$\d+ credit|"
    r"go to [\w .]*(slash|\.com)|"
    r"partner discounts|don'?t want to miss out|conference season|upcoming events include|"
    r"check out our other show|subscribe to the show|mailing list|leave a review|"
    r"sponsored by|supported by|patreon|to learn more about these)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Block:
    text: str
    line: int
    speaker: str | None
    named: bool
    start: float | None = None


def sniff(text: str, name: str) -> bool:
    lines = text.split("\n")
    if sum(1 for line in lines if _BOLD.match(line)) >= 3:
        return True
    if sum(1 for line in lines if _TIMED_NAME.match(line)) >= 3:
        return True
    return any(_BANNER.match(line.strip()) for line in lines)


def read(text: str, name: str) -> Transcript:
    lines = text.split("\n")
    if sum(1 for line in lines if _TIMED_NAME.match(line)) >= 3:
        return _read_timed(lines)
    if sum(1 for line in lines if _BOLD.match(line)) >= 3:
        return _read_bold(lines)
    return _read_name_lines(lines)


def _paragraphs(lines: list[str], first: int = 0) -> list[tuple[int, str]]:
    """(1-based line, text) for each run of non-empty lines from `first` on."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for i in range(first, len(lines)):
        if lines[i].strip():
            if not buf:
                start = i + 1
            buf.append(lines[i].strip())
        elif buf:
            out.append((start, " ".join(buf)))
            buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


def _plain(text: str) -> str:
    """Markdown → spoken text: links to their words, emphasis and escapes removed."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return squash(_ESCAPE.sub(r"\1", text))


def _stamped(block: _Block) -> list[Utterance]:
    """Split a block at inline `[MM:SS]` stamps; text after a stamp starts at its time."""
    out: list[Utterance] = []
    last, start, turn = 0, block.start, True
    for m in _STAMP.finditer(block.text):
        before = _plain(block.text[last : m.start()])
        if before:
            out.append(Utterance(before, block.line, start, None, block.speaker, turn))
            turn = False
        start, last = parse_clock(m.group(1)), m.end()
    rest = _plain(block.text[last:])
    if rest:
        out.append(Utterance(rest, block.line, start, None, block.speaker, turn))
    return out


def _read_bold(lines: list[str]) -> Transcript:
    blocks: list[_Block] = []
    set_aside: list[SetAside] = []
    speaker: str | None = None
    for line, para in _paragraphs(lines):
        m = _BOLD.match(para)
        if m:
            speaker = squash(m.group(1)).rstrip(":")
            if speaker.casefold() == "break":
                set_aside.append(SetAside("ad break", _plain(m.group(2)) or "Break", line))
                speaker = None
                continue
            blocks.append(_Block(m.group(2), line, speaker, True))
        else:
            blocks.append(_Block(para, line, speaker, False))
    utterances = [u for b in blocks for u in _stamped(b)]
    return _finish(FORMAT_BOLD, utterances, Facts(), set_aside, [])


def _read_timed(lines: list[str]) -> Transcript:
    facts, body_start, notes = _front_matter(lines)
    set_aside: list[SetAside] = []
    blocks: list[_Block] = []
    speaker: str | None = None
    pending: tuple[float | None, int] | None = None  # a name line waiting for its paragraph
    started = joined = False
    for index in range(body_start, len(lines)):
        text, number = lines[index].strip(), index + 1
        if not text:
            joined = False
            continue
        m = _TIMED_NAME.match(text)
        if m:
            started, joined = True, False
            speaker = squash(m.group(1))
            pending = (parse_clock(m.group(2)), number)
            continue
        if not started:
            if text.startswith("#"):
                if facts.title is None and text.lstrip("#").strip():
                    facts.title = text.lstrip("#").strip()
            else:
                set_aside.append(SetAside("show notes", text, number))
            continue
        if joined and blocks:
            blocks[-1].text += " " + text
        elif pending is not None:
            blocks.append(_Block(text, number, speaker, True, pending[0]))
            pending = None
        else:
            blocks.append(_Block(text, number, speaker, False))
        joined = True
    _unify_short_names(blocks, notes)
    utterances = [u for b in blocks for u in _stamped(b)]
    return _finish(FORMAT_TIMED, utterances, facts, set_aside, notes)


def _front_matter(lines: list[str]) -> tuple[Facts, int, list[str]]:
    """Facts from a Lenny's-style YAML front matter, and the line index after it."""
    notes: list[str] = []
    if not lines or lines[0].strip() != "---":
        return Facts(), 0, notes
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return Facts(), 0, notes
    try:
        data: Any = yaml_safe.load("\n".join(lines[1:end]))
    except yaml_safe.YAMLLimitError as exc:  # hostile, not a quirk: the file fails
        raise ReaderError(*yaml_problem(exc, 2)) from None
    except yaml.YAMLError as exc:
        notes.append(f"line 2: front matter is not valid YAML ({exc.__class__.__name__}); ignored")
        return Facts(), end + 1, notes
    if not isinstance(data, dict):
        return Facts(), end + 1, notes
    duration = data.get("duration_seconds")
    if duration is None and isinstance(data.get("duration"), str):
        duration = parse_clock(data["duration"])
    video = data.get("video_id")
    guest = data.get("guest")
    facts = Facts(
        title=squash(str(data["title"])) if data.get("title") else None,
        show=str(data["channel"]) if data.get("channel") else None,
        youtube_id=str(video) if video else None,
        url=str(data["youtube_url"]) if data.get("youtube_url") else None,
        duration=float(duration) if isinstance(duration, int | float) else None,
        date=str(data["publish_date"]) if data.get("publish_date") else None,
        description=squash(str(data["description"])) if data.get("description") else None,
    )
    if isinstance(guest, str) and guest.strip():
        facts.speakers[guest.strip()] = guest.strip()
    return facts, end + 1, notes


def _unify_short_names(blocks: list[_Block], notes: list[str]) -> None:
    """`Lenny` and `Lenny Rachitsky` in one file are one speaker: use the full name."""
    names = {b.speaker for b in blocks if b.speaker}
    for short in sorted(names):
        if " " in short:
            continue
        longer = [n for n in names if n.startswith(short + " ")]
        if len(longer) == 1:
            notes.append(f"speaker {short!r} is written as {longer[0]!r}")
            for b in blocks:
                if b.speaker == short:
                    b.speaker = longer[0]


def _read_name_lines(lines: list[str]) -> Transcript:
    set_aside: list[SetAside] = []
    facts = Facts()
    banner = next((i for i, line in enumerate(lines) if _BANNER.match(line.strip())), None)
    body_start = 0
    if banner is not None:
        notes_paras = _paragraphs(lines[:banner])
        if notes_paras:
            title_line = notes_paras[0][1]
            m = _TITLE_EPISODE.match(title_line)
            facts.title = squash(m.group(1)) if m else squash(title_line)
            facts.episode = int(m.group(2)) if m else None
            if len(notes_paras) > 1:
                facts.description = squash(notes_paras[1][1])
        set_aside.extend(SetAside("show notes", squash(p), n) for n, p in notes_paras)
        set_aside.append(SetAside("banner", squash(lines[banner]), banner + 1))
        body_start = banner + 1
    body = [(i + 1, lines[i].strip()) for i in range(body_start, len(lines)) if lines[i].strip()]
    counts = Counter(text for _, text in body if _NAME_LINE.match(text) and len(text) <= 40)
    names = {n for n, c in counts.items() if c >= 2}
    if not names:
        raise ReaderError(body_start + 1, "no speaker name lines found")
    # The host is named on every question; the guest, whose answers follow unnamed, rarely.
    host = max(sorted(names), key=lambda n: counts[n])
    guests = sorted(names - {host})
    guest = guests[0] if len(guests) == 1 else None

    blocks: list[_Block] = []
    speaker: str | None = None
    named = False
    for number, text in body:
        if text in names:
            speaker, named = text, True
            continue
        if _FOOTER.match(text):
            set_aside.append(SetAside("page footer", text, number))
            continue
        if not named and speaker == host:
            speaker = guest  # an unnamed paragraph that answers the host is the guest's
        blocks.append(_Block(text, number, speaker, named))
        named = False
    utterances: list[Utterance] = []
    for b in blocks:
        if b.speaker is not None and b.speaker == host:
            kept = _drop_promo(b, set_aside)
            if kept is not None:
                utterances.extend(_stamped(kept))
            continue
        utterances.extend(_stamped(b))
    if host:
        facts.hosts = [host]
    for n in sorted(names):
        facts.speakers[n] = n
    return _finish(FORMAT_LINES, utterances, facts, set_aside, [])


def _drop_promo(block: _Block, set_aside: list[SetAside]) -> _Block | None:
    """Set aside the sponsor read in a host paragraph: from its first to its last promo sentence.

    A single promotional sentence alone is left as speech; a read is at least two.
    """
    sentences = split_sentences(block.text)
    hits = [i for i, s in enumerate(sentences) if _PROMO.search(s)]
    if len(hits) < 2:
        return block
    first, last = hits[0], hits[-1]
    set_aside.append(SetAside("sponsor read", " ".join(sentences[first : last + 1]), block.line))
    kept = " ".join(sentences[:first] + sentences[last + 1 :])
    if not kept:
        return None
    return _Block(kept, block.line, block.speaker, block.named, block.start)


def _finish(
    fmt: str, utterances: list[Utterance], facts: Facts, set_aside: list[SetAside], notes: list[str]
) -> Transcript:
    if not utterances:
        raise ReaderError(None, "no speaker paragraphs found")
    for u in utterances:
        if u.speaker:
            facts.speakers.setdefault(u.speaker, None)
    return Transcript(fmt, utterances, facts, [], set_aside, notes, fragments=False)
