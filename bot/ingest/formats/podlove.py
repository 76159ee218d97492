"""Podlove Simple Transcripts XML (`pst:transcripts`), parsed with defusedxml.

Each `pst:item start end` is a fragment; each `pst:speech` starts a turn, its `pst:speaker`
(empty → unknown) speaks all its items. DTDs and entities are refused (XML bombs).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from bot.episodes.model import Facts, SetAside, Transcript, Utterance
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats.captions import has_words, is_sound, timing_notes
from bot.text import parse_clock, squash

FORMAT = "podlove-simple-transcripts"

NAMESPACE = "http://podlove.org/simple-transcripts"
_SNIFF_CHARS = 4096


def sniff(text: str, name: str) -> bool:
    """XML whose root is Podlove's `transcripts` element (namespace or `pst:` prefix)."""
    head = text.lstrip("\ufeff").lstrip()[:_SNIFF_CHARS]
    return head.startswith("<") and (NAMESPACE in head or "<pst:transcripts" in head)


class _LineTarget:
    """A TreeBuilder target that remembers the source line of every element."""

    def __init__(self) -> None:
        self.builder = TreeBuilder()
        self.lines: dict[int, int] = {}
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = self.builder.start(tag, attrs)
        self.lines[id(element)] = int(self.parser.parser.CurrentLineNumber)
        return element

    def end(self, tag: str) -> Element:
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Element:
        return self.builder.close()


def _local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _parse(text: str) -> tuple[Element, dict[int, int]]:
    """The root element and the line of every element; DTDs and entities refused."""
    target = _LineTarget()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    target.parser = parser
    try:
        parser.feed(text)
        root: Element = parser.close()
    except ParseError as exc:
        raise ReaderError(exc.position[0], f"invalid XML: {exc.msg}") from exc
    except DefusedXmlException as exc:
        raise ReaderError(None, f"XML refused: {type(exc).__name__} (DTD or entity)") from exc
    except (ValueError, TypeError) as exc:
        raise ReaderError(None, f"XML cannot be read: {exc}") from exc
    return root, target.lines


def _time(item: Element, attribute: str, number: int, line: int) -> float | None:
    """An item's start/end in seconds; None when absent, ReaderError when not a time."""
    value = item.get(attribute)
    if value is None:
        return None
    seconds = parse_clock(value)
    if seconds is None:
        raise ReaderError(line, f"item {number}: {attribute} {value[:40]!r} is not a time")
    return seconds


def read(text: str, name: str) -> Transcript:
    """Read a Podlove simple-transcripts file."""
    root, lines = _parse(text.lstrip("\ufeff"))
    if _local(root.tag) != "transcripts":
        raise NotTranscriptContent(f"XML with root <{_local(root.tag)}>, not Podlove transcripts")
    utterances: list[Utterance] = []
    set_aside: list[SetAside] = []
    notes: list[str] = []
    facts = Facts()
    timed: list[tuple[str, float, float]] = []
    number = 0
    untimed = 0
    for child in root:
        kind = _local(str(child.tag))
        if kind == "speech":
            speaker_element = next((e for e in child if _local(str(e.tag)) == "speaker"), None)
            speaker = None
            if speaker_element is not None:
                speaker = squash("".join(speaker_element.itertext())) or None
            items = [e for e in child if _local(str(e.tag)) == "item"]
            first = True
        elif kind == "item":
            speaker, items, first = None, [child], False
        else:
            continue
        if speaker is not None:
            facts.speakers.setdefault(speaker, None)
        for item in items:
            number += 1
            line = lines.get(id(item), 1)
            start = _time(item, "start", number, line)
            end = _time(item, "end", number, line)
            if start is None or end is None:
                untimed += 1
            else:
                timed.append((f"line {line}", start, end))
            words = squash("".join(item.itertext()))
            if is_sound(words):
                set_aside.append(SetAside(reason="sound cue", text=words, line=line))
            elif has_words(words):
                utterances.append(Utterance(words, line, start, end, speaker, first))
                first = False
    if not utterances:
        raise NotTranscriptContent("Podlove transcript with no spoken text")
    if untimed:
        notes.append(f"{untimed} items lack a start or end time")
    notes.extend(timing_notes(timed, item="item"))
    return Transcript(
        format=FORMAT,
        utterances=utterances,
        facts=facts,
        set_aside=set_aside,
        notes=notes,
        fragments=True,
    )
