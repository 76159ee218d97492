"""Raw transcript files → normalised episode files, one file at a time, nothing else lost."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from bot.episodes import files as episode_io
from bot.episodes import text_print
from bot.episodes.model import Episode, Facts, Transcript
from bot.episodes.stored import EpisodeStore, read_episode
from bot.errors import (
    CatalogError,
    EpisodeFileError,
    NotATranscript,
    NotTranscriptContent,
    ReaderError,
    TranscriptError,
)
from bot.ingest import copy_speakers
from bot.ingest.catalog import Catalog
from bot.ingest.formats.detect import decode, detect
from bot.ingest.normalise import build_episode, merge_facts, with_sole_speaker
from bot.text import slugify

if TYPE_CHECKING:
    from bot.ingest.memo import IngestMemo

# File names that say nothing about the episode: the id comes from the folders above them.
_GENERIC_STEMS = {
    "transcript",
    "transcripts",
    "captions",
    "caption",
    "subtitles",
    "english",
    "en",
    "sentence-timings",
    "word-timings",
    "index",
    "episode",
    "text",
}
# Names ingest passes over in a folder: the project's own files, not transcripts.
IGNORED_NAMES = {"catalog.yaml", "manifest.md", "readme.md", "files.tsv", "license"}
_EXTENSIONS = re.compile(r"(\.(mp3|md|txt|vtt|srt|json|html|xml|xsl|yaml))+$", re.IGNORECASE)
_NUMBERED = re.compile(r"^s\d+e\d+-")
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(slots=True)
class FileResult:
    """What happened to one input file."""

    path: Path
    source: str
    status: str  # "ok" | "skipped" | "failed"
    format: str | None = None
    message: str = ""
    episode: Episode | None = None
    folder_show: str | None = None  # the show podcast metadata names for its folder's files

    @property
    def segments(self) -> int:
        return len(self.episode.segments) if self.episode else 0


@dataclass(slots=True)
class IngestReport:
    """The results of one ingest run, in input order."""

    results: list[FileResult] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)
    passed_over: list[PassedOver] = field(default_factory=list)
    unchanged: int = 0  # files not read again: what the memo kept of them still holds
    speakers_taken: list[Episode] = field(default_factory=list)  # speakers from a copy

    def by_status(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]


@dataclass(frozen=True, slots=True)
class PassedOver:
    """An entry of an input folder that ingest does not read, and why (a link out of the
    folder, a FIFO, a device, a link loop): listed in the summary, never opened."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(slots=True)
