"""`python -m bot catalog draft`: draft catalog entries for the raw files that have none."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bot.cli.options import DEFAULT_CATALOG, DEFAULT_RAW, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from bot.episodes.model import Episode
from bot.errors import CatalogError
from bot.ingest import catalog as catalog_mod
from bot.ingest.catalog_draft import drafts
from bot.ingest.pipeline import discover, ingest_one


def add_parser(sub: Any) -> None:
    """Register the `catalog` verb and its `draft` action."""
    catalog = sub.add_parser(
        "catalog",
        help="help a curator keep the catalog",
        description="The catalog (data/catalog.yaml) states facts the raw files lack.",
    )
    actions = catalog.add_subparsers(dest="action", required=True, metavar="ACTION")
    draft = actions.add_parser(
        "draft",
        help="append a draft entry for every raw file that has none",
        description=(
            "Append to the catalog a draft entry for every raw file that has none: what "
            "ingest found in the file and what is missing, each field a comment to fill in. "
            "Entries already there are never changed."
        ),
    )
    draft.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help=f"raw files (default: {DEFAULT_RAW})"
    )
    draft.add_argument(
        "--catalog",
        type=Path,
        default=DEFAULT_CATALOG,
        help=f"the catalog file, made if missing (default: {DEFAULT_CATALOG})",
    )
    catalog.set_defaults(handler=command)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Draft the missing entries; 0 when every file read, 1 when some did not, 2 bad usage."""
    paths: list[Path] = args.paths or [DEFAULT_RAW]
    missing = [p for p in paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {missing[0]}")
    path: Path = args.catalog
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        catalog = catalog_mod.parse(existing, path)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {path}: cannot read the catalog: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    found: list[tuple[str, Episode]] = []
    already = unfilled = unread = 0
    for raw, source in discover(paths):
        entry = catalog.entry_for(source)
        if entry is not None:
            already += 1
            unfilled += entry.draft
            continue
        result = ingest_one(raw, source, catalog)
        if result.episode is None:
            if result.status == "failed":
                unread += 1
                print(result.message, file=sys.stderr)
            continue
        found.append((source, result.episode))
    if found:
        partial = path.with_name(path.name + ".partial")
        partial.write_text(drafts(found, existing), encoding="utf-8")
        os.replace(partial, path)
    drafted = f" ({unfilled} of them drafts still to fill in)" if unfilled else ""
    print(
        f"Drafted {len(found)} entries in {path}; {already} files already have one{drafted}"
        + (f"; {unread} could not be read (above)" if unread else "")
        + "."
    )
    return EXIT_SOME_FAILED if unread else EXIT_OK
