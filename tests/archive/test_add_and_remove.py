"""Archive.add and Archive.remove: the core's change, then a reload; a failing reload is said,
and the old snapshot keeps serving."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.archive import loaded
from bot.archive.loaded import Archive
from bot.errors import EpisodeFileError
from bot.ingest.intake import Given
from bot.reply.intake import added_text, removed_text
from tests.conftest import DATA, FIXTURES

VTT = (FIXTURES / "formats" / "bloat_head.srt").read_bytes()


def _archive(tmp_path: Path) -> Archive:
    shutil.copytree(DATA, tmp_path / "data")
    return Archive.open(tmp_path / "data" / "episodes")


def test_added_and_removed_are_served_at_once(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    raw = tmp_path / "data" / "raw"
    added, failed = asyncio.run(archive.add(VTT, "bloat.srt", raw, Given(title="Bloat")))
    assert failed is None
    assert archive.library.get(added.episode.id) is not None
    assert added_text(added, archive.library, str).endswith("Now serving 6 episodes.")
    removed, failed = asyncio.run(archive.remove(added.episode, raw))
    assert failed is None and archive.library.get(added.episode.id) is None
    assert removed_text(removed, archive.library, str).splitlines() == [
        "Removed Bloat (bloat).",
        "Its raw file was moved to removed/bloat.srt.",
        "Its catalog entry was moved to removed/bloat.srt.catalog.yaml.",
        "Now serving 5 episodes.",
    ]


def test_a_reload_that_fails_after_an_add_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _archive(tmp_path)
    old = archive.current

    def broken(folder: Path, *args: object) -> object:
        raise EpisodeFileError(folder, "the disk went away")

    monkeypatch.setattr(loaded, "open_snapshot", broken)
    raw = tmp_path / "data" / "raw"
    added, failed = asyncio.run(archive.add(VTT, "bloat.srt", raw, Given()))
    assert failed is not None and failed.endswith("the disk went away")
    assert archive.current is old
    text = added_text(added, archive.library, str, failed)
    assert text.splitlines()[-1].startswith(
        "Reload failed; the previous transcripts are still being served. Why: "
    )
    assert (raw / "bloat.srt").read_bytes() == VTT  # added all the same: a /reload serves it
