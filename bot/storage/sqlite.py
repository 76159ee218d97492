"""SQLite storage through one aiosqlite connection: schema versions, settings, post history,
the search log.

The schema is a list of migrations (`bot.storage.schema`); `SqliteStore.open` applies the
ones a file has not seen, each in its own transaction, and records the version in
`schema_version`. A database written by a
newer podquote (a higher version than this code knows) is refused rather than damaged.

What can go wrong with the file is a `StoreError` of one line, never a raw sqlite3 error:
- it cannot be written (a read-only file or mount): `StoreReadOnly`, found by `open` already,
  which makes a write and rolls it back;
- another program holds a lock for more than `BUSY_TIMEOUT`: `StoreBusy`, so a command answers
  "try again" instead of hanging past Discord's deadline;
- it was removed or replaced while the bot ran: `StoreGone`. Every call compares the file at
  the path with the one opened (device and inode) and refuses to go on: writes to a deleted
  file would vanish at the next start, and a new empty file would forget the post history
  that keeps the daily post to one a day. A restart opens (or creates) whatever is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite

from bot.storage.errors import (
    StoreBusy,
    StoreError,
    StoreGone,
    StoreReadOnly,
    version_problem,
)
from bot.storage.interface import OnReload
from bot.storage.records import (
    ADVICE_COLUMNS,
    AdviceRecord,
    GuildSettings,
    SearchRecord,
    SearchTally,
)
from bot.storage.schema import render

MIGRATIONS = render("sqlite")


BUSY_TIMEOUT = 2.0  # seconds a statement waits for another program's lock


def _identity(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of the file at `path`, None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _translated(path: Path, exc: sqlite3.Error, busy_timeout: float) -> StoreError:
    """A sqlite3 error as the `StoreError` that says what it means for the bot."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return StoreError(f"{path}: not a podquote database: {exc}")
    if name.startswith("SQLITE_READONLY"):
        return StoreReadOnly(
            f"{path}: the database cannot be written (a read-only file or mount?): {exc}"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreBusy(
            f"{path}: the database is locked by another program (waited {busy_timeout:g} s): {exc}"
        )
    return StoreError(f"{path}: {exc}")


def _probe(path: Path, busy_timeout: float) -> None:
    """Open and close the file with sqlite3, so that a path aiosqlite cannot open fails here,
    cleanly (aiosqlite's worker thread would otherwise outlive a closed event loop and print
    a traceback)."""
    if path.is_dir():
        raise StoreError(f"{path}: cannot open the database: it is a folder, not a file")
    try:
        sqlite3.connect(path, timeout=busy_timeout).close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from exc


class OneTaskAtATime:
    """The one connection for one task at a time; the task holding it may take it again.

    aiosqlite runs every call of a connection in one thread, but a transaction spans several
    calls: a task's INSERT that fails and rolls back would also roll back another task's
    INSERT made in between, and that task's commit would then commit nothing (two daily
    posts recorded at once lost one; tests/storage/test_store.py). So each store operation
    holds the connection until it is done; the store's methods that call each other (an
    insert that reads back its row) take it again without waiting for themselves.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._depth = 0

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        async with self._lock:
            self._owner, self._depth = task, 1
            try:
                yield
            finally:
                self._owner, self._depth = None, 0


class SqliteStore:
    """The bot's database in a SQLite file. Use `await SqliteStore.open(path)` and
    `await store.close()`."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._file = _identity(path)  # the file opened: see `_connection`
        self._turn = OneTaskAtATime()  # one operation at a time on the connection
        self.busy_timeout = BUSY_TIMEOUT  # as `open` set it: for what a `StoreBusy` says

    @classmethod
    async def open(
        cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT, read_only: bool = False
    ) -> SqliteStore:
        """Open (creating it and its folder if needed), migrate to the latest schema and make
        sure it can be written; a `StoreError` says why not. `read_only`: only read an
        existing database of the latest schema, changing nothing (for reports)."""
        if read_only:
            return await cls._open_read_only(path, busy_timeout)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from exc
        await asyncio.to_thread(_probe, path, busy_timeout)
        try:
            db = await aiosqlite.connect(path, timeout=busy_timeout)
        except (OSError, aiosqlite.Error) as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from exc
        store = cls(db, path)
        store.busy_timeout = busy_timeout
        try:
            async with store._connection():
                await db.execute("PRAGMA journal_mode=WAL")
                await db.execute("PRAGMA foreign_keys=ON")
            await store.migrate()
            await store.check_writable()
        except BaseException:
            await db.close()
            raise
        return store

    @classmethod
    async def _open_read_only(cls, path: Path, busy_timeout: float) -> SqliteStore:
        if not path.is_file():
            raise StoreError(f"{path}: no database there (the bot creates it when it first starts)")
        try:
            db = await aiosqlite.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=busy_timeout
            )
        except (OSError, aiosqlite.Error) as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from exc
        store = cls(db, path)
        store.busy_timeout = busy_timeout
        try:
            current = await store._schema_version()
            problem = version_problem(str(path), current, len(MIGRATIONS))
            if problem is not None:
                raise StoreError(problem)
        except BaseException:
            await db.close()
            raise
        return store

    async def _schema_version(self) -> int:
        """The schema version, read without writing (0: a database podquote never set up)."""
        async with self._connection() as db:
            async with db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ) as cursor:
                if await cursor.fetchone() is None:
                    return 0
            async with db.execute("SELECT MAX(version) FROM schema_version") as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @property
    def where(self) -> str:
        return str(self.path)

    async def close(self) -> None:
        await self._db.close()

    async def notify_reload(self) -> None:
        """Nothing: each process of a SQLite deployment is sent SIGHUP itself."""

    async def listen_reload(self, on_reload: OnReload) -> None:
        """Nothing: there is no channel between processes on a SQLite file."""

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, for one operation (no other task's in between: `OneTaskAtATime`):
        refused when the file at the path is no longer the one opened; sqlite3 errors become
        `StoreError`s, and an open transaction is rolled back."""
        if self._file is not None:
            now = _identity(self.path)
            if now != self._file:
                what = "removed" if now is None else "replaced by another file"
                raise StoreGone(
                    f"{self.path}: the database file was {what} while the bot ran; nothing "
                    "is saved until the bot is restarted (it then opens or creates the file "
                    "at that path)"
                )
        async with self._turn.held():
            try:
                yield self._db
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        await self._db.rollback()
                raise _translated(self.path, exc, self.busy_timeout) from exc

    async def check_writable(self) -> None:
        """Make a write and roll it back: `StoreReadOnly` or `StoreBusy` when it cannot."""
        async with self._connection() as db:
            await db.execute("BEGIN IMMEDIATE")
            try:
                await db.execute("UPDATE schema_version SET version = version")
            finally:
                await db.rollback()

    async def version(self) -> int:
        async with self._connection() as db:
            await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            async with db.execute("SELECT MAX(version) FROM schema_version") as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def migrate(self) -> int:
        """Apply pending migrations; return the number applied."""
        current = await self.version()
        if current > len(MIGRATIONS):
            raise StoreError(version_problem(str(self.path), current, len(MIGRATIONS)) or "")
        async with self._connection() as db:
            for version in range(current + 1, len(MIGRATIONS) + 1):
                await db.executescript(
                    "BEGIN;\n"
                    + MIGRATIONS[version - 1]
                    + f"\nINSERT INTO schema_version (version) VALUES ({version});\nCOMMIT;"
                )
        return len(MIGRATIONS) - current

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's saved settings, or the empty ones when it saved none."""
        return await self.saved_guild_settings(guild_id) or GuildSettings(guild_id)

    async def saved_guild_settings(self, guild_id: int) -> GuildSettings | None:
        """A server's saved settings, or None when it saved none (one query)."""
        async with self._connection() as db:
            async with db.execute(
                "SELECT advice_channel_id, advice_time, advice_timezone, advice_enabled "
                "FROM guild_settings WHERE guild_id = ?",
                (guild_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            return GuildSettings(guild_id, row[0], row[1], row[2], bool(row[3]))

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        async with self._connection() as db:
            await db.execute(
                "INSERT INTO guild_settings (guild_id, advice_channel_id, advice_time, "
                "advice_timezone, advice_enabled) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET "
                "advice_channel_id = excluded.advice_channel_id, "
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
            await db.commit()

    async def synced_commands(self, target: str) -> str | None:
        """The hash of the commands last synced to `target` ("global" or a server id)."""
        async with self._connection() as db:
            async with db.execute(
                "SELECT payload_hash FROM command_syncs WHERE target = ?", (target,)
            ) as cursor:
                row = await cursor.fetchone()
            return None if row is None else str(row[0])

    async def save_synced_commands(self, target: str, payload_hash: str) -> None:
        """Remember the hash of the commands just synced to `target`."""
        async with self._connection() as db:
            await db.execute(
                "INSERT INTO command_syncs (target, payload_hash) VALUES (?, ?) "
                "ON CONFLICT (target) DO UPDATE SET payload_hash = excluded.payload_hash, "
                "synced_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (target, payload_hash),
            )
            await db.commit()

    async def synced_targets(self) -> set[str]:
        """Where commands were ever synced: "global" and server ids."""
        async with (
            self._connection() as db,
            db.execute("SELECT target FROM command_syncs") as cursor,
        ):
            return {str(row[0]) for row in await cursor.fetchall()}

    async def save_guilds_seen(self, guilds: list[tuple[int, str]], *, whole: bool) -> None:
        """Remember servers the bot is in (id, name); `whole`: these are all of them."""
        async with self._connection() as db:
            if whole:
                await db.execute("DELETE FROM guilds_seen")
            await db.executemany(
                "INSERT INTO guilds_seen (guild_id, name) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, "
                "seen_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                guilds,
            )
            await db.commit()

    async def forget_guild_seen(self, guild_id: int) -> None:
        """The bot left (or was removed from) a server."""
        async with self._connection() as db:
            await db.execute("DELETE FROM guilds_seen WHERE guild_id = ?", (guild_id,))
            await db.commit()

    async def guilds_seen(self) -> list[tuple[int, str]]:
        """The servers the bot was last seen in, by name."""
        async with (
            self._connection() as db,
            db.execute("SELECT guild_id, name FROM guilds_seen ORDER BY name, guild_id") as cursor,
        ):
            return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]

    async def quote_cooldowns(self) -> dict[int, float]:
        """Each server's own /quote cooldown in seconds (servers that set none are left out)."""
        async with self._connection() as db:
            async with db.execute("SELECT guild_id, cooldown_seconds FROM quote_settings") as cur:
                rows = await cur.fetchall()
            return {int(r[0]): float(r[1]) for r in rows}

    async def save_quote_cooldown(self, guild_id: int, seconds: float) -> None:
        """Set a server's /quote cooldown (0: none)."""
        async with self._connection() as db:
            await db.execute(
                "INSERT INTO quote_settings (guild_id, cooldown_seconds) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET "
                "cooldown_seconds = excluded.cooldown_seconds, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (guild_id, seconds),
            )
            await db.commit()

    async def record_search(self, record: SearchRecord) -> None:
        """Add one search to the log."""
        async with self._connection() as db:
            await db.execute(
                "INSERT INTO searches (guild_id, day, command, outcome, episode_id, took_ms, "
                "query) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.guild_id,
                    record.day.isoformat(),
                    record.command,
                    record.outcome,
                    record.episode_id,
                    record.took_ms,
                    record.query,
                ),
            )
            await db.commit()

    async def searches(self, guild_id: int | None = None) -> list[SearchRecord]:
        """Every recorded search, oldest first; of one server, or (None) of all."""
        where, values = _search_scope(guild_id, None)
        async with self._connection() as db:
            async with db.execute(
                "SELECT guild_id, day, command, outcome, episode_id, took_ms, query "
                f"FROM searches WHERE {where} ORDER BY id",
                values,
            ) as cursor:
                rows = await cursor.fetchall()
            return [
                SearchRecord(r[0], dt.date.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6])
                for r in rows
            ]

    async def search_tally(
        self, guild_id: int | None, since: dt.date, *, episodes: int = 5, misses: int = 10
    ) -> SearchTally:
        """The searches from `since` (a UTC day) on, of one server or (None) of all, counted:
        see `SearchTally`; at most `episodes` episodes and `misses` queries."""
        where, values = _search_scope(guild_id, since)
        async with self._connection() as db:
            async with db.execute(
                f"SELECT day, outcome, COUNT(*) FROM searches WHERE {where} "
                "GROUP BY day, outcome ORDER BY day, outcome",
                values,
            ) as cursor:
                by_day = [
                    (dt.date.fromisoformat(d), o, int(n)) for d, o, n in await cursor.fetchall()
                ]
            async with db.execute(
                f"SELECT episode_id, COUNT(*) AS asked FROM searches WHERE {where} "
                "AND episode_id IS NOT NULL GROUP BY episode_id "
                "ORDER BY asked DESC, episode_id LIMIT ?",
                (*values, episodes),
            ) as cursor:
                asked = [(str(e), int(n)) for e, n in await cursor.fetchall()]
            async with db.execute(
                f"SELECT day, command, query FROM searches WHERE {where} "
                "AND outcome = 'none' AND query IS NOT NULL ORDER BY id DESC LIMIT ?",
                (*values, misses),
            ) as cursor:
                missed = [
                    (dt.date.fromisoformat(d), str(c), str(q))
                    for d, c, q in await cursor.fetchall()
                ]
        return SearchTally(tuple(by_day), tuple(asked), tuple(missed))

    async def forget_searches(self, before: dt.date, *, keep_queries: bool = True) -> int:
        """Delete the searches of the days before `before`; without `keep_queries`, also blank
        the query text of those kept. Returns how many rows were deleted."""
        async with self._connection() as db:
            cursor = await db.execute("DELETE FROM searches WHERE day < ?", (before.isoformat(),))
            deleted = cursor.rowcount
            if not keep_queries:
                await db.execute("UPDATE searches SET query = NULL WHERE query IS NOT NULL")
            await db.commit()
        return max(deleted, 0)

    async def advice_guilds(self) -> list[GuildSettings]:
        """Every server with its own advice settings (enabled or not)."""
        async with self._connection() as db:
            async with db.execute(
                "SELECT guild_id, advice_channel_id, advice_time, advice_timezone, advice_enabled "
                "FROM guild_settings ORDER BY guild_id"
            ) as cursor:
                rows = await cursor.fetchall()
            return [GuildSettings(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    async def daily_post(self, guild_id: int, day: dt.date) -> AdviceRecord | None:
        """The server's daily post of that local date, in whatever state it is."""
        async with self._connection() as db:
            async with db.execute(
                f"SELECT {ADVICE_COLUMNS} FROM advice_log "
                "WHERE guild_id = ? AND local_date = ? AND slot = 'daily'",
                (guild_id, day.isoformat()),
            ) as cursor:
                row = await cursor.fetchone()
            return AdviceRecord(*row) if row else None

    async def advice_history(self, guild_id: int) -> list[AdviceRecord]:
        """Every advice row of a server, oldest first."""
        async with self._connection() as db:
            async with db.execute(
                f"SELECT {ADVICE_COLUMNS} FROM advice_log WHERE guild_id = ? ORDER BY id",
                (guild_id,),
            ) as cursor:
                rows = await cursor.fetchall()
            return [AdviceRecord(*r) for r in rows]

    async def record_intent(
        self,
        guild_id: int,
        day: dt.date,
        *,
        slot: str,
        channel_id: int | None,
        segment_id: str,
        episode_id: str,
        fingerprint: str,
    ) -> AdviceRecord | None:
        """Record, before sending, that a post is about to go out. For a daily post the
        unique index makes this the one place a second post for the day is stopped: it
        returns None when that day's row already exists."""
        async with self._connection() as db:
            try:
                cursor = await db.execute(
                    "INSERT INTO advice_log (guild_id, local_date, slot, channel_id, segment_id, "
                    "episode_id, fingerprint, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'intent')",
                    (
                        guild_id,
                        day.isoformat(),
                        slot,
                        channel_id,
                        segment_id,
                        episode_id,
                        fingerprint,
                    ),
                )
            except aiosqlite.IntegrityError:
                await db.rollback()
                return None
            await db.commit()
            record = await self.advice_record(cursor.lastrowid or 0)
            assert record is not None
            return record

    async def advice_record(self, record_id: int) -> AdviceRecord | None:
        """One row of the advice log, as it is now."""
        async with self._connection() as db:
            async with db.execute(
                f"SELECT {ADVICE_COLUMNS} FROM advice_log WHERE id = ?", (record_id,)
            ) as found:
                row = await found.fetchone()
            return AdviceRecord(*row) if row else None

    async def record_skip(self, guild_id: int, day: dt.date, reason: str) -> AdviceRecord | None:
        """A day with nothing to post (an empty pool): recorded so it is not tried again."""
        async with self._connection() as db:
            try:
                await db.execute(
                    "INSERT INTO advice_log (guild_id, local_date, slot, status, reason) "
                    "VALUES (?, ?, 'daily', 'skipped', ?)",
                    (guild_id, day.isoformat(), reason),
                )
            except aiosqlite.IntegrityError:
                await db.rollback()
                return None
            await db.commit()
            return await self.daily_post(guild_id, day)

    async def mark_sent(self, record_id: int, message_id: int) -> None:
        await self._update(record_id, "status = 'sent', message_id = ?, reason = NULL", message_id)

    async def mark_skipped(self, record_id: int, reason: str) -> None:
        await self._update(record_id, "status = 'skipped', reason = ?", reason)

    async def mark_retry(self, record_id: int, reason: str, retry_at: dt.datetime) -> None:
        """A send that failed for now: count the attempt and say when to try again."""
        await self._update(
            record_id,
            "attempts = attempts + 1, reason = ?, retry_at = ?",
            reason,
            retry_at.astimezone(dt.UTC).isoformat(),
        )

    async def hold(self, record_id: int, until: dt.datetime) -> None:
        """Keep the posting loop off an intent that a command is sending right now."""
        await self._update(record_id, "retry_at = ?", until.astimezone(dt.UTC).isoformat())

    async def _update(self, record_id: int, assignments: str, *values: object) -> None:
        async with self._connection() as db:
            await db.execute(
                f"UPDATE advice_log SET {assignments}, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                (*values, record_id),
            )
            await db.commit()


def _search_scope(guild_id: int | None, since: dt.date | None) -> tuple[str, tuple[object, ...]]:
    """The WHERE clause (and its values) of the searches of one server or all, from a day."""
    clauses: list[str] = ["1 = 1"]
    values: list[object] = []
    if guild_id is not None:
        clauses.append("guild_id = ?")
        values.append(guild_id)
    if since is not None:
        clauses.append("day >= ?")
        values.append(since.isoformat())
    return " AND ".join(clauses), tuple(values)


def peek_version(path: Path) -> int | None:
    """The schema version recorded in the file at `path`, read only (None: no file; 0: not
    set up, or unreadable)."""
    if not path.is_file():
        return None
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0]) if row and row[0] is not None else 0
