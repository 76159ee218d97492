"""SQLite storage through one aiosqlite connection: schema versions, settings, post history.

The schema is a list of migrations; `Store.open` applies the ones a file has not seen, each in
its own transaction, and records the version in `schema_version`. A database written by a
newer podquote (a higher version than this code knows) is refused rather than damaged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    # 1: per-server settings and the history of daily posts.
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER PRIMARY KEY,
        advice_channel_id INTEGER,
        advice_time TEXT,
        advice_timezone TEXT,
        advice_enabled INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE advice_posts (
        guild_id INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        segment_id TEXT NOT NULL,
        episode_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('intent', 'sent', 'skipped')),
        message_id INTEGER,
        reason TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (guild_id, local_date)
    );
    CREATE INDEX advice_posts_segment ON advice_posts (guild_id, segment_id);
    """,
)


class StoreError(Exception):
    """The database cannot be used (unreadable, or from a newer podquote)."""


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    advice_channel_id: int | None = None
    advice_time: str | None = None
    advice_timezone: str | None = None
    advice_enabled: bool = False


class Store:
    """The bot's database. Use `await Store.open(path)` and `await store.close()`."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating it and its folder if needed) and migrate to the latest schema."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path)
        except (OSError, aiosqlite.Error) as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from exc
        store = cls(db, path)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await store.migrate()
        except aiosqlite.DatabaseError as exc:
            await db.close()
            raise StoreError(f"{path}: not a podquote database: {exc}") from exc
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def version(self) -> int:
        await self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
        )
        async with self._db.execute("SELECT MAX(version) FROM schema_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def migrate(self) -> int:
        """Apply pending migrations; return the number applied."""
        try:
            current = await self.version()
        except aiosqlite.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a podquote database: {exc}") from exc
        if current > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this podquote knows "
                f"({len(MIGRATIONS)}); upgrade podquote"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            await self._db.executescript(
                "BEGIN;\n"
                + MIGRATIONS[version - 1]
                + f"\nINSERT INTO schema_version (version) VALUES ({version});\nCOMMIT;"
            )
        return len(MIGRATIONS) - current

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        async with self._db.execute(
            "SELECT advice_channel_id, advice_time, advice_timezone, advice_enabled "
            "FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return GuildSettings(guild_id)
        return GuildSettings(guild_id, row[0], row[1], row[2], bool(row[3]))

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        await self._db.execute(
            "INSERT INTO guild_settings (guild_id, advice_channel_id, advice_time, "
            "advice_timezone, advice_enabled) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET advice_channel_id = excluded.advice_channel_id, "
            "advice_time = excluded.advice_time, advice_timezone = excluded.advice_timezone, "
            "advice_enabled = excluded.advice_enabled, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (
                settings.guild_id,
                settings.advice_channel_id,
                settings.advice_time,
                settings.advice_timezone,
                int(settings.advice_enabled),
            ),
        )
        await self._db.commit()
