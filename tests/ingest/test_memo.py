"""The ingest memo: a second run reads only the raw files that changed, and writes the same
episode files a run without it writes."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from bot.ingest import catalog as catalog_mod
from bot.ingest import pipeline
from bot.ingest.catalog import Catalog
from bot.ingest.memo import IngestMemo
from bot.ingest.pipeline import FileResult, ingest
from tests.conftest import DATA, EpisodeReads


class Reads:
    """The raw files the pipeline reads (the real reader, counted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sources: list[str] = []
        real = pipeline.ingest_one

        def counted(path: Path, source: str, catalog: Catalog) -> FileResult:
            self.sources.append(source)
            return real(path, source, catalog)

        monkeypatch.setattr(pipeline, "ingest_one", counted)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "raw", tmp_path / "raw")
    return tmp_path / "raw"


@pytest.fixture
def catalog(raw: Path) -> Catalog:
    return catalog_mod.load(DATA / "catalog.yaml")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def test_a_second_run_reads_nothing_and_writes_the_same_files(
    raw: Path, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = ingest([raw], tmp_path / "plain", catalog)
    memo = IngestMemo(tmp_path / "memo")
    first = ingest([raw], tmp_path / "out", catalog, memo=memo)
    written = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").glob("*.yaml")}
    reads = Reads(monkeypatch)
    second = ingest([raw], tmp_path / "out", catalog, memo=IngestMemo(tmp_path / "memo"))
    assert reads.sources == []
    assert (first.unchanged, second.unchanged) == (0, len(plain.results))
    assert _files(tmp_path / "out") == _files(tmp_path / "plain")
    assert {p: p.stat().st_mtime_ns for p in written} == written  # nothing rewritten
    assert [(r.source, r.status, r.format, r.segments) for r in second.results] == [
        (r.source, r.status, r.format, r.segments) for r in plain.results
    ]


def test_a_changed_file_or_catalog_entry_is_read_again(
    raw: Path, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest([raw], tmp_path / "out", catalog, memo=IngestMemo(tmp_path / "memo"))
    names = sorted(p.name for p in raw.iterdir() if p.is_file() and p.suffix != ".yaml")
    touched = raw / names[0]
    touched.write_bytes(touched.read_bytes() + b"\n")
    recatalogued = next(n for n in names[1:] if catalog.entry_for(n) is not None)
    entries = dict(catalog.entries)
    old = entries[recatalogued]
    entries[recatalogued] = type(old)(old.name, old.line + 1, old.facts)
    changed = Catalog(catalog.path, entries)
    reads = Reads(monkeypatch)
    report = ingest([raw], tmp_path / "out", changed, memo=IngestMemo(tmp_path / "memo"))
    assert sorted(reads.sources) == sorted([touched.name, recatalogued])
    assert report.unchanged == len(report.results) - 2


def test_other_ingest_code_reads_every_file_again(
    raw: Path, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ingest([raw], tmp_path / "out", catalog, memo=IngestMemo(tmp_path / "memo"))
    memo = IngestMemo(tmp_path / "memo")
    memo.code = "another version"
    reads = Reads(monkeypatch)
    ingest([raw], tmp_path / "out", catalog, memo=memo)
    assert len(reads.sources) == len(first.results)


def test_failures_are_not_kept_and_a_broken_memo_is_read_past(
    raw: Path, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (raw / "broken.vtt").write_text("WEBVTT\n\n00:00:01.000 --> oops\nwords\n", "utf-8")
    memo_folder = tmp_path / "memo"
    first = ingest([raw], tmp_path / "out", catalog, memo=IngestMemo(memo_folder))
    assert [r.source for r in first.by_status("failed")] == ["broken.vtt"]
    kept = sorted(memo_folder.glob("*.json"))
    assert len(kept) == len(first.results) - 1
    kept[0].write_text('{"key": ', encoding="utf-8")
    reads = Reads(monkeypatch)
    again = ingest([raw], tmp_path / "out", catalog, memo=IngestMemo(memo_folder))
    assert len(reads.sources) == 2  # the failed file and the one whose memo broke
    assert [r.source for r in again.by_status("failed")] == ["broken.vtt"]


def test_a_memo_that_cannot_be_written_costs_speed_only(
    raw: Path, catalog: Catalog, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        report = ingest([raw], tmp_path / "out", catalog, memo=IngestMemo(blocked / "memo"))
    assert not report.by_status("failed")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot keep what ingest read in" in warnings[0]
    assert os.path.isfile(blocked)


def test_looking_for_copies_reads_only_the_episode_files_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", folder)
    store = tmp_path / "derived" / "library"
    first = pipeline.written_before(folder, set(), store)
    reads = EpisodeReads(monkeypatch)
    second = pipeline.written_before(folder, set(), store)
    assert reads.count == 0
    assert sorted(second) == sorted(first) and len(first) == 5
    one = sorted(first)[0]
    assert [e.title for e in (first[one], second[one])] == [second[one].title] * 2
    assert sorted(pipeline.written_before(folder, {one}, store)) == sorted(first)[1:]
