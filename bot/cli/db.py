"""`python -m bot db migrate --from sqlite:PATH --to postgresql://…`: a SQLite deployment's
settings, post history and search log copied to PostgreSQL (`bot.storage.transfer`); one line
per table with its counts. The password comes from PGPASSWORD, never from the command line."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from bot.cli.options import EXIT_OK, EXIT_SOME_FAILED
from bot.storage.address import AddressError, PostgresUrl, is_postgres, postgres_url

SQLITE_PREFIX = "sqlite:"


def add_parser(sub: Any) -> None:
    """Register the `db` verb and its `migrate` action."""
    db = sub.add_parser(
        "db",
        help="the bot's database: copy a SQLite deployment to PostgreSQL",
        description="Work on the bot's database itself.",
    )
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    migrate = actions.add_parser(
        "migrate",
        help="copy every table of a SQLite file to a PostgreSQL database",
        description="Copy every table of a SQLite database (settings, the advice log with "
        "its ids, command syncs, searches, servers seen) to PostgreSQL in one transaction, "
        "then compare the row counts. Rows already there are skipped; a different row under "
        "the same key stops the copy with nothing changed. The password comes from "
        "PGPASSWORD. Stop the bot first: rows it writes meanwhile are not copied.",
    )
    migrate.add_argument("--from", dest="source", required=True, help="sqlite:PATH")
    migrate.add_argument(
        "--to", dest="target", required=True, help="postgresql://user@host:port/database"
    )
    migrate.set_defaults(handler=command)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Check the two places, copy, print the figures; 0, or 1 with one `error:` line."""
    if not args.source.startswith(SQLITE_PREFIX):
        parser.error(f"--from: must be {SQLITE_PREFIX}PATH (the SQLite file to copy)")
    if not is_postgres(args.target):
        parser.error("--to: must be a postgresql:// URL")
    try:
        target = postgres_url(args.target)
    except AddressError as exc:
        parser.error(f"--to: {exc}")
    source = Path(args.source.removeprefix(SQLITE_PREFIX)).expanduser()
    return migrate_command(source, target)


def migrate_command(source: Path, target: PostgresUrl) -> int:
    """Copy and print the figures (or one `error:` line)."""
    from bot.storage import StoreError  # noqa: PLC0415
    from bot.storage.transfer import sqlite_to_postgres  # noqa: PLC0415

    try:
        copies = asyncio.run(sqlite_to_postgres(source, target))
    except StoreError as exc:
        print(f"error: {exc}")
        return EXIT_SOME_FAILED
    for copy in copies:
        print(f"ok: {copy}")
    copied = sum(c.copied for c in copies)
    print(f"ok: {copied:,} rows copied from {source} to {target}; the counts agree")
    return EXIT_OK
