"""The pieces' vectors stored beside the search index: embedded once, reused, remapped."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from bot.archive import window_vectors
from bot.archive.derived import Derived
from bot.archive.search_index import open_index
from bot.archive.window_vectors import (
    EPISODES,
    KEYS,
    PIECES,
    SEGMENTS,
    VECTORS,
    coverage,
    embedding,
    open_vectors,
    stored_rows,
    update,
)
from bot.episodes.library import Library
from bot.search.windows import NO_VECTOR, WindowVectors, piece_key, pieces
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


class Stopped(Exception):
    """The embedding process stopped mid-way."""


def test_a_long_embedding_saves_as_it_goes_and_a_stop_keeps_what_was_saved(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window_vectors, "COPY_BYTES", 1000)  # the old rows copied in many blocks
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    wanted = len(_all_pieces(index))
    calls: list[int] = []

    def stops_at_the_third_share(texts: list[str]) -> npt.NDArray[np.float32]:
        calls.append(len(texts))
        if len(calls) == 3:
            raise Stopped
        return Encoder()(texts)

    saved: list[tuple[int, int]] = []
    with pytest.raises(Stopped):
        update(
            index,
            library,
            derived,
            stops_at_the_third_share,
            save_every=100,
            saved=lambda done, missing: saved.append((done, missing)),
        )
    assert calls[:2] == [100, 100]
    assert saved == [(0, wanted), (100, wanted), (200, wanted)]
    assert stored_rows(derived) == 200  # two shares saved, the third lost
    assert not list((derived.folder / VECTORS).glob(".*.npy"))  # no half-written file
    assert coverage(library, derived).embedded == 200
    encoder = Encoder()
    rest = update(index, library, derived, encoder, save_every=1_000)
    assert rest.embedded == len(encoder.read) == wanted - 200  # only what was not saved
    assert coverage(library, derived).missing == 0
    # every row is its own text's vector, however many saves and blocks it took
    by_key = {piece_key(text): text for text in _all_pieces(index)}
    keys = np.load(derived.folder / VECTORS / KEYS)
    stored = np.load(derived.folder / VECTORS / PIECES)
    expected = Encoder()([by_key[int(k)] for k in keys]).astype(np.float16)
    assert len(keys) == wanted and np.array_equal(stored, expected)


def test_one_process_embeds_at_a_time(folder: Path) -> None:
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    encoder = Encoder()
    with embedding(derived.folder / VECTORS) as mine:
        assert mine
        busy = update(index, library, derived, encoder)
    assert busy.busy and busy.embedded == 0 and not encoder.read
    assert "another process is embedding" in busy.line()
    assert stored_rows(derived) == 0
    assert update(index, library, derived, encoder).embedded == len(_all_pieces(index))


def test_a_reader_between_the_two_files_written_takes_the_rows_both_have(folder: Path) -> None:
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    update(index, library, derived, Encoder())
    vectors_file = derived.folder / VECTORS / PIECES
    full = np.load(vectors_file)
    np.save(vectors_file, full[:-40])  # the keys written, the vectors not yet
    windows = open_vectors(index, library, derived)
    assert windows is not None and len(windows.vectors) == len(full) - 40
    assert windows.starts[-1] == len(full) - 40  # segments own only rows that exist
    # a stopped embedder's half-written files are cleared by the next one
    leftover = derived.folder / VECTORS / f".{PIECES}.x1y2.npy"
    leftover.write_bytes(b"half")
    encoder = Encoder()
    assert update(index, library, derived, encoder).embedded == 40
    assert not leftover.exists()


def test_coverage_counts_the_pieces_embedded(folder: Path) -> None:
    library = Library.load(folder)
    index, _ = open_index(library)
    derived = Derived.beside(folder)
    total = sum(len(pieces(s.text)) for ep in library for s in ep.segments)
    before = coverage(library, derived)
    assert (before.embedded, before.pieces) == (0, total)
    assert before.line() == f"meaning vectors: 0 of {total:,} pieces embedded (0%)"
    update(index, library, derived, Encoder())
    after = coverage(library, derived)
    assert after.missing == 0 and after.line().endswith("(100%)")
