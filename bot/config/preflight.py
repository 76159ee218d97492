"""What must hold before the bot starts, shared by `run`, `check` and the console.

The config file is `--config`, else `$PODQUOTE_CONFIG`, else `config.toml` in the working
folder when there is one, else the defaults. Every problem is a `ConfigError` of one line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from bot.config.settings import Config, ConfigError, discord_token, load_config

CONFIG_VARIABLE = "PODQUOTE_CONFIG"
DEFAULT_CONFIG = Path("config.toml")


def config_path(given: Path | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """Which config file to read (None: the defaults)."""
    if given is not None:
        return given
    env = os.environ if environ is None else environ
    if env.get(CONFIG_VARIABLE, "").strip():
        return Path(env[CONFIG_VARIABLE].strip())
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load(given: Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """The config `config_path` picks, validated."""
    return load_config(config_path(given, environ))


def require_token(environ: Mapping[str, str] | None = None) -> str:
    """The token from the environment; a `ConfigError` (never showing a value) without one."""
    return discord_token(None if environ is None else dict(environ))


def require_episodes(config: Config) -> Path:
    """The episode folder, which must exist (the bot serves from it)."""
    folder = config.data.episodes
    if not folder.is_dir():
        where = f"{config.path}: " if config.path else ""
        raise ConfigError(
            f"{where}[data] episodes: {folder} is not a folder (python -m bot ingest writes it)"
        )
    return folder


def startup(given: Path | None) -> Config:
    """Everything `run` needs before it connects: config, token, episode folder."""
    config = load(given)
    require_token()
    require_episodes(config)
    return config


def servers_without_commands(
    seen: list[tuple[int, str]], guild_ids: tuple[int, ...], synced: set[str]
) -> list[tuple[int, str]]:
    """The servers the bot is in where members see no commands: not in `guild_ids`, and the
    commands were never registered globally (`synced` holds "global" once they were)."""
    if "global" in synced:
        return []
    return [(guild_id, name) for guild_id, name in seen if guild_id not in guild_ids]


def no_commands_line(guild_id: int, name: str) -> str:
    """One line for an admin about a server where the bot shows no commands."""
    shown = "".join(c for c in name if c.isprintable())[:100]
    return (
        f"commands: none registered in the server '{shown}' ({guild_id}), where the bot is: "
        f"add {guild_id} to [discord] guild_ids"
    )
