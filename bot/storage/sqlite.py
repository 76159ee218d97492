"""SQLite storage through one aiosqlite connection: schema versions, settings, post history,
the search log (their statements, the same for both backends, in `bot.storage.operations`).

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
from collections.abc import AsyncIterator, Sequence
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
from bot.storage.operations import Row, SqlOperations, Write
from bot.storage.records import AdviceRecord
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


class SqliteStore(SqlOperations):
    """The bot's database in a SQLite file. Use `await SqliteStore.open(path)` and
    `await store.close()`."""

    dialect = "sqlite"

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
        """Close once the operation under way is done: a connection closed in the middle of
        a transaction lives on (SQLite's close waits for its statements) and keeps holding
        the file's write lock, and the next open of the file finds it locked."""
        async with self._turn.held():
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

    async def _write(self, steps: Sequence[Write]) -> list[int]:
        counts: list[int] = []
        async with self._connection() as db:
            for step in steps:
                sql = self._sql(step.sql)
                if step.many:
                    cursor = await db.executemany(sql, step.values)
                else:
                    cursor = await db.execute(sql, tuple(step.values))
                counts.append(cursor.rowcount)
            await db.commit()
        return counts

    async def _fetch(self, sql: str, *values: object) -> Sequence[Row]:
        async with self._connection() as db, db.execute(self._sql(sql), values) as cursor:
            return list(await cursor.fetchall())

    async def _fetchrow(self, sql: str, *values: object) -> Row | None:
        async with self._connection() as db, db.execute(self._sql(sql), values) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def _insert(self, sql: str, values: Sequence[object]) -> AdviceRecord:
        record = await self._insert_once(sql, values)
        assert record is not None  # only a daily row can be refused
        return record

    async def _insert_daily(
        self, guild_id: int, day: dt.date, sql: str, values: Sequence[object]
    ) -> AdviceRecord | None:
        """The unique index (guild_id, local_date) WHERE slot = 'daily' refuses a second
        row: SQLite lets one writer at a time into the file, so that is exactly once."""
        return await self._insert_once(sql, values)

    async def _insert_once(self, sql: str, values: Sequence[object]) -> AdviceRecord | None:
        async with self._connection() as db:
            try:
                cursor = await db.execute(self._sql(sql), tuple(values))
            except aiosqlite.IntegrityError:
                await db.rollback()
                return None
            await db.commit()
            return await self.advice_record(cursor.lastrowid or 0)


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
