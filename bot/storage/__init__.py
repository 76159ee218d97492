"""The bot's own state: per-server settings, the daily-post history and the search log, in a
SQLite file (`sqlite`, the default: nothing to set up) or on a PostgreSQL server
(`postgresql`, for a bot run as several processes), behind one interface (`Store`), with one
schema for both (`schema`); `open_store` picks the backend from `[data] database`; `transfer`
copies a SQLite file's rows to PostgreSQL. Episodes are files, not rows.

Imports: nothing of podquote.
"""

from __future__ import annotations

from bot.storage.address import Database, PostgresUrl, database_of
from bot.storage.errors import StoreBusy, StoreError, StoreGone, StoreReadOnly
from bot.storage.interface import OnReload, Store
from bot.storage.records import (
    OUTCOMES,
    AdviceRecord,
    GuildSettings,
    SearchRecord,
    SearchTally,
)
from bot.storage.schema import SCHEMA_VERSION

BUSY_TIMEOUT = 2.0  # seconds a write waits for another program's (or process's) lock

__all__ = [
    "BUSY_TIMEOUT",
    "OUTCOMES",
    "SCHEMA_VERSION",
    "AdviceRecord",
    "Database",
    "GuildSettings",
    "OnReload",
    "PostgresUrl",
    "SearchRecord",
    "SearchTally",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreGone",
    "StoreReadOnly",
    "database_of",
    "open_store",
    "schema_version",
]


async def open_store(
    database: Database | str, *, busy_timeout: float = BUSY_TIMEOUT, read_only: bool = False
) -> Store:
    """Open the database (migrated, checked writable; `read_only`: read an up-to-date one
    only): a `postgresql://` URL on its server, anything else as a SQLite file."""
    if isinstance(database, str):
        database = database_of(database)
    if isinstance(database, PostgresUrl):
        from bot.storage.postgresql import PostgresStore  # noqa: PLC0415 (asyncpg when used)

        return await PostgresStore.open(database, busy_timeout=busy_timeout, read_only=read_only)
    from bot.storage.sqlite import SqliteStore  # noqa: PLC0415

    return await SqliteStore.open(database, busy_timeout=busy_timeout, read_only=read_only)


async def schema_version(database: Database) -> int | None:
    """The schema version a database is at, read without changing anything: None when
    there is nothing of podquote's yet (a SQLite path with no file; a PostgreSQL database
    without podquote's tables), 0 for a file that is not set up."""
    if isinstance(database, PostgresUrl):
        from bot.storage.postgresql import PostgresStore  # noqa: PLC0415

        return await PostgresStore.peek_version(database)
    from bot.storage.sqlite import peek_version  # noqa: PLC0415

    return peek_version(database)
