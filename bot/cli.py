"""`python -m bot …` / `podquote …`: the command line. Each subcommand is a thin adapter."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from bot import __version__, cli_advice
from bot.cli_search import DEFAULT_LIMIT, MAX_LIMIT, search_command
from bot.core import catalog as catalog_mod
from bot.core.errors import CatalogError, EpisodeFileError
from bot.core.ingest import IngestReport, discover, ingest
from bot.logs import FORMATS, LEVELS
from bot.preflight import CONFIG_VARIABLE, config_path, load, require_token, startup

if TYPE_CHECKING:
    from bot.config import Config

DEFAULT_OUT = Path("data/episodes")
DEFAULT_CATALOG = Path("data/catalog.yaml")
DEFAULT_RAW = Path("data/raw")
EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
PROGRESS_MIN_FILES = 20


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podquote", description="Exact quotes from podcast and talk transcripts."
    )
    parser.add_argument("--version", action="version", version=f"podquote {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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

    find = sub.add_parser(
        "search",
        help="find a quote",
        description="Find the moments that match what you remember of a quote.",
    )
    find.add_argument("query", nargs="?", help="what you remember of the quote")
    find.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"folder of episode files (default: config.toml's, else {DEFAULT_OUT})",
    )
    find.add_argument("--speaker", help="only this speaker (loosely: 'alexey', 'meor')")
    find.add_argument("--episode", help="only this episode (id or part of its title)")
    find.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="how many results")
    find.add_argument("--json", action="store_true", help="print a JSON array of results")
    find.add_argument(
        "--meaning",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="weigh near misses by meaning with the sentence model, or not (default: the "
        "config's [search] meaning, off unless set)",
    )
    find.add_argument(
        "--jsonl",
        action="store_true",
        help="read one JSON request per stdin line, write one JSON line each",
    )

    cli_advice.add_parser(sub, DEFAULT_OUT)

    run = sub.add_parser("run", help="run the Discord bot (token from DISCORD_TOKEN)")
    _config_option(run)
    run.add_argument(
        "--sync-global",
        action="store_true",
        help="also sync the commands globally (slow to show; guilds are instant)",
    )
    run.add_argument("--log-level", default="INFO", choices=LEVELS)
    run.add_argument(
        "--log-format",
        default="text",
        choices=FORMATS,
        help="text lines, or one JSON object per line (time, level, logger, message, exc_info)",
    )

    console = sub.add_parser(
        "console",
        help="the bot's commands in this terminal (offline, no token)",
        description="Run /quote, /episode, /reload and /help against the same core as the "
        "bot, in the terminal. Interactive, or one command with -c.",
    )
    _config_option(console)
    console.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of episode files (default: the config's, else data/episodes)",
    )
    console.add_argument(
        "-c",
        "--command",
        metavar="LINE",
        dest="command_line",
        help="run one command and exit: 0 answered, 1 nothing found or wrong, 2 usage",
    )

    check = sub.add_parser(
        "check",
        help="can the bot start? config, token, episodes, database",
        description="Check the config, that DISCORD_TOKEN is set, the episodes and the "
        "database (created or migrated if needed). Exit status 0 when the bot can start.",
    )
    _config_option(check)
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"config file (default: ${CONFIG_VARIABLE}, else config.toml if it exists)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `podquote` script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "ingest":
        return _ingest(args, parser)
    if args.command == "run":
        return _run(args)
    if args.command == "console":
        from bot.console.repl import console_command  # noqa: PLC0415 - loads rich

        return console_command(args.data, args.config, args.command_line)
    if args.command == "check":
        from bot.check import check_command  # noqa: PLC0415 - loads the store

        return check_command(args.config, os.environ)
    if args.command == "advice":
        if args.top < 1:
            parser.error("--top must be at least 1")
        return cli_advice.advice_command(
            args.data or _configured_episodes(parser), args.top, args.json
        )
    if args.command == "search":
        if args.jsonl == bool(args.query):
            parser.error("give a QUERY, or --jsonl to read requests from stdin (not both)")
        if not 1 <= args.limit <= MAX_LIMIT:
            parser.error(f"--limit must be between 1 and {MAX_LIMIT}")
        # The config is read once, and only for what the options leave to it.
        config = None if args.data and args.meaning is not None else _configured(parser)
        meaning = config.search.meaning if args.meaning is None and config else args.meaning
        return search_command(
            args.data or (config.data.episodes if config else DEFAULT_OUT),
            meaning=bool(meaning),
            query=args.query,
            speaker=args.speaker,
            episode=args.episode,
            limit=args.limit,
            as_json=args.json,
            jsonl=args.jsonl,
        )
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE


def _configured(parser: argparse.ArgumentParser) -> Config | None:
    """The config (see `bot.preflight`), None without one; a bad one is a usage error."""
    from bot.config import ConfigError  # noqa: PLC0415

    if config_path(None) is None:
        return None
    try:
        return load(None)
    except ConfigError as exc:
        parser.error(str(exc))
        raise  # parser.error exits; this keeps the type checker informed


def _configured_episodes(parser: argparse.ArgumentParser) -> Path:
    """The data folder of the config, else `data/episodes`."""
    config = _configured(parser)
    return DEFAULT_OUT if config is None else config.data.episodes


def _run(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415 - only the bot needs the event loop and discord.py

    from bot import logs  # noqa: PLC0415
    from bot.chat.runner import run_bot  # noqa: PLC0415
    from bot.config import ConfigError  # noqa: PLC0415
    from bot.store import StoreError  # noqa: PLC0415

    try:
        config = startup(args.config)
        logs.setup(args.log_level, args.log_format, secrets=[require_token()])
        asyncio.run(run_bot(config, sync_global=args.sync_global))
    except (ConfigError, StoreError, EpisodeFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


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


def _ingest(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {missing[0]}")
    try:
        catalog = _load_catalog(args.catalog, parser)
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    began = time.perf_counter()
    report = ingest(args.paths, args.out, catalog, progress=_progress, prune=args.prune)
    took = time.perf_counter() - began
    raw_names = [source for _, source in _raw_sources(catalog)]
    catalog_errors = catalog.unknown_names(raw_names + [r.source for r in report.results])
    for result in report.by_status("failed"):
        print(result.message, file=sys.stderr)
    for error in catalog_errors:
        print(str(error), file=sys.stderr)
    print(summary(report, args.out, took, quiet=args.quiet))
    failed = report.by_status("failed") or catalog_errors
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _raw_sources(catalog: catalog_mod.Catalog) -> list[tuple[Path, str]]:
    """The raw files beside the catalog (`data/raw/` for `data/catalog.yaml`)."""
    if catalog.path is None:
        return []
    raw = catalog.path.parent / "raw"
    return discover([raw]) if raw.is_dir() else []


def summary(report: IngestReport, out: Path, took: float, quiet: bool = False) -> str:
    """The human summary of an ingest run."""
    ok, skipped, failed = (report.by_status(s) for s in ("ok", "skipped", "failed"))
    segments = sum(r.segments for r in ok)
    lines = [
        f"Ingested {len(ok)} of {len(report.results)} files into {out}/: "
        f"{len(ok)} episodes, {segments:,} segments in {took:.1f} s; "
        f"{len(skipped)} skipped, {len(failed)} failed."
    ]
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
    if skipped:
        lines.append("Skipped (not transcripts):")
        reasons = Counter(re.sub(r"\d+", "N", r.message) for r in skipped)
        if quiet:
            lines.extend(f"  {count} × {reason}" for reason, count in reasons.most_common())
        else:
            lines.extend(f"  {r.path}: {r.message}" for r in skipped)
    if failed:
        lines.append(f"Failed: {len(failed)} (one line each on stderr).")
    if report.stale:
        lines.append(
            f"{len(report.stale)} episode files in {out}/ were not produced by this run; "
            "--prune deletes them."
        )
    return "\n".join(lines)
