"""The library the search benchmarks use: the shipped samples plus the whole shared corpus.

The corpus is ingested once into `bench/.cache/` (git-ignored) and reused while the corpus and
the ingest code are unchanged; both sets of episode files go into one folder so the library
merges two sources of one episode as the bot would.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from bot.episodes.library import Library
from bot.ingest.catalog import empty
from bot.ingest.catalog import load as load_catalog
from bot.ingest.pipeline import ingest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CACHE = ROOT / "bench" / ".cache"


# What ingest writes depends on these only: editing search, advice or the adapters must not
# re-ingest the corpus.
INGEST_CODE = ("bot/ingest", "bot/episodes", "bot/errors.py", "bot/text.py")


def _code_stamp() -> str:
    """A hash of the code that decides what ingest writes."""
    digest = hashlib.sha1()
    for place in INGEST_CODE:
        path = ROOT / place
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def corpus_library(corpus: Path = CORPUS) -> Library:
    """Samples + corpus as one library (ingesting the corpus when the cache is stale)."""
    return Library.load(corpus_folder(corpus))


def corpus_folder(corpus: Path = CORPUS) -> Path:
    """The folder of the samples' and the corpus's episode files (ingested when stale)."""
    if not corpus.is_dir():
        raise SystemExit(f"no corpus at {corpus}: the benchmarks need ../shared/corpus")
    folder = CACHE / f"episodes-{_code_stamp()}"
    if not folder.is_dir():
        if CACHE.is_dir():
            shutil.rmtree(CACHE)
        staging = CACHE / "staging"
        ingest([corpus], staging, empty())
        ingest([ROOT / "data" / "raw"], staging, load_catalog(ROOT / "data" / "catalog.yaml"))
        staging.rename(folder)
    return folder
