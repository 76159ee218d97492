"""The derived-data folder: stored once, read back equal, recomputed only for what changed,
rebuilt when its layout differs, never half-written, and left alone when it is not ours."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bot import atomic
from bot.advice.scoring import Candidate, candidates
from bot.archive.derived import (
    LAYOUT,
    AdviceScores,
    Derived,
    folder_beside,
)
from bot.episodes.library import Library
from tests.conftest import DATA

EPISODE = "twiml-talk-2-siraj-raval"


@pytest.fixture
def episodes(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "episodes", tmp_path / "episodes")
    return tmp_path / "episodes"


def _seen(found: list[Candidate]) -> list[tuple[object, ...]]:
    return [(c.id, c.span, c.score, c.reasons, c.pinned, c.text) for c in found]


def _scores(folder: Path) -> tuple[Library, AdviceScores]:
    library = Library.load(folder)
    return library, AdviceScores(library, Derived.beside(folder))


def test_the_folder_sits_beside_the_episodes() -> None:
    assert folder_beside(Path("data/episodes")) == Path("data/derived")
    assert folder_beside(Path("/srv/show")) == Path("/srv/show.derived")


def test_stored_scores_read_back_equal_to_scoring_afresh(episodes: Path) -> None:
    library, first = _scores(episodes)
    assert first.refresh() == len(library) == 5
    stored = sorted((episodes.parent / "derived" / "advice").glob("*.json"))
    assert [p.stem for p in stored] == sorted(library.episodes)
    _, second = _scores(episodes)
    from_disk = candidates(library, second)
    assert second.computed == 0  # every episode read, none scored
    assert _seen(from_disk) == _seen(candidates(library))


def test_only_the_changed_episode_is_scored_again(episodes: Path) -> None:
    _, first = _scores(episodes)
    first.refresh()
    path = episodes / f"{EPISODE}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Siraj", "SIRAJ"), encoding="utf-8")
    library, again = _scores(episodes)
    assert again.refresh() == 1
    assert _seen(candidates(library, again)) == _seen(candidates(library))


def test_results_of_other_code_or_a_damaged_file_are_not_reused(episodes: Path) -> None:
    _, first = _scores(episodes)
    first.refresh()
    advice = episodes.parent / "derived" / "advice"
    stale = json.loads((advice / f"{EPISODE}.json").read_text(encoding="utf-8"))
    stale["code"] = "older code"
    (advice / f"{EPISODE}.json").write_text(json.dumps(stale), encoding="utf-8")
    (advice / "s08e01-visualising-machine-learning.json").write_text("{not json", encoding="utf-8")
    library, again = _scores(episodes)
    assert again.refresh() == 2
    assert _seen(candidates(library, again)) == _seen(candidates(library))


def test_a_gone_episode_leaves_no_stored_scores(episodes: Path) -> None:
    _, first = _scores(episodes)
    first.refresh()
    (episodes / f"{EPISODE}.yaml").unlink()
    _, again = _scores(episodes)
    assert again.refresh() == 0
    assert not (episodes.parent / "derived" / "advice" / f"{EPISODE}.json").exists()


def test_a_folder_of_another_layout_is_rebuilt_not_misread(tmp_path: Path) -> None:
    folder = tmp_path / "derived"
    (folder / "advice").mkdir(parents=True)
    (folder / "VERSION").write_text(json.dumps({"layout": LAYOUT + 1}), encoding="utf-8")
    (folder / "advice" / "old.json").write_text("[]", encoding="utf-8")
    derived = Derived(folder)
    assert derived.usable
    assert not (folder / "advice").exists()
    assert json.loads((folder / "VERSION").read_text(encoding="utf-8")) == {"layout": LAYOUT}


def test_a_folder_that_is_not_ours_is_left_alone(episodes: Path) -> None:
    foreign = episodes.parent / "derived"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    library, scores = _scores(episodes)
    assert not scores.derived.usable
    assert scores.refresh() == len(library)  # scored in memory all the same
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def test_an_unusable_place_costs_only_a_recompute(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    derived = Derived(blocker / "derived")  # its parent is a file: nothing can be created
    assert not derived.usable
    derived.write("advice/x.json", {"a": 1})
    assert derived.read("advice/x.json") is None


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "advice" / "x.json"
    atomic.write_atomically(path, "old")

    def broken(source: str, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_atomically(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(path.parent) == ["x.json"]
