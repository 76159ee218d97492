"""The data the core passes around: what readers find, and the normalised episode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.episodes.text_print import TextPrint

SCHEMA_VERSION = 1

Timing = Literal["exact", "estimated", "mixed", "none"]
TitleFrom = Literal["file", "catalog", "filename"]  # stated by the file, the catalog, or made
TITLE_FROM: tuple[TitleFrom, ...] = ("file", "catalog", "filename")


@dataclass(frozen=True, slots=True)
class Utterance:
    """One piece of spoken text as a reader found it in the source.

    `line` is the 1-based source line, for messages. `turn` says the source marks a new
    speaker turn here (with or without a name), so the segmenter never merges across it.
    """

    text: str
    line: int
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    turn: bool = False


@dataclass(frozen=True, slots=True)
class ChapterMark:
    """A chapter heading the source places before utterance number `before`."""

    title: str
    before: int
    start: float | None = None


@dataclass(frozen=True, slots=True)
class SetAside:
    """Source text that is deliberately not a segment (show notes, sponsor reads, banners)."""

    reason: str
    text: str
    line: int


@dataclass(slots=True)
class Facts:
    """What a source file (or the catalog) states about its episode. None means unknown."""

    title: str | None = None
    show: str | None = None
    season: int | None = None
    episode: int | None = None
    youtube_id: str | None = None
    url: str | None = None
    duration: float | None = None
    date: str | None = None
    description: str | None = None
    speakers: dict[str, str | None] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)
    id: str | None = None


@dataclass(slots=True)
class Transcript:
    """A reader's whole output for one file, before normalisation.

    `fragments` is True for caption-style sources whose utterances are pieces of sentences
    to be merged into quote-sized segments; False for sources whose utterances are whole
    lines or paragraphs that stand on their own.
    """

    format: str
    utterances: list[Utterance]
    facts: Facts = field(default_factory=Facts)
    chapters: list[ChapterMark] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fragments: bool = True


@dataclass(frozen=True, slots=True)
class Chapter:
    """A titled part of an episode; `start` is None when the source gives no time."""

    title: str
    start: float | None


@dataclass(frozen=True, slots=True)
class Segment:
    """A quote-sized piece of an episode.

    `cues` maps character offsets in `text` to the second at which the words from that
    offset are said, so a match in the middle of a segment is timed to its own second.
    `estimated` marks a time computed from word position rather than read from the source.
    """

    start: float | None
    end: float | None
    speaker: str | None
    text: str
    chapter: int | None = None
    cues: tuple[tuple[int, float], ...] = ()
    estimated: bool = False
    line: int = 0

    def time_at(self, offset: int) -> float | None:
        """The second at which the character at `offset` is said (best known)."""
        best = self.start
        for cue_offset, second in self.cues:
            if cue_offset > offset:
                break
            best = second
        return best


@dataclass(frozen=True, slots=True)
class Episode:
    """One normalised episode, as written to and read from `data/episodes/<id>.yaml`.

    `segments` is a tuple, or a sequence read on first use (`stored.LazySegments`)."""

    id: str
    title: str
    source: str
    format: str
    segments: Sequence[Segment]
    show: str | None = None
    season: int | None = None
    episode: int | None = None
    youtube_id: str | None = None
    url: str | None = None
    duration: float | None = None
    date: str | None = None
    description: str | None = None
    timing: Timing = "none"
    speakers: tuple[tuple[str, str | None], ...] = ()
    hosts: tuple[str, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    notes: tuple[str, ...] = ()
    advice_pin: tuple[int, ...] = ()  # segment numbers a curator put in the advice pool
    advice_ban: tuple[int, ...] = ()  # segment numbers a curator keeps out of it
    catalogued: bool = False  # the catalog has an entry for this source
    # Where the title came from; "filename": nothing stated one, so it was made from the
    # file's name (shown modestly). None in files written before this was recorded.
    title_from: TitleFrom | None = None
    # The print of its words the file stores, to find copies of the same talk (see
    # `text_print`); None in files written before it was stored (the library computes it).
    text_print: TextPrint | None = field(default=None, compare=False, repr=False)

    def full_name(self, speaker: str | None) -> str | None:
        """The speaker's full name where the catalog or file states it."""
        if speaker is None:
            return None
        return dict(self.speakers).get(speaker) or speaker


def link(episode: Episode, second: float | None) -> str | None:
    """The YouTube URL at that second when the video is known, else the episode page."""
    if episode.youtube_id:
        at = f"&t={int(second)}s" if second is not None else ""
        return f"https://www.youtube.com/watch?v={episode.youtube_id}{at}"
    return episode.url
