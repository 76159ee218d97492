"""The library the search benchmarks use: the shipped samples plus the whole shared corpus.

The corpus is ingested once into `bench/.cache/` (git-ignored) and reused while the corpus and
the ingest code are unchanged; both sets of episode files go into one folder so the library
merges two sources of one episode as the bot would.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from bot.core.catalog import empty
from bot.core.catalog import load as load_catalog
from bot.core.ingest import ingest
from bot.core.library import Library

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CACHE = ROOT / "bench" / ".cache"


# Search and advice code does not change what ingest writes: editing it must not re-ingest
# the corpus.
NOT_INGEST = frozenset(
    {"search.py", "search_index.py", "searchtext.py", "filters.py", "archive.py", "render.py"}
    | {"advice.py", "advice_card.py", "rotation.py", "schedule.py", "semantic.py"}
)


def _code_stamp() -> str:
    """A hash of the ingest code (bot/core without the search modules)."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "bot" / "core").rglob("*.py")):
        if path.name in NOT_INGEST and path.parent.name == "core":
            continue
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def corpus_library(corpus: Path = CORPUS) -> Library:
    """Samples + corpus as one library (ingesting the corpus when the cache is stale)."""
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
    return Library.load(folder)
