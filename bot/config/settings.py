"""`config.toml` → frozen dataclasses. Secrets come only from the environment.

Nothing is read at import time: `load_config(path)` reads the file when asked. Every problem
is one `ConfigError` naming the file, the key and what is wrong.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.search.ranking import MIN_SCORE
from bot.shards import MAX_SHARDS, ShardError, Shards, check, parse_ids
from bot.storage.address import AddressError, Database, database_of

TOKEN_VARIABLE = "DISCORD_TOKEN"
DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"


class ConfigError(Exception):
    """A bad or missing setting: names the file and key."""


@dataclass(frozen=True, slots=True)
class DataConfig:
    episodes: Path = Path("data/episodes")
    # A SQLite file, or a PostgreSQL server: "postgresql://user@host:5432/podquote" (the
    # password only from PGPASSWORD, see bot.storage.address).
    database: Database = Path("data/podquote.sqlite3")
    raw: Path = Path("data/raw")  # where /ingest saves files; the catalog is beside it
    max_upload_mb: int = 5  # /ingest refuses bigger files before reading them


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    guild_ids: tuple[int, ...] = ()
    admin_user_ids: tuple[int, ...] = ()
    admin_role_ids: tuple[int, ...] = ()
    api_base: str = DEFAULT_API_BASE
    gateway_url: str = DEFAULT_GATEWAY
    # Shards (`bot.shards`): the count of all processes together (0: Discord's recommendation)
    # and the ones this process holds (none listed: all of them).
    shard_count: int = 0
    shard_ids: tuple[int, ...] = ()

    @property
    def shards(self) -> Shards:
        """The shards this process holds."""
        return Shards(self.shard_count, self.shard_ids)


@dataclass(frozen=True, slots=True)
class SearchConfig:
    results: int = 5
    min_score: float = MIN_SCORE  # the engine's own: measured in bench/search_relevance.py
    meaning: bool = True  # the sentence model decides how sure an answer is (words only: off)
    # The bot embeds the pieces that have no meaning vector yet in the background, at the
    # lowest priority (`bot.archive.vector_filler`); off: only `ingest --vectors` embeds them.
    vectors: bool = True
    # Processes the bot searches in (`bot.archive.search_pool`), beside its event loop's;
    # 0: in threads of the bot's own process (less memory, but a burst holds up the loop).
    workers: int = 2
    max_query_length: int = 200
    cooldown_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class AdviceConfig:
    """Daily advice defaults for a single-server deployment (`/advice set` overrides them)."""

    channel_id: int = 0  # 0: no default; advice is set per server with /advice set
    time: str = "09:00"
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """What the bot keeps of what members looked for (see `bot.stats`)."""

    queries: bool = False  # the query text in the log line and the search log (off: never)
    keep_days: int = 30  # searches older than this many days are deleted


MAX_KEEP_DAYS = 3660  # ten years: a typo guard, not a policy
MAX_WORKERS = 32  # search processes: a typo guard
ZERO_ALLOWED = ("[search] workers", "[discord] shard_count")  # whole numbers that may be 0


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration; `path` is where it came from (None: defaults)."""

    data: DataConfig = field(default_factory=DataConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    advice: AdviceConfig = field(default_factory=AdviceConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    path: Path | None = None


_SECTIONS: dict[str, type[Any]] = {
    "data": DataConfig,
    "discord": DiscordConfig,
    "search": SearchConfig,
    "advice": AdviceConfig,
    "logging": LoggingConfig,
}


def _convert(where: str, value: Any, default: Any, base: Path) -> Any:
    """Check a value against the type of its default and convert it."""
    if where.endswith("[data] database"):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f"{where}: must be a path or a postgresql:// URL (a non-empty string)"
            )
        try:
            return database_of(value, base)
        except AddressError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    if isinstance(default, Path):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: must be a path (a non-empty string)")
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path
    if where.endswith("[discord] shard_ids"):
        return _shard_ids(where, value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
        ):
            raise ConfigError(f"{where}: must be a list of Discord ids (whole numbers)")
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false")
        return value
    if isinstance(default, int):
        least = 0 if where.endswith(ZERO_ALLOWED) else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigError(f"{where}: must be a whole number of at least {least}")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}: must be a number of at least 0")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: must be a non-empty string")
    return value.strip()


