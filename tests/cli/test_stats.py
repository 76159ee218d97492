"""`python -m bot stats`: the figures from the bot's database, read without changing it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.stats.record import utc_today
from bot.storage import SearchRecord, open_store

GUILD = 7


def _database(path: Path) -> Path:
    today = utc_today()

    async def fill() -> None:
        store = await open_store(path)
        for record in (
            SearchRecord(GUILD, today, "quote", "found", "ep-a", 12),
            SearchRecord(GUILD, today, "quote", "found", "ep-a", 10),
            SearchRecord(GUILD, today, "quote", "none", None, 3, "chocolate cake"),
            SearchRecord(8, today - dt.timedelta(days=1), "quote", "unsure", None, 40),
            SearchRecord(8, today - dt.timedelta(days=1), "quote", "refused", None, 0),
        ):
            await store.record_search(record)
        await store.close()

    asyncio.run(fill())
    return path


def test_the_report_of_all_servers_from_the_configs_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _database(tmp_path / "data" / "podquote.sqlite3")
    monkeypatch.chdir(tmp_path)  # the defaults: data/podquote.sqlite3, queries off
    monkeypatch.delenv("PODQUOTE_CONFIG", raising=False)
    before = (tmp_path / "data" / "podquote.sqlite3").read_bytes()
    assert main(["stats", "--days", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    today = utc_today()
    assert (
        out[0] == f"Searches from {today - dt.timedelta(days=1)} to {today} (UTC), all servers: 5"
    )
    assert out[1] == "found 50% · unsure 25% · none 25% of 4 searches; 1 refused, 0 errors"
    assert f"  {today}  3" in out
    assert "      2  ep-a" in out
    assert out[-1].startswith("  Query logging is off")  # the stored text is not shown
    assert "chocolate" not in "\n".join(out)
    assert (tmp_path / "data" / "podquote.sqlite3").read_bytes() == before


def test_one_server_with_query_logging_on_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _database(tmp_path / "state" / "podquote.sqlite3")
    config = tmp_path / "config.toml"
    config.write_text("[logging]\nqueries = true\n")
    assert (
        main(["stats", "--config", str(config), "--data", str(tmp_path / "state"), "--guild", "7"])
        == 0
    )
    text = capsys.readouterr().out
    assert "server 7: 3" in text and "'chocolate cake'" in text
    assert (
        main(["stats", "--config", str(config), "--data", str(tmp_path / "state"), "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 5
    assert report["outcomes"] == {"found": 2, "unsure": 1, "none": 1, "refused": 1, "error": 0}
    assert report["episodes"] == [{"episode_id": "ep-a", "searches": 2}]
    assert report["misses"][0]["query"] == "chocolate cake"
    assert len(report["per_day"]) == 7


def test_a_missing_or_older_database_is_one_error_line_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.sqlite3"
    assert main(["stats", "--data", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"error: {missing}: no database there (the bot creates it when it first starts)\n"
    )
    assert not missing.exists()
    older = tmp_path / "older.sqlite3"
    with sqlite3.connect(older) as raw:
        raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        raw.execute("INSERT INTO schema_version VALUES (3)")
    assert main(["stats", "--data", str(older)]) == 2
    assert "schema version 3 is older" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["stats", "--days", "0"])
