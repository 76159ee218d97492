"""Library: load a folder, survive broken files, reload with a diff, merge sources of one talk."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.episodes import files as episode_io
from bot.episodes.library import Library, richness
from bot.episodes.model import Episode, Segment
from bot.errors import EpisodeFileError
from bot.ingest.catalog import empty
from bot.ingest.pipeline import ingest, read_transcript
from tests.conftest import DATA, FIXTURES


def _episode(episode_id: str, **changes: object) -> Episode:
    base = Episode(
        id=episode_id,
        title=episode_id.title(),
        source=f"{episode_id}.txt",
        format="timed-lines",
        segments=(Segment(1.0, 2.0, None, f"words of {episode_id}"),),
        timing="exact",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "episodes", tmp_path / "episodes")
    return tmp_path / "episodes"


def test_a_broken_file_is_a_named_problem_and_the_rest_load(folder: Path) -> None:
    (folder / "broken.yaml").write_text("schema: 1\nid: [oops\n", encoding="utf-8")
    (folder / "future.yaml").write_text("schema: 2\nid: x\n", encoding="utf-8")
    lib = Library.load(folder)
    assert len(lib) == 5
    messages = sorted(str(p) for p in lib.problems)
    assert messages[0].startswith(f"{folder / 'broken.yaml'}: line 3: not valid YAML")
    assert messages[1] == (
        f"{folder / 'future.yaml'}: schema 2 is not 1: re-run `python -m bot ingest`"
    )


def test_reload_reports_added_removed_and_changed(folder: Path) -> None:
    lib = Library.load(folder)
    (folder / "twiml-talk-2-siraj-raval.yaml").unlink()
    episode_io.write(_episode("new-one"), folder)
    changed = lib.get("five-secrets-of-learning-machine-learning")
    assert changed is not None
    episode_io.write(replace(changed, title="A new title"), folder)
    diff = lib.reload()
    assert diff.added == ("new-one",)
    assert diff.removed == ("twiml-talk-2-siraj-raval",)
    assert diff.changed == ("five-secrets-of-learning-machine-learning",)
    assert lib.get("five-secrets-of-learning-machine-learning").title == "A new title"  # type: ignore[union-attr]
    assert lib.reload().unchanged


def test_identity_names_exactly_the_files_read(folder: Path) -> None:
    """Equal loads of a folder have one identity (a search process checks it against the
    bot.s); any change of a file gives another."""
    lib = Library.load(folder)
    assert Library.load(folder).identity == lib.identity
    assert len(lib.identity) == 32
    before = lib.identity
    changed = lib.get("five-secrets-of-learning-machine-learning")
    assert changed is not None
    episode_io.write(replace(changed, title="A new title"), folder)
    assert lib.identity == before  # until it is reloaded
    lib.reload()
    assert lib.identity != before
    assert Library.load(folder).identity == lib.identity
    (folder / "twiml-talk-2-siraj-raval.yaml").unlink()
    assert Library.load(folder).identity not in (before, lib.identity)


def test_a_failed_reload_keeps_the_old_episodes(folder: Path, tmp_path: Path) -> None:
    lib = Library.load(folder)
    shutil.rmtree(folder)
    with pytest.raises(EpisodeFileError):
        lib.reload()
    assert len(lib) == 5


def _two_sources(folder: Path, catalogued: bool) -> tuple[Episode, Episode]:
    """A page with named speakers and bare captions of the same video, written to `folder`."""
    rich = _episode(
        "page",
        youtube_id="xVYOdRrN7hw",
        segments=(Segment(1.0, 2.0, "Alexey", "hello"), Segment(2.0, 3.0, "Santiago", "hi")),
    )
    poor = replace(_episode("captions", youtube_id="xVYOdRrN7hw"), catalogued=catalogued)
    for ep in (rich, poor):
        episode_io.write(ep, folder)
    return rich, poor


def test_two_sources_of_one_video_are_one_episode_the_richer_kept(tmp_path: Path) -> None:
    rich, poor = _two_sources(tmp_path, catalogued=False)
    lib = Library.load(tmp_path)
    assert list(lib.episodes) == ["page"]
    (dup,) = lib.duplicates
    assert (dup.dropped, dup.kept) == ("captions", "page")
    assert "same YouTube video xVYOdRrN7hw" in dup.why
    assert richness(rich) > richness(poor)


def test_the_catalogued_source_of_a_video_is_kept_over_a_richer_one(tmp_path: Path) -> None:
    rich, _ = _two_sources(tmp_path, catalogued=True)
    lib = Library.load(tmp_path)
    assert list(lib.episodes) == ["captions"]
    (dup,) = lib.duplicates
    assert (dup.dropped, dup.kept) == ("page", "captions")
    assert "is in the catalog" in dup.why
    # Two catalogued sources: the richer one again.
    episode_io.write(replace(rich, catalogued=True), tmp_path)
    assert list(Library.load(tmp_path).episodes) == ["page"]


def test_load_async_runs_off_the_event_loop(folder: Path) -> None:
    lib = asyncio.run(Library.load_async(folder))
    assert len(lib) == 5
    assert lib.segment_count == sum(len(e.segments) for e in lib)


@pytest.mark.corpus
def test_samples_a_and_b_merge_with_their_corpus_pages(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    pages = [
        corpus / "datatalks/visualizing-machine-learning-concepts-to-explain-ml.md",
        corpus / "datatalks/from-software-engineer-to-machine-learning.md",
    ]
    assert main(["ingest", str(DATA / "raw"), *map(str, pages), "--out", str(out), "--quiet"]) == 0
    lib = Library.load(out)
    pairs = {(d.dropped, d.kept) for d in lib.duplicates}
    # The samples are in the catalog, the pages are not: the samples are kept, though the
    # page of sample b is richer (named speakers, chapters).
    assert pairs == {
        (
            "s04e01-from-software-engineer-to-machine-learning",
            "s04e01-from-software-engineering-to-machine-learning",
        ),
        (
            "s08e01-visualizing-machine-learning-concepts-to-explain-ml",
            "s08e01-visualising-machine-learning",
        ),
    }
    assert {ep.source for ep in lib} == {p.name for p in (DATA / "raw").iterdir()}


def _break_second_segment(folder: Path, field: str, raw: str) -> Path:
    """Put raw JSON text as one field of the second segment line of one shipped episode."""
    path = folder / "s08e01-visualising-machine-learning.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    row = json.loads(lines[59][2:])
    row[field] = "@VALUE@"
    lines[59] = "- " + json.dumps(row, ensure_ascii=False).replace('"@VALUE@"', raw)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("field", "raw", "why"),
    [
        ("start", "1e400", "line 60: start is inf, not a time in seconds (0 to 10,000,000)"),
        (
            "start",
            "1" + "0" * 400,
            "line 60: start is a 401-digit number, not a time in seconds (0 to 10,000,000)",
        ),
        ("line", "7" * 5000, "line 60: the segment has a number of more than 4,300 digits"),
        (
            "cues",
            "[" * 100_000 + "]" * 100_000,
            "line 60: the segment is nested too deeply to read",
        ),
    ],
    ids=["1e400", "10 and 400 zeros", "5000 digits", "cues 100000 deep"],
)
def test_one_bad_value_is_one_problem_naming_file_and_line_and_every_other_episode_loads(
    folder: Path, field: str, raw: str, why: str
) -> None:
    broken = _break_second_segment(folder, field, raw)
    lib = Library.load(folder)
    assert len(lib) == 4
    assert lib.get("s08e01-visualising-machine-learning") is None
    assert [str(p) for p in lib.problems] == [f"{broken}: {why}"]
    # A reload that meets it says the same and keeps serving the others.
    good = Library.load(DATA / "episodes")
    good.folder = folder
    diff = good.reload()
    assert diff.removed == ("s08e01-visualising-machine-learning",)
    assert [str(p) for p in diff.problems] == [f"{broken}: {why}"]
    assert len(good) == 4


def test_a_fifo_or_a_folder_among_the_episodes_is_a_problem_not_a_wait(folder: Path) -> None:
    os.mkfifo(folder / "waiting.yaml")
    (folder / "a-folder.yaml").mkdir()
    lib = Library.load(folder)  # would wait forever on an ordinary open of the FIFO
    assert len(lib) == 5
    assert sorted(str(p) for p in lib.problems) == [
        f"{folder / 'a-folder.yaml'}: cannot read: not a regular file",
        f"{folder / 'waiting.yaml'}: cannot read: not a regular file",
    ]


def test_a_copy_caught_mid_write_is_a_problem_not_a_shorter_episode(folder: Path) -> None:
    path = folder / "s08e01-visualising-machine-learning.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines.index("segments:") + 1  # the header and `segments:`
    path.write_text("\n".join(lines[: header + 57]) + "\n", encoding="utf-8")
    lib = Library.load(folder)
    assert len(lib) == 4
    assert [str(p) for p in lib.problems] == [
        f"{path}: has 57 of 105 segments: incomplete, still being written?"
    ]


def _copies(folder: Path, catalogued: bool = False) -> Episode:
    """Two sources of one talk with no video id, written to `folder`: `page` names its
    speaker, `captions` (the same words) does not. Their words: the first six minutes of Talk
    Python 516 (tests/fixtures/copies/talkpython_516_head.txt)."""
    transcript = read_transcript(FIXTURES / "copies" / "talkpython_516_head.txt")
    segments = tuple(
        Segment(u.start, None, None, u.text, line=u.line) for u in transcript.utterances
    )
    captions = replace(_episode("captions", segments=segments), catalogued=catalogued)
    page = _episode("page", segments=tuple(replace(s, speaker="Michael") for s in segments))
    for ep in (page, captions):
        episode_io.write(ep, folder)
    return page


def test_two_sources_with_the_same_words_and_no_video_are_one_episode_the_richer_kept(
    tmp_path: Path,
) -> None:
    page = _copies(tmp_path)
    assert page.youtube_id is None
    lib = Library.load(tmp_path)
    assert list(lib.episodes) == ["page"]
    (dup,) = lib.duplicates
    assert (dup.dropped, dup.kept, dup.basis) == ("captions", "page", "text")
    assert dup.likeness is not None and dup.likeness.resemblance == 1.0
    assert dup.why == (
        "same text as page (resemblance 1.00, containment 1.00); page.txt (exact times, "
        f"{len(page.segments)} segments) is richer than captions.txt (exact times, "
        f"{len(page.segments)} segments)"
    )


def test_the_catalogued_copy_of_a_talk_is_kept_and_files_without_a_print_merge_too(
    tmp_path: Path,
) -> None:
    _copies(tmp_path, catalogued=True)
    for path in tmp_path.glob("*.yaml"):  # as written before prints were stored
        kept = [row for row in path.read_text().split("\n") if not row.startswith("text_print:")]
        path.write_text("\n".join(kept))
    lib = Library.load(tmp_path)
    assert list(lib.episodes) == ["captions"]
    (dup,) = lib.duplicates
    assert dup.why.endswith("; captions.txt is in the catalog and page.txt is not")


def test_copies_in_two_formats_merge_and_episodes_that_only_close_alike_do_not(
    tmp_path: Path,
) -> None:
    out = tmp_path / "episodes"
    ingest([FIXTURES / "copies"], out, empty())
    lib = Library.load(out)
    assert sorted(lib.episodes) == [
        "lexicap-small-episode-078-head",
        "talkpython-507-tail",
        "talkpython-516-head-vtt",
        "talkpython-516-tail",
        "talkpython-521-tail",
    ]
    assert sorted((d.dropped, d.kept, d.basis) for d in lib.duplicates) == [
        ("lexicap-large-episode-078-head", "lexicap-small-episode-078-head", "text"),
        ("talkpython-516-head", "talkpython-516-head-vtt", "text"),
    ]
    # Equally rich (exact times, 18 segments each): the id that sorts last is kept.
    assert lib.duplicates[1].why.endswith(
        "talkpython_516_head.vtt (exact times, 18 segments) is as rich as "
        "talkpython_516_head.txt (exact times, 18 segments): talkpython-516-head-vtt is kept, "
        "its id sorting last"
    )
