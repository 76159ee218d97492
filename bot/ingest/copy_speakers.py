"""Speakers from a copy of the same talk: a source that names nobody (YouTube captions) takes
the speaker turns of another copy of the talk that names them (the conversation's
DataTalks.Club page), by aligning the two texts word for word.

Both texts become words as everywhere (`bot.text.words`: case, punctuation and apostrophes
off), without the fillers an edited copy leaves out ("uh", "um"). difflib's `SequenceMatcher`
finds the blocks of words the two share in order; a block of fewer than `MIN_BLOCK` words is
not trusted ("i think" matches anywhere). A segment of the kept source takes a speaker when at
least `MIN_COVERAGE` of its words are matched to lines of the copy that name one and at least
`MIN_AGREEMENT` of those to the same speaker; otherwise (the segment runs across a turn, or
the copy lacks or rewrote that part) its speaker stays unknown. Only the speakers are taken:
the kept source's text, times and segments stay its own. Times are not compared: a page's
turns are timed to the turn (some not at all, some out of order) and may drift from the
video's (SAMPLES.md); the alignment keeps the order of both texts anyway.

Measured on sample 001 and its DataTalks.Club page (`python bench/copy_speakers.py`): 124 of
its 174 segments named (71%: Santiago 96, Alexey 28), 76% of its words matched; the 50 left
unknown are the 7 before the page starts and segments that run across a turn. Of the 124,
86 start within a minute of the page's turn they matched, 35 matched turns the page gives no
time, and 3 turns whose time the page has out of order (27:22 and 32:13 after 36:19): the
words, not the clocks, are what agree. Over samples + corpus, sample 001 is the one kept
source without speakers that has a copy with them.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bot.code_stamp import code_stamp
from bot.episodes.library import merge_sources
from bot.episodes.model import Episode, SpeakersFrom
from bot.episodes.stored import tally
from bot.text import words

MIN_BLOCK = 3  # words in a row the two texts share before a match is trusted
MIN_COVERAGE = 0.6  # of a segment's words, matched to a line of the copy that names its speaker
MIN_AGREEMENT = 0.8  # of those matched words, said by the one speaker the segment takes
FILLERS = frozenset({"uh", "um", "uhm", "umm", "ah", "er", "erm", "hmm", "mm", "mhm"})


@functools.cache
def _method() -> str:
    """A hash of this module's source: speakers aligned by other code are aligned again."""
    return code_stamp([Path(__file__)], length=12)


def wants_speakers(episode: Episode) -> bool:
    """No segment of the episode names a speaker (nor does its catalog entry for all)."""
    return tally(episode.segments).named == 0  # stored segments are not read for it


def gives_speakers(episode: Episode) -> bool:
    """Its own source names who speaks (speakers taken from a copy are not passed on)."""
    return episode.speakers_from is None and tally(episode.segments).named > 0


