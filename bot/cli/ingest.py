"""`python -m bot ingest`: raw transcripts in, one normalised episode file per transcript out."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.archive import window_vectors
from bot.archive.derived import INGEST, AdviceScores, Derived, load_library
from bot.archive.search_index import open_index
from bot.archive.window_vectors import embed
from bot.cli.options import DEFAULT_CATALOG, DEFAULT_OUT, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from bot.episodes.library import Library
from bot.errors import CatalogError
from bot.ingest import catalog as catalog_mod
from bot.ingest.memo import IngestMemo
from bot.ingest.pipeline import IngestReport, discover, ingest
from bot.search.index import SearchIndex
from bot.search.meaning import FETCH_HINT, find_model

PROGRESS_MIN_FILES = 20
# Pieces embedded between two saves with --vectors: a stopped run keeps what it saved (each
# share starts the embedding processes again, a few seconds).
SAVE_EVERY = 20_000
VECTOR_WORKERS = min(2, os.cpu_count() or 1)


def add_parser(sub: Any) -> None:
    """Register the `ingest` verb."""
    ing = sub.add_parser(
        "ingest",
        help="normalise raw transcripts into episode files",
        description="Read transcripts in any supported format (files or folders, recursive) "
        "and write one normalised episode file per transcript.",
    )
    ing.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ing.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for episode files (default: {DEFAULT_OUT})",
    )
    ing.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help=f"facts the files lack (default: {DEFAULT_CATALOG} if it exists)",
    )
    ing.add_argument(
        "--prune",
        action="store_true",
        help="delete episode files in --out that this run did not produce",
    )
    ing.add_argument("--quiet", action="store_true", help="print only the totals and problems")
    ing.add_argument(
        "--vectors",
        action="store_true",
        help="also embed every piece of the episodes with the sentence model, for the closest "
        "moments of an unsure answer (about an hour per 4 M words on 2 cores the first time; "
        "only new pieces after that)",
    )
    ing.add_argument(
        "--workers",
        type=int,
        default=VECTOR_WORKERS,
        help=f"processes that embed the pieces with --vectors (default: {VECTOR_WORKERS})",
    )
    ing.set_defaults(handler=command)


def _load_catalog(path: Path | None, parser: argparse.ArgumentParser) -> catalog_mod.Catalog:
    if path is None:
        path = DEFAULT_CATALOG if DEFAULT_CATALOG.is_file() else None
    elif not path.is_file():
        parser.error(f"--catalog {path}: no such file")
    if path is None:
        return catalog_mod.empty()
    return catalog_mod.load(path)


def _progress(files: Iterable[tuple[Path, str]]) -> Iterable[tuple[Path, str]]:
    items = list(files)
    if len(items) < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return items
    return tqdm(items, desc="ingest", unit="file", file=sys.stderr, leave=False)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Ingest the given paths; 0 all went in, 1 some failed, 2 bad usage."""
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {missing[0]}")
    try:
        catalog = _load_catalog(args.catalog, parser)
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    began = time.perf_counter()
    derived = Derived.beside(args.out)
    memo = IngestMemo(derived.folder / INGEST) if derived.usable else None
    report = ingest(args.paths, args.out, catalog, progress=_progress, prune=args.prune, memo=memo)
    took = time.perf_counter() - began
    raw_names = [source for _, source in _raw_sources(catalog)]
    catalog_errors = catalog.unknown_names(raw_names + [r.source for r in report.results])
    for result in report.by_status("failed"):
        print(result.message, file=sys.stderr)
    for error in catalog_errors:
        print(str(error), file=sys.stderr)
    print(summary(report, args.out, took, quiet=args.quiet))
    library = load_library(args.out)
    merged = copies_line(library)
    if merged:
        print(merged)
    print(_derive(library, args.workers if args.vectors else 0))
    bare = catalog.without_facts([r.source for r in report.by_status("ok")])
    if bare:
        print(
            f"Catalog: {len(bare)} of {len(report.by_status('ok'))} episodes have no entry (or "
            "only a draft); `python -m bot catalog draft` writes one to fill in for each."
        )
    failed = report.by_status("failed") or catalog_errors
    return EXIT_SOME_FAILED if failed else EXIT_OK


def copies_line(library: Library) -> str | None:
    """How many episode files the library sets aside as copies of one talk (None: none)."""
    if not library.duplicates:
        return None
    return (
        f"One episode per talk: {len(library.duplicates)} of the "
        f"{len(library) + len(library.duplicates)} episode files in {library.folder}/ set "
        f"aside as copies of another's talk ({library.copies_by_basis()}); python -m bot check "
        "lists them."
    )


