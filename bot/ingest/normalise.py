"""Reader output + catalog facts → one normalised `Episode` (the shared path of every format)."""

from __future__ import annotations

import itertools
from dataclasses import replace

from bot.episodes.model import (
    Chapter,
    ChapterMark,
    Episode,
    Facts,
    Segment,
    Timing,
    TitleFrom,
    Transcript,
)
from bot.ingest.file_names import title_from_name
from bot.ingest.segmenter import chapter_of, make_pieces, segment
from bot.ingest.speaker_labels import numbered_labels
from bot.ingest.timing import fill_times
from bot.text import clean, format_clock, words


def merge_facts(found: Facts, catalog: Facts | None) -> tuple[Facts, list[str]]:
    """The file's facts, with what it lacks filled from the catalog; conflicts are noted."""
    if catalog is None:
        return found, []
    notes: list[str] = []
    merged = Facts()
    for name in (
        "title",
        "show",
        "season",
        "episode",
        "youtube_id",
        "url",
        "duration",
        "date",
        "description",
        "id",
    ):
        mine, theirs = getattr(found, name), getattr(catalog, name)
        if mine is not None and theirs is not None and mine != theirs and name != "id":
            notes.append(f"catalog {name} {theirs!r} differs from the file's {mine!r}; file kept")
        setattr(merged, name, mine if mine is not None else theirs)
    if catalog.id is not None:
        merged.id = catalog.id
    merged.speakers = dict(found.speakers)
    for short, full in catalog.speakers.items():
        if merged.speakers.get(short) is None:
            merged.speakers[short] = full
    merged.hosts = list(dict.fromkeys([*found.hosts, *catalog.hosts]))
    return merged, notes


def tidy_chapters(marks: list[ChapterMark], count: int) -> list[ChapterMark]:
    """Keep one heading per position (the last of a run) and drop a repeat of the one before."""
    by_position: dict[int, ChapterMark] = {}
    for mark in marks:
        if 0 <= mark.before < count and mark.title.strip():
            by_position[mark.before] = mark
    kept: list[ChapterMark] = []
    for before in sorted(by_position):
        mark = by_position[before]
        if kept and kept[-1].title.casefold() == mark.title.casefold():
            continue
        kept.append(mark)
    return kept


def build_episode(transcript: Transcript, source: str, facts: Facts, episode_id: str) -> Episode:
    """Normalise a reader's transcript into an episode (schema: README.md, "The normalised
    episode")."""
    notes = list(transcript.notes)
    utterances = [replace(u, text=clean(u.text)) for u in transcript.utterances]
    # Where each original position lands once empty utterances are dropped.
    landing: list[int] = []
    kept_count = 0
    for u in utterances:
        landing.append(kept_count)
        kept_count += bool(u.text)
    landing.append(kept_count)
    utterances = [u for u in utterances if u.text]
    marks = [
        replace(m, before=landing[min(max(m.before, 0), len(landing) - 1)])
        for m in transcript.chapters
    ]
    marks = tidy_chapters(marks, len(utterances))
    chapter_idx = chapter_of(len(utterances), marks)

    untimed = all(u.start is None for u in utterances)
    pieces = make_pieces(utterances, chapter_idx, explode=untimed)
    starts = [p.start for p in pieces]
    if any(s is None for s in starts):
        filled, estimated = fill_times(
            [len(words(p.text)) for p in pieces], starts, facts.duration if untimed else None
        )
        for p, second, est in zip(pieces, filled, estimated, strict=True):
            p.start = second
            p.estimated = est
        if untimed:
            for p, nxt in itertools.pairwise(pieces):
                p.end = nxt.start
    segments = segment(pieces, merge=transcript.fragments or untimed)
    segments = _fill_ends(segments)
    notes.extend(_backward_times(segments))

    chapters = tuple(
        Chapter(m.title, m.start if m.start is not None else _first_start(segments, i))
        for i, m in enumerate(marks)
    )
    renamed, label_notes = numbered_labels((s.speaker for s in segments), facts.speakers)
    notes.extend(label_notes)
    if renamed:
        segments = [replace(s, speaker=renamed.get(s.speaker or "", s.speaker)) for s in segments]
    seen_speakers = dict.fromkeys(s.speaker for s in segments if s.speaker)
    speakers = {name: facts.speakers.get(name) for name in seen_speakers}
    for name, full in facts.speakers.items():
        if name not in renamed:
            speakers.setdefault(name, full)
    hosts = [renamed.get(h, h) for h in facts.hosts]
    title, title_from = _title(transcript.facts, facts, source)
    return Episode(
        id=episode_id,
        title=title,
        title_from=title_from,
        source=source,
        format=transcript.format,
        segments=tuple(segments),
        show=facts.show,
        season=facts.season,
        episode=facts.episode,
        youtube_id=facts.youtube_id,
        url=facts.url,
        duration=facts.duration,
        date=facts.date,
        description=facts.description,
        timing=_timing(segments),
        speakers=tuple(speakers.items()),
        hosts=tuple(hosts),
        chapters=chapters,
        set_aside=tuple(transcript.set_aside),
        notes=tuple(notes),
    )


def with_sole_speaker(episode: Episode, catalog: Facts | None) -> Episode:
    """A catalog entry that names one speaker, for a source that names none, names every
    segment with it (noted); else the episode as it is."""
    if catalog is None or len(catalog.speakers) != 1 or any(s.speaker for s in episode.segments):
        return episode
    (name,) = catalog.speakers
    note = f"every segment is {name}'s: the catalog names one speaker and the source none"
    return replace(
        episode,
        segments=tuple(replace(s, speaker=name) for s in episode.segments),
        notes=(*episode.notes, note),
    )


def _title(found: Facts, facts: Facts, source: str) -> tuple[str, TitleFrom]:
    """The stated title and who stated it (the file, else the catalog), else one made from
    the file's name, marked so."""
    if facts.title:
        return facts.title, "file" if found.title else "catalog"
    return title_from_name(source), "filename"


def _fill_ends(segments: list[Segment]) -> list[Segment]:
    """A segment without an end ends where the next one starts."""
    out: list[Segment] = []
    for seg, nxt in zip(segments, [*segments[1:], None], strict=True):
        if seg.end is None and nxt is not None and nxt.start is not None and seg.start is not None:
            out.append(replace(seg, end=max(seg.start, nxt.start)))
        else:
            out.append(seg)
    return out


def _backward_times(segments: list[Segment]) -> list[str]:
    """Notes for every place where the source's own times go backwards."""
    notes: list[str] = []
    for prev, seg in itertools.pairwise(segments):
        if prev.start is not None and seg.start is not None and seg.start < prev.start:
            notes.append(
                f"line {seg.line}: time goes back from {format_clock(prev.start)} to "
                f"{format_clock(seg.start)} (as in the source)"
            )
    return notes


def _first_start(segments: list[Segment], chapter: int) -> float | None:
    for seg in segments:
        if seg.chapter == chapter:
            return seg.start
    return None


def _timing(segments: list[Segment]) -> Timing:
    timed = [s for s in segments if s.start is not None]
    if not timed:
        return "none"
    estimated = sum(s.estimated for s in timed)
    if estimated == 0:
        return "exact"
    return "estimated" if estimated == len(timed) else "mixed"
