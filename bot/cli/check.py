"""`python -m bot check`: can the bot start? One line per finding, `ok:`/`warning:`/`error:`.

It reads the config, looks for the token (never showing it), loads the episodes and opens
(creating or migrating) the database, exactly as `run` would. Exit status 0 when the bot can
start, 1 when not.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.archive.derived import Derived, load_library
from bot.archive.window_vectors import coverage
from bot.cli.options import config_option
from bot.config import preflight
from bot.config.settings import TOKEN_VARIABLE, Config, ConfigError
from bot.episodes.library import Library
from bot.errors import CatalogError, EpisodeFileError
from bot.ingest import catalog as catalog_mod
from bot.ingest.intake import raw_unwritable
from bot.ingest.pipeline import discover
from bot.search.meaning import find_model, load_meaning
from bot.storage import Database, StoreError, open_store, schema_version

Level = Literal["ok", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    text: str

    def __str__(self) -> str:
        return f"{self.level}: {self.text}"


def check_config(given: Path | None, environ: Mapping[str, str]) -> tuple[Config | None, Finding]:
    try:
        config = preflight.load(given, environ)
    except ConfigError as exc:
        return None, Finding("error", str(exc))
    if config.path is None:
        return config, Finding("ok", "config: none found, using the defaults")
    return config, Finding("ok", f"config: {config.path}")


def check_guilds(config: Config) -> Finding:
    """Where the commands will show: at once in the configured servers, else globally, which
    Discord can take up to an hour to show (a warning: the bot works, just not yet)."""
    ids = config.discord.guild_ids
    if ids:
        return Finding("ok", f"commands: synced to {len(ids)} configured server(s) at start")
    return Finding(
        "warning",
        "commands: no [discord] guild_ids, so they are registered globally and Discord can "
        "take up to an hour to show them; put your server's id in guild_ids to see them at once",
    )


def check_admins(config: Config) -> list[Finding]:
    """What configured admins mean: they may run the admin commands besides the server's
    administrators, but Discord shows /reload only to administrators until a server admin
    lets the others see it (nothing to say when none are configured)."""
    users, roles = config.discord.admin_user_ids, config.discord.admin_role_ids
    if not users and not roles:
        return []
    listed = " and ".join(
        part
        for part in (
            f"{len(users)} user(s) of admin_user_ids" if users else "",
            f"the {len(roles)} role(s) of admin_role_ids" if roles else "",
        )
        if part
    )
    return [
        Finding(
            "ok",
            f"admins: the server's administrators and the {listed}; Discord shows /reload "
            "only to administrators until a server admin lets the others see it (Server "
            "Settings → Integrations → the bot → /reload)",
        )
    ]


def check_token(environ: Mapping[str, str]) -> Finding:
    try:
        preflight.require_token(environ)
    except ConfigError as exc:
        return Finding("error", str(exc))
    return Finding("ok", f"{TOKEN_VARIABLE} is set")


def check_episodes(config: Config) -> list[Finding]:
    try:
        folder = preflight.require_episodes(config)
        library = Library.load(folder)
    except (ConfigError, EpisodeFileError) as exc:
        return [Finding("error", str(exc))]
    found = [Finding("warning", f"skipped: {problem}") for problem in library.problems]
    if not len(library):
        found.append(
            Finding("warning", f"episodes: none in {folder} (python -m bot ingest writes them)")
        )
    else:
        found.insert(
            0,
            Finding(
                "ok",
                f"episodes: {len(library):,} episodes, {library.segment_count:,} quotes "
                f"in {folder}",
            ),
        )
    if library.unprinted:
        found.append(
            Finding(
                "warning",
                f"episodes: files without a text print {len(library.unprinted):,} (written by "
                "an older podquote): every load computes theirs, python -m bot ingest stores "
                "them",
            )
        )
    return found + set_aside(library)


def check_catalog(config: Config) -> list[Finding]:
    """How many raw files the catalog says nothing about (nothing when there is no raw
    folder: the episodes may come from elsewhere)."""
    raw = config.data.raw
    if not raw.is_dir():
        return []
    catalog_path = raw.parent / "catalog.yaml"
    try:
        catalog = catalog_mod.load(catalog_path) if catalog_path.is_file() else None
    except CatalogError as exc:
        return [Finding("warning", f"catalog: {exc}")]
    names = [source for _, source in discover([raw])]
    bare = names if catalog is None else catalog.without_facts(names)
    if not bare:
        return [Finding("ok", f"catalog: all {len(names):,} raw files in {raw} have an entry")]
    return [
        Finding(
            "warning",
            f"catalog: {len(bare):,} of {len(names):,} raw files in {raw} have no entry (or only "
            "a draft): python -m bot catalog draft writes one to fill in for each",
        )
    ]


def check_raw(config: Config) -> list[Finding]:
    """A warning when /ingest and /remove could not write in the raw folder (nothing when it
    can, or when there is none yet: /ingest makes it)."""
    raw = config.data.raw
    if not raw.is_dir():
        return []
    why = raw_unwritable(raw)
    if why is None:
        return []
    return [
        Finding(
            "warning",
            f"raw folder: {raw} cannot be written ({why}): /ingest and /remove will fail; "
            "the bot serves the episodes all the same",
        )
    ]


def set_aside(library: Library) -> list[Finding]:
    """Every source set aside as a copy of another source of the same talk, and why (the
    bot serves the kept one: nothing is wrong)."""
    if not library.duplicates:
        return []
    head = Finding(
        "ok",
        f"one episode per talk: copies set aside {len(library.duplicates):,} "
        f"({library.copies_by_basis()})",
    )
    rows = sorted(library.duplicates, key=lambda d: (d.kept, d.dropped))
    return [head, *(Finding("ok", f"set aside: {d.dropped}: {d.why}") for d in rows)]


async def _open_database(
    database: Database,
) -> tuple[int | None, int, list[tuple[int, str]], set[str]]:
    """The schema version before (None: no database yet), after opening (created or
    migrated as `run` would), the servers the bot was last seen in, and where it synced."""
    before = await schema_version(database)
    store = await open_store(database)
    try:
        return (
            before,
            await store.version(),
            await store.guilds_seen(),
            await store.synced_targets(),
        )
    finally:
        await store.close()


def check_database(config: Config) -> list[Finding]:
    """The database opens (created or migrated as `run` would; on PostgreSQL: the server
    answers, takes the login and has the database); then a warning for each server the bot
    was last seen in where members see no commands."""
    database = config.data.database
    try:
        before, version, seen, synced = asyncio.run(_open_database(database))
    except StoreError as exc:
        return [Finding("error", str(exc))]
    if before is None:
        found = [Finding("ok", f"database: {database} created (schema version {version})")]
    elif before < version:
        found = [
            Finding(
                "ok", f"database: {database} migrated from schema version {before} to {version}"
            )
        ]
    else:
        found = [
            Finding("ok", f"database: {database} opened (schema version {version}, up to date)")
        ]
    bare = preflight.servers_without_commands(seen, config.discord.guild_ids, synced)
    found += [Finding("warning", preflight.no_commands_line(*server)) for server in bare]
    return found


def check_meaning(config: Config) -> Finding:
    """Whether search can weigh near misses by meaning (a warning, not an error: the bot
    answers by words alone without the sentence model)."""
    meaning = load_meaning(config.search.meaning)
    return Finding("warning" if meaning.missing else "ok", meaning.status)


def check_vectors(config: Config) -> Finding | None:
    """How many of the episodes' pieces have a meaning vector, and who embeds the others
    (None: search goes by words alone, or there are no episodes to count)."""
    if not config.search.meaning or find_model() is None or not config.data.episodes.is_dir():
        return None
    try:
        library = load_library(config.data.episodes)
    except EpisodeFileError:
        return None  # check_episodes says why
    have = coverage(library, Derived.beside(library.folder))
    level: Level = "warning" if have.missing and not config.search.vectors else "ok"
    return Finding(level, have.said(background=config.search.vectors))


def findings(given: Path | None, environ: Mapping[str, str]) -> list[Finding]:
    """Every check in order; the episodes and database only when the config reads."""
    config, first = check_config(given, environ)
    found = [first]
    if config is not None:
        found += [check_guilds(config), *check_admins(config)]
    found.append(check_token(environ))
    if config is not None:
        found += check_episodes(config)
        found += check_catalog(config)
        found += check_raw(config)
        found += check_database(config)
        found.append(check_meaning(config))
        vectors = check_vectors(config)
        if vectors is not None:
            found.append(vectors)
    return found


def check_command(given: Path | None, environ: Mapping[str, str]) -> int:
    """Print the findings; 0 when the bot can start, 1 when not."""
    found = findings(given, environ)
    for finding in found:
        print(finding)
    return 1 if any(f.level == "error" for f in found) else 0


def add_parser(sub: Any) -> None:
    """Register the `check` verb."""
    check = sub.add_parser(
        "check",
        help="can the bot start? config, token, episodes, database",
        description="Check the config, that DISCORD_TOKEN is set, the episodes and the "
        "database (created or migrated if needed). Exit status 0 when the bot can start.",
    )
    config_option(check)
    check.set_defaults(handler=command)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Check with the process's environment."""
    return check_command(args.config, os.environ)
