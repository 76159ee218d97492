"""The pieces' vectors stored beside the search index: embedded once, reused, remapped."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from bot.archive.derived import Derived
from bot.archive.search_index import open_index
from bot.archive.window_vectors import (
    EPISODES,
    KEYS,
    PIECES,
    SEGMENTS,
    VECTORS,
    open_vectors,
    update,
)
from bot.episodes.library import Library
from bot.search.windows import NO_VECTOR, WindowVectors, pieces
from tests.conftest import DATA

SIRAJ = "twiml-talk-2-siraj-raval.yaml"


class Encoder:
    """A stand-in for the sentence model that counts what it reads: a text's vector is its
    bytes' histogram, so equal texts get equal vectors and different ones differ."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.read += texts
        out = np.zeros((len(texts), 16), dtype=np.float32)
        for row, text in zip(out, texts, strict=True):
            for byte in text.encode():
                row[byte % 16] += 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "episodes", tmp_path / "episodes")
    return tmp_path / "episodes"


def _all_pieces(index) -> set[str]:  # type: ignore[no-untyped-def]
    return {p for s in range(index.size) for p in pieces(index.segment(s)[2].text)}


def test_every_piece_is_embedded_once_and_an_unchanged_archive_embeds_nothing(
    folder: Path,
) -> None:
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    encoder = Encoder()
    first = update(index, library, derived, encoder)
    assert sorted(encoder.read) == sorted(_all_pieces(index))  # each distinct text once
    assert first.embedded == len(_all_pieces(index)) and first.pieces >= first.embedded
    assert "embedded now" in first.line()
    stored = {p: (derived.folder / VECTORS / p).stat().st_mtime_ns for p in (PIECES, KEYS)}
    again = update(index, library, derived, Encoder())
    assert again.embedded == 0
    assert {p: (derived.folder / VECTORS / p).stat().st_mtime_ns for p in stored} == stored


def test_opened_vectors_give_each_segment_the_best_cosine_of_its_pieces(folder: Path) -> None:
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    encoder = Encoder()
    update(index, library, derived, encoder)
    windows = open_vectors(index, library, derived)
    assert windows is not None and windows.segments == index.size
    assert isinstance(windows.vectors, np.memmap)  # read from disk as needed
    seg = next(s for s in range(index.size) if len(pieces(index.segment(s)[2].text)) > 1)
    own = pieces(index.segment(seg)[2].text)
    query = encoder([own[-1]])[0]
    assert windows.closeness(query, [seg]) == pytest.approx([1.0], abs=2e-3)
    # the map is kept for the next open of the same archive, and made again when unreadable
    kept = derived.folder / VECTORS / SEGMENTS
    made = kept.stat().st_mtime_ns
    again = open_vectors(index, library, derived)
    assert again is not None and kept.stat().st_mtime_ns == made
    assert (again.rows == windows.rows).all() and (again.starts == windows.starts).all()
    kept.write_bytes(b"torn")
    mended = open_vectors(index, library, derived)
    assert mended is not None and (mended.starts == windows.starts).all()


def test_a_changed_episode_embeds_only_its_new_pieces_and_is_mapped_again(folder: Path) -> None:
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    update(index, library, derived, Encoder())
    cut = {p.name: p.stat().st_mtime_ns for p in (derived.folder / VECTORS / EPISODES).iterdir()}
    assert len(cut) == len(index.episodes)
    path = folder / SIRAJ
    path.write_text(
        path.read_text(encoding="utf-8").replace("60 hours", "ninety zebras"), encoding="utf-8"
    )
    library = Library.load(folder)
    changed, _ = open_index(library)
    stale = open_vectors(changed, library, derived)  # mapped anew
    assert stale is not None
    touched = [s for s in range(changed.size) if "ninety zebras" in changed.segment(s)[2].text]

    def owned(windows: WindowVectors, seg: int) -> int:
        return int(windows.starts[seg + 1] - windows.starts[seg])

    # the new pieces have no vector yet: those segments own fewer rows than they have pieces
    assert touched and all(
        owned(stale, s) < len(pieces(changed.segment(s)[2].text)) for s in touched
    )
    encoder = Encoder()
    step = update(changed, library, derived, encoder)
    assert step.embedded == len(encoder.read) and 0 < step.embedded <= len(touched)
    assert all("ninety zebras" in text for text in encoder.read)
    fresh = open_vectors(changed, library, derived)
    assert fresh is not None
    assert all(owned(fresh, s) == len(pieces(changed.segment(s)[2].text)) for s in touched)
    assert NO_VECTOR not in fresh.closeness(np.ones(16, np.float32) / 4, touched)
    # only the changed episode was cut into pieces again
    now = {p.name: p.stat().st_mtime_ns for p in (derived.folder / VECTORS / EPISODES).iterdir()}
    assert [name for name in cut if now[name] != cut[name]] == [SIRAJ.replace(".yaml", ".npz")]


def test_no_stored_vectors_or_unusable_files_open_as_none(folder: Path) -> None:
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    assert open_vectors(index, library, derived) is None
    update(index, library, derived, Encoder())
    (derived.folder / VECTORS / KEYS).write_bytes(b"not numpy")
    assert open_vectors(index, library, derived) is None
    assert update(index, library, derived, Encoder()).embedded == len(_all_pieces(index))
    assert open_vectors(index, library, derived) is not None
    # files of no rows at all (made by hand): every segment owns none, nothing breaks
    np.save(derived.folder / VECTORS / PIECES, np.zeros((0, 16), dtype=np.float16))
    np.save(derived.folder / VECTORS / KEYS, np.zeros(0, dtype=np.uint64))
    empty = open_vectors(index, library, derived)
    assert empty is not None and empty.starts[-1] == 0
    assert empty.closeness(np.ones(16, np.float32) / 4, [0, 1]) == [NO_VECTOR, NO_VECTOR]
