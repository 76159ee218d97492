"""`title_from` in episode files: written, read back, absent in older files, checked."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.episodes import files as episode_io
from bot.episodes.model import Episode, Segment
from bot.errors import EpisodeFileError

EPISODE = Episode(
    id="episode-264-large",
    title="Episode 264 (large)",
    source="vtt/lexicap_large/episode_264_large.vtt",
    format="webvtt",
    segments=(Segment(0.0, 2.0, None, "Hello there."),),
    title_from="filename",
)


@pytest.mark.parametrize("origin", ["file", "catalog", "filename"])
def test_each_origin_is_written_under_the_title_and_read_back(origin: str) -> None:
    episode = replace(EPISODE, title_from=origin)
    text = episode_io.dumps(episode)
    assert f"title: Episode 264 (large)\ntitle_from: {origin}\n" in text
    assert episode_io.loads(text) == episode


def test_a_file_written_before_title_from_still_loads() -> None:
    text = episode_io.dumps(replace(EPISODE, title_from=None))
    assert "title_from" not in text
    assert episode_io.loads(text).title_from is None


def test_an_unknown_origin_is_a_named_error() -> None:
    text = episode_io.dumps(EPISODE).replace("title_from: filename", "title_from: guessed")
    with pytest.raises(EpisodeFileError, match="title_from is 'guessed', not one of file"):
        episode_io.loads(text, "ep.yaml")
