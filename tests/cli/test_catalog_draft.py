"""`python -m bot catalog draft`: a draft for each raw file without an entry, every field a
comment saying where it came from; what a curator wrote is never changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.ingest.catalog import load, parse
from tests.conftest import DATA

SIRAJ = "002_32cc3a7d8ab5d358.txt"
METAFLOW = "004_0dbda6ac67a6e3cf.txt"
CURATED = f"""# my own notes, kept as they are
{SIRAJ}:
  title: Siraj on learning  # said on the show
"""


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in (SIRAJ, METAFLOW):
        shutil.copy(DATA / "raw" / name, folder / name)
    return folder


def test_a_draft_is_appended_for_the_file_without_an_entry_only(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CURATED, encoding="utf-8")
    assert main(["catalog", "draft", str(raw), "--catalog", str(catalog)]) == 0
    assert capsys.readouterr().out == (
        f"Drafted 1 entries in {catalog}; 1 files already have one.\n"
    )
    text = catalog.read_text(encoding="utf-8")
    assert text.startswith(CURATED)  # the curator's text, byte for byte
    draft = text[text.index(f"{METAFLOW}:") :].splitlines()
    assert draft[1].startswith("  # found: ") and "segments" in draft[1]
    assert all(line.startswith("  # ") for line in draft[1:]), draft
    assert any(line.startswith("  # youtube_id: ") for line in draft)
    entries = load(catalog).entries
    assert entries[SIRAJ].facts.title == "Siraj on learning" and not entries[SIRAJ].draft
    assert entries[METAFLOW].draft and entries[METAFLOW].facts.title is None
    # Uncommenting a line is all it takes to state a fact.
    filled = text.replace('  # title: "', '  title: "', 1)
    assert parse(filled, catalog).entries[METAFLOW].facts.title
    # A second run drafts nothing and says the draft is still to fill in.
    assert main(["catalog", "draft", str(raw), "--catalog", str(catalog)]) == 0
    assert capsys.readouterr().out == (
        f"Drafted 0 entries in {catalog}; 2 files already have one "
        "(1 of them drafts still to fill in).\n"
    )
    assert catalog.read_text(encoding="utf-8") == text


def test_a_broken_catalog_is_one_line_and_left_alone(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(f"{SIRAJ}:\n  title: [unclosed\n", encoding="utf-8")
    assert main(["catalog", "draft", str(raw), "--catalog", str(catalog)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {catalog}:") and err.count("\n") == 1
    assert catalog.read_text(encoding="utf-8") == f"{SIRAJ}:\n  title: [unclosed\n"


def test_ingest_says_how_many_episodes_have_no_entry(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CURATED, encoding="utf-8")
    out = tmp_path / "episodes"
    assert main(["ingest", str(raw), "--out", str(out), "--catalog", str(catalog)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Catalog: 1 of 2 episodes have no entry (or only a draft); `python -m bot catalog "
        "draft` writes one to fill in for each."
    )


def test_check_counts_the_raw_files_without_an_entry(raw: Path, tmp_path: Path) -> None:
    from bot.cli.check import check_catalog  # noqa: PLC0415
    from bot.config.settings import Config, DataConfig  # noqa: PLC0415

    config = Config(data=DataConfig(episodes=tmp_path / "episodes", raw=raw))
    (found,) = check_catalog(config)
    assert str(found) == (
        f"warning: catalog: 2 of 2 raw files in {raw} have no entry (or only a draft): "
        "python -m bot catalog draft writes one to fill in for each"
    )
    (tmp_path / "catalog.yaml").write_text(CURATED, encoding="utf-8")
    (found,) = check_catalog(config)
    assert str(found).startswith("warning: catalog: 1 of 2 raw files")
    assert main(["catalog", "draft", str(raw), "--catalog", str(tmp_path / "catalog.yaml")]) == 0
    (found,) = check_catalog(config)  # a draft not filled in still counts
    assert str(found).startswith("warning: catalog: 1 of 2 raw files")
    assert check_catalog(Config(data=DataConfig(raw=tmp_path / "nowhere"))) == []
