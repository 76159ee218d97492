"""The meaning vectors the bot lacks, embedded in a helper process while it serves (real
model, a real sample episode, real files)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import shutil
from pathlib import Path

import pytest

from bot.archive.derived import Derived
from bot.archive.loaded import Archive
from bot.archive.search_pool import _Worker
from bot.archive.snapshot import Query
from bot.archive.vector_filler import VectorFiller, fill
from bot.archive.window_vectors import SEGMENTS, VECTORS, coverage, embedding, stored_rows
from bot.search.meaning import Encoder
from tests.conftest import DATA, MODEL, needs_model

pytestmark = needs_model

SHORT = "five-secrets-of-learning-machine-learning.yaml"  # 88 pieces: seconds to embed


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "episodes").mkdir()
    shutil.copy(DATA / "episodes" / SHORT, tmp_path / "episodes" / SHORT)
    return tmp_path / "episodes"


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    assert MODEL is not None
    return Encoder.load(MODEL)


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / SHORT
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.asyncio
async def test_the_bot_embeds_what_is_missing_and_serves_with_it_then_only_what_changed(
    folder: Path, encoder: Encoder
) -> None:
    assert MODEL is not None
    archive = await Archive.open_async(folder, meaning=encoder)
    derived = Derived.beside(folder)
    assert archive.current.vectors == 0 and archive.searcher.windows is None
    filler = archive.fill_vectors(MODEL)
    try:
        await asyncio.wait_for(filler.wait(), 120)
        assert filler.last is not None and filler.last.embedded > 50
        assert coverage(archive.library, derived).missing == 0
        # served from now on with them, mapped to this very index
        assert archive.current.vectors == stored_rows(derived) == filler.last.embedded
        windows = archive.searcher.windows
        assert windows is not None and windows.segments == archive.searcher.index.size
        assert (derived.folder / VECTORS / SEGMENTS).is_file()  # the map, stored by the helper
        # a reload that changed nothing asks for nothing
        await archive.reload()
        assert not filler.running
        # a changed episode: only its new pieces are embedded
        _edit(folder, "all this math and code", "all this giraffe farms")  # as long
        await archive.reload()
        assert filler.running
        await asyncio.wait_for(filler.wait(), 120)
        assert filler.last is not None and 0 < filler.last.embedded <= 3
        assert archive.current.vectors == stored_rows(derived)
        assert coverage(archive.library, derived).missing == 0
        outcome = await archive.search(Query("all this giraffe farms"))
        assert "giraffe farms" in outcome.matches[0].segment.text
    finally:
        await archive.stop_filling()
    assert not multiprocessing.active_children()


@pytest.mark.asyncio
async def test_another_process_embedding_makes_the_bot_look_again_later(
    folder: Path, encoder: Encoder
) -> None:
    assert MODEL is not None
    archive = await Archive.open_async(folder, meaning=encoder)
    derived = Derived.beside(folder)
    mapped: list[int] = []

    async def embedded() -> None:
        await archive.map_vectors()
        mapped.append(archive.current.vectors)

    filler = VectorFiller(folder, MODEL, embedded, look_again=0.5)
    try:
        with embedding(derived.folder / VECTORS):  # this test process holds the lock
            filler.request()
            while filler.last is None:
                await asyncio.sleep(0.05)
            assert filler.last.busy and stored_rows(derived) == 0 and not mapped
        await asyncio.wait_for(filler.wait(), 120)
        assert not filler.last.busy and filler.last.embedded == stored_rows(derived) > 0
        assert mapped == [stored_rows(derived)]
    finally:
        await filler.close()


@pytest.mark.asyncio
async def test_a_stop_ends_the_helper_at_once_and_a_failure_is_one_warning(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert MODEL is not None
    calls: list[str] = []

    async def embedded() -> None:
        calls.append("mapped")

    filler = VectorFiller(folder, MODEL, embedded)
    filler.request()
    await asyncio.sleep(1.0)  # the helper is loading the model, or embedding
    assert filler.running and multiprocessing.active_children()
    await asyncio.wait_for(filler.close(), 10)
    assert not multiprocessing.active_children() and not calls
    assert stored_rows(Derived.beside(folder)) == 0  # nothing was saved yet (88 < a share)
    # a model that cannot be read: one warning, nothing mapped, the bot goes on
    broken = tmp_path / "no-model"
    broken.mkdir()
    failing = VectorFiller(folder, broken, embedded)
    with caplog.at_level(logging.WARNING, logger="bot.archive.vector_filler"):
        failing.request()
        await asyncio.wait_for(failing.wait(), 60)
    await failing.close()
    assert failing.last is None and not calls
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith("meaning vectors: embedding failed")
    assert "\n" not in warning


def test_a_search_process_maps_the_vectors_the_bot_serves_with(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MODEL is not None
    monkeypatch.setenv("PODQUOTE_MODEL", str(MODEL))
    worker = _Worker(folder, meaning=True)
    identity = worker.snapshot.library.identity
    assert worker.snapshot.vectors == 0
    done = fill(folder, MODEL)  # what the helper process runs, here in the test's
    assert done.embedded == stored_rows(Derived.beside(folder)) > 0
    found = worker.search(identity, done.embedded, Query("five secrets"))
    assert found is not None and found.matches
    assert worker.snapshot.vectors == done.embedded
    assert worker.snapshot.searcher.windows is not None
    # a count the folder does not hold (say, a newer embedding not saved): mapped once, not
    # again at every search
    snapshot = worker.snapshot
    assert worker.search(identity, done.embedded + 5, Query("five secrets")) is not None
    assert worker.search(identity, done.embedded + 5, Query("five secrets")) is not None
    assert worker.snapshot.vectors == done.embedded and worker.missed_vectors == done.embedded + 5
    assert worker.snapshot.searcher is snapshot.searcher


@pytest.mark.asyncio
async def test_a_failing_map_is_one_warning_and_the_next_run_still_comes(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert MODEL is not None
    fill(folder, MODEL)  # everything embedded already: a run only looks (no model loaded)
    calls: list[str] = []

    async def embedded() -> None:
        calls.append("mapped")
        if len(calls) == 1:
            raise OSError("disk gone")

    filler = VectorFiller(folder, MODEL, embedded)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.archive.vector_filler"):
            filler.request()
            await asyncio.wait_for(filler.wait(), 60)
        assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
            "meaning vectors: mapping failed, OSError: disk gone"
        ]
        assert filler.last is not None and filler.last.embedded == 0
        filler.request()
        await asyncio.wait_for(filler.wait(), 60)
        assert calls == ["mapped", "mapped"]
    finally:
        await filler.close()