def _derive(library: Library, vector_workers: int = 0) -> str:
    """Compute what the bot reads beside the episodes (see `bot.archive.derived`) for the
    episodes that changed: advice scores and the search index, and with `vector_workers` the
    pieces' vectors (`bot.archive.window_vectors`); the lines that say so."""
    began = time.perf_counter()
    derived = Derived.beside(library.folder)
    scored = AdviceScores(library, derived).refresh()
    took = time.perf_counter() - began
    if not derived.usable:
        return (
            f"Derived data: {derived.folder}/ cannot be used; the bot will score advice and "
            f"index the episodes itself."
        )
    index, update = open_index(library, derived)
    lines = [
        f"Derived data in {derived.folder}/: advice scores of {scored} episodes computed, "
        f"{len(library) - scored} unchanged, in {took:.1f} s.",
        update.line(),
    ]
    if vector_workers:
        lines.append(_vectors(index, library, derived, vector_workers))
    elif find_model() is not None:
        lines.append(_vectors_left(library, derived))
    return "\n".join(lines)


def _vectors_left(library: Library, derived: Derived) -> str:
    """How many pieces have a meaning vector, and who embeds the others."""
    said = window_vectors.coverage(library, derived).said(background=True)
    return f"{said[:1].upper()}{said[1:]}."


def _vectors(index: SearchIndex, library: Library, derived: Derived, workers: int) -> str:
    model = find_model()
    if model is None:
        return f"Meaning vectors: not computed, the sentence model is missing ({FETCH_HINT})."

    saved = [0, 0]  # pieces embedded and saved so far, of how many

    def progress(done: int, _: int) -> None:
        if sys.stderr.isatty():
            print(
                f"\rembedding: {saved[0] + done:,} of {saved[1]:,} pieces", end="", file=sys.stderr
            )

    def encode(texts: list[str]) -> Any:
        return embed(texts, model, workers, progress)

    def on_save(done: int, missing: int) -> None:
        saved[:] = [done, missing]

    line = window_vectors.update(
        index, library, derived, encode, save_every=SAVE_EVERY, saved=on_save
    ).line()
    window_vectors.open_vectors(index, library, derived)  # maps them now, not at the bot's start
    return line


def _raw_sources(catalog: catalog_mod.Catalog) -> list[tuple[Path, str]]:
    """The raw files beside the catalog (`data/raw/` for `data/catalog.yaml`)."""
    if catalog.path is None:
        return []
    raw = catalog.path.parent / "raw"
    return discover([raw]) if raw.is_dir() else []


def speakers_lines(report: IngestReport) -> list[str]:
    """Which episodes took their speakers from a copy of the talk, and how many segments."""
    if not report.speakers_taken:
        return []
    lines = [
        f"Speakers from a copy of the same talk: {_episodes(len(report.speakers_taken))} "
        "(a segment the alignment is unsure of has no speaker):"
    ]
    for ep in report.speakers_taken:
        assert ep.speakers_from is not None
        lines.append(
            f"  {ep.id}: {ep.speakers_from.named} of {len(ep.segments)} segments, "
            f"from {ep.speakers_from.episode}"
        )
    return lines


def summary(report: IngestReport, out: Path, took: float, quiet: bool = False) -> str:
    """The human summary of an ingest run."""
    ok, skipped, failed = (report.by_status(s) for s in ("ok", "skipped", "failed"))
    segments = sum(r.segments for r in ok)
    lines = [
        f"Ingested {len(ok)} of {len(report.results)} files into {out}/: "
        f"{len(ok)} episodes, {segments:,} segments in {took:.1f} s; "
        f"{len(skipped)} skipped, {len(failed)} failed."
    ]
    if report.unchanged:
        lines[0] += f" {report.unchanged} unchanged since the last ingest, not read again."
    formats = sorted({r.format or "?" for r in ok})
    if formats:
        lines.append(f"  {'format':<26}{'episodes':>9}{'segments':>10}")
        for fmt in formats:
            mine = [r for r in ok if r.format == fmt]
            lines.append(f"  {fmt:<26}{len(mine):>9}{sum(r.segments for r in mine):>10,}")
    aside = Counter(s.reason for r in ok if r.episode for s in r.episode.set_aside)
    if aside:
        parts = ", ".join(f"{reason} {count}" for reason, count in sorted(aside.items()))
        lines.append(f"Set aside, not segments (kept in the episode files): {parts}.")
    notes = sum(len(r.episode.notes) for r in ok if r.episode)
    if notes:
        lines.append(f"Quirks noted: {notes} (listed under 'notes:' in the episode files).")
    lines.extend(speakers_lines(report))
    if skipped:
        lines.append("Skipped (not transcripts):")
        reasons = Counter(re.sub(r"\d+", "N", r.message) for r in skipped)
        if quiet:
            lines.extend(f"  {count} × {reason}" for reason, count in reasons.most_common())
        else:
            lines.extend(f"  {r.path}: {r.message}" for r in skipped)
    if report.passed_over:
        lines.append(f"Not read ({len(report.passed_over)}):")
        lines.extend(f"  {entry}" for entry in report.passed_over)
    if failed:
        lines.append(f"Failed: {len(failed)} (one line each on stderr).")
    if report.stale:
        lines.append(
            f"{len(report.stale)} episode files in {out}/ were not produced by this run; "
            "--prune deletes them."
        )
    return "\n".join(lines)


def _episodes(count: int) -> str:
    return f"{count} episode" if count == 1 else f"{count} episodes"
