"""Searches in worker processes (bot/archive/search_pool.py), with real processes over a copy
of the shipped data: the same answers as the bot's own searcher, reloads followed, a folder
changed behind the bot's back and a killed worker answered all the same, and no worker
outliving the bot."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.archive import search_pool
from bot.archive.loaded import Archive
from bot.archive.snapshot import Query
from bot.search.filters import FilterError
from tests.conftest import DATA, workers_of

ROOT = Path(__file__).resolve().parents[2]
FOUND = "go quickly go alone"
QUERIES = (FOUND, "the math behind neural networks", "qwxz vbnm plkj", "siraj youtube videos")
CHANGED = "the episodes folder"


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """The shipped data in `tmp_path`, searched in one worker process (words only: quicker to
    start; the sentence model goes through the same path)."""
    shutil.copytree(DATA, tmp_path / "data")
    archive = Archive.open(tmp_path / "data" / "episodes")
    archive.search_in_processes(1, meaning=False)
    yield archive
    archive.close()


def answered(archive: Archive) -> int:
    pool = archive._pool
    assert pool is not None
    return pool.answered


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_the_workers_answer_as_the_bots_own_searcher_would(archive: Archive) -> None:
    for query in QUERIES:
        here = archive.searcher.search(query)
        there = asyncio.run(archive.search(Query(query)))
        assert there == here, query
    assert answered(archive) == len(QUERIES)
    assert asyncio.run(archive.search(Query(FOUND))).matches[0].episode is archive.library.get(
        archive.searcher.search(FOUND).matches[0].episode.id
    )  # the bot's own episode objects, not copies


def test_a_search_handed_to_the_workers_counts_at_once(archive: Archive) -> None:
    """The next /quote of the same instant must know it would wait (and defer at once)
    before the loop has run anything of the first one."""

    async def asked_together() -> None:
        await archive.search(Query(FOUND))  # the worker has opened the folder
        assert not archive.search_waits
        first = archive.start_search(Query(FOUND))
        assert archive.search_waits  # its one worker is taken, though nothing ran yet
        assert await first == archive.searcher.search(FOUND)
        assert not archive.search_waits

    asyncio.run(asked_together())


def test_a_name_no_filter_knows_is_refused_with_the_same_words(archive: Archive) -> None:
    with pytest.raises(FilterError) as here:
        archive.searcher.search(FOUND, speaker="Nobody At All")
    with pytest.raises(FilterError) as there:
        asyncio.run(archive.search(Query(FOUND, speaker="Nobody At All")))
    assert str(there.value) == str(here.value)
    assert (there.value.kind, there.value.given, there.value.close) == (
        here.value.kind,
        here.value.given,
        here.value.close,
    )


def test_after_a_reload_the_workers_search_the_new_library(archive: Archive) -> None:
    before = asyncio.run(archive.search(Query(FOUND)))
    gone = before.matches[0].episode
    (archive.library.folder / f"{gone.id}.yaml").unlink()
    asyncio.run(archive.reload())
    after = asyncio.run(archive.search(Query(FOUND)))
    assert after == archive.searcher.search(FOUND)
    assert all(m.episode.id != gone.id for m in (*after.matches, *after.closest))
    assert answered(archive) == 2  # both by the worker: it loaded the folder again


def test_a_worker_that_finds_another_folder_leaves_the_search_to_the_bot(
    archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker holds the library the bot shows until a reload; one that opens the folder
    after it changed behind the bot's back (a new worker) cannot answer for the bot."""
    served = archive.searcher.search(FOUND)
    assert asyncio.run(archive.search(Query(FOUND))) == served  # the worker has opened the folder
    (archive.library.folder / f"{served.matches[0].episode.id}.yaml").unlink()
    assert asyncio.run(archive.search(Query(FOUND))) == served  # and holds it as it loaded it
    archive.search_in_processes(1, meaning=False)  # a new one reads the folder as it is now
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert asyncio.run(archive.search(Query(FOUND))) == served  # what the bot still shows
    assert answered(archive) == 0  # the new pool's count
    warnings = [r.getMessage() for r in caplog.records if CHANGED in r.getMessage()]
    assert len(warnings) == 1 and "until the next reload" in warnings[0]
    asyncio.run(archive.reload())
    assert asyncio.run(archive.search(Query(FOUND))) == archive.searcher.search(FOUND) != served
    assert answered(archive) == 1


def test_a_killed_worker_is_answered_for_then_replaced(
    archive: Archive, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(archive.search(Query(FOUND)))
    (worker,) = workers_of(os.getpid())
    os.kill(worker, signal.SIGKILL)
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(archive.search(Query(FOUND))) == archive.searcher.search(FOUND)
    assert any("a search process stopped" in r.getMessage() for r in caplog.records)
    assert archive.search_waits  # no workers: a search now would wait (the bot defers)
    assert answered(archive) == 1
    monkeypatch.setattr(search_pool, "RESTART_AFTER", 0.0)
    assert asyncio.run(archive.search(Query(FOUND))) == archive.searcher.search(FOUND)
    assert answered(archive) == 2
    assert not archive.search_waits


def test_no_worker_outlives_the_bot_killed(tmp_path: Path) -> None:
    """SIGKILL leaves the bot no time to stop its workers: they notice and exit."""
    shutil.copytree(DATA, tmp_path / "data")
    script = tmp_path / "bot_then_killed.py"
    script.write_text(
        "import asyncio, os, signal, sys\n"
        "from pathlib import Path\n"
        "from bot.archive.loaded import Archive\n"
        "from bot.archive.snapshot import Query\n"
        "async def main():\n"
        f"    archive = Archive.open(Path({str(tmp_path / 'data' / 'episodes')!r}))\n"
        "    archive.search_in_processes(2, meaning=False)\n"
        f"    assert (await archive.search(Query({FOUND!r}))).matches\n"
        "    print('searched', flush=True)\n"
        "    sys.stdin.readline()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "if __name__ == '__main__':\n"
        "    asyncio.run(main())\n"
    )
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    assert process.stdout.readline().strip() == "searched"
    deadline = time.monotonic() + 30
    while len(workers := workers_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the second worker may still be starting
    assert len(workers) == 2
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.wait(30) == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(w) for w in workers)
