"""Reloading the archive: built off the event loop, old answers until the swap, safe failure."""

from __future__ import annotations

import asyncio
import gc
import shutil
import threading
import weakref
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.episodes.library import Library
from bot.errors import EpisodeFileError
from bot.search.index import SearchIndex, build_index
from tests.conftest import DATA


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "episodes", tmp_path / "episodes")
    return tmp_path / "episodes"


def test_queries_are_answered_from_the_old_index_until_the_new_one_is_swapped_in(
    folder: Path,
) -> None:
    release = threading.Event()
    building = threading.Event()
    calls = 0

    def slow_builder(library: Library) -> SearchIndex:
        nonlocal calls
        calls += 1
        if calls > 1:  # the reload's build waits until the test lets it go
            building.set()
            assert release.wait(10)
        return build_index(library)

    async def scenario() -> None:
        archive = await Archive.open_async(folder, slow_builder)
        assert archive.searcher.search("singularity happens").matches
        (folder / "podcast-init-234-deep-learning-illustrated.yaml").unlink()
        reload = asyncio.create_task(archive.reload())
        await asyncio.to_thread(building.wait, 10)
        # The loop is free while the index builds, and the old snapshot still answers.
        assert archive.searcher.search("singularity happens").matches
        assert len(archive.library) == 5
        release.set()
        diff = await reload
        assert diff.removed == ("podcast-init-234-deep-learning-illustrated",)
        assert len(archive.library) == 4
        assert not any(
            m.episode.id.startswith("podcast-init")
            for m in archive.searcher.search("singularity happens").matches
        )

    asyncio.run(scenario())


def test_a_failed_reload_keeps_the_old_snapshot(folder: Path) -> None:
    async def scenario() -> None:
        archive = await Archive.open_async(folder)
        before = archive.current
        shutil.rmtree(folder)
        with pytest.raises(EpisodeFileError):
            await archive.reload()
        assert archive.current is before
        assert archive.searcher.search("go quickly go alone").matches

    asyncio.run(scenario())


def test_a_reload_lets_the_old_snapshot_go_though_its_advice_pool_was_read(folder: Path) -> None:
    async def scenario() -> None:
        archive = await Archive.open_async(folder)
        pool = await archive.advice_pool()
        assert await archive.advice_pool() is pool  # kept while its library is served
        old = weakref.ref(archive.searcher)
        del pool
        await archive.reload()
        gc.collect()
        assert old() is None  # nothing keeps the old library and index alive
        assert len(await archive.advice_pool()) > 0

    asyncio.run(scenario())
