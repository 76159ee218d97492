"""The library the search benchmarks use: the shipped samples plus the whole shared corpus.

The corpus is ingested once into `bench/.cache/` (git-ignored) and reused while the corpus and
the ingest code are unchanged; both sets of episode files go into one folder so the library
merges two sources of one episode as the bot would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.code_stamp import code_stamp
from bot.episodes.library import Library
from bot.ingest.catalog import empty
from bot.ingest.catalog import load as load_catalog
from bot.ingest.memo import IngestMemo
from bot.ingest.pipeline import ingest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CACHE = ROOT / "bench" / ".cache"
MEMO = CACHE / "ingest-memo"


# What ingest writes depends on these only: editing search, advice or the adapters must not
# re-ingest the corpus.
INGEST_CODE = (
    "bot/ingest",
    "bot/episodes/model.py",
    "bot/episodes/files.py",
    "bot/episodes/text_print.py",
    "bot/errors.py",
    "bot/text.py",
    "bot/yaml_safe.py",
)


def corpus_library(corpus: Path = CORPUS) -> Library:
    """Samples + corpus as one library (ingesting the corpus when the cache is stale)."""
    return Library.load(corpus_folder(corpus))


def corpus_folder(corpus: Path = CORPUS) -> Path:
    """The folder of the samples' and the corpus's episode files (ingested when stale)."""
    if not corpus.is_dir():
        raise SystemExit(f"no corpus at {corpus}: the benchmarks need ../shared/corpus")
    folder = CACHE / f"episodes-{code_stamp((ROOT / p for p in INGEST_CODE), length=12)}"
    if not folder.is_dir():
        for old in CACHE.glob("episodes-*") if CACHE.is_dir() else ():
            shutil.rmtree(old)
        staging = CACHE / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        memo = IngestMemo(MEMO)  # what ingest made of each raw file: only changed ones read
        ingest([corpus], staging, empty(), memo=memo)
        catalog = load_catalog(ROOT / "data" / "catalog.yaml")
        ingest([ROOT / "data" / "raw"], staging, catalog, memo=memo)
        staging.rename(folder)
    return folder
