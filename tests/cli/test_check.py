"""`python -m bot check` as a process: one line per finding, exit 0 only when the bot can start."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import asyncpg
import numpy as np
import pytest

from bot.archive.derived import Derived, load_library
from bot.archive.search_index import open_index
from bot.archive.window_vectors import update
from bot.cli.check import check_database
from bot.config.settings import Config, DataConfig
from bot.episodes import files as episode_io
from bot.search.meaning import model_home
from bot.storage import PostgresUrl
from bot.storage.sqlite import MIGRATIONS
from tests.conftest import DATA, MODEL, needs_model

TOKEN = "check-token-value-never-printed"
# The meaning check is on by default; without the sentence model the bot still starts (by
# words only): a warning.
MEANING = (
    f"ok: meaning check: on (all-MiniLM-L6-v2 from {MODEL})"
    if MODEL is not None
    else f"warning: meaning check: off, the sentence model is not in {model_home()} "
    "(python -m bot model fetch puts it there); search goes by words alone"
)
MEANING_OFF = "ok: meaning check: off, words only ([search] meaning = false)"
# With the model, how many of the samples' 1,438 pieces have a meaning vector (none yet).
VECTORS = (
    [
        "ok: meaning vectors: 0 of 1,438 pieces embedded (0%); the bot embeds the other 1,438 "
        "in the background (under a minute of one core), or python -m bot ingest --vectors "
        "does it now with every core"
    ]
    if MODEL is not None
    else []
)
# No server configured: the commands go global, which Discord is slow to show (a warning).
GLOBAL_COMMANDS = (
    "warning: commands: no [discord] guild_ids, so they are registered globally and Discord "
    "can take up to an hour to show them; put your server's id in guild_ids to see them at once"
)


def check(
    tmp_path: Path,
    *args: str,
    token: str | None = TOKEN,
    env: dict[str, str] | None = None,
    wrap: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "PODQUOTE_CONFIG")}
    if token is not None:
        environ["DISCORD_TOKEN"] = token
    result = subprocess.run(
        [*wrap, sys.executable, "-m", "bot", "check", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**environ, **(env or {})},
        timeout=60,
        check=False,
    )
    assert TOKEN not in result.stdout + result.stderr
    return result


@pytest.fixture
def config(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "episodes", tmp_path / "episodes")
    path = tmp_path / "config.toml"
    path.write_text('[data]\nepisodes = "episodes"\ndatabase = "state/podquote.sqlite3"\n')
    return path


def test_ok_creates_the_database_then_finds_it_up_to_date(tmp_path: Path, config: Path) -> None:
    first = check(tmp_path, "--config", str(config))
    assert first.returncode == 0, first.stdout
    assert first.stdout.splitlines() == [
        f"ok: config: {config}",
        GLOBAL_COMMANDS,
        "ok: DISCORD_TOKEN is set",
        f"ok: episodes: 5 episodes, 599 quotes in {tmp_path / 'episodes'}",
        f"ok: database: {tmp_path / 'state/podquote.sqlite3'} created "
        f"(schema version {len(MIGRATIONS)})",
        MEANING,
        *VECTORS,
    ]
    again = check(tmp_path, "--config", str(config))
    assert _line(again.stdout, "ok: database:").endswith(
        f"opened (schema version {len(MIGRATIONS)}, up to date)"
    )


def _line(out: str, start: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith(start)]
    return line


@needs_model
def test_vectors_are_counted_and_who_embeds_the_rest_is_said(tmp_path: Path, config: Path) -> None:
    library = load_library(tmp_path / "episodes")
    index, _ = open_index(library)
    derived = Derived.beside(library.folder)
    shares: list[int] = []

    def stops_after_one_share(texts: list[str]) -> np.ndarray:
        shares.append(len(texts))
        if len(shares) > 1:
            raise _Stopped  # as a stopped embedding: what was saved stays
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    with pytest.raises(_Stopped):
        update(index, library, derived, stops_after_one_share, save_every=100)
    partly = _line(check(tmp_path, "--config", str(config)).stdout, "ok: meaning vectors:")
    assert partly.startswith("ok: meaning vectors: 100 of 1,438 pieces embedded (6%); the bot")
    config.write_text(config.read_text() + "[search]\nvectors = false\n")
    off = _line(check(tmp_path, "--config", str(config)).stdout, "warning: meaning vectors:")
    assert off == (
        "warning: meaning vectors: 100 of 1,438 pieces embedded (6%); [search] vectors = "
        "false, so only python -m bot ingest --vectors embeds the other 1,338 (under a minute "
        "of one core)"
    )
    update(index, library, derived, lambda texts: np.ones((len(texts), 4), dtype=np.float32))
    done = check(tmp_path, "--config", str(config)).stdout
    assert _line(done, "ok: meaning vectors:") == (
        "ok: meaning vectors: 1,438 of 1,438 pieces embedded (100%)"
    )
    config.write_text(config.read_text() + "meaning = false\n")
    assert "meaning vectors" not in check(tmp_path, "--config", str(config)).stdout


class _Stopped(Exception):
    """An embedding stopped mid-way."""


def test_the_config_comes_from_podquote_config_or_the_working_folder(
    tmp_path: Path, config: Path
) -> None:
    by_env = check(tmp_path / "episodes", env={"PODQUOTE_CONFIG": str(config)})
    assert by_env.returncode == 0 and f"ok: config: {config}" in by_env.stdout
    here = check(tmp_path)
    assert here.returncode == 0 and "ok: config: config.toml" in here.stdout


def test_missing_token_is_one_error_line(tmp_path: Path, config: Path) -> None:
    result = check(tmp_path, "--config", str(config), token=None)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert errors == ["error: DISCORD_TOKEN is not set: the bot token comes only from it"]


def test_bad_config_key_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[discord]\nguild_id = [1]\n")
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"error: {config}: [discord] guild_id: unknown key (known: admin_role_ids, "
        "admin_user_ids, api_base, gateway_url, guild_ids, shard_count, shard_ids)",
        "ok: DISCORD_TOKEN is set",
    ]


def test_missing_data_folder_and_broken_episode_files(tmp_path: Path, config: Path) -> None:
    (tmp_path / "episodes" / "broken.yaml").write_text("schema: 1\nid: [oops\n")
    warned = check(tmp_path, "--config", str(config))
    assert warned.returncode == 0  # the bot starts and serves the others
    assert any(
        line.startswith("warning: skipped: ") and "broken.yaml" in line
        for line in warned.stdout.splitlines()
    )
    shutil.rmtree(tmp_path / "episodes")
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 1
    assert (
        f"error: {config}: [data] episodes: {tmp_path / 'episodes'} is not a folder "
        "(python -m bot ingest writes it)"
    ) in result.stdout.splitlines()


def test_a_file_that_is_no_database(tmp_path: Path, config: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "podquote.sqlite3").write_text("not a database, just text\n" * 100)
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 1
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("error:")]
    assert "podquote.sqlite3: not a podquote database" in line


def test_a_database_from_a_newer_podquote_is_refused(tmp_path: Path, config: Path) -> None:
    (tmp_path / "state").mkdir()
    with sqlite3.connect(tmp_path / "state" / "podquote.sqlite3") as db:
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        db.execute("INSERT INTO schema_version VALUES (?)", (len(MIGRATIONS) + 1,))
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 1
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("error:")]
    assert f"schema version {len(MIGRATIONS) + 1} is newer than this podquote knows" in line


def test_an_older_database_is_migrated_and_says_so(tmp_path: Path, config: Path) -> None:
    (tmp_path / "state").mkdir()
    with sqlite3.connect(tmp_path / "state" / "podquote.sqlite3") as db:
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 0
    assert _line(result.stdout, "ok: database:").endswith(
        f"migrated from schema version 0 to {len(MIGRATIONS)}"
    )


def test_a_configured_server_gets_its_commands_at_once(tmp_path: Path, config: Path) -> None:
    config.write_text(config.read_text() + "[discord]\nguild_ids = [123456789012345678]\n")
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 0
    assert (
        result.stdout.splitlines()[1] == "ok: commands: synced to 1 configured server(s) at start"
    )


def test_the_meaning_check_switched_off_in_the_config_says_so(tmp_path: Path, config: Path) -> None:
    config.write_text(config.read_text() + "[search]\nmeaning = false\n")
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == MEANING_OFF


def test_no_config_anywhere_uses_the_defaults(tmp_path: Path) -> None:
    shutil.copytree(DATA / "episodes", tmp_path / "data" / "episodes")
    result = check(tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[0] == "ok: config: none found, using the defaults"
    assert (tmp_path / "data" / "podquote.sqlite3").is_file()


# As root (the tests' user here), file modes stop no write. A read-only bind mount of the file
# in a private mount namespace stops root too: the kernel refuses to open it for writing
# (EROFS), SQLite quietly opens it read-only, just as for a bot user facing mode 0444 or a
# read-only volume. A non-root user gets the plain mode 0444.
READ_ONLY_MOUNT = (
    "unshare",
    "--mount",
    "sh",
    "-c",
    'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"',
)


def test_a_database_the_bot_cannot_write_is_an_error(tmp_path: Path, config: Path) -> None:
    assert check(tmp_path, "--config", str(config)).returncode == 0  # created, writable
    database = tmp_path / "state" / "podquote.sqlite3"
    if os.geteuid() != 0:
        database.chmod(0o444)
        result = check(tmp_path, "--config", str(config))
    else:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: no way to make the file read-only")
        result = check(tmp_path, "--config", str(config), wrap=(*READ_ONLY_MOUNT, str(database)))
        if "ok: config" not in result.stdout:
            pytest.skip(f"cannot mount read-only here: {result.stderr.strip()}")
    assert result.returncode == 1, result.stdout
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("error:")]
    assert line == (
        f"error: {database}: the database cannot be written (a read-only file or mount?): "
        "attempt to write a readonly database"
    )
    assert result.stderr == ""


def test_a_raw_folder_ingest_cannot_write_is_a_warning(tmp_path: Path, config: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(DATA / "raw", raw)
    config.write_text(config.read_text() + 'raw = "raw"\n')
    writable = check(tmp_path, "--config", str(config))
    assert not [x for x in writable.stdout.splitlines() if x.startswith("warning: raw")]
    if os.geteuid() != 0:
        raw.chmod(0o555)
        result = check(tmp_path, "--config", str(config))
        raw.chmod(0o755)
    else:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: no way to make the folder read-only")
        result = check(tmp_path, "--config", str(config), wrap=(*READ_ONLY_MOUNT, str(raw)))
        if "ok: config" not in result.stdout:
            pytest.skip(f"cannot mount read-only here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stdout  # the bot starts: it serves the episodes
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("warning: raw")]
    why = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert line == (
        f"warning: raw folder: {raw} cannot be written ({why}): /ingest and /remove will "
        "fail; the bot serves the episodes all the same"
    )
    assert not list(raw.glob(".intake-*")) and result.stderr == ""


def test_a_folder_where_the_database_should_be_is_one_line(tmp_path: Path, config: Path) -> None:
    (tmp_path / "state" / "podquote.sqlite3").mkdir(parents=True)
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 1
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("error:")]
    assert line.endswith("podquote.sqlite3: cannot open the database: it is a folder, not a file")
    assert result.stderr == ""  # no thread traceback


def test_every_source_set_aside_as_a_copy_is_listed_with_why(tmp_path: Path, config: Path) -> None:
    episodes = tmp_path / "episodes"
    siraj = episode_io.read(episodes / "twiml-talk-2-siraj-raval.yaml")
    copy = replace(siraj, id="siraj-again", source="siraj-again.txt", catalogued=False)
    episode_io.write(copy, episodes)
    result = check(tmp_path, "--config", str(config))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    found = lines.index(f"ok: episodes: 5 episodes, 599 quotes in {episodes}")
    assert lines[found + 1 : found + 3] == [
        "ok: one episode per talk: copies set aside 1 (same YouTube video 0, same text 1)",
        "ok: set aside: siraj-again: same text as twiml-talk-2-siraj-raval (resemblance 1.00, "
        "containment 1.00); 002_32cc3a7d8ab5d358.txt is in the catalog and siraj-again.txt "
        "is not",
    ]
    # A file written before prints were stored: found all the same, and a hint to ingest.
    path = episodes / "siraj-again.yaml"
    rows = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(r for r in rows if not r.startswith("text_print:")))
    again = check(tmp_path, "--config", str(config)).stdout.splitlines()
    assert lines[found + 1 : found + 3] == again[found + 2 : found + 4]
    assert again[found + 1] == (
        "warning: episodes: files without a text print 1 (written by an older podquote): every "
        "load computes theirs, python -m bot ingest stores them"
    )


def _database_findings(database: PostgresUrl) -> list[str]:
    return [str(f) for f in check_database(Config(data=DataConfig(database=database)))]


def test_a_postgresql_database_is_set_up_then_found_up_to_date(postgres_url: PostgresUrl) -> None:
    assert _database_findings(postgres_url) == [
        f"ok: database: {postgres_url} created (schema version {len(MIGRATIONS)})"
    ]
    assert _database_findings(postgres_url) == [
        f"ok: database: {postgres_url} opened (schema version {len(MIGRATIONS)}, up to date)"
    ]


def test_postgresql_failures_are_one_error_line_each(
    postgres_url: PostgresUrl, tmp_path: Path
) -> None:
    server = postgres_url.url.replace(f"/{postgres_url.database}", "/{}")
    cases = {
        "no server": (
            PostgresUrl(f"postgresql://podquote@/podquote?host={tmp_path}"),
            "cannot reach the server",
        ),
        "no database": (PostgresUrl(server.format("missing_db")), "does not exist"),
        "no such user": (
            PostgresUrl(server.format("postgres").replace("postgres@", "stranger@", 1)),
            "the server refused the login",
        ),
    }
    for what, (url, expected) in cases.items():
        found = _database_findings(url)
        assert len(found) == 1 and found[0].startswith(f"error: {url}: "), what
        assert expected in found[0], (what, found)
    assert _database_findings(postgres_url)[0].startswith("ok:")
    newer = asyncio.run(
        _run_sql(postgres_url, f"INSERT INTO schema_version VALUES ({len(MIGRATIONS) + 1})")
    )
    assert newer == "INSERT 0 1"
    (line,) = _database_findings(postgres_url)
    assert line == (
        f"error: {postgres_url}: schema version {len(MIGRATIONS) + 1} is newer than this "
        f"podquote knows ({len(MIGRATIONS)}); upgrade podquote"
    )


async def _run_sql(url: PostgresUrl, statement: str) -> str:
    conn = await asyncpg.connect(url.url)
    try:
        return str(await conn.execute(statement))
    finally:
        await conn.close()
