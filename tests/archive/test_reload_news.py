"""A reload reaches every process: on PostgreSQL the one that reloads tells the others, which
reload without telling again; on SQLite nothing is sent (each process gets SIGHUP)."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.archive.reload_news import share_reloads
from bot.episodes import files as episode_io
from bot.episodes.library import LibraryDiff
from bot.storage import PostgresUrl, open_store
from tests.conftest import DATA

pytestmark = pytest.mark.asyncio
EDITED = "twiml-talk-2-siraj-raval"


def _counted(archive: Archive, calls: list[bool]) -> None:
    real = archive.reload

    async def reload(*, announce: bool = True) -> LibraryDiff:
        calls.append(announce)
        return await real(announce=announce)

    archive.reload = reload  # type: ignore[method-assign]


async def test_a_reload_in_one_process_reloads_the_others_once(
    tmp_path: Path, postgres_url: PostgresUrl
) -> None:
    folder = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", folder)
    archives = [await Archive.open_async(folder) for _ in range(3)]  # three processes
    stores = [await open_store(postgres_url) for _ in archives]
    calls: list[list[bool]] = [[], [], []]
    try:
        for archive, store, counted in zip(archives, stores, calls, strict=True):
            _counted(archive, counted)
            await share_reloads(archive, store)
        edited = next(e for e in archives[0].library if e.id == EDITED)
        episode_io.write(replace(edited, title="Siraj, again"), folder)
        assert (await archives[0].reload()).changed == (EDITED,)  # /reload or SIGHUP here

        async def all_reloaded() -> None:
            while not all(calls[1:]):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(all_reloaded(), 10)
        await asyncio.sleep(0.3)  # time for any echo to come back
        assert calls == [[True], [False], [False]]  # heard once, never told again
        for archive in archives:
            assert next(e for e in archive.library if e.id == EDITED).title == "Siraj, again"
    finally:
        for store in stores:
            await store.close()
        for archive in archives:
            await asyncio.to_thread(archive.close)


async def test_on_sqlite_a_reload_tells_nobody_and_still_works(tmp_path: Path) -> None:
    folder = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", folder)
    archive = await Archive.open_async(folder)
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        await share_reloads(archive, store)
        (folder / f"{EDITED}.yaml").unlink()
        assert (await archive.reload()).removed == (EDITED,)
    finally:
        await store.close()
        await asyncio.to_thread(archive.close)
