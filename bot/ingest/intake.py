"""One file added to the raw folder and ingested, or one episode taken out: all or nothing.

`add_file` checks a file's name and size, reads it as a transcript, writes it under the raw
folder (never over another file), its catalog entry (the curator's values kept) and its
episode file; when any step fails nothing is left behind and `IntakeError` says why in one
line. `remove_episode` takes an episode out: its raw file and catalog entry are moved aside to
`removed/` beside the raw folder, its episode file deleted (ingest makes it again).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.episodes import files as episode_io
from bot.episodes.model import Episode
from bot.errors import CatalogError, EpisodeFileError, PodquoteError
from bot.ingest import catalog as catalog_mod
from bot.ingest import copy_speakers
from bot.ingest.catalog_text import with_entry, with_fields, without_entry
from bot.ingest.pipeline import IGNORED_NAMES, ingest_one, written_before
from bot.text import slugify

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_NAME = 120
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_URL = re.compile(
    r"^https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/|live/)"
    r"|youtu\.be/)([A-Za-z0-9_-]{11})(?:[?&#/].*)?$"
)
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
_LOCK = threading.Lock()  # one change to the raw folder, catalog and episodes at a time
PART_GLOB = ".intake-*.part"  # the hidden files a change is written to before it is renamed
STALE_PART_SECONDS = 3600  # a part file older than this was left by a process that died
log = logging.getLogger(__name__)


class IntakeError(PodquoteError):
    """Why a file was not added or an episode not removed: one line; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Places:
    """Where the raw files, the catalog (beside them) and the episode files are; `store`:
    the episode files as read (`bot.episodes.stored`), so looking for copies of a talk reads
    only the files that changed."""

    raw: Path
    episodes: Path
    store: Path | None = None

    @property
    def catalog(self) -> Path:
        return self.raw.parent / "catalog.yaml"

    @property
    def removed(self) -> Path:
        return self.raw.parent / "removed"


@dataclass(frozen=True, slots=True)
class Given:
    """What the admin says of the file (None: nothing); catalog values win over these."""

    title: str | None = None
    youtube: str | None = None
    speakers: str | None = None
    show: str | None = None


@dataclass(frozen=True, slots=True)
class Added:
    """A file added: the name it was saved under, its episode, and what to look at."""

    name: str
    episode: Episode
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Removed:
    """An episode taken out: where its raw file and catalog entry went (None: there was none)."""

    episode: Episode
    raw_moved_to: Path | None = None
    entry_moved_to: Path | None = None


def check_name(name: str) -> str:
    """A raw file name that stays in the raw folder: no path separators, control characters,
    `..`, hidden names or names ingest passes over; raises `IntakeError`."""
    if not name or _BAD_NAME.search(name) or name in {".", ".."}:
        raise IntakeError("the file name must be a plain name, without folders")
    if name.startswith("."):
        raise IntakeError("the file name must not start with a dot (ingest passes over those)")
    if name.lower() in IGNORED_NAMES:
        raise IntakeError("that file name is one ingest passes over; rename the file")
    if len(name) > MAX_NAME:
        raise IntakeError(f"the file name is longer than {MAX_NAME} characters")
    return name


def check_size(size: int, limit: int = MAX_UPLOAD_BYTES) -> None:
    """Refuse a file over `limit` bytes (before it is read) or an empty one."""
    if size > limit:
        raise IntakeError(f"the file is {size:,} bytes; the limit is {limit:,}")
    if size == 0:
        raise IntakeError("the file is empty")