def key(kept: Episode, copy: Episode) -> str:
    """A hash of what the alignment reads: the kept segments' texts, the copy's speakers and
    texts, and the method."""
    digest = hashlib.sha1(_method().encode())
    for seg in kept.segments:
        digest.update(b"\x1e" + seg.text.encode())
    digest.update(b"\x1d")
    for seg in copy.segments:
        digest.update(f"\x1e{seg.speaker or ''}\x1f{seg.text}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class _Words:
    """A text's words (as numbers of one shared vocabulary) and the segment each is in."""

    ids: list[int]
    segment: list[int]

    @classmethod
    def of(cls, episode: Episode, vocabulary: dict[str, int]) -> _Words:
        ids: list[int] = []
        segment: list[int] = []
        for n, seg in enumerate(episode.segments):
            for word in words(seg.text):
                if word not in FILLERS:
                    ids.append(vocabulary.setdefault(word, len(vocabulary)))
                    segment.append(n)
        return cls(ids, segment)


def matched(kept: Episode, copy: Episode) -> list[tuple[int, Counter[int]]]:
    """For each of `kept`'s segments: how many words it has, and how many of them matched
    words of each of the copy's segments (by number)."""
    vocabulary: dict[str, int] = {}
    mine, theirs = _Words.of(kept, vocabulary), _Words.of(copy, vocabulary)
    size = Counter(mine.segment)
    found: list[Counter[int]] = [Counter() for _ in kept.segments]
    matcher = difflib.SequenceMatcher(None, mine.ids, theirs.ids)
    for block in matcher.get_matching_blocks():
        if block.size >= MIN_BLOCK:
            for k in range(block.size):
                found[mine.segment[block.a + k]][theirs.segment[block.b + k]] += 1
    return [(size[n], lines) for n, lines in enumerate(found)]


def align(kept: Episode, copy: Episode) -> list[str | None]:
    """The speaker of each of `kept`'s segments as the copy's turns say it (None: unsure)."""
    verdicts: list[str | None] = []
    for size, lines in matched(kept, copy):
        said: Counter[str] = Counter()
        for line, count in lines.items():
            speaker = copy.segments[line].speaker
            if speaker:
                said[speaker] += count
        verdicts.append(_verdict(said, size))
    return verdicts


def _verdict(said: Counter[str], size: int) -> str | None:
    """The speaker of a segment of `size` words, `said` of them matched to these speakers."""
    if not said:
        return None
    speaker, count = said.most_common(1)[0]
    matched = sum(said.values())
    if matched >= MIN_COVERAGE * size and count >= MIN_AGREEMENT * matched:
        return speaker
    return None


def take_speakers(kept: Episode, copy: Episode, previous: Episode | None = None) -> Episode | None:
    """`kept` with the copy's speakers where the alignment holds (see the module); None when
    it names no segment. `previous` is `kept`'s file as last written: when it took its
    speakers from the same texts (the same `key`), they are reused, not aligned again."""
    stamp = key(kept, copy)
    same = (
        previous is not None
        and previous.speakers_from is not None
        and previous.speakers_from.key == stamp
        and len(previous.segments) == len(kept.segments)
    )
    if same and previous is not None:
        speakers = [s.speaker for s in previous.segments]
    else:
        speakers = align(kept, copy)
    named = sum(1 for s in speakers if s)
    if not named:
        return None
    segments = tuple(
        replace(seg, speaker=who) for seg, who in zip(kept.segments, speakers, strict=True)
    )
    full = dict(kept.speakers)
    for name, full_name in copy.speakers:
        if name in speakers and full.get(name) is None:
            full[name] = full_name
    return replace(
        kept,
        segments=segments,
        speakers=tuple(full.items()),
        speakers_from=SpeakersFrom(copy.id, copy.source, named, stamp),
    )


def from_copies(
    episodes: Mapping[str, Episode],
    previous: Callable[[str], Episode | None] = lambda _: None,
) -> dict[str, Episode]:
    """The episodes of a folder-to-be (by id) that the library keeps for their talk and that
    take speakers from a copy it sets aside, as they then are. Of several copies, the one that
    names the most segments gives them. `previous(id)`: the episode's file as last written,
    if any (see `take_speakers`)."""
    kept, duplicates = merge_sources(dict(episodes))
    copies: dict[str, list[Episode]] = {}
    for duplicate in duplicates:
        copies.setdefault(duplicate.kept, []).append(episodes[duplicate.dropped])
    taken: dict[str, Episode] = {}
    for kept_id, others in sorted(copies.items()):
        episode = kept[kept_id]
        givers = [c for c in others if gives_speakers(c)]
        if not givers or not wants_speakers(episode):
            continue
        before = previous(kept_id)
        found = [t for c in givers if (t := take_speakers(episode, c, before)) is not None]
        if found:
            taken[kept_id] = max(found, key=_named)
    return taken


def _named(episode: Episode) -> tuple[int, str]:
    assert episode.speakers_from is not None
    return (episode.speakers_from.named, episode.speakers_from.episode)