def _shard_ids(where: str, value: Any) -> tuple[int, ...]:
    """A list of shard ids, or the same as a string of ranges ("0-3", "0-1,4")."""
    if isinstance(value, str):
        try:
            return parse_ids(value)
        except ShardError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise ConfigError(f'{where}: must be a list of shard ids (0, 1, …) or a range ("0-3")')
    return tuple(value)


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate parsed TOML; relative paths are relative to the config file's folder."""
    base = path.parent
    sections: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _SECTIONS:
            known = ", ".join(f"[{s}]" for s in _SECTIONS)
            raise ConfigError(f"{path}: unknown section [{name}] (known: {known})")
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        cls = _SECTIONS[name]
        defaults = cls()
        known_keys = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, raw in value.items():
            if key not in known_keys:
                raise ConfigError(
                    f"{path}: [{name}] {key}: unknown key (known: {', '.join(sorted(known_keys))})"
                )
            values[key] = _convert(f"{path}: [{name}] {key}", raw, getattr(defaults, key), base)
        sections[name] = cls(**values)
    config = Config(**sections, path=path)
    if config.search.min_score > 100:
        raise ConfigError(f"{path}: [search] min_score: must be between 0 and 100")
    _check_advice(config, path)
    _check_data(config, path, raw_given="raw" in data.get("data", {}))
    if config.search.workers > MAX_WORKERS:
        raise ConfigError(f"{path}: [search] workers: must be at most {MAX_WORKERS}")
    if config.logging.keep_days > MAX_KEEP_DAYS:
        raise ConfigError(
            f"{path}: [logging] keep_days: must be at most {MAX_KEEP_DAYS} (ten years)"
        )
    if config.discord.shard_count > MAX_SHARDS:
        raise ConfigError(f"{path}: [discord] shard_count: must be at most {MAX_SHARDS}")
    try:
        check(config.discord.shard_count, config.discord.shard_ids)
    except ShardError as exc:
        raise ConfigError(f"{path}: [discord] shard_ids: {exc}") from exc
    for key in ("api_base", "gateway_url"):
        url = getattr(config.discord, key)
        if not url.startswith(("http://", "https://", "ws://", "wss://")):
            raise ConfigError(f"{path}: [discord] {key}: must be an http(s) or ws(s) URL")
    return config


MAX_UPLOAD_MB = 50  # what ingest reads of one file at most


def _check_data(config: Config, path: Path, raw_given: bool) -> None:
    """The upload limit; a `raw` folder given that is the episodes folder, in it or holding
    it (ingest would read the episode files as transcripts)."""
    data = config.data
    if data.max_upload_mb > MAX_UPLOAD_MB:
        raise ConfigError(f"{path}: [data] max_upload_mb: must be at most {MAX_UPLOAD_MB}")
    if not raw_given:
        return
    raw, episodes = data.raw.resolve(), data.episodes.resolve()
    if raw == episodes or episodes in raw.parents or raw in episodes.parents:
        raise ConfigError(
            f"{path}: [data] raw: must be a folder of its own, not the episodes folder or inside it"
        )


def _check_advice(config: Config, path: Path) -> None:
    from bot.advice.schedule import ScheduleError, parse_time, zone  # noqa: PLC0415

    advice = config.advice
    try:
        parse_time(advice.time)
    except ScheduleError as exc:
        raise ConfigError(f"{path}: [advice] time: {exc}") from exc
    try:
        zone(advice.timezone)
    except ScheduleError as exc:
        raise ConfigError(f"{path}: [advice] timezone: {exc}") from exc
    if advice.channel_id and len(config.discord.guild_ids) != 1:
        raise ConfigError(
            f"{path}: [advice] channel_id: a default channel is for a single server: "
            "[discord] guild_ids must name exactly one (other servers use /advice set)"
        )


def load_config(path: Path | None) -> Config:
    """Read a config file; with None, the defaults (relative to the working folder)."""
    if path is None:
        return Config()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such config file (copy config.example.toml)") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(data, path)


def discord_token(environ: dict[str, str] | None = None) -> str:
    """The bot token from `DISCORD_TOKEN`; a `ConfigError` that never shows a value."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigError(f"{TOKEN_VARIABLE} is not set: the bot token comes only from it")
    return token
