"""Reloading the archive: built off the event loop, old answers until the swap, safe failure."""

from __future__ import annotations

import asyncio
import gc
import shutil
import threading
import weakref
from dataclasses import replace
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.episodes import files as episode_io
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


def test_a_reload_keeps_what_did_not_change(folder: Path) -> None:
    """Nothing changed: the same searcher (what it has read and worked out stays); one episode
    changed: a new searcher, the other episodes the same objects (their segments read once)."""

    async def scenario() -> None:
        archive = await Archive.open_async(folder)
        searcher = archive.searcher
        assert (await archive.reload()).unchanged
        assert archive.searcher is searcher
        before = {e.id: e for e in archive.library}
        edited = before["twiml-talk-2-siraj-raval"]
        episode_io.write(replace(edited, title="Siraj, again"), folder)
        assert (await archive.reload()).changed == (edited.id,)
        assert archive.searcher is not searcher
        assert archive.searcher.search("singularity happens").matches
        for episode in archive.library:
            if episode.id != edited.id:
                assert episode is before[episode.id]

    asyncio.run(scenario())


def test_a_reload_lets_the_old_snapshot_go_though_its_advice_pool_was_read(folder: Path) -> None:
    async def scenario() -> None:
        archive = await Archive.open_async(folder)
        pool = await archive.advice_pool()
        assert await archive.advice_pool() is pool  # kept while its library is served
        old = weakref.ref(archive.searcher)
        del pool
        edited = next(iter(archive.library))  # a change: a new snapshot (else the old is kept)
        episode_io.write(replace(edited, title="Changed"), folder)
        await archive.reload()
        gc.collect()
        assert old() is None  # nothing keeps the old library and index alive
        assert len(await archive.advice_pool()) > 0

    asyncio.run(scenario())
