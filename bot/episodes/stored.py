"""Parsed episode files kept for the next load: the library's own derived data.

Reading the corpus's 500 episode files means YAML and checked JSON for 90,000 segments, about
six seconds, and the bot starts and reloads far more often than the files change. An
`EpisodeStore` keeps, in a folder of the derived data (`library/`):

- `headers.json`: for each episode file, its size, change time and inode as last seen, its
  fingerprint (the SHA-1 of its text, as the library computes it), its header as read (every
  field but the segments) and a `Tally` of its segments (how many, how many timed or named,
  who speaks); and the library's verdict on which
  sources are copies of one talk, keyed by every file's fingerprint;
- `segments/<fingerprint>.jsonl`: each episode's segments, a compact JSON row per line.

A load takes an unchanged file's episode (same size, time and inode) from the store with its
segments left on disk (`LazySegments`): a segment is decoded when something asks for it (the
search reads a few hundred of 90,000 for a query), all of them when something walks them.
Any other file is read and checked as before, then stored (a file whose fingerprint is
unchanged is not stored again). Everything stored was written by
this code (a stamp of it is kept); whatever does not read back is ignored and the episode
file read instead. A store that cannot be written costs speed only (one warning).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, overload

from bot.atomic import write_atomically
from bot.code_stamp import code_stamp
from bot.episodes import files as episode_io
from bot.episodes import model, text_print
from bot.episodes.model import Chapter, Episode, Segment, SetAside, SpeakersFrom
from bot.errors import EpisodeFileError

log = logging.getLogger(__name__)

HEADERS = "headers.json"
SEGMENTS = "segments"
LAYOUT = 1
# What decides how a file reads: episodes read by other code are read again.
CODE = (*(Path(str(m.__file__)) for m in (episode_io, model, text_print)), Path(__file__))

Stat = tuple[int, int, int]  # size, change time (ns), inode


def stat_of(path: Path) -> Stat:
    found = path.stat()
    return (found.st_size, found.st_mtime_ns, found.st_ino)


def fingerprint_of(text: str) -> str:
    """What the library keys an episode file's derived data by."""
    return hashlib.sha1(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Tally:
    """What the library asks of an episode's segments as a whole, known without them."""

    count: int
    exact: int  # with a time read from the source
    named: int  # with a speaker
    voices: tuple[str, ...]  # the speakers that say a line, in the order of their first


def tally(segments: Sequence[Segment]) -> Tally:
    """The tally of an episode's segments (stored segments are not read for it)."""
    if isinstance(segments, LazySegments):
        return segments.tally
    return Tally(
        len(segments),
        sum(1 for s in segments if s.start is not None and not s.estimated),
        sum(1 for s in segments if s.speaker),
        tuple(dict.fromkeys(s.speaker for s in segments if s.speaker)),
    )


class LazySegments(Sequence[Segment]):
    """An episode's segments, read from the store when asked for (by any thread): one
    segment alone (its stored line is decoded, the episode's lines read once), or all of
    them. Their `tally` is known without reading them.

    `lines` gives the stored rows, one JSON line each (raises when they cannot be read or
    are not `count`); `fallback` reads all the segments another way (the episode file)."""

    __slots__ = ("_all", "_count", "_fallback", "_lines", "_lock", "_one", "_source", "tally")

    def __init__(
        self,
        tally: Tally,
        lines: Callable[[], list[bytes]],
        fallback: Callable[[], tuple[Segment, ...]],
    ) -> None:
        self.tally = tally
        self._count = tally.count
        self._source: Callable[[], list[bytes]] | None = lines
        self._fallback: Callable[[], tuple[Segment, ...]] | None = fallback
        self._lines: list[bytes] | None = None
        self._one: dict[int, Segment] = {}
        self._all: tuple[Segment, ...] | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether every segment is read (and the stored lines let go)."""
        return self._all is not None

    def _read(self) -> list[bytes] | None:
        """The stored lines (read once); None when they failed and all segments were read
        the other way."""
        with self._lock:
            if self._lines is None and self._all is None:
                assert self._source is not None and self._fallback is not None
                try:
                    self._lines = self._source()
                except (OSError, ValueError):
                    self._all = self._fallback()
                self._source = None
            return self._lines

    def _every(self) -> tuple[Segment, ...]:
        found = self._all
        if found is None:
            lines = self._read()
            if lines is not None:
                try:
                    decoded = tuple(
                        self._one.get(i) or _decode(line) for i, line in enumerate(lines)
                    )
                except (KeyError, TypeError, ValueError):
                    assert self._fallback is not None
                    decoded = self._fallback()
                with self._lock:
                    self._all, self._lines, self._one = decoded, None, {}
                    self._fallback = None
            found = self._all
            assert found is not None
        return found

    def _segment(self, index: int) -> Segment:
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("segment index out of range")
        found = self._all
        if found is not None:
            return found[index]
        seg = self._one.get(index)
        if seg is None:
            lines = self._read()
            if lines is None:
                return self._every()[index]
            try:
                seg = _decode(lines[index])
            except (KeyError, TypeError, ValueError):
                return self._every()[index]
            self._one[index] = seg
        return seg

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Segment: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Segment, ...]: ...

    def __getitem__(self, index: int | slice) -> Segment | tuple[Segment, ...]:
        if isinstance(index, slice):
            return tuple(self._segment(i) for i in range(*index.indices(self._count)))
        return self._segment(index)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self._every())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazySegments | tuple):
            return self._every() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._every())

    def __repr__(self) -> str:
        return f"LazySegments({self._count} segments, {'read' if self.loaded else 'stored'})"


class EpisodeStore:
    """The parsed episode files of one folder (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.code = code_stamp(CODE)
        self._entries: dict[str, dict[str, Any]] = {}
        self._verdicts: dict[str, Any] = {}
        self._seen: set[str] = set()
        self._dirty = False
        self._writable = True
        stored = self._read(folder / HEADERS)
        if (
            isinstance(stored, dict)
            and stored.get("layout") == LAYOUT
            and stored.get("code") == self.code
            and isinstance(stored.get("files"), dict)
        ):
            self._entries = stored["files"]
            verdicts = stored.get("copies")
            self._verdicts = verdicts if isinstance(verdicts, dict) else {}
        elif stored is not None:
            log.info("%s was written by other code: the episode files are read again", folder)

    @staticmethod
    def _read(path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def episode(self, path: Path) -> tuple[Episode, str] | None:
        """The stored episode of an unchanged file, and its fingerprint; None when the file
        changed (or was never stored): read it then, and `keep` what was read."""
        self._seen.add(path.name)
        entry = self._entries.get(path.name)
        if not isinstance(entry, dict):
            return None
        try:
            if tuple(entry["stat"]) != stat_of(path):
                return None
            fingerprint = str(entry["fingerprint"])
            rows = self.folder / SEGMENTS / f"{fingerprint}.jsonl"
            segments = _lazy(path, rows, fingerprint, entry)
            return _episode(entry["header"], segments), fingerprint
        except (OSError, KeyError, TypeError, ValueError, text_print.PrintError):
            return None

    def keep(self, path: Path, fingerprint: str, episode: Episode) -> None:
        """Store an episode just read from `path` (its text's fingerprint given)."""
        self._seen.add(path.name)
        try:
            stat = stat_of(path)
        except OSError:
            return
        entry = self._entries.get(path.name)
        if isinstance(entry, dict) and entry.get("fingerprint") == fingerprint:
            entry["stat"] = list(stat)  # touched, not changed: its stored parts still hold
            self._dirty = True
            return
        rows = "\n".join(json.dumps(_row(s), ensure_ascii=False) for s in episode.segments)
        if not self._write(f"{SEGMENTS}/{fingerprint}.jsonl", rows):
            return
        self._entries[path.name] = {
            "stat": list(stat),
            "fingerprint": fingerprint,
            "tally": _tally_row(tally(episode.segments)),
            "header": _header(episode),
        }
        self._dirty = True

    def verdict(self, key: str) -> Any:
        """The stored verdict on copies for this key (see `save`), None when not stored."""
        return self._verdicts.get(key)

    def keep_verdict(self, key: str, verdict: Any) -> None:
        self._verdicts = {key: verdict}  # only the latest: another set of files, another key
        self._dirty = True

    def save(self, forget_unseen: bool = True) -> None:
        """Write what changed; forget the files no longer in the folder (not asked for since
        this store was opened), and their segments."""
        gone = set(self._entries) - self._seen if forget_unseen else set()
        for name in gone:
            del self._entries[name]
        if not (self._dirty or gone):
            return
        content = {"layout": LAYOUT, "code": self.code, "files": self._entries}
        if self._write(HEADERS, {**content, "copies": self._verdicts}):
            self._dirty = False
            self._prune()

    def _prune(self) -> None:
        keep = {f"{e.get('fingerprint')}.jsonl" for e in self._entries.values()}
        with contextlib.suppress(OSError):
            for path in (self.folder / SEGMENTS).glob("*.jsonl"):
                if path.name not in keep:
                    path.unlink(missing_ok=True)

    def _write(self, relative: str, value: Any) -> bool:
        """Store `value` under `relative` (text as it is, anything else as JSON), written
        whole or not at all."""
        if not self._writable:
            return False
        try:
            if not isinstance(value, str):  # one pass of the C encoder, not json.dump's
                value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            write_atomically(self.folder / relative, value)
        except OSError as exc:
            log.warning("cannot keep read episodes in %s (%s): reading files", self.folder, exc)
            self._writable = False
            return False
        return True


def read_episode(path: Path, store: EpisodeStore | None) -> tuple[Episode, str]:
    """The episode in one file and its fingerprint: from the store when the file is
    unchanged, else read (and kept in the store, when there is one). Raises
    `EpisodeFileError` for a file that does not read."""
    found = store.episode(path) if store else None
    if found:
        return found
    text = episode_io.read_text(path)
    episode = episode_io.loads(text, path)
    fingerprint = fingerprint_of(text)
    if store:
        store.keep(path, fingerprint, episode)
    return episode, fingerprint


def _lazy(path: Path, rows: Path, fingerprint: str, entry: dict[str, Any]) -> LazySegments:
    """Segments read from `rows` when asked for (else from the episode file itself)."""
    count, exact, named, said = entry["tally"]
    counted = Tally(int(count), int(exact), int(named), tuple(str(name) for name in said))

    def lines() -> list[bytes]:
        found = rows.read_bytes().split(b"\n")
        if len(found) != count:
            raise ValueError(f"{rows} holds {len(found)} segments, not {count}")
        return found

    return LazySegments(counted, lines, lambda: _from_file(path, fingerprint, counted.count))


def _from_file(path: Path, fingerprint: str, count: int) -> tuple[Segment, ...]:
    """The segments read from the episode file itself, when its stored rows are gone: only if
    the file is still the one the library loaded."""
    text = episode_io.read_text(path)
    if fingerprint_of(text) != fingerprint:
        raise EpisodeFileError(path, "changed since the library was loaded: reload to see it")
    segments = episode_io.loads(text, path).segments
    if len(segments) != count:  # pragma: no cover - the same text reads the same
        raise EpisodeFileError(path, "does not read as it did")
    return tuple(segments)


# -- rows and headers ------------------------------------------------------------------------


def to_record(episode: Episode) -> dict[str, Any]:
    """A whole episode as JSON-ready data (its header and its segments' rows)."""
    return {"header": _header(episode), "rows": [_row(s) for s in episode.segments]}


def from_record(record: dict[str, Any]) -> Episode:
    """The episode `to_record` made (raises KeyError, TypeError or ValueError, or
    `text_print.PrintError`, for data it did not make)."""
    segments = tuple(_segment(row) for row in record["rows"])
    return _episode(record["header"], segments)


def _tally_row(counted: Tally) -> list[Any]:
    return [counted.count, counted.exact, counted.named, list(counted.voices)]


def _row(seg: Segment) -> list[Any]:
    cues = [value for cue in seg.cues for value in cue]
    return [seg.start, seg.end, seg.speaker, seg.text, seg.chapter, cues, seg.estimated, seg.line]


def _decode(stored: bytes) -> Segment:
    return _segment(json.loads(stored))


def _segment(row: list[Any]) -> Segment:
    start, end, speaker, text, chapter, cues, estimated, line = row
    pairs = tuple(zip(cues[::2], cues[1::2], strict=True))
    return Segment(start, end, speaker, text, chapter, pairs, estimated, line)


_NESTED = {"segments", "speakers", "chapters", "set_aside", "speakers_from", "text_print"}
_TUPLES = {"hosts", "notes", "advice_pin", "advice_ban"}


def _header(ep: Episode) -> dict[str, Any]:
    out = {f.name: getattr(ep, f.name) for f in fields(Episode) if f.name not in _NESTED}
    for name in _TUPLES:
        out[name] = list(out[name])
    out["speakers"] = [list(pair) for pair in ep.speakers]
    out["chapters"] = [[c.title, c.start] for c in ep.chapters]
    out["set_aside"] = [[s.reason, s.text, s.line] for s in ep.set_aside]
    found = ep.speakers_from
    out["speakers_from"] = [found.episode, found.source, found.named, found.key] if found else None
    out["text_print"] = text_print.encode(ep.text_print) if ep.text_print else None
    return out


def _episode(header: dict[str, Any], segments: Sequence[Segment]) -> Episode:
    values = {k: v for k, v in header.items() if k not in _NESTED}
    for name in _TUPLES:
        values[name] = tuple(values[name])
    printed = header["text_print"]
    found = header["speakers_from"]
    return Episode(
        **values,
        segments=segments,
        speakers=tuple((name, full) for name, full in header["speakers"]),
        chapters=tuple(Chapter(title, start) for title, start in header["chapters"]),
        set_aside=tuple(SetAside(r, t, n) for r, t, n in header["set_aside"]),
        speakers_from=SpeakersFrom(*found) if found else None,
        text_print=text_print.decode(printed) if printed else None,
    )
