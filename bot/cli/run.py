"""`python -m bot run`: the Discord bot, with the token from DISCORD_TOKEN."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from bot.cli.logs import FORMATS, LEVELS
from bot.cli.options import (
    EXIT_BAD_TOKEN,
    EXIT_DISCORD_FAILING,
    EXIT_DISCORD_REFUSED,
    EXIT_NO_DISCORD,
    EXIT_OK,
    EXIT_USAGE,
    config_option,
)
from bot.config.preflight import require_token, startup
from bot.config.settings import Config, ConfigError
from bot.errors import EpisodeFileError
from bot.shards import ShardError, check, parse_ids


def add_parser(sub: Any) -> None:
    """Register the `run` verb."""
    run = sub.add_parser("run", help="run the Discord bot (token from DISCORD_TOKEN)")
    config_option(run)
    run.add_argument(
        "--sync-global",
        action="store_true",
        help="also sync the commands globally (slow to show; guilds are instant)",
    )
    run.add_argument(
        "--resync",
        action="store_true",
        help="register the commands with Discord even if they did not change since last time",
    )
    run.add_argument(
        "--shards",
        metavar="IDS",
        help="the shards this process holds, e.g. 0-3 or 0-1,4 (default: [discord] shard_ids, "
        "else all)",
    )
    run.add_argument(
        "--shard-count",
        type=int,
        metavar="N",
        help="the shards of all the processes together (default: [discord] shard_count, "
        "else Discord's recommendation)",
    )
    run.add_argument("--log-level", default="INFO", choices=LEVELS)
    run.add_argument(
        "--log-format",
        default="text",
        choices=FORMATS,
        help="text lines, or one JSON object per line (time, level, logger, message, exc_info)",
    )
    run.set_defaults(handler=command)


# Exit statuses of `run` when Discord will not have the bot (see the README), by kind.
START_FAILED = {
    "token": EXIT_BAD_TOKEN,
    "network": EXIT_NO_DISCORD,
    "discord": EXIT_DISCORD_FAILING,
    "refused": EXIT_DISCORD_REFUSED,
}


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Start the bot and serve until stopped; 0 on a clean stop, 2 when it cannot start
    (config, episodes, database), 3–6 when Discord will not have it (`START_FAILED`); each
    with one `error:` line on stderr."""
    import asyncio  # noqa: PLC0415 - only the bot needs the event loop and discord.py

    from bot.cli import logs  # noqa: PLC0415
    from bot.discord_app.runner import StartFailed, run_bot  # noqa: PLC0415
    from bot.storage import StoreError  # noqa: PLC0415

    try:
        config = with_shards(startup(args.config), args.shards, args.shard_count)
        logs.setup(args.log_level, args.log_format, secrets=[require_token()])
        asyncio.run(run_bot(config, sync_global=args.sync_global, resync=args.resync))
    except (ConfigError, StoreError, EpisodeFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StartFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return START_FAILED[exc.kind]
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def with_shards(config: Config, shards: str | None, count: int | None) -> Config:
    """The config with `--shards` and `--shard-count` in place of its [discord] ones; a
    `ConfigError` of one line when they cannot work."""
    discord = config.discord
    try:
        ids = discord.shard_ids if shards is None else parse_ids(shards)
        if count is not None and count < 1:
            raise ShardError("--shard-count must be at least 1")
        total = discord.shard_count if count is None else count
        check(total, ids)
    except ShardError as exc:
        raise ConfigError(f"--shards/--shard-count: {exc}") from exc
    return replace(config, discord=replace(discord, shard_count=total, shard_ids=ids))
