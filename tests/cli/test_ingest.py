"""`python -m bot ingest`: summaries, one-line errors, exit codes, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.archive.derived import load_library
from bot.cli.main import main
from bot.cli.search import open_searcher
from bot.search.index import build_index
from bot.search.windows import pieces
from tests.conftest import DATA, ROOT, needs_model

SMALLEST = "004_0dbda6ac67a6e3cf.txt"  # of the samples' raw files


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_ingest_of_the_samples_prints_a_summary_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "episodes"
    result = _run("ingest", str(DATA / "raw"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Ingested 5 of 5 files" in result.stdout
    assert "timed-lines" in result.stdout and "datatalks-yaml" in result.stdout
    assert "sponsor read" in result.stdout
    assert len(list(out.glob("*.yaml"))) == 5


def test_ingest_stores_advice_scores_and_the_index_once_and_again_only_for_what_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "episodes"
    derived = tmp_path / "derived"
    assert main(["ingest", str(DATA / "raw"), "--out", str(out)]) == 0
    scores, indexed = _derived_lines(capsys.readouterr().out)
    assert scores.startswith(f"Derived data in {derived}/: advice scores of 5 episodes computed, 0")
    assert len(list((derived / "advice").glob("*.json"))) == 5
    assert indexed.startswith(f"Search index in {derived}/index/: built; 5 episodes indexed, 0")
    assert main(["ingest", str(DATA / "raw"), "--out", str(out)]) == 0
    scores, indexed = _derived_lines(capsys.readouterr().out)
    assert "advice scores of 0 episodes computed, 5 unchanged" in scores
    assert "current; 0 episodes indexed, 0 removed, 5 unchanged" in indexed


def _derived_lines(out: str) -> tuple[str, str]:
    """The lines on the advice scores and on the search index."""
    (scores,) = [line for line in out.splitlines() if line.startswith("Derived data in")]
    (indexed,) = [line for line in out.splitlines() if line.startswith("Search index in")]
    return scores, indexed


def test_a_bad_file_is_one_line_on_stderr_and_the_others_still_go_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text("0:01 hello there\n0:03 general kenobi\n0:05 you are bold\n")
    (raw / "bad.md").write_text("---\ntitle: x\ntranscript:\n- line: ok\n  sec: 1\n- {a: [\n---\n")
    (raw / "binary.srt").write_bytes(b"\x00\x01\x02binary")
    (raw / "notes.json").write_text(json.dumps({"id": "x", "title": "A podcast", "feed_url": "u"}))
    catalog = _empty(tmp_path)
    code = main(["ingest", str(raw), "--out", str(tmp_path / "out"), "--catalog", str(catalog)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.splitlines() == [
        f"{raw / 'bad.md'}:6: transcript item is not valid YAML (while parsing a flow node: "
        "did not find expected node content)",
        f"{raw / 'binary.srt'}: binary file (NUL bytes), not a text transcript",
    ]
    assert "Traceback" not in captured.err
    assert "Ingested 1 of 4 files" in captured.out
    assert "notes.json: podcast metadata, no transcript" in captured.out
    assert len(list((tmp_path / "out").glob("*.yaml"))) == 1


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text("# empty\n")
    return path


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert _run("ingest").returncode == 2
    missing = _run("ingest", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "no such file or folder" in missing.stderr
    bad_catalog = tmp_path / "catalog.yaml"
    bad_catalog.write_text("a.txt:\n  titel: x\n")
    result = _run(
        "ingest", str(DATA / "raw"), "--catalog", str(bad_catalog), "--out", str(tmp_path / "o")
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"error: {bad_catalog}:2: a.txt: titel: unknown field (known: "
        "id, title, show, youtube_id, url, description, season, episode, duration, date, "
        "speakers, hosts, advice_pin, advice_ban)"
    )


def test_a_catalog_entry_naming_no_file_fails_the_run(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("ghost.txt:\n  title: Nobody\n")
    result = _run(
        "ingest", str(DATA / "raw"), "--catalog", str(catalog), "--out", str(tmp_path / "o")
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"{catalog}:1: entry 'ghost.txt' names no file of the raw "
        "transcripts"
    )


def test_ingest_is_deterministic_byte_for_byte(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["ingest", str(DATA / "raw"), "--out", str(tmp_path / name), "--quiet"]) == 0
    a = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    b = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert a == b and len(a) == 5


def test_prune_removes_episode_files_this_run_did_not_produce(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old-episode.yaml").write_text("schema: 1\n")
    assert main(["ingest", str(DATA / "raw"), "--out", str(out), "--quiet"]) == 0
    assert (out / "old-episode.yaml").exists()
    assert main(["ingest", str(DATA / "raw"), "--out", str(out), "--prune", "--quiet"]) == 0
    assert not (out / "old-episode.yaml").exists()


def test_version_and_help() -> None:
    result = _run("--version")
    assert result.returncode == 0 and result.stdout.startswith("podquote ")
    assert "ingest" in _run("--help").stdout


def test_the_summary_says_how_many_copies_of_one_talk_were_set_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    sample = DATA / "raw" / "002_32cc3a7d8ab5d358.txt"
    (raw / sample.name).write_bytes(sample.read_bytes())
    (raw / "siraj-again.txt").write_bytes(sample.read_bytes())
    out = tmp_path / "out"
    assert main(["ingest", str(raw), "--out", str(out), "--catalog", str(_empty(tmp_path))]) == 0
    assert (
        f"One episode per talk: 1 of the 2 episode files in {out}/ set aside as copies of "
        "another's talk (same YouTube video 0, same text 1); python -m bot check lists them."
    ) in capsys.readouterr().out.splitlines()
    assert main(["ingest", str(DATA / "raw"), "--out", str(tmp_path / "samples")]) == 0
    assert "One episode per talk" not in capsys.readouterr().out


@pytest.mark.corpus
def test_the_summary_lists_the_episodes_that_took_speakers_from_a_copy(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = corpus / "datatalks" / "from-software-engineer-to-machine-learning.md"
    out = tmp_path / "episodes"
    catalog = DATA / "catalog.yaml"
    args = ["ingest", str(DATA / "raw"), str(page), "--out", str(out), "--catalog", str(catalog)]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    found = lines.index(
        "Speakers from a copy of the same talk: 1 episode (a segment the alignment is unsure of "
        "has no speaker):"
    )
    assert lines[found + 1] == (
        "  s04e01-from-software-engineering-to-machine-learning: 124 of 174 segments, from "
        "s04e01-from-software-engineer-to-machine-learning"
    )


@needs_model
def test_vectors_embed_every_piece_once_and_search_opens_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "episodes"
    args = ["ingest", str(DATA / "raw" / SMALLEST), "--out", str(out), "--vectors"]
    args += ["--catalog", str(_empty(tmp_path)), "--workers", "2"]
    assert main(args) == 0
    embedded = next(line for line in capsys.readouterr().out.splitlines() if "Meaning" in line)
    library = load_library(out)
    index = build_index(library)
    count = len({p for s in range(index.size) for p in pieces(index.segment(s)[2].text)})
    assert embedded.startswith(f"Meaning vectors: {count:,} of {count:,} pieces embedded now")
    assert main(args) == 0
    assert f"Meaning vectors: 0 of {count:,} pieces embedded now" in capsys.readouterr().out
    searcher = open_searcher(out, meaning=True)
    assert searcher.windows is not None and searcher.windows.segments == index.size
    assert len(searcher.windows.vectors) == count
    # without --vectors: counted, and left to the bot (`bot.archive.vector_filler`)
    without = main(["ingest", str(DATA / "raw" / SMALLEST), "--out", str(tmp_path / "plain")])
    assert without == 0
    assert (
        f"Meaning vectors: 0 of {count:,} pieces embedded (0%); the bot embeds the other "
        f"{count:,} in the background (under a minute of one core), or python -m bot ingest "
        "--vectors does it now with every core."
    ) in capsys.readouterr().out.splitlines()
    assert open_searcher(tmp_path / "plain", meaning=True).windows is None
    assert main([*args, "--out", str(tmp_path / "plain")]) == 0
    assert main(["ingest", str(DATA / "raw" / SMALLEST), "--out", str(tmp_path / "plain")]) == 0
    assert (
        f"Meaning vectors: {count:,} of {count:,} pieces embedded (100%)."
        in capsys.readouterr().out.splitlines()
    )
