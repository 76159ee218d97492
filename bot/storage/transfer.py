"""A SQLite deployment's rows copied to PostgreSQL (`python -m bot db migrate`): every table,
ids kept, in one transaction, then the counts compared.

The rule for rows already there: a row whose key (`schema.TABLES`) is in PostgreSQL already
is skipped when it is the same row, column for column; when any such row differs, nothing is
copied and the refusal names the table and the first key (two deployments' histories are not
merged by guessing). So a second run changes nothing. The id sequences are set past the
highest id afterwards, so new rows never take a copied id.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.address import PostgresUrl
from bot.storage.errors import StoreError, version_problem
from bot.storage.postgresql import MIGRATION_LOCK, PostgresStore
from bot.storage.schema import SCHEMA_VERSION, SERIAL_TABLES, TABLES

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's figures: rows in the file, copied, found already there, and in
    PostgreSQL after the copy."""

    table: str
    source: int
    copied: int
    present: int
    target: int

    def __str__(self) -> str:
        return (
            f"{self.table}: {self.source:,} in SQLite, {self.copied:,} copied, "
            f"{self.present:,} already there; {self.target:,} in PostgreSQL"
        )


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[int, ...]  # the positions of the key's columns
    rows: tuple[Row, ...]

    def key_of(self, row: Row) -> Row:
        return tuple(row[i] for i in self.key)


def read_sqlite(path: Path) -> list[_Table]:
    """Every table of a SQLite database of the latest schema, read without writing."""
    if not path.is_file():
        raise StoreError(f"{path}: no such SQLite database")
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            found = db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
            problem = version_problem(str(path), int(found or 0), SCHEMA_VERSION)
            if problem is not None:
                raise StoreError(problem)
            tables = []
            for name, key in TABLES:
                columns = tuple(r[1] for r in db.execute(f"PRAGMA table_info({name})"))
                rows = tuple(tuple(r) for r in db.execute(f"SELECT * FROM {name} ORDER BY 1"))
                tables.append(_Table(name, columns, tuple(columns.index(k) for k in key), rows))
            return tables
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read the database: {exc}") from exc


async def sqlite_to_postgres(source: Path, target: PostgresUrl) -> list[TableCopy]:
    """Copy every row of `source` missing in `target` (set up or migrated first), in one
    transaction; the figures of each table. A `StoreError` says why nothing was copied."""
    tables = await asyncio.to_thread(read_sqlite, source)
    store = await PostgresStore.open(target)
    try:
        async with store._transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", *MIGRATION_LOCK)
            added = [await _copy(conn, str(target), table) for table in tables]
            for name in SERIAL_TABLES:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE(MAX(id), 0) + 1, false) FROM {name}"
                )
        async with store._connection() as conn:
            counts = [int(await conn.fetchval(f"SELECT COUNT(*) FROM {t.name}")) for t in tables]
    finally:
        await store.close()
    copies = [
        TableCopy(t.name, len(t.rows), n, len(t.rows) - n, after)
        for t, n, after in zip(tables, added, counts, strict=True)
    ]
    short = [c for c in copies if c.target < c.source]
    if short:
        raise StoreError(f"{target}: after the copy, fewer rows than in SQLite: {short[0]}")
    return copies


async def _copy(conn: Any, where: str, table: _Table) -> int:
    """Add the rows of `table` not in PostgreSQL; refuse rows that differ under one key."""
    columns = ", ".join(table.columns)
    there: Sequence[Any] = await conn.fetch(f"SELECT {columns} FROM {table.name}")
    present = {table.key_of(tuple(r)): tuple(r) for r in there}
    missing = []
    for row in table.rows:
        found = present.get(table.key_of(row))
        if found is None:
            missing.append(row)
        elif found != row:
            key = ", ".join(
                f"{table.columns[i]}={v}" for i, v in zip(table.key, table.key_of(row), strict=True)
            )
            raise StoreError(
                f"{where}: {table.name}: a different row is there already under {key}; "
                "nothing was copied (copy into an empty database, or remove that row)"
            )
    try:
        await conn.copy_records_to_table(table.name, records=missing, columns=table.columns)
    except asyncpg.UniqueViolationError as exc:
        raise StoreError(f"{where}: {table.name}: {exc.detail or exc}; nothing was copied") from exc
    return len(missing)
