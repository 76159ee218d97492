"""The stored search index: built once, opened at start, updated per changed episode."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from bot.archive import search_index
from bot.archive.derived import Derived
from bot.archive.search_index import INDEX, RECORD, open_index
from bot.episodes.library import Library
from bot.search.index import build_index
from bot.search.ranking import Searcher
from tests.conftest import DATA

SIRAJ = "twiml-talk-2-siraj-raval.yaml"
QUOTE = "sixty hours for one video"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "episodes", tmp_path / "episodes")
    return tmp_path / "episodes"


def _files(folder: Path) -> dict[str, int]:
    place = folder.parent / "derived" / INDEX
    return {p.name: p.stat().st_mtime_ns for p in place.iterdir()}


def _ids(searcher: Searcher, query: str) -> set[str]:
    outcome = searcher.search(query, min_score=0)
    return {m.episode.id for m in outcome.matches}


def test_the_first_open_builds_it_and_the_next_changes_nothing(folder: Path) -> None:
    index, first = open_index(Library.load(folder))
    assert first.rebuilt and first.added == 5 and first.folder == folder.parent / "derived/index"
    assert "built; 5 episodes indexed" in first.line()
    before = _files(folder)
    again, second = open_index(Library.load(folder))
    assert (second.rebuilt, second.added, second.removed, second.unchanged) == (False, 0, 0, 5)
    assert "current" in second.line()
    assert _files(folder) == before  # nothing written
    assert again.terms == index.terms and again.size == index.size
    assert "twiml-talk-2-siraj-raval" in _ids(Searcher(again), QUOTE)


def test_a_changed_episode_is_replaced_and_a_gone_one_removed(folder: Path) -> None:
    old, _ = open_index(Library.load(folder))
    path = folder / SIRAJ
    path.write_text(
        path.read_text(encoding="utf-8").replace("60 hours", "ninety zebras"), encoding="utf-8"
    )
    (folder / "podcast-init-234-deep-learning-illustrated.yaml").unlink()
    new, update = open_index(Library.load(folder))
    assert (update.added, update.removed, update.unchanged, update.rebuilt) == (1, 1, 3, False)
    searcher = Searcher(new)
    (best, *_) = searcher.search("ninety zebras").matches
    assert best.episode.id == "twiml-talk-2-siraj-raval"
    rebuilt = build_index(Library.load(folder))  # the counts of an index built afresh
    assert {t: new.df(i) for t, i in new.vocab.items()} == {
        t: rebuilt.df(i) for t, i in rebuilt.vocab.items()
    }
    assert "podcast-init-234-deep-learning-illustrated" not in _ids(searcher, "singularity")
    # The old index is a snapshot: it still answers as before the update.
    assert "podcast-init-234-deep-learning-illustrated" in _ids(Searcher(old), "singularity")
    assert new.size == sum(len(ep.segments) for ep in Library.load(folder))


def test_an_index_of_other_code_is_rebuilt_with_one_line(
    folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    open_index(Library.load(folder))
    monkeypatch.setattr(search_index, "code_stamp", lambda _: "other code")
    with caplog.at_level(logging.INFO, logger="bot.archive.search_index"):
        index, update = open_index(Library.load(folder))
    assert update.rebuilt and update.added == 5
    assert [r.getMessage() for r in caplog.records] == [
        f"{folder.parent / 'derived/index'} was made by other code or is incomplete: rebuilding it"
    ]
    assert _ids(Searcher(index), QUOTE)


@pytest.mark.parametrize("breakage", ["record", "row", "engine files", "garbage"])
def test_a_broken_index_is_rebuilt_not_a_crash(folder: Path, breakage: str) -> None:
    open_index(Library.load(folder))
    place = folder.parent / "derived" / INDEX
    if breakage == "record":
        (place / RECORD).write_text("{not json", encoding="utf-8")
    elif breakage == "row":
        record = json.loads((place / RECORD).read_text(encoding="utf-8"))
        record["episodes"]["twiml-talk-2-siraj-raval"] = ["fingerprint", "not a number"]
        (place / RECORD).write_text(json.dumps(record), encoding="utf-8")
    elif breakage == "engine files":
        for path in place.iterdir():
            if path.name != RECORD:
                path.unlink()
    else:
        (place / "meta.json").write_text("garbage", encoding="utf-8")
    index, update = open_index(Library.load(folder))
    assert update.added == 5 and update.folder is not None
    assert "twiml-talk-2-siraj-raval" in _ids(Searcher(index), QUOTE)


def test_without_a_usable_derived_folder_it_is_built_in_memory(folder: Path) -> None:
    derived = folder.parent / "derived"
    derived.mkdir()
    (derived / "someone-elses.txt").write_text("not ours", encoding="utf-8")
    index, update = open_index(Library.load(folder), Derived(derived))
    assert update.folder is None and "in memory" in update.line()
    assert "twiml-talk-2-siraj-raval" in _ids(Searcher(index), QUOTE)
    assert sorted(p.name for p in derived.iterdir()) == ["someone-elses.txt"]
