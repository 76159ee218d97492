"""What several verbs share: the default folders, the --config option and the config lookup."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config.preflight import CONFIG_VARIABLE, config_path, load

if TYPE_CHECKING:
    from bot.config.settings import Config

DEFAULT_OUT = Path("data/episodes")
DEFAULT_CATALOG = Path("data/catalog.yaml")
DEFAULT_RAW = Path("data/raw")
EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
# `run` only: Discord refused the token; cannot reach Discord; Discord answers 5xx; Discord
# refused another request at start (e.g. syncing commands to a server the bot is not in).
EXIT_BAD_TOKEN, EXIT_NO_DISCORD, EXIT_DISCORD_FAILING, EXIT_DISCORD_REFUSED = 3, 4, 5, 6


def config_option(parser: argparse.ArgumentParser) -> None:
    """The --config option of the verbs that read the config."""
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"config file (default: ${CONFIG_VARIABLE}, else config.toml if it exists)",
    )


def configured(parser: argparse.ArgumentParser) -> Config | None:
    """The config (see `bot.config.preflight`), None without one; a bad one is a usage error."""
    from bot.config.settings import ConfigError  # noqa: PLC0415

    if config_path(None) is None:
        return None
    try:
        return load(None)
    except ConfigError as exc:
        parser.error(str(exc))
        raise  # parser.error exits; this keeps the type checker informed


def configured_episodes(parser: argparse.ArgumentParser) -> Path:
    """The data folder of the config, else `data/episodes`."""
    config = configured(parser)
    return DEFAULT_OUT if config is None else config.data.episodes
