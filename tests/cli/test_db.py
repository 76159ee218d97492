"""`python -m bot db migrate`: a real SQLite file with rows in every table, copied to a real
PostgreSQL database; twice changes nothing; a different row under the same key is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.storage import GuildSettings, PostgresUrl, SearchRecord, open_store
from bot.storage.schema import TABLES
from tests.storage.helpers import migrated_to, rows

DAY = dt.date(2026, 11, 21)


async def _deployment(path: Path) -> None:
    """A SQLite deployment with rows in every table (history moved from schema 1 too)."""
    await migrated_to(path, 1)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO advice_posts (guild_id, local_date, segment_id, episode_id, status, "
            "message_id) VALUES (1, '2026-11-19', 'ep#3', 'ep', 'sent', 99)"
        )
    store = await open_store(path)
    try:
        big = 2**62 + 5
        await store.save_guild_settings(GuildSettings(1, 10, "09:00", "Europe/Berlin", True))
        await store.save_guild_settings(GuildSettings(big, big, "07:30", "UTC", False))
        await store.save_quote_cooldown(1, 12.5)
        await store.save_synced_commands("global", "abc")
        await store.save_guilds_seen([(1, "Alpha"), (big, "Big")], whole=True)
        for day in (DAY, DAY + dt.timedelta(days=1)):
            record = await store.record_intent(
                1, day, slot="daily", channel_id=10, segment_id="s", episode_id="e", fingerprint="f"
            )
            assert record is not None
            await store.mark_sent(record.id, 1000 + record.id)
        await store.record_intent(
            1, DAY, slot="extra", channel_id=10, segment_id="t", episode_id="e", fingerprint="g"
        )
        await store.record_skip(big, DAY, "empty pool")
        await store.record_search(SearchRecord(1, DAY, "quote", "found", "e", 12, "cake"))
        await store.record_search(SearchRecord(None, DAY, "quote", "none", None, 3))
        await store.forget_searches(DAY - dt.timedelta(days=30))
    finally:
        await store.close()


def _migrate(path: Path, url: PostgresUrl, capsys: pytest.CaptureFixture[str]) -> list[str]:
    status = main(["db", "migrate", "--from", f"sqlite:{path}", "--to", url.url])
    lines = capsys.readouterr().out.splitlines()
    assert status == (0 if lines[-1].startswith("ok:") else 1), lines
    return lines


def test_every_table_is_copied_once_with_its_ids(
    tmp_path: Path, postgres_url: PostgresUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "podquote.sqlite3"
    asyncio.run(_deployment(path))
    first = _migrate(path, postgres_url, capsys)
    assert first == [
        "ok: guild_settings: 2 in SQLite, 2 copied, 0 already there; 2 in PostgreSQL",
        "ok: quote_settings: 1 in SQLite, 1 copied, 0 already there; 1 in PostgreSQL",
        "ok: advice_log: 5 in SQLite, 5 copied, 0 already there; 5 in PostgreSQL",
        "ok: command_syncs: 1 in SQLite, 1 copied, 0 already there; 1 in PostgreSQL",
        "ok: searches: 2 in SQLite, 2 copied, 0 already there; 2 in PostgreSQL",
        "ok: guilds_seen: 2 in SQLite, 2 copied, 0 already there; 2 in PostgreSQL",
        f"ok: 13 rows copied from {path} to {postgres_url}; the counts agree",
    ]
    for table, _ in TABLES:  # every row, every column, the same
        query = f"SELECT * FROM {table} ORDER BY 1"
        assert asyncio.run(rows(postgres_url, query)) == asyncio.run(rows(path, query)), table
    second = _migrate(path, postgres_url, capsys)
    assert (
        second[0] == "ok: guild_settings: 2 in SQLite, 0 copied, 2 already there; 2 in PostgreSQL"
    )
    assert second[-1] == f"ok: 0 rows copied from {path} to {postgres_url}; the counts agree"

    async def after() -> None:  # the bot goes on on PostgreSQL: new ids after the copied ones
        store = await open_store(postgres_url)
        try:
            history = await store.advice_history(1)
            assert [r.local_date for r in history if r.slot == "daily"] == [
                "2026-11-19",
                "2026-11-21",
                "2026-11-22",
            ]
            assert await store.record_skip(1, DAY, "again") is None  # the day is taken
            new = await store.record_skip(1, DAY + dt.timedelta(days=2), "empty pool")
            assert new is not None and new.id == 6
            await store.record_search(SearchRecord(1, DAY, "quote", "found", "e", 1))
            assert len(await store.searches()) == 3
        finally:
            await store.close()

    asyncio.run(after())


def test_a_different_row_under_the_same_key_stops_the_copy_with_nothing_changed(
    tmp_path: Path, postgres_url: PostgresUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "podquote.sqlite3"
    asyncio.run(_deployment(path))

    async def other_deployment() -> None:
        store = await open_store(postgres_url)
        await store.save_quote_cooldown(1, 99.0)
        await store.close()

    asyncio.run(other_deployment())
    lines = _migrate(path, postgres_url, capsys)
    assert lines == [
        f"error: {postgres_url}: quote_settings: a different row is there already under "
        "guild_id=1; nothing was copied (copy into an empty database, or remove that row)"
    ]
    assert asyncio.run(rows(postgres_url, "SELECT COUNT(*) FROM guild_settings")) == [(0,)]


def test_what_cannot_be_copied_is_one_line(
    tmp_path: Path, postgres_url: PostgresUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    older = tmp_path / "older.sqlite3"
    asyncio.run(migrated_to(older, 3))
    assert _migrate(older, postgres_url, capsys) == [
        f"error: {older}: schema version 3 is older than this podquote's (6); start the bot "
        "or run `python -m bot check` once to upgrade it"
    ]
    assert _migrate(tmp_path / "none.sqlite3", postgres_url, capsys) == [
        f"error: {tmp_path / 'none.sqlite3'}: no such SQLite database"
    ]
    with pytest.raises(SystemExit) as usage:
        main(["db", "migrate", "--from", str(older), "--to", postgres_url.url])
    assert usage.value.code == 2
    with pytest.raises(SystemExit):
        main(["db", "migrate", "--from", f"sqlite:{older}", "--to", "postgresql://u:pw@h/db"])
    errors = capsys.readouterr().err
    assert "--from: must be sqlite:PATH" in errors
    assert "the URL holds a password; remove it and set the PGPASSWORD" in errors
    assert "pw@" not in errors
