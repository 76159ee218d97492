"""Episode files: deterministic text, the fast reader agrees with the YAML loader, errors."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.episodes import files as episode_io
from bot.episodes.model import Chapter, Episode, Segment, SetAside, SpeakersFrom
from bot.errors import EpisodeFileError

EPISODE = Episode(
    id="s01e01-test",
    title='A test: with ‘quotes’ and "more"',
    source="raw/test.vtt",
    format="webvtt",
    segments=(
        Segment(
            1.5, 4.0, "Ann", "Hello\u2028there – it’s “fine”.", 0, ((0, 1.5), (6, 2.25)), line=3
        ),
        Segment(4.0, None, None, "yes: no # not a comment", None, (), True, 9),
    ),
    show="Show",
    youtube_id="OuCuk-7RHjM",
    duration=61.0,
    timing="mixed",
    speakers=(("Ann", "Ann Example"),),
    hosts=("Ann",),
    chapters=(Chapter("Intro", 1.5),),
    set_aside=(SetAside("show notes", "Notes here", 1),),
    notes=("line 3: a quirk",),
    speakers_from=SpeakersFrom("s01e01-page", "pages/test.md", 1, "0123456789abcdef"),
)


def test_round_trip_keeps_every_field() -> None:
    assert episode_io.loads(episode_io.dumps(EPISODE)) == EPISODE


def test_the_file_is_yaml_and_the_yaml_loader_reads_the_same_episode() -> None:
    text = episode_io.dumps(EPISODE)
    data = yaml.safe_load(text)
    assert data["segments"][0]["text"] == "Hello\u2028there – it’s “fine”."
    assert data["segments"][1]["estimated"] is True
    # A hand-edited file (segments in block style) goes through the YAML path: same episode.
    data["segments"][0]["text"] = "Edited by hand"
    edited = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert "- {" not in edited
    assert episode_io.loads(edited).segments[0].text == "Edited by hand"


def test_dumps_is_deterministic() -> None:
    assert episode_io.dumps(EPISODE) == episode_io.dumps(EPISODE)


def test_write_does_not_touch_an_unchanged_file(tmp_path: Path) -> None:
    path = episode_io.write(EPISODE, tmp_path)
    before = path.stat().st_mtime_ns
    episode_io.write(EPISODE, tmp_path)
    assert path.stat().st_mtime_ns == before
    assert episode_io.read(path) == EPISODE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema: 2\nid: x\n", "schema 2 is not 1"),
        ("- just\n- a list\n", "not a mapping"),
        (
            "schema: 1\nid: [unclosed\n",
            "line 3: not valid YAML (while parsing a flow sequence: did not find expected",
        ),
        (
            'schema: 1\nid: x\ntitle: t\nsource: s\nformat: f\nsegments:\n- {"text": ""}\n',
            "a segment has no text",
        ),
        ("schema: 1\nid: x\n", "not a schema 1 episode"),
    ],
)
def test_broken_files_are_named_errors(text: str, message: str) -> None:
    with pytest.raises(EpisodeFileError) as info:
        episode_io.loads(text, "ep.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("ep.yaml: ")


# --- A file a person or another program wrote: every failure is one named line --------------

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "episodes"
VISUALISING = SHIPPED / "s08e01-visualising-machine-learning.yaml"
SECOND_SEGMENT = 61  # its line in that file


def _with_segment_field(name: str, raw_value: str, line: int = SECOND_SEGMENT) -> str:
    """The shipped file with one JSON field of one segment line replaced by raw text."""
    lines = VISUALISING.read_text(encoding="utf-8").split("\n")
    row = json.loads(lines[line - 1][2:])
    row[name] = "@VALUE@"
    lines[line - 1] = "- " + json.dumps(row, ensure_ascii=False).replace('"@VALUE@"', raw_value)
    return "\n".join(lines)


def _error(text: str, path: str = "ep.yaml") -> str:
    began = time.perf_counter()
    with pytest.raises(EpisodeFileError) as info:
        episode_io.loads(text, path)
    assert time.perf_counter() - began < 1
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and len(message) < 300
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize(
    ("name", "raw", "why"),
    [
        ("start", "1e400", "start is inf, not a time in seconds (0 to 10,000,000)"),
        ("start", "1" + "0" * 401, "start is a 402-digit number, not a time in seconds"),
        ("end", "-Infinity", "end is -inf, not a time in seconds"),
        ("end", "NaN", "end is nan, not a time in seconds"),
        ("start", "-3", "start is -3, not a time in seconds"),
        ("start", '"1:02"', "start is '1:02', not a time in seconds"),
        ("start", "true", "start is true, not a time in seconds"),
        ("line", "9" * 5000, "the segment has a number of more than 4,300 digits"),
        ("line", "1" + "0" * 40, "line is a 41-digit number, not a whole number from 0 to"),
        ("cues", "[" * 100_000 + "]" * 100_000, "the segment is nested too deeply to read"),
        ("cues", "[[[[1]]]]", "a cue is a list, not [offset, second]"),
        ("cues", "[[0, 1e400]]", "a cue's second is inf, not a time in seconds"),
        ("cues", "[[100000, 1.0]]", "a cue's offset is 100000, not a whole number from 0 to"),
        ("chapter", "16", "chapter 16 is not one of the episode's chapters (0 to 15)"),
        ("chapter", "1.5", "chapter 1.5 is not one of the episode's chapters"),
        ("speaker", '{"a": 1}', "speaker is a mapping, not text"),
        ("estimated", '"yes"', "estimated is 'yes', not true or false"),
        ("text", "[]", "a segment has no text"),
    ],
)
def test_a_bad_value_in_a_segment_line_names_the_line_and_what_is_wrong(
    name: str, raw: str, why: str
) -> None:
    assert _error(_with_segment_field(name, raw)).startswith(f"line {SECOND_SEGMENT}: {why}")


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("duration: null", "duration: .inf", "line 12: duration is inf, not a time in seconds"),
        ("season: 8", "season: " + "9" * 5000, "line 6: not valid YAML (a number of 5,000 digits"),
        ("season: 8", "season: '8'", "line 6: season is '8', not a whole number"),
        ("id: s08e01-visualising-machine-learning", "id: ../../etc/x", "line 2: id '../../etc/x'"),
        ("title: Visualising Machine Learning", "title: [a, b]", "line 3: title is a list, not"),
        ("timing: exact", "timing: 3", "line 14: timing 3 is not one of exact, estimated"),
        ("  start: 177.0", "  start: 1.0e+400", "line 22: a chapter's start is inf, not a time"),
        ("hosts:\n- Alexey", "hosts:\n- [Alexey]", "line 19: a host is a list, not text"),
        ("notes: []", "notes: " + "[" * 500 + "]" * 500, "line 54: nested more than 100 levels"),
        ("segment_count: 105", "segment_count: -1", "line 58: segment_count is -1, not a whole"),
        (
            "segment_count: 105",
            "speakers_from: {episode: x, source: x.md, named: 106, key: k}\nsegment_count: 105",
            "line 58: speakers_from named is 106, not a whole number from 0 to 105",
        ),
        (
            "segment_count: 105",
            "speakers_from: x\nsegment_count: 105",
            "line 58: speakers_from is 'x', not a mapping",
        ),
    ],
)
def test_a_bad_value_in_the_header_names_the_line_and_what_is_wrong(
    old: str, new: str, why: str
) -> None:
    text = VISUALISING.read_text(encoding="utf-8")
    assert old in text
    assert _error(text.replace(old, new, 1)).startswith(why)


def test_a_hand_edited_file_read_as_yaml_is_checked_the_same_way() -> None:
    data = yaml.safe_load(VISUALISING.read_text(encoding="utf-8"))
    data["segments"][3]["start"] = float("inf")
    edited = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert "- {" not in edited
    segment_line = edited.split("\n").index("- start: .inf") + 1
    assert _error(edited) == (
        f"line {segment_line}: start is inf, not a time in seconds (0 to 10,000,000)"
    )
    data["segments"][3]["start"] = 1.0
    data["segments"][3]["cues"] = [[0, 1.0]] * 3
    assert len(episode_io.loads(yaml.safe_dump(data), "ep.yaml").segments) == 105
    deep = yaml.safe_dump(data).replace(
        "  start: 1.0\n", "  start: " + "[" * 200 + "]" * 200 + "\n"
    )
    assert "nested more than 100 levels deep" in _error(deep)
    huge = yaml.safe_dump(data).replace("  start: 1.0\n", "  start: " + "9" * 5000 + "\n")
    assert "a number of 5,000 digits" in _error(huge)


def test_an_alias_bomb_in_an_episode_file_fails_at_once() -> None:
    bomb = [f"a: &a [{', '.join(['lol'] * 9)}]"]
    bomb += [
        f"l{n}: &l{n} [{', '.join([f'*l{n - 1}' if n > 1 else '*a'] * 9)}]" for n in range(1, 9)
    ]
    text = (
        "schema: 1\nid: bomb\ntitle: Bomb\nsource: bomb.txt\nformat: plain-text\n"
        + "\n".join(bomb)
        + "\nnotes: [*l8]\nsegments:\n"
        + '- {"start": null, "end": null, "speaker": null, "text": "hi", "line": 1}\n'
    )
    assert len(text) < 700
    assert _error(text).startswith("line 10: aliases repeat more than 100,000 characters")


def test_a_file_cut_at_a_line_boundary_is_incomplete_not_a_shorter_episode() -> None:
    lines = VISUALISING.read_text(encoding="utf-8").split("\n")
    header = lines.index("segments:") + 1  # the header and `segments:`
    cut = "\n".join(lines[: header + 57]) + "\n"  # and 57 segments
    assert _error(cut) == "has 57 of 105 segments: incomplete, still being written?"
    header_only = "\n".join(lines[:40]) + "\n"
    assert _error(header_only) == "has no `segments:`: incomplete, still being written?"


def test_a_file_cut_in_the_middle_of_a_line_is_incomplete() -> None:
    text = VISUALISING.read_text(encoding="utf-8")
    cut = text[: text.index("I used to do it regularly")]
    assert _error(cut) == (
        f"line {SECOND_SEGMENT}: the file ends in the middle of a segment: "
        "incomplete, still being written?"
    )
    old_file = cut.replace("segment_count: 105\n", "")  # no count: still caught
    assert _error(old_file).endswith(
        "the file ends in the middle of a segment: incomplete, still being written?"
    )


def test_more_segments_than_the_count_is_an_error_and_a_file_without_a_count_loads() -> None:
    text = VISUALISING.read_text(encoding="utf-8")
    assert _error(text.replace("segment_count: 105", "segment_count: 104")) == (
        "line 58: has 105 segments but segment_count says 104"
    )
    older = text.replace("segment_count: 105\n", "")
    assert episode_io.loads(older) == episode_io.loads(text)
    lines = older.split("\n")
    header = lines.index("segments:") + 1
    shorter = "\n".join([*lines[:100], ""])  # an older file cut short cannot be told apart
    assert len(episode_io.loads(shorter).segments) == 100 - header


def test_the_count_is_written_just_before_the_segments() -> None:
    text = episode_io.dumps(EPISODE)
    assert "\nsegment_count: 2\nsegments:\n" in text
    empty = episode_io.dumps(replace(EPISODE, segments=(), speakers_from=None))
    assert empty.endswith("segment_count: 0\nsegments: []\n")
    assert episode_io.loads(empty).segments == ()


def test_write_replaces_the_file_atomically_through_a_temporary_file_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = episode_io.write(EPISODE, tmp_path)
    replaced: list[tuple[Path, Path, str]] = []
    real_replace = os.replace

    def spy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        # At the moment of the rename the old file is still whole and the new one complete.
        replaced.append((Path(src), Path(dst), Path(src).read_text(encoding="utf-8")))
        assert episode_io.read(Path(dst)) == EPISODE
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    changed = replace(EPISODE, title="Changed")
    episode_io.write(changed, tmp_path)
    ((src, dst, text),) = replaced
    assert src.parent == tmp_path and dst == path and src.name.startswith(".")
    assert text == episode_io.dumps(changed)
    assert episode_io.read(path) == changed
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = episode_io.write(EPISODE, tmp_path)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        episode_io.write(replace(EPISODE, title="Changed"), tmp_path)
    assert episode_io.read(path) == EPISODE
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_refuses_an_episode_the_library_would_refuse(tmp_path: Path) -> None:
    bad = replace(EPISODE, segments=(Segment(float("inf"), None, None, "x"),))
    with pytest.raises(EpisodeFileError, match="start is inf"):
        episode_io.write(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_reading_a_fifo_refuses_it_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "waiting.yaml"
    os.mkfifo(fifo)
    with pytest.raises(EpisodeFileError, match="not a regular file"):
        episode_io.read(fifo)
    (tmp_path / "latin1.yaml").write_bytes(b"title: caf\xe9\n")
    with pytest.raises(
        EpisodeFileError, match=r"not UTF-8 \(invalid continuation byte at byte 10\)"
    ):
        episode_io.read(tmp_path / "latin1.yaml")
    with pytest.raises(EpisodeFileError, match="cannot read: No such file"):
        episode_io.read(tmp_path / "missing.yaml")


def test_whatever_else_a_broken_file_raises_is_an_episode_file_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(text: str, path: object) -> None:
        raise MemoryError("out of memory")

    monkeypatch.setattr(episode_io, "_parse", boom)
    assert _error("schema: 1\n") == "cannot read: MemoryError: out of memory"
