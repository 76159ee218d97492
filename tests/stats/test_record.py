"""One log line per command and one row per search, written off the reply path, on a real
SQLite file; a database that fails is said once and never stops a reply."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest

from bot.stats.record import CommandLog, CommandRun, log_line
from bot.storage import SearchRecord, Store, StoreBusy, open_store

TODAY = dt.date(2026, 3, 10)
FOUND = CommandRun("quote", "found", 42, 7, "ep-a", "catapult basket drift")
MISS = CommandRun("quote", "none", 9, 7, None, "chocolate\ncake\u202e" + "x" * 300)


def test_the_log_line_names_the_command_outcome_and_time_and_the_query_only_when_asked() -> None:
    assert log_line(FOUND, queries=False) == "/quote outcome=found took_ms=42"
    shown = log_line(MISS, queries=True)
    assert shown.startswith("/quote outcome=none took_ms=9 query='chocolate cake\ufffdxxx")
    assert "\n" not in shown and "\u202e" not in shown
    assert len(shown) < 160 and shown.endswith("…'")  # cut, then quoted
    quoted = CommandRun("quote", "found", 1, query="it's a \\ test")
    assert log_line(quoted, queries=True).endswith("""query="it's a \\\\ test\"""")
    assert log_line(CommandRun("help", "ok", 1), queries=True) == "/help outcome=ok took_ms=1"


async def _log(tmp_path: Path, **options: object) -> tuple[Store, CommandLog]:
    store = await open_store(tmp_path / "db.sqlite3")
    return store, CommandLog(store, today=lambda: TODAY, **options)  # type: ignore[arg-type]


def test_a_search_is_recorded_after_the_call_returns_without_its_text_by_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.stats.record")

    async def scenario() -> None:
        store, commands = await _log(tmp_path)
        try:
            commands.finished(FOUND)
            commands.finished(MISS)
            commands.finished(CommandRun("help", "ok", 1, 7))  # no search: logged only
            commands.finished(CommandRun("quote", "ok", 1, 7))  # not a search outcome
            assert commands.pending == 2  # scheduled, not written yet: the reply never waits
            assert await store.searches() == []
            assert await commands.drain() == 0
            assert await store.searches() == [
                SearchRecord(7, TODAY, "quote", "found", "ep-a", 42, None),
                SearchRecord(7, TODAY, "quote", "none", None, 9, None),
            ]
        finally:
            await store.close()

    asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records]
    assert lines[:2] == ["/quote outcome=found took_ms=42", "/quote outcome=none took_ms=9"]
    assert not any("catapult" in line for line in lines)


def test_with_queries_on_the_text_is_kept_as_a_short_line(tmp_path: Path) -> None:
    async def scenario() -> list[SearchRecord]:
        store, commands = await _log(tmp_path, queries=True)
        try:
            commands.finished(MISS)
            await commands.drain()
            return await store.searches()
        finally:
            await store.close()

    (row,) = asyncio.run(scenario())
    assert row.query is not None
    assert row.query.startswith("chocolate cake\ufffdxxx") and len(row.query) == 200


def test_a_failing_database_is_logged_once_until_it_works_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.stats.record")

    async def scenario() -> None:
        store, commands = await _log(tmp_path)
        real = store.record_search
        failing = True

        async def record(row: SearchRecord) -> None:
            if failing:
                raise StoreBusy("db.sqlite3: the database is locked by another program")
            await real(row)

        store.record_search = record  # type: ignore[method-assign]
        try:
            for _ in range(3):
                commands.finished(FOUND)
            await commands.drain()
            failing = False
            commands.finished(FOUND)
            await commands.drain()
            assert len(await store.searches()) == 1
        finally:
            await store.close()

    asyncio.run(scenario())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "cannot record searches" in warnings[0].getMessage()
    assert "locked by another program" in warnings[0].getMessage()
    assert not warnings[0].exc_info  # a database error: one line, no traceback
    assert any(r.getMessage() == "the search log is written again" for r in caplog.records)


def test_drain_gives_up_on_a_write_that_hangs(tmp_path: Path) -> None:
    async def scenario() -> int:
        store, commands = await _log(tmp_path)

        async def hang(row: SearchRecord) -> None:
            await asyncio.sleep(60)

        store.record_search = hang  # type: ignore[method-assign]
        try:
            commands.finished(FOUND)
            return await commands.drain(timeout=0.05)
        finally:
            await store.close()

    assert asyncio.run(scenario()) == 1


def test_prune_keeps_keep_days_days_and_with_queries_off_blanks_the_texts_kept(
    tmp_path: Path,
) -> None:
    async def scenario() -> list[SearchRecord]:
        store, commands = await _log(tmp_path, keep_days=3)
        try:
            for back in (0, 2, 3, 30):
                day = TODAY - dt.timedelta(days=back)
                await store.record_search(SearchRecord(1, day, "quote", "none", None, back, "q"))
            assert await commands.prune()
            return await store.searches()
        finally:
            await store.close()

    kept = asyncio.run(scenario())
    assert [r.took_ms for r in kept] == [0, 2]  # today and the two days before
    assert [r.query for r in kept] == [None, None]


def test_prune_runs_at_once_and_then_daily_and_survives_a_failing_database(
    tmp_path: Path,
) -> None:
    async def scenario() -> list[float]:
        store, commands = await _log(tmp_path, keep_days=1)
        slept: list[float] = []
        calls = 0
        real = store.forget_searches

        async def forget(before: dt.date, *, keep_queries: bool = True) -> int:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise StoreBusy("busy")
            return await real(before, keep_queries=keep_queries)

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            if len(slept) == 3:
                raise asyncio.CancelledError

        store.forget_searches = forget  # type: ignore[method-assign]
        await store.record_search(SearchRecord(1, TODAY - dt.timedelta(days=1), "quote", "none"))
        try:
            with pytest.raises(asyncio.CancelledError):
                await commands.prune_daily(sleep)
            assert calls == 3
            assert await store.searches() == []
            return slept
        finally:
            await store.close()

    assert asyncio.run(scenario()) == [86400.0] * 3
