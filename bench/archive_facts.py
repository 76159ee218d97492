"""Where the archive's titles and speakers come from, over the corpus and the five samples.

    python bench/archive_facts.py [--corpus ../shared/corpus]

Counts over the episodes the bot would serve (the sources of one talk merged, as the library
does): titles stated by the file, by the catalog, made from the file name, and titles that are
still file paths; segments with a named speaker, a numbered one ("Speaker 2", or a raw
diarisation label such as `SPEAKER_00`) and none. The corpus + samples library is the cached
one of `corpus_library.py`; the samples are ingested afresh with `data/catalog.yaml`.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from corpus_library import CORPUS, ROOT, corpus_library

from bot.episodes.library import Library
from bot.episodes.model import Episode
from bot.ingest.catalog import Catalog
from bot.ingest.catalog import load as load_catalog
from bot.ingest.pipeline import ingest

TITLE_KINDS = ("file", "catalog", "filename", "path")
SPEAKER_KINDS = ("named", "numbered", "unknown")
_FILE_SUFFIXES = {".txt", ".md", ".vtt", ".srt", ".json", ".html", ".xml", ".xsl", ".mp3"}
_NUMBERED = re.compile(r"^(speaker[ _-]?\d+|spk[ _-]?\d+)$", re.IGNORECASE)
_SPEAKER_N = re.compile(r"^Speaker [1-9]\d*$")  # as readers show a number; else a raw label
_NAMELESS = {"speaker", "unknown", "unknown speaker", "unidentified speaker"}


def looks_like_path(ep: Episode) -> bool:
    """A title that is the source's path or a file name rather than words."""
    title = ep.title.strip()
    if title == ep.source or Path(title).suffix.lower() in _FILE_SUFFIXES:
        return True
    return "/" in title and " " not in title


def title_kind(ep: Episode, catalog: Catalog | None) -> str:
    """Where the title came from: the episode file's `title_from`, else (files written before
    that field existed) the catalog when it states this very title, else the file."""
    if looks_like_path(ep):
        return "path"
    recorded = getattr(ep, "title_from", None)
    if recorded:
        return str(recorded)
    facts = catalog.facts_for(ep.source) if catalog else None
    return "catalog" if facts is not None and facts.title == ep.title else "file"


def speaker_kind(ep: Episode, speaker: str | None) -> str:
    """Named, numbered (a diarisation label or "Speaker N") or unknown, as a reply shows it."""
    shown = ep.full_name(speaker)
    if shown is None or shown.strip().casefold() in _NAMELESS:
        return "unknown"
    return "numbered" if _NUMBERED.match(shown.strip()) else "named"


def _folder(source: str) -> str:
    parts = source.split("/")
    if len(parts) == 1:
        return "(samples)"
    return "/".join(parts[:2]) if parts[0] in {"vtt", "srt", "plain_text"} else parts[0]


def report(name: str, episodes: Iterable[Episode], catalog: Catalog | None) -> None:
    """Print the title and speaker counts of these episodes, and every title still a path."""
    eps = sorted(episodes, key=lambda e: e.source)
    titles = Counter(title_kind(e, catalog) for e in eps)
    speakers = Counter(speaker_kind(e, s.speaker) for e in eps for s in e.segments)
    raw = sum(
        1
        for e in eps
        for s in e.segments
        if speaker_kind(e, s.speaker) == "numbered"
        and not _SPEAKER_N.match(e.full_name(s.speaker) or "")
    )
    segments = sum(speakers.values())
    print(f"\n{name}: {len(eps)} episodes, {segments:,} segments")
    named = {"file": "the file", "catalog": "the catalog", "filename": "the file name"}
    print("  titles   " + ", ".join(f"from {named[k]} {titles[k]}" for k in TITLE_KINDS[:3]) + ",")
    print(f"           still a path {titles['path']}")
    print(
        "  segments "
        + ", ".join(
            f"{k} {speakers[k]:,} ({100 * speakers[k] / max(segments, 1):.1f}%)"
            for k in SPEAKER_KINDS
        )
    )
    print(f"           of the numbered, raw diarisation labels (SPEAKER_00, spk_1…) {raw:,}")
    by_folder: dict[str, Counter[str]] = {}
    for ep in eps:
        by_folder.setdefault(_folder(ep.source), Counter())[title_kind(ep, catalog)] += 1
    if len(by_folder) > 1:
        print(f"  {'folder':<40}" + "".join(f"{k:>10}" for k in TITLE_KINDS))
        for folder, counts in sorted(by_folder.items()):
            print(f"  {folder:<40}" + "".join(f"{counts[k]:>10}" for k in TITLE_KINDS))
    paths = [e for e in eps if looks_like_path(e)]
    for ep in paths[:10]:
        print(f"  path title: {ep.title}")
    if len(paths) > 10:
        print(f"  … and {len(paths) - 10} more")


def samples_library() -> tuple[Library, Catalog]:
    """The shipped samples ingested afresh with the shipped catalog."""
    catalog = load_catalog(ROOT / "data" / "catalog.yaml")
    out = Path(tempfile.mkdtemp(prefix="archive-facts-")) / "episodes"
    ingest([ROOT / "data" / "raw"], out, catalog)
    return Library.load(out), catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    samples, catalog = samples_library()
    library = corpus_library(args.corpus)
    served = f"corpus + samples (as served; {len(library.duplicates)} copies of a talk set aside)"
    report(served, library, catalog)
    report("the five samples", samples, catalog)


if __name__ == "__main__":
    main()
