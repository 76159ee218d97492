"""Episode files: deterministic text, the fast reader agrees with the YAML loader, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.episodes import files as episode_io
from bot.episodes.model import Chapter, Episode, Segment, SetAside
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
