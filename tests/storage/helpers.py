"""The database under a store, reached without it (sqlite3, asyncpg): to set up what an older
or newer podquote left, and to look at what a store wrote."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage import Database
from bot.storage.schema import render


async def execute(database: Database, script: str) -> None:
    """Run a script of statements, committed."""
    if isinstance(database, Path):
        with contextlib.closing(sqlite3.connect(database)) as db:
            db.executescript(script)
            db.commit()
        return
    conn = await asyncpg.connect(database.url)
    try:
        await conn.execute(script)
    finally:
        await conn.close()


async def rows(database: Database, query: str) -> list[tuple[Any, ...]]:
    """The rows of a query, as tuples."""
    if isinstance(database, Path):
        with contextlib.closing(sqlite3.connect(database)) as db:
            return [tuple(r) for r in db.execute(query)]
    conn = await asyncpg.connect(database.url)
    try:
        return [tuple(r) for r in await conn.fetch(query)]
    finally:
        await conn.close()


async def migrated_to(database: Database, version: int) -> None:
    """A database as a podquote of schema `version` left it."""
    dialect = "sqlite" if isinstance(database, Path) else "postgresql"
    script = ["CREATE TABLE schema_version (version INTEGER NOT NULL);"]
    for number, migration in enumerate(render(dialect)[:version], start=1):
        script += [migration, f"INSERT INTO schema_version VALUES ({number});"]
    await execute(database, "\n".join(script))