class Discovery:
    """The files to read, with their source names, and what was passed over."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    passed_over: list[PassedOver] = field(default_factory=list)


def _kind(mode: int) -> str | None:
    """What an entry that is neither a regular file nor a folder is; None for those two."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"  # pragma: no cover - no other kinds on Linux


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def walk(paths: Iterable[Path]) -> Discovery:
    """Files under the given paths (recursive, sorted) with their source names, and what
    was passed over.

    The source name is the path relative to the folder given (or the file name). Hidden
    files and the project's own catalog/manifest files are passed over silently. Inside a
    folder given, a symbolic link is followed only when its target is inside that same
    folder (a link to `/etc/passwd` is not a transcript of ours); a folder reached again
    (a link loop) is not read twice, nor is a file reached again through a link. FIFOs,
    sockets and devices are never opened (opening a FIFO waits for a writer). A file given
    by name is read wherever it is, if it is a regular file.
    """
    walker = _Walker()
    for given in paths:
        try:
            info = given.stat()
        except OSError as exc:
            walker.pass_over(given, f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            walker.root = given.resolve()
            walker.folder(given, Path(), {(info.st_dev, info.st_ino)})
            continue
        kind = _kind(info.st_mode)
        if kind is not None:
            walker.pass_over(given, f"{kind}, not a file: not opened")
            continue
        walker.found.files.append((given, given.name))
    return walker.found


@dataclass(slots=True)
class _Walker:
    """One `walk`: what it found, the files and folders read (by device and inode), and the
    real path of the folder given."""

    found: Discovery = field(default_factory=Discovery)
    seen: dict[tuple[int, int], Path] = field(default_factory=dict)
    root: Path = Path("/")

    def pass_over(self, path: Path, reason: str) -> None:
        self.found.passed_over.append(PassedOver(path, reason))

    def folder(self, folder: Path, rel: Path, folders: set[tuple[int, int]]) -> None:
        """Read `folder` (at `rel` under the folder given) in name order; `folders` are
        the folders on the way down to it, by device and inode."""
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self.pass_over(folder, f"cannot read the folder: {exc.strerror or exc}")
            return
        for entry in entries:
            if not entry.name.startswith("."):
                self.entry(entry, rel / entry.name, folders)

    def entry(self, entry: os.DirEntry[str], name: Path, folders: set[tuple[int, int]]) -> None:
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                target = path.resolve(strict=True)
                if not _inside(target, self.root):
                    self.pass_over(path, f"a link to {target}, outside the folder: not followed")
                    return
            info = path.stat()
        except FileNotFoundError:
            self.pass_over(path, "a link to nothing (broken): not followed")
            return
        except RuntimeError:  # Path.resolve on links that point at each other
            self.pass_over(path, "a link loop: not followed")
            return
        except OSError as exc:  # no permission, and the like
            self.pass_over(path, f"cannot read: {exc.strerror or exc}")
            return
        key = (info.st_dev, info.st_ino)
        if stat.S_ISDIR(info.st_mode):
            if key in folders:
                self.pass_over(path, "a link to a folder it is in (a loop): not followed")
            elif key in self.seen:
                self.pass_over(path, f"the same folder as {self.seen[key]}: read once")
            else:
                self.seen[key] = path
                self.folder(path, name, folders | {key})
            return
        kind = _kind(info.st_mode)
        if kind is not None:
            self.pass_over(path, f"{kind}, not a file: not opened")
        elif entry.name.lower() in IGNORED_NAMES:
            return
        elif key in self.seen:
            self.pass_over(path, f"the same file as {self.seen[key]}: read once")
        else:
            self.seen[key] = path
            self.found.files.append((path, name.as_posix()))


def discover(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """The files `walk` finds under the given paths, with their source names."""
    return walk(paths).files


def read_transcript(path: Path, source: str | None = None) -> Transcript:
    """Decode, detect and read one file.

    Raises `TranscriptError` (with path and line) or `NotATranscript`; never anything else.
    The file is opened without waiting and must be a regular file (a FIFO put in its place
    after `walk` is refused, not waited on).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise TranscriptError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TranscriptError(path, None, "not a regular file: not read")
        if info.st_size > MAX_FILE_BYTES:
            raise TranscriptError(
                path, None, f"file is {info.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TranscriptError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # pragma: no cover - it grew while being read
        raise TranscriptError(path, None, f"file is over the limit of {MAX_FILE_BYTES:,} bytes")
    return parse_bytes(data, path, source or path.name)


def parse_bytes(data: bytes, path: Path | str, name: str) -> Transcript:
    """`read_transcript` on bytes already in memory."""
    try:
        text = decode(data)
        reader = detect(text, name)
        transcript: Transcript = reader.read(text, name)
    except ReaderError as exc:
        raise TranscriptError(path, exc.line, exc.why) from exc
    except NotTranscriptContent as exc:
        raise NotATranscript(path, exc.reason, exc.show) from exc
    except RecursionError as exc:
        raise TranscriptError(path, None, "nested too deeply to read") from exc
    if not transcript.utterances:
        raise NotATranscript(path, "no spoken text")
    return transcript


def episode_id(source: str, facts: Facts) -> str:
    """A stable, URL-safe id: the catalog's, `sNNeMM-slug` for numbered shows, else the path.

    A generic file name (`transcript.md`, `captions.srt`) takes the nearest folder name that
    says more: `3b1b/2017/backpropagation/english/captions.srt` → `backpropagation-captions`.
    """
    if facts.id:
        return facts.id
    path = Path(source)
    names = [slugify(p) for p in path.parent.parts]
    stem = slugify(_EXTENSIONS.sub("", path.name)) or "episode"
    prefix: list[str] = []
    if stem in _GENERIC_STEMS:
        for name in reversed(names):
            if name and name not in _GENERIC_STEMS:
                prefix = [name]
                break
    base = "-".join([*prefix, stem])
    if facts.season is not None and facts.episode is not None and not _NUMBERED.match(base):
        base = f"s{facts.season:02d}e{facts.episode:02d}-{base}"
    return slugify(base, limit=72)


def ingest_one(path: Path, source: str, catalog: Catalog) -> FileResult:
    """Read and normalise one file; the episode id is not yet made unique."""
    try:
        transcript = read_transcript(path, source)
    except NotATranscript as exc:
        return FileResult(path, source, "skipped", message=exc.reason, folder_show=exc.show)
    except TranscriptError as exc:
        return FileResult(path, source, "failed", message=str(exc))
    entry = catalog.facts_for(source)
    facts, notes = merge_facts(transcript.facts, entry)
    transcript.notes.extend(notes)
    episode = build_episode(transcript, source, facts, episode_id(source, facts))
    episode = with_sole_speaker(episode, entry)
    if not episode.segments:
        return FileResult(path, source, "skipped", transcript.format, "no spoken text")
    if catalog.entry_for(source) is not None:
        episode = replace(episode, catalogued=True)
    try:
        episode = with_advice_choices(episode, catalog)
    except CatalogError as exc:
        return FileResult(path, source, "failed", transcript.format, str(exc))
    return FileResult(path, source, "ok", transcript.format, episode=episode)


def with_advice_choices(episode: Episode, catalog: Catalog) -> Episode:
    """The catalog's `advice_pin` / `advice_ban` for this episode, checked against its
    segments; a number that is no segment is a `CatalogError` naming the entry's line."""
    entry = catalog.entry_for(episode.source)
    if entry is None or not (entry.advice_pin or entry.advice_ban):
        return episode
    count = len(episode.segments)
    for key, numbers in (("advice_pin", entry.advice_pin), ("advice_ban", entry.advice_ban)):
        for n in numbers:
            if n >= count:
                raise CatalogError(
                    catalog.path or "catalog",
                    entry.line,
                    f"{entry.name}: {key}: {n} is not a segment of {episode.id} "
                    f"(it has {count}: 0–{count - 1}; `python -m bot advice` lists them)",
                )
    both = sorted(set(entry.advice_pin) & set(entry.advice_ban))
    if both:
        raise CatalogError(
            catalog.path or "catalog",
            entry.line,
            f"{entry.name}: segment {both[0]} is both pinned and banned",
        )
    return replace(
        episode,
        advice_pin=tuple(sorted(set(entry.advice_pin))),
        advice_ban=tuple(sorted(set(entry.advice_ban))),
    )


def shows_from_folders(results: list[FileResult]) -> None:
    """An episode that names no show takes the one its folder's podcast metadata names
    (`metadata.json` beside TWIML's transcripts), with a note; never when two disagree."""
    named: dict[PurePosixPath, set[tuple[str, str]]] = {}
    for result in results:
        if result.folder_show:
            folder = PurePosixPath(result.source).parent
            named.setdefault(folder, set()).add((result.folder_show, result.source))
    for result in results:
        ep = result.episode
        stated = named.get(PurePosixPath(result.source).parent, set())
        if ep is None or ep.show or len({show for show, _ in stated}) != 1:
            continue
        show, where = min(stated)
        note = f"show {show!r} from {PurePosixPath(where).name}, the podcast metadata beside it"
        result.episode = replace(ep, show=show, notes=(*ep.notes, note))


def unique_ids(results: list[FileResult]) -> None:
    """Give every episode a distinct id, in source order: a repeat gets its file type
    (`031-scikit-learn-vtt` beside `031-scikit-learn`), then `-2`, `-3`…"""
    taken: set[str] = set()
    for result in sorted(results, key=lambda r: r.source):
        ep = result.episode
        if ep is None:
            continue
        new_id, n = ep.id, 1
        kind = slugify(Path(result.source).suffix)
        if new_id in taken and kind:
            new_id = f"{ep.id}-{kind}"
        while new_id in taken:
            n += 1
            new_id = f"{ep.id}-{n}"
        taken.add(new_id)
        if new_id != ep.id:
            result.episode = replace(ep, id=new_id)


def ingest(
    paths: Iterable[Path],
    out: Path,
    catalog: Catalog,
    *,
    progress: Callable[[Iterable[tuple[Path, str]]], Iterable[tuple[Path, str]]] = lambda x: x,
    prune: bool = False,
    memo: IngestMemo | None = None,
) -> IngestReport:
    """Ingest every file under `paths` into `out`; per-file problems never stop the run.
    `memo`: what earlier runs read from each file, so that only changed files are read."""
    found = walk(paths)
    report = IngestReport(passed_over=found.passed_over)
    for path, source in progress(found.files):
        result = memo.get(path, source, catalog) if memo else None
        if result is None:
            result = ingest_one(path, source, catalog)
            if memo:
                memo.put(path, source, catalog, result)
        else:
            report.unchanged += 1
        report.results.append(result)
    shows_from_folders(report.results)
    unique_ids(report.results)
    out.mkdir(parents=True, exist_ok=True)
    prints = printed(report.results)
    mine = {r.episode.id for r in report.results if r.episode is not None}
    others = {} if prune else written_before(out, mine)
    report.speakers_taken = speakers_from_copies(report.results, others, out)
    for result in report.results:
        if result.episode is not None:
            _write(result, out, report, prints[result.episode.id])
    for episode in [e for e in report.speakers_taken if e.id in others]:
        if not _write_other(episode, out):
            report.speakers_taken.remove(episode)
    written = {p.name for p in report.written}
    report.stale = sorted(p for p in out.glob("*.yaml") if p.name not in written)
    if prune:
        for p in report.stale:
            p.unlink()
    return report


def printed(results: list[FileResult]) -> dict[str, text_print.TextPrint]:
    """Each episode's text print, computed once: copies of a talk are found by it (it is set
    on the episode) and its file stores it."""
    prints: dict[str, text_print.TextPrint] = {}
    for result in results:
        if result.episode is not None:
            ep = result.episode
            prints[ep.id] = text_print.of_texts(s.text for s in ep.segments)
            result.episode = replace(ep, text_print=prints[ep.id])
    return prints


def written_before(out: Path, mine: set[str], store: Path | None = None) -> dict[str, Episode]:
    """The episode files in `out` but those of the ids in `mine` (written again now), by id:
    the library loads them beside the new ones; a file that does not read is left to the
    library to report. `store`: the files as read (`stored`), so only changed ones are read."""
    kept = EpisodeStore(store) if store else None
    found: dict[str, Episode] = {}
    for path in sorted(out.glob("*.yaml")):
        if path.stem in mine:
            continue
        try:
            episode = read_episode(path, kept)[0]
        except EpisodeFileError:
            continue
        if episode.id not in mine:
            found.setdefault(episode.id, episode)
    if kept:
        kept.save(forget_unseen=False)  # the files of `mine` were not looked at
    return found


def speakers_from_copies(
    results: list[FileResult], others: dict[str, Episode], out: Path
) -> list[Episode]:
    """Give the sources of this run or of `others` that name no speaker the speakers of a copy
    of their talk (see `copy_speakers`); the episodes that took some, as they now are. A kept
    source of this run is changed in its result, before it is written."""
    mine = {r.episode.id: r for r in results if r.episode is not None}
    episodes = {**others, **{i: r.episode for i, r in mine.items() if r.episode is not None}}
    taken = copy_speakers.from_copies(episodes, previous=lambda i: _previous(out, i))
    for episode_id, episode in taken.items():
        if episode_id in mine:
            mine[episode_id].episode = episode
    return [taken[i] for i in sorted(taken)]


def _previous(out: Path, episode_id: str) -> Episode | None:
    """The episode file `out` holds for this id, if it reads."""
    path = out / f"{episode_id}.yaml"
    try:
        return episode_io.read(path) if path.is_file() else None
    except EpisodeFileError:
        return None


def _write_other(episode: Episode, out: Path) -> bool:
    """Write an episode of an earlier run that took speakers from a copy in this one; False
    when it cannot be written (it stays as it was, without them)."""
    try:
        episode_io.write(episode, out)
    except (EpisodeFileError, OSError):
        return False
    return True


def _write(
    result: FileResult, out: Path, report: IngestReport, printed: text_print.TextPrint
) -> None:
    """Write one episode file (`printed`: the print of its texts); a failure fails that input
    file only."""
    assert result.episode is not None
    try:
        report.written.append(episode_io.write(result.episode, out, printed))
        return
    except EpisodeFileError as exc:  # an episode the library would refuse
        why = f"not written: its episode file would not load: {exc.why}"
    except OSError as exc:
        why = f"cannot write its episode file: {exc.strerror or exc}"
    result.status, result.message, result.episode = "failed", f"{result.path}: {why}", None
