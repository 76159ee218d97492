"""`python -m bot stats`: what members looked for, from the bot's database (read only)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.options import EXIT_OK, EXIT_USAGE, config_option
from bot.config import preflight
from bot.config.settings import ConfigError
from bot.reply.echo import excerpt
from bot.stats.record import utc_today
from bot.stats.report import QUERIES_OFF, SearchReport, gather_report, outcome_summary
from bot.storage import Database, StoreError, open_store

DEFAULT_DAYS = 7
DATABASE_NAME = "podquote.sqlite3"
MISS_EXCERPT = 80


def add_parser(sub: Any) -> None:
    """Register the `stats` verb."""
    stats = sub.add_parser(
        "stats",
        help="what members looked for: searches per day, outcomes, episodes, misses",
        description="Searches per day (UTC), the share found / unsure / none, the most asked "
        "episodes and, when [logging] queries is on, the latest queries that found nothing; "
        "read from the bot's database without changing it (the bot may be running).",
    )
    config_option(stats)
    stats.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"the database file, or the folder holding {DATABASE_NAME} "
        "(default: the config's [data] database)",
    )
    stats.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help="how many days back, today included"
    )
    stats.add_argument("--guild", type=int, default=None, help="one server's id (default: all)")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(handler=command)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """The `stats` verb's options checked, the config read for the database and query logging."""
    if args.days < 1:
        parser.error("--days must be at least 1")
    try:
        config = preflight.load(args.config)
    except ConfigError as exc:
        parser.error(str(exc))
    database = config.data.database
    if args.data is not None:
        database = args.data / DATABASE_NAME if args.data.is_dir() else args.data
    return stats_command(
        database,
        days=args.days,
        guild=args.guild,
        queries=config.logging.queries,
        as_json=args.json,
    )


async def _report(database: Database, guild: int | None, days: int, queries: bool) -> SearchReport:
    store = await open_store(database, read_only=True)
    try:
        return await gather_report(store, guild, today=utc_today(), days=days, queries=queries)
    finally:
        await store.close()


def stats_command(
    database: Database, *, days: int, guild: int | None, queries: bool, as_json: bool
) -> int:
    """Print the report; 0, or 2 with one `error:` line when the database cannot be read."""
    try:
        report = asyncio.run(_report(database, guild, days, queries))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(as_json_object(report)) if as_json else as_text(report, guild))
    return EXIT_OK


def as_json_object(report: SearchReport) -> dict[str, Any]:
    """The report as the JSON `--json` prints (misses: null when queries are not logged)."""
    return {
        "first_day": report.first_day.isoformat(),
        "last_day": report.last_day.isoformat(),
        "total": report.total,
        "per_day": {day.isoformat(): count for day, count in report.per_day},
        "outcomes": report.outcomes,
        "episodes": [{"episode_id": e, "searches": n} for e, n in report.episodes],
        "misses": None
        if report.misses is None
        else [
            {"day": day.isoformat(), "command": command, "query": query}
            for day, command, query in report.misses
        ],
    }


def as_text(report: SearchReport, guild: int | None) -> str:
    """The report for a terminal; typed queries as quoted one-line excerpts."""
    where = "all servers" if guild is None else f"server {guild}"
    lines = [
        f"Searches from {report.first_day} to {report.last_day} (UTC), {where}: {report.total}",
        outcome_summary(report),
        "",
        "Per day:",
        *(f"  {day}  {count}" for day, count in report.per_day),
        "",
        "Most asked episodes:",
        *(f"  {count:>5}  {episode}" for episode, count in report.episodes),
    ]
    if not report.episodes:
        lines.append("  none yet")
    lines += ["", "Latest searches that found nothing:"]
    if report.misses is None:
        lines.append(f"  {QUERIES_OFF}")
    else:
        lines += [
            f"  {day}  /{command}  {excerpt(query, MISS_EXCERPT)!r}"
            for day, command, query in report.misses
        ] or ["  none"]
    return "\n".join(lines)
