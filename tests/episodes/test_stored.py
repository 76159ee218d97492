"""The episode store: a second load reads no episode file that did not change, and the episodes
it gives are the ones the files hold; whatever is wrong with the store costs speed, never data."""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import fields, replace
from pathlib import Path

import pytest

from bot.episodes import files as episode_io
from bot.episodes import library as library_module
from bot.episodes.library import Library
from bot.episodes.model import Episode, Segment, SpeakersFrom
from bot.episodes.stored import HEADERS, SEGMENTS, LazySegments, tally
from bot.errors import EpisodeFileError
from tests.conftest import DATA, EpisodeReads


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "episodes", tmp_path / "episodes")
    return tmp_path / "episodes"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "derived" / "library"


def _same(a: Episode, b: Episode) -> None:
    for f in fields(Episode):
        left, right = getattr(a, f.name), getattr(b, f.name)
        if f.name == "segments":
            assert tuple(left) == tuple(right)
        elif f.name == "text_print":
            assert (left is None) == (right is None)
            if left is not None:
                assert left.runs == right.runs and list(left.hashes) == list(right.hashes)
        else:
            assert left == right, f.name


def test_a_second_load_reads_no_file_and_gives_the_same_episodes(
    folder: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aligned = next(iter(Library.load(folder)))  # every field of the schema, stored and back
    taken = SpeakersFrom("its-copy", "copy.md", 3, "k" * 16)
    episode_io.write(replace(aligned, speakers_from=taken), folder)
    plain = Library.load(folder)
    assert plain.get(aligned.id).speakers_from == taken  # type: ignore[union-attr]
    first = Library.load(folder, store)
    reads = EpisodeReads(monkeypatch)
    second = Library.load(folder, store)
    assert reads.count == 0
    assert sorted(second.episodes) == sorted(plain.episodes) == sorted(first.episodes)
    for episode in plain:
        stored = second.get(episode.id)
        assert stored is not None
        assert isinstance(stored.segments, LazySegments)
        _same(stored, episode)
        assert second.fingerprint(episode.id) == plain.fingerprint(episode.id)
    assert [d.why for d in second.duplicates] == [d.why for d in plain.duplicates]


def test_segments_are_read_one_at_a_time_until_all_are_asked_for(folder: Path, store: Path) -> None:
    Library.load(folder, store)
    plain = Library.load(folder)
    episode = next(iter(Library.load(folder, store)))
    segments = episode.segments
    assert isinstance(segments, LazySegments)
    expected = plain.get(episode.id)
    assert expected is not None
    assert len(segments) == len(expected.segments)  # counted without reading
    assert segments.tally == tally(tuple(expected.segments))
    assert segments[-1] == expected.segments[-1]
    assert segments[1:4] == tuple(expected.segments[1:4])
    assert not segments.loaded
    with pytest.raises(IndexError):
        segments[len(segments)]
    assert list(segments) == list(expected.segments)
    assert segments.loaded and segments == tuple(expected.segments)


def test_a_changed_file_is_read_again_and_a_touched_one_is_not_stored_again(
    folder: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = Library.load(folder, store)
    episode = next(iter(library))
    edited = replace(episode, title="A title changed by hand", segments=episode.segments[:-1])
    episode_io.write(edited, folder)  # fewer segments: the copies are judged again
    other = next(e for e in library if e.id != episode.id)
    path = folder / f"{other.id}.yaml"
    os.utime(path, ns=(1, 1))
    stored_rows = sorted((store / SEGMENTS).iterdir())
    reads = EpisodeReads(monkeypatch)
    again = Library.load(folder, store)
    assert reads.count == 2  # the changed file and the touched one, nothing else
    changed = again.get(episode.id)
    assert changed is not None and changed.title == "A title changed by hand"
    untouched = [e for e in again if e.id not in {episode.id, other.id}]
    assert untouched and all(  # the copies were judged again without reading their words
        isinstance(e.segments, LazySegments) and not e.segments.loaded for e in untouched
    )
    assert len(sorted((store / SEGMENTS).iterdir())) == len(stored_rows)  # one out, one in
    reads.count = 0
    Library.load(folder, store)
    assert reads.count == 0


def test_a_gone_file_takes_its_stored_segments_with_it(folder: Path, store: Path) -> None:
    Library.load(folder, store)
    before = len(list((store / SEGMENTS).iterdir()))
    victim = sorted(folder.glob("*.yaml"))[0]
    victim.unlink()
    library = Library.load(folder, store)
    assert len(list((store / SEGMENTS).iterdir())) == before - 1
    assert victim.name not in json.loads((store / HEADERS).read_text(encoding="utf-8"))["files"]
    assert len(library) == before - 1


@pytest.mark.parametrize("damage", ["garbage", "other code", "a bad entry"])
def test_a_broken_store_is_read_past(
    folder: Path, store: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = Library.load(folder)
    Library.load(folder, store)
    headers = store / HEADERS
    stored = json.loads(headers.read_text(encoding="utf-8"))
    if damage == "garbage":
        headers.write_text("{not json", encoding="utf-8")
    elif damage == "other code":
        headers.write_text(json.dumps({**stored, "code": "0" * 16}), encoding="utf-8")
    else:
        name = sorted(stored["files"])[0]
        stored["files"][name]["header"]["title"] = {"not": "text"}
        del stored["files"][name]["header"]["format"]
        headers.write_text(json.dumps(stored), encoding="utf-8")
    reads = EpisodeReads(monkeypatch)
    library = Library.load(folder, store)
    assert reads.count == (len(plain) if damage != "a bad entry" else 1)
    for episode in plain:
        found = library.get(episode.id)
        assert found is not None
        _same(found, episode)


def test_lost_or_broken_rows_are_read_from_the_episode_file(folder: Path, store: Path) -> None:
    plain = Library.load(folder)
    Library.load(folder, store)
    rows = sorted((store / SEGMENTS).iterdir())
    rows[0].unlink()
    rows[1].write_bytes(b"[1, 2]\n" * 3)
    rows[2].write_bytes(rows[2].read_bytes().replace(b"[", b"{", 1))
    library = Library.load(folder, store)
    for episode in plain:
        found = library.get(episode.id)
        assert found is not None
        assert found.segments[0] == episode.segments[0]
        assert tuple(found.segments) == tuple(episode.segments)


def test_rows_lost_after_the_file_changed_name_the_file(folder: Path, store: Path) -> None:
    Library.load(folder, store)
    library = Library.load(folder, store)
    episode = next(iter(library))
    shutil.rmtree(store / SEGMENTS)
    path = folder / f"{episode.id}.yaml"
    episode_io.write(replace(episode, segments=(Segment(1.0, 2.0, None, "new words"),)), folder)
    with pytest.raises(EpisodeFileError) as caught:
        episode.segments[0]
    assert str(caught.value) == (f"{path}: changed since the library was loaded: reload to see it")


def test_a_store_that_cannot_be_written_costs_speed_only(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        library = Library.load(folder, blocked / "library")
    assert len(library) == len(Library.load(folder))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot keep read episodes in" in warnings[0]


def test_the_copies_verdict_is_stored_and_reused(
    folder: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = next(e for e in Library.load(folder) if e.youtube_id)
    copy = replace(original, id=f"{original.id}-copy", segments=original.segments[:-1])
    episode_io.write(copy, folder)  # a second source of the same video
    first = Library.load(folder, store)
    assert [d.dropped for d in first.duplicates] == [copy.id]

    def refuse(*_: object) -> None:
        raise AssertionError("the copies were judged again")

    monkeypatch.setattr(library_module, "merge_sources", refuse)
    second = Library.load(folder, store)
    assert second.duplicates == first.duplicates
    assert sorted(second.episodes) == sorted(first.episodes)
    episode_io.write(replace(copy, title="A title of its own"), folder)  # not a verdict's input
    assert Library.load(folder, store).duplicates == first.duplicates
    shorter = replace(copy, segments=copy.segments[:-1])
    episode_io.write(shorter, folder)  # fewer segments: judged again
    with pytest.raises(AssertionError, match="judged again"):
        Library.load(folder, store)


def test_a_reload_keeps_the_unchanged_episodes_it_holds(folder: Path, store: Path) -> None:
    first = Library.load(folder, store)
    changed = next(iter(first))
    episode_io.write(replace(changed, title="Changed"), folder)
    second = Library.load(folder, store, previous=first)
    for episode in first:
        if episode.id != changed.id:
            assert second.get(episode.id) is episode
    assert second.get(changed.id) is not changed
