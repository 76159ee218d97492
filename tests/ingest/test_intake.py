"""One file added and ingested, or one episode taken out: all or nothing, the curator's
catalog kept as written."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from bot.episodes import files as episode_io
from bot.episodes.library import Library
from bot.ingest import catalog as catalog_mod
from bot.ingest.catalog_text import with_entry, with_fields, without_entry
from bot.ingest.intake import (
    STALE_PART_SECONDS,
    Given,
    IntakeError,
    Places,
    add_file,
    check_name,
    parse_speakers,
    raw_unwritable,
    read_local,
    remove_episode,
    sweep_parts,
    youtube_id,
)
from tests.conftest import DATA, FIXTURES

VTT = (FIXTURES / "formats" / "managed_services_vs_diy_head.vtt").read_bytes()


@pytest.fixture
def places(tmp_path: Path) -> Places:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return Places(data / "raw", data / "episodes")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "name", ["", ".", "..", "a/b.vtt", "..\\b.vtt", "a\x00.vtt", "a\nb.vtt", ".x.vtt", "README.md"]
)
def test_a_name_that_is_not_a_plain_file_name_is_refused(name: str) -> None:
    with pytest.raises(IntakeError):
        check_name(name)


def test_youtube_and_speakers_options() -> None:
    assert youtube_id("OuCuk-7RHjM") == "OuCuk-7RHjM"
    assert youtube_id("https://www.youtube.com/watch?v=OuCuk-7RHjM&t=3s") == "OuCuk-7RHjM"
    assert youtube_id("https://youtu.be/OuCuk-7RHjM") == "OuCuk-7RHjM"
    for bad in ("https://evil.example/watch?v=OuCuk-7RHjM", "short", "OuCuk-7RHjM-x"):
        with pytest.raises(IntakeError, match="youtube: "):
            youtube_id(bad)
    assert parse_speakers("Alexey=Alexey Grigorev, Meor") == {
        "Alexey": "Alexey Grigorev",
        "Meor": None,
    }
    with pytest.raises(IntakeError, match="speakers: "):
        parse_speakers("Alexey=, Meor")


def test_a_curators_entry_is_kept_and_completed(places: Places) -> None:
    before = places.catalog.read_text(encoding="utf-8")
    curated = "# the curator's own words\nmanaged.vtt:\n  title: The curated title  # why\n"
    places.catalog.write_text(before + "\n" + curated, encoding="utf-8")
    added = add_file(VTT, "managed.vtt", places, Given(title="Mine", show="The Show"))
    assert added.name == "managed.vtt"
    assert added.episode.title == "The curated title"
    assert added.episode.show == "The Show"
    assert "the catalog's title is kept ('The curated title'); yours was not used" in (
        added.warnings
    )
    text = places.catalog.read_text(encoding="utf-8")
    assert text.startswith(before + "\n# the curator's own words\nmanaged.vtt:\n")
    assert "  title: The curated title  # why\n  show: The Show\n  id: managed\n" in text
    entry = catalog_mod.load(places.catalog).entries["managed.vtt"]
    assert (entry.facts.id, entry.facts.show) == ("managed", "The Show")
    assert (places.raw / "managed.vtt").read_bytes() == VTT
    assert episode_io.read(places.episodes / "managed.yaml").title == "The curated title"


def test_a_name_or_id_already_there_is_never_overwritten(places: Places) -> None:
    (places.raw / "managed.vtt").symlink_to("/etc/passwd")  # a link there: taken, not followed
    first = add_file(VTT, "managed.vtt", places, Given())
    second = add_file(VTT + b"\n", "managed.vtt", places, Given())
    assert (first.name, second.name) == ("managed-2.vtt", "managed-3.vtt")
    assert (first.episode.id, second.episode.id) == ("managed-2", "managed-3")
    assert (places.raw / "managed.vtt").is_symlink()
    assert (places.episodes / "managed-2.yaml").is_file()
    assert (places.episodes / "managed-3.yaml").is_file()
    library = Library.load(places.episodes)  # the same words twice: one talk, served once
    assert len({"managed-2", "managed-3"} & {ep.id for ep in library}) == 1
    assert [(d.dropped, d.basis) for d in library.duplicates] in (
        [("managed-2", "text")],
        [("managed-3", "text")],
    )
    assert not library.problems


def test_a_file_that_fails_leaves_nothing_behind(
    places: Places, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tree(places.raw.parent)
    again = (places.raw / "002_32cc3a7d8ab5d358.txt").read_bytes()
    with pytest.raises(IntakeError, match=r"as '002_32cc3a7d8ab5d358\.txt'$"):
        add_file(again, "siraj.txt", places, Given())
    assert _tree(places.raw.parent) == before
    with pytest.raises(IntakeError, match=r"^notes\.json: not read: "):
        add_file(b'{"title": "notes", "links": []}', "notes.json", places, Given())
    places.catalog.write_text(
        places.catalog.read_text() + "\nm.vtt:\n  id: s08e01-visualising-machine-learning\n"
    )
    before = _tree(places.raw.parent)
    with pytest.raises(IntakeError, match="which is taken"):
        add_file(VTT, "m.vtt", places, Given())
    assert _tree(places.raw.parent) == before

    def full(*args: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(episode_io, "write", full)
    with pytest.raises(IntakeError, match=r"^cannot write: No space left on device$"):
        add_file(VTT, "other.vtt", places, Given())
    assert _tree(places.raw.parent) == before


def test_a_bad_catalog_is_one_line_and_nothing_is_written(places: Places) -> None:
    places.catalog.write_text("x.vtt:\n  titel: oops\n")
    before = _tree(places.raw.parent)
    with pytest.raises(IntakeError, match=r"^the catalog has a problem: line 2: x\.vtt: titel: "):
        add_file(VTT, "managed.vtt", places, Given())
    assert _tree(places.raw.parent) == before


def test_a_local_file_is_read_without_following_links(tmp_path: Path) -> None:
    real = tmp_path / "real.vtt"
    real.write_bytes(VTT)
    (tmp_path / "link.vtt").symlink_to(real)
    assert read_local(real) == VTT
    with pytest.raises(IntakeError, match="a link: give the file itself"):
        read_local(tmp_path / "link.vtt")
    with pytest.raises(IntakeError, match="the limit is 100"):
        read_local(real, limit=100)
    with pytest.raises(IntakeError, match="not a regular file"):
        read_local(tmp_path)


def test_an_episode_removed_is_moved_aside(places: Places) -> None:
    library = Library.load(places.episodes)
    episode = library.get("twiml-talk-2-siraj-raval")
    assert episode is not None
    raw = (places.raw / episode.source).read_bytes()
    (places.removed).mkdir()
    (places.removed / episode.source).write_text("an older one")
    removed = remove_episode(episode, places)
    assert removed.raw_moved_to == places.removed / "002_32cc3a7d8ab5d358-2.txt"
    assert removed.raw_moved_to.read_bytes() == raw
    assert (places.removed / episode.source).read_text() == "an older one"
    catalog = catalog_mod.load(places.catalog)
    assert episode.source not in catalog.entries and len(catalog.entries) == 4
    assert removed.entry_moved_to is not None
    assert "id: twiml-talk-2-siraj-raval" in removed.entry_moved_to.read_text()
    assert not (places.episodes / "twiml-talk-2-siraj-raval.yaml").exists()
    assert len(Library.load(places.episodes)) == 4
    with pytest.raises(IntakeError, match="has no episode file"):
        remove_episode(episode, places)


def test_catalog_text_edits_keep_the_rest_as_written() -> None:
    text = "# head\na.txt:\n  # note\n  title: A\n\n# about b\nb.txt:\n    show: B\n"
    assert with_fields(text, 2, {"id": "a"}) == (
        "# head\na.txt:\n  # note\n  title: A\n  id: a\n\n# about b\nb.txt:\n    show: B\n"
    )
    assert with_fields(text, 7, {"id": "b"}).endswith("b.txt:\n    show: B\n    id: b\n")
    rest, cut = without_entry(text, 2)
    assert rest == "# head\n\n# about b\nb.txt:\n    show: B\n"
    assert cut == "a.txt:\n  # note\n  title: A\n"
    assert with_entry("", "yes", {"id": "y"}) == "'yes':\n  id: y\n"
    assert catalog_mod.parse(with_entry(text, "c.txt", {"id": "c"}), Path("c")).entries.keys() == {
        "a.txt",
        "b.txt",
        "c.txt",
    }


def test_part_files_a_dead_ingest_left_are_swept_the_fresh_ones_kept(
    places: Places, caplog: pytest.LogCaptureFixture
) -> None:
    stale = places.raw / ".intake-0123456789abcdef.part"
    stale_catalog = places.raw.parent / ".intake-fedcba9876543210.part"
    fresh = places.raw / ".intake-aaaaaaaaaaaaaaaa.part"
    for path in (stale, stale_catalog, fresh):
        path.write_bytes(b"half a file")
    two_hours_ago = time.time() - 2 * STALE_PART_SECONDS
    for path in (stale, stale_catalog):
        os.utime(path, (two_hours_ago, two_hours_ago))
    with caplog.at_level(logging.INFO, logger="bot.ingest.intake"):
        assert sweep_parts(places) == [stale, stale_catalog]
    assert fresh.is_file() and not stale.exists() and not stale_catalog.exists()
    assert f"removed {stale}, left by an /ingest that did not finish" in caplog.messages
    # The next /ingest sweeps too, before it writes its own.
    os.utime(fresh, (two_hours_ago, two_hours_ago))
    add_file(VTT, "talk.vtt", places, Given())
    assert not fresh.exists() and not list(places.raw.glob(".intake-*"))


def test_the_raw_folder_is_tried_by_writing_a_file_there(tmp_path: Path) -> None:
    assert raw_unwritable(tmp_path) is None and not list(tmp_path.iterdir())
    assert raw_unwritable(tmp_path / "gone") == "No such file or directory"