def read_local(path: Path, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of a regular file given by path (a link is not followed), refused over
    `limit` before it is read; raises `IntakeError`."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        why = "a link: give the file itself" if path.is_symlink() else exc.strerror or exc
        raise IntakeError(f"cannot read {path.name}: {why}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IntakeError(f"{path.name} is not a regular file")
        check_size(info.st_size, limit)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


def youtube_id(value: str) -> str:
    """A YouTube video id from an id or a video link; raises `IntakeError`."""
    value = value.strip()
    if _YOUTUBE_ID.fullmatch(value):
        return value
    found = _YOUTUBE_URL.match(value)
    if found is None:
        raise IntakeError("youtube: give the video's id (11 characters) or its link")
    return found.group(1)


def parse_speakers(value: str) -> dict[str, str | None]:
    """`Alexey=Alexey Grigorev, Meor=Meor Amer` (name as spoken = full name; a name alone
    stands as it is); raises `IntakeError`."""
    speakers: dict[str, str | None] = {}
    for part in value.split(","):
        spoken, sep, full = (p.strip() for p in part.partition("="))
        if not spoken or (sep and not full):
            raise IntakeError("speakers: write them as `Name as spoken=Full Name, …`")
        speakers[spoken] = full or None
    return speakers


def given_fields(given: Given) -> dict[str, Any]:
    """The catalog fields the admin's options state, checked."""
    fields: dict[str, Any] = {}
    for key, value in (("title", given.title), ("show", given.show)):
        if value is not None and value.strip():
            fields[key] = " ".join(value.split())
    if given.youtube and given.youtube.strip():
        fields["youtube_id"] = youtube_id(given.youtube)
    if given.speakers and given.speakers.strip():
        fields["speakers"] = parse_speakers(given.speakers)
    return fields


def _taken_names(raw: Path) -> set[str]:
    """Every name in the raw folder tree, links included (never followed), any case."""
    names: set[str] = set()
    for _, folders, files in os.walk(raw, followlinks=False):
        names.update(n.casefold() for n in [*folders, *files])
    return names


def free_name(name: str, raw: Path) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`… when a file of that name is in the raw folder."""
    taken = _taken_names(raw)
    stem, dot, suffix = name.partition(".")
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem}-{n}{dot}{suffix}"
    return candidate


def same_file(data: bytes, raw: Path) -> str | None:
    """The raw file (its path in the raw folder) holding exactly `data`, if any; links are
    not followed."""
    for folder, _, files in os.walk(raw, followlinks=False):
        for name in files:
            path = Path(folder) / name
            try:
                info = path.lstat()
                same = stat.S_ISREG(info.st_mode) and info.st_size == len(data)
                if same and path.read_bytes() == data:
                    return path.relative_to(raw).as_posix()
            except OSError:
                continue
    return None


def _read_catalog(path: Path) -> tuple[str, catalog_mod.Catalog]:
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise IntakeError(f"cannot read the catalog: {exc}") from exc
    return text, _parse(text, path, "the catalog has a problem")


def _parse(text: str, path: Path, what: str) -> catalog_mod.Catalog:
    try:
        return catalog_mod.parse(text, path)
    except CatalogError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise IntakeError(f"{what}: {where}{exc.why}") from exc


def _current(entry: catalog_mod.Entry, key: str) -> Any:
    return getattr(entry.facts, key) or None


def _merged(
    text: str, catalog: catalog_mod.Catalog, name: str, fields: dict[str, Any]
) -> tuple[Callable[[str | None], str], list[str]]:
    """The catalog text with the entry of `name` holding `fields` where the curator's entry
    says nothing (a value of theirs that differs is kept, with a warning), as a function of
    the episode id to add (None: none yet); the warnings."""
    entry = catalog.entries.get(name)
    if entry is None:
        return lambda id_: with_entry(text, name, {"id": id_, **fields} if id_ else fields), []
    missing: dict[str, Any] = {}
    warnings = []
    for key, value in fields.items():
        current = _current(entry, key)
        if current is None:
            missing[key] = value
        elif current != value:
            warnings.append(f"the catalog's {key} is kept ({current!r}); yours was not used")
    line = entry.line

    def merged(id_: str | None) -> str:
        more = {**missing, "id": id_} if id_ and entry.facts.id is None else missing
        return with_fields(text, line, more) if more else text

    return merged, warnings


def _write_new(folder: Path, data: bytes) -> Path:
    """`data` in a new hidden file of `folder` (ingest passes over it), never through a link."""
    path = folder / f".intake-{secrets.token_hex(8)}.part"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def raw_unwritable(raw: Path) -> str | None:
    """Why /ingest could not write a file in the raw folder (a file is made there and
    removed); None when it can."""
    try:
        _write_new(raw, b"").unlink()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def sweep_parts(places: Places, now: float | None = None) -> list[Path]:
    """Delete the hidden part files (`.intake-*.part`, beside the raw files and the catalog)
    older than `STALE_PART_SECONDS`: a process that died during /ingest left them (one still
    running writes and renames its own within seconds). Each is one log line; returns them."""
    now = time.time() if now is None else now
    swept: list[Path] = []
    for folder in (places.raw, places.raw.parent):
        for path in sorted(folder.glob(PART_GLOB)):
            try:
                info = path.lstat()
                if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < STALE_PART_SECONDS:
                    continue
                path.unlink()
            except OSError:
                continue
            log.info("removed %s, left by an /ingest that did not finish", path)
            swept.append(path)
    return swept


def _replace_text(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file renamed over it."""
    temp = _write_new(path.parent, text.encode("utf-8"))
    try:
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)
        raise


def _unique_id(wanted: str, taken: set[str]) -> str:
    new_id, n = wanted, 1
    while new_id in taken:
        n += 1
        new_id = slugify(f"{wanted}-{n}", limit=80)
    return new_id


def add_file(
    data: bytes, name: str, places: Places, given: Given, limit: int = MAX_UPLOAD_BYTES
) -> Added:
    """Add one raw file and ingest it (see the module); raises `IntakeError` with nothing
    changed."""
    check_name(name)
    check_size(len(data), limit)
    fields = given_fields(given)
    with _LOCK:
        sweep_parts(places)
        try:
            return _add(data, name, places, fields)
        except OSError as exc:
            raise IntakeError(f"cannot write: {exc.strerror or exc}") from exc


def _add(data: bytes, name: str, places: Places, fields: dict[str, Any]) -> Added:
    places.raw.mkdir(parents=True, exist_ok=True)
    places.episodes.mkdir(parents=True, exist_ok=True)
    text, catalog = _read_catalog(places.catalog)
    there = same_file(data, places.raw)
    if there is not None:
        raise IntakeError(f"the same file is in the raw folder already, as {there!r}")
    final = free_name(name, places.raw)
    warnings = [] if final == name else [f"a file named {name!r} is there: saved as {final!r}"]
    merged, kept = _merged(text, catalog, final, fields)
    warnings += kept
    temp = _write_new(places.raw, data)
    try:
        episode, new_text = _ingest(temp, final, places, merged)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    episode, others = _speakers_from_copies(episode, places)
    warnings += _episode_warnings(episode, fields)
    _commit(temp, final, episode, new_text, places)
    warnings += [_rewrite(other, places) for other in others]
    return Added(final, episode, tuple(warnings))


def _speakers_from_copies(episode: Episode, places: Places) -> tuple[Episode, list[Episode]]:
    """The new episode with the speakers of a copy of its talk already served (when it names
    none), and the episodes there that take the speakers of the new one (see
    `bot.ingest.copy_speakers`)."""
    there = written_before(places.episodes, {episode.id}, places.store)
    taken = copy_speakers.from_copies({**there, episode.id: episode}, there.get)
    others = [taken[i] for i in sorted(taken) if i != episode.id]
    return taken.get(episode.id, episode), others


def _rewrite(other: Episode, places: Places) -> str:
    """Write an episode that takes its speakers from the one added; the warning that says so
    (or that it could not be written: it stays as it was)."""
    assert other.speakers_from is not None
    try:
        episode_io.write(other, places.episodes)
    except (EpisodeFileError, OSError) as exc:
        return f"episode {other.id} could not take its speakers from this copy: {exc}"
    return (
        f"episode {other.id} now names the speakers of {other.speakers_from.named} of its "
        f"{len(other.segments)} segments from this copy"
    )


def _ingest(
    temp: Path, name: str, places: Places, merged: Callable[[str | None], str]
) -> tuple[Episode, str]:
    """The episode of the file at `temp` (its name `name`) under the catalog `merged` makes,
    its id unique and stated in the catalog; that catalog's text."""
    text = merged(None)
    catalog = _parse(text, places.catalog, "the catalog would not read")
    result = ingest_one(temp, name, catalog)
    if result.episode is None:
        why = result.message.replace(str(temp), name)
        raise IntakeError(why if result.status == "failed" else f"{name}: not read: {why}")
    episode = result.episode
    entry = catalog.entries[name]
    others = {e.facts.id for e in catalog.entries.values() if e.facts.id and e is not entry}
    taken = others | {p.stem for p in places.episodes.glob("*.yaml")}
    if entry.facts.id is not None:
        if entry.facts.id in taken:
            raise IntakeError(f"the catalog gives it the id {entry.facts.id!r}, which is taken")
        return episode, text
    episode = replace(episode, id=_unique_id(episode.id, taken), catalogued=True)
    text = merged(episode.id)
    if (
        _parse(text, places.catalog, "the catalog would not read").entries[name].facts.id
        != episode.id
    ):
        raise IntakeError("the catalog's entry for it could not be extended; edit it by hand")
    return episode, text


def _episode_warnings(episode: Episode, fields: dict[str, Any]) -> list[str]:
    warnings = list(episode.notes)
    if episode.speakers_from is not None:
        warnings.append(
            f"speakers of {episode.speakers_from.named} of its {len(episode.segments)} "
            f"segments from episode {episode.speakers_from.episode}, a copy of this talk"
        )
    if episode.set_aside:
        warnings.append(f"{len(episode.set_aside)} passages set aside (not quotes)")
    if episode.title_from == "filename":
        warnings.append("no title stated: one was made from the file name (give title)")
    if not episode.youtube_id and not episode.url:
        warnings.append("no video or page to link to (give youtube)")
    spoken = {s.speaker for s in episode.segments if s.speaker}
    unheard = [n for n in fields.get("speakers", {}) if n not in spoken]
    if unheard:
        warnings.append(f"speakers not in the transcript: {', '.join(map(repr, unheard))}")
    return warnings


def _commit(temp: Path, name: str, episode: Episode, text: str, places: Places) -> None:
    """Put the raw file, then the episode file, then the catalog in place; undo on failure."""
    final = places.raw / name
    try:
        os.link(temp, final, follow_symlinks=False)  # refuses to replace anything
    except FileExistsError as exc:
        raise IntakeError(f"a file named {name!r} appeared meanwhile; try again") from exc
    finally:
        temp.unlink(missing_ok=True)
    written: Path | None = None
    try:
        written = episode_io.write(episode, places.episodes)
        _replace_text(places.catalog, text)
    except BaseException as exc:
        final.unlink(missing_ok=True)
        if written is not None:
            written.unlink(missing_ok=True)
        if isinstance(exc, EpisodeFileError):
            raise IntakeError(f"its episode file would not load: {exc.why}") from exc
        raise


def _aside(path: Path, folder: Path) -> Path:
    """A path in `folder` for `path`'s name that holds nothing yet."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    stem, dot, suffix = path.name.partition(".")
    n = 1
    while target.exists() or target.is_symlink():
        n += 1
        target = folder / f"{stem}-{n}{dot}{suffix}"
    return target


def remove_episode(episode: Episode, places: Places) -> Removed:
    """Take `episode` out: its raw file and catalog entry moved to `removed/`, its episode
    file deleted; raises `IntakeError`."""
    with _LOCK:
        try:
            return _remove(episode, places)
        except OSError as exc:
            raise IntakeError(f"cannot remove: {exc.strerror or exc}") from exc


def _remove(episode: Episode, places: Places) -> Removed:
    file = places.episodes / f"{episode.id}.yaml"
    if not file.is_file():
        raise IntakeError(f"{episode.id!r} has no episode file in {places.episodes}")
    text, catalog = _read_catalog(places.catalog)
    raw = places.raw / episode.source
    inside = ".." not in Path(episode.source).parts and not Path(episode.source).is_absolute()
    moved: Path | None = None
    if inside and (raw.is_file() or raw.is_symlink()):
        moved = _aside(raw, places.removed)
        os.rename(raw, moved)  # a link is moved as a link, never followed
    entry = catalog.entry_for(episode.source)
    entry_moved: Path | None = None
    if entry is not None:
        rest, cut = without_entry(text, entry.line)
        entry_moved = _aside(Path(f"{Path(episode.source).name}.catalog.yaml"), places.removed)
        entry_moved.write_text(cut, encoding="utf-8")
        _replace_text(places.catalog, rest)
    file.unlink()
    return Removed(episode, moved, entry_moved)
