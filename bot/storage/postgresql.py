"""PostgreSQL storage through an asyncpg pool: the same schema, records and errors as SQLite,
for a bot run as several processes (or on several machines) on one database.

- Migrations (`bot.storage.schema`, PostgreSQL's words) are applied under an advisory lock,
  so two processes starting at once migrate once; a newer schema is refused.
- A daily post is recorded exactly once across processes: `record_intent` and `record_skip`
  take a transaction-scoped advisory lock on (server, local date) before looking for that
  day's row and inserting it, and the unique partial index (guild_id, local_date) WHERE
  slot = 'daily' stays the last word.
- A reload reaches every process: `notify_reload` sends on `RELOAD_CHANNEL` with this store's
  name as payload; `listen_reload` listens on a connection of its own and ignores its own;
  that connection lost, it listens again (backing off) and reloads once to catch up.
- Failures are `StoreError`s of one line: the server cannot be reached, refuses the user or
  has no such database; a lock held longer than the busy timeout (`lock_timeout`) is
  `StoreBusy`; a read-only server or session is `StoreReadOnly`.

The password is never in the URL (`bot.storage.address`): asyncpg reads `PGPASSWORD`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any

import asyncpg

from bot.storage.address import PASSWORD_VARIABLE, PostgresUrl
from bot.storage.errors import (
    StoreBusy,
    StoreError,
    StoreReadOnly,
    version_problem,
)
from bot.storage.interface import OnReload
from bot.storage.operations import Row, SqlOperations, Write
from bot.storage.records import ADVICE_COLUMNS, AdviceRecord
from bot.storage.schema import render

log = logging.getLogger(__name__)

MIGRATIONS = render("postgresql")
BUSY_TIMEOUT = 2.0  # seconds a statement waits for a lock another connection holds
CONNECT_TIMEOUT = 10.0  # seconds to reach the server
POOL_SIZE = 4  # connections of one process (the bot's writes are short)
RELOAD_CHANNEL = "podquote_reload"
RELISTEN_FIRST = 1.0  # seconds before listening again after the listener was lost …
RELISTEN_LAST = 60.0  # … doubling after each failure up to this
RELISTEN_REMIND = 10  # failed attempts between two warnings while it stays lost
# Advisory lock keys: the first of two 32-bit keys names what is locked.
MIGRATION_LOCK = (0x706F6471, 0)  # "podq"
DAILY_LOCK_SPACE = 0x64617931  # "day1": the second key is a hash of (server, date)


def daily_lock_key(guild_id: int, day: dt.date) -> int:
    """The second advisory-lock key of a server's daily post of one local date."""
    digest = hashlib.blake2b(f"{guild_id}:{day.isoformat()}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _translated(where: str, exc: BaseException) -> StoreError:
    """An asyncpg or network error as the one-line `StoreError` that says what it means."""
    if isinstance(
        exc,
        asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError,
    ):
        return StoreError(
            f"{where}: the server refused the login ({exc}); check the user in the URL and "
            f"the password in {PASSWORD_VARIABLE}"
        )
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return StoreError(f"{where}: {exc} (create it: createdb, or CREATE DATABASE)")
    if isinstance(exc, asyncpg.LockNotAvailableError):
        return StoreBusy(f"{where}: a lock is held by another connection: {exc}")
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
        return StoreReadOnly(f"{where}: the database cannot be written (read-only): {exc}")
    if isinstance(exc, asyncpg.CheckViolationError):
        return StoreError(f"{where}: CHECK constraint failed: {exc.constraint_name}")
    if isinstance(exc, asyncpg.PostgresError):
        return StoreError(f"{where}: {exc}")
    if isinstance(exc, TimeoutError):
        return StoreBusy(f"{where}: no answer from the server in time")
    if isinstance(exc, asyncpg.DataError):  # a value of the wrong type, found by asyncpg
        return StoreError(f"{where}: {exc}")
    if isinstance(exc, asyncpg.InterfaceError | asyncpg.exceptions.ConnectionDoesNotExistError):
        return StoreError(f"{where}: the connection to the server was lost: {exc}")
    why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return StoreError(f"{where}: cannot reach the server ({why}): is it running there?")


_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


async def _connect(url: PostgresUrl, busy_timeout: float, read_only: bool) -> Any:
    """A pool of connections to `url`, each with the busy timeout as its `lock_timeout`."""
    settings = {
        "application_name": "podquote",
        "lock_timeout": f"{round(busy_timeout * 1000)}ms",
    }
    if read_only:
        settings["default_transaction_read_only"] = "on"
    try:
        return await asyncpg.create_pool(
            url.url,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=CONNECT_TIMEOUT,
            server_settings=settings,
        )
    except (*_ERRORS, ValueError) as exc:
        raise _translated(str(url), exc) from exc


def _row_count(status: str) -> int:
    """The rows a command changed, from asyncpg's status ("DELETE 3", "INSERT 0 1")."""
    last = str(status).rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _sender() -> str:
    """A name for this process's announcements: the host, the process id, and a few random
    characters (two stores of one process are told apart too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class PostgresStore(SqlOperations):
    """The bot's database on a PostgreSQL server. Use `await PostgresStore.open(url)` and
    `await store.close()`."""

    dialect = "postgresql"

    def __init__(self, pool: Any, url: PostgresUrl, busy_timeout: float) -> None:
        self._pool = pool
        self.url = url
        self.busy_timeout = busy_timeout
        self.sender = _sender()
        self._listener: Any = None
        self._on_reload: OnReload | None = None
        self._heard: set[asyncio.Task[object]] = set()  # reloads heard, a listener coming back

    @classmethod
    async def open(
        cls, url: PostgresUrl, *, busy_timeout: float = BUSY_TIMEOUT, read_only: bool = False
    ) -> PostgresStore:
        """Connect, migrate to the latest schema and make sure it can be written; a
        `StoreError` says why not. `read_only`: read a database of the latest schema only."""
        pool = await _connect(url, busy_timeout, read_only)
        store = cls(pool, url, busy_timeout)
        try:
            if read_only:
                problem = version_problem(str(url), await store._schema_version(), len(MIGRATIONS))
                if problem is not None:
                    raise StoreError(problem)
            else:
                await store.migrate()
                await store.check_writable()
        except BaseException:
            await pool.close()
            raise
        return store

    @classmethod
    async def peek_version(cls, url: PostgresUrl) -> int | None:
        """The schema version of the database at `url`, changing nothing (None: podquote
        never set it up)."""
        store = cls(await _connect(url, BUSY_TIMEOUT, True), url, BUSY_TIMEOUT)
        try:
            async with store._connection() as conn:
                if not await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
                    return None
            return await store._schema_version()
        finally:
            await store.close()

    @property
    def where(self) -> str:
        return str(self.url)

    async def close(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(*_ERRORS):
                await listener.close()
        for task in list(self._heard):
            task.cancel()
        await self._pool.close()

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """A connection of the pool for one operation; errors become `StoreError`s."""
        try:
            async with self._pool.acquire(timeout=CONNECT_TIMEOUT) as conn:
                yield conn
        except StoreError:
            raise
        except _ERRORS as exc:
            raise _translated(str(self.url), exc) from exc

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Any]:
        async with self._connection() as conn, conn.transaction():
            yield conn

    async def _schema_version(self) -> int:
        async with self._connection() as conn:
            exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
            if not exists:
                return 0
            found = await conn.fetchval("SELECT MAX(version) FROM schema_version")
        return 0 if found is None else int(found)

    async def version(self) -> int:
        return await self._schema_version()

    async def migrate(self) -> int:
        """Apply pending migrations in one transaction, under a lock every process of the
        bot takes first; return the number applied."""
        async with self._transaction() as conn:
            await conn.execute("SET LOCAL lock_timeout = '60s'")
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", *MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            found = await conn.fetchval("SELECT MAX(version) FROM schema_version")
            current = 0 if found is None else int(found)
            if current > len(MIGRATIONS):
                raise StoreError(version_problem(str(self.url), current, len(MIGRATIONS)) or "")
            for version in range(current + 1, len(MIGRATIONS) + 1):
                await conn.execute(MIGRATIONS[version - 1])
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
        return len(MIGRATIONS) - current

    async def check_writable(self) -> None:
        """Make a write and roll it back: `StoreReadOnly` or `StoreBusy` when it cannot."""
        async with self._connection() as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                await conn.execute("UPDATE schema_version SET version = version")
            finally:
                await transaction.rollback()

    async def _write(self, steps: Sequence[Write]) -> list[int]:
        if len(steps) == 1 and not steps[0].many:  # one statement: no transaction round trips
            async with self._connection() as conn:
                status = await conn.execute(self._sql(steps[0].sql), *steps[0].values)
            return [_row_count(status)]
        counts: list[int] = []
        async with self._transaction() as conn:
            for step in steps:
                sql = self._sql(step.sql)
                if step.many:
                    await conn.executemany(sql, step.values)
                    counts.append(len(step.values))
                else:
                    counts.append(_row_count(await conn.execute(sql, *step.values)))
        return counts

    async def _fetch(self, sql: str, *values: object) -> Sequence[Row]:
        async with self._connection() as conn:
            rows: Sequence[Row] = await conn.fetch(self._sql(sql), *values)
            return rows

    async def _fetchrow(self, sql: str, *values: object) -> Row | None:
        async with self._connection() as conn:
            row: Row | None = await conn.fetchrow(self._sql(sql), *values)
            return row

    async def _insert(self, sql: str, values: Sequence[object]) -> AdviceRecord:
        row = await self._fetchrow(f"{sql} RETURNING {ADVICE_COLUMNS}", *values)
        assert row is not None
        return AdviceRecord(*row)

    async def _insert_daily(
        self, guild_id: int, day: dt.date, sql: str, values: Sequence[object]
    ) -> AdviceRecord | None:
        """Insert a server's daily row of `day` unless there is one: under a transaction-
        scoped advisory lock on (server, date), so that processes racing for it take turns
        and each after the first sees the first one's row; the unique index stops any
        writer that bypasses the lock."""
        async with self._transaction() as conn:
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, $2)",
                DAILY_LOCK_SPACE,
                daily_lock_key(guild_id, day),
            )
            taken = await conn.fetchval(
                "SELECT 1 FROM advice_log WHERE guild_id = $1 AND local_date = $2 "
                "AND slot = 'daily'",
                guild_id,
                day.isoformat(),
            )
            if taken:
                return None
            try:
                row = await conn.fetchrow(f"{self._sql(sql)} RETURNING {ADVICE_COLUMNS}", *values)
            except asyncpg.UniqueViolationError:
                return None
        return AdviceRecord(*row)

    async def notify_reload(self) -> None:
        """Tell every other process on this database to reload (payload: this store)."""
        await self._execute("SELECT pg_notify(?, ?)", RELOAD_CHANNEL, self.sender)

    async def listen_reload(self, on_reload: OnReload) -> None:
        """Listen on a connection of its own; each announcement of another store runs
        `on_reload` in a task (kept until done; cancelled at `close`). Should that connection
        be lost (the server restarted, a network cut), it listens again, waiting longer after
        each failure (`RELISTEN_FIRST` to `RELISTEN_LAST` seconds), and then reloads once: an
        announcement may have been made while it was away."""
        self._on_reload = on_reload
        await self._listen()

    def _run(self, work: Awaitable[object]) -> None:
        """Run `work` in a task kept until done and cancelled at `close`."""
        task: asyncio.Task[object] = asyncio.ensure_future(work)
        self._heard.add(task)
        task.add_done_callback(self._heard.discard)

    def _heard_one(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload == self.sender or self._on_reload is None:
            return
        log.info("reload announced by %s", payload)
        self._run(self._on_reload())

    async def _listen(self) -> None:
        try:
            listener = await asyncpg.connect(
                self.url.url,
                timeout=CONNECT_TIMEOUT,
                server_settings={"application_name": "podquote"},
            )
        except _ERRORS as exc:
            raise _translated(str(self.url), exc) from exc
        try:
            await listener.add_listener(RELOAD_CHANNEL, self._heard_one)
        except _ERRORS as exc:
            with contextlib.suppress(*_ERRORS):
                await listener.close()
            raise _translated(str(self.url), exc) from exc
        listener.add_termination_listener(self._lost)
        self._listener = listener

    def _lost(self, conn: object) -> None:
        if conn is not self._listener:  # closed by `close`
            return
        self._listener = None
        log.warning(
            "%s: the connection that hears other processes' reloads was lost; listening again",
            self.url,
        )
        self._run(self._listen_again())

    async def _listen_again(self) -> None:
        wait = RELISTEN_FIRST
        failures = 0
        while True:
            await asyncio.sleep(wait)
            try:
                await self._listen()
            except StoreError as exc:
                failures += 1
                if failures == 1 or failures % RELISTEN_REMIND == 0:
                    log.warning("still not listening for other processes' reloads: %s", exc)
                wait = min(RELISTEN_LAST, wait * 2)
                continue
            log.info("listening again for other processes' reloads; reloading once to catch up")
            if self._on_reload is not None:
                await self._on_reload()
            return
