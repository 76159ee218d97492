"""Shared test helpers: where the project's data and the optional shared corpus live."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.episodes import files as episode_io
from bot.episodes.model import Episode
from bot.search.meaning import find_model
from bot.storage import Database, PostgresUrl
from tests import postgres_server as postgres_server_mod

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MODEL = find_model()  # the sentence model's folder, if it is there
needs_model = pytest.mark.skipif(
    MODEL is None,
    reason="the sentence model is not there (python -m bot model fetch)",
)


@pytest.fixture
def corpus() -> Path:
    """The shared corpus folder; the test is skipped with a reason when it is absent."""
    if not (CORPUS / "MANIFEST.md").is_file():
        pytest.skip("../shared/corpus is absent: corpus tests need it")
    return CORPUS


def spread(paths: Iterable[Path], per_folder: int = 4) -> list[Path]:
    """A fixed spread of corpus files: from each folder, `per_folder` files (one in 20 of a
    big folder) evenly spaced by name, the first and last included; every file when
    `PODQUOTE_FULL_CORPUS=1`. Corpus-scale checks so read every layout of the corpus (each
    show and year has its own folder) and the suite keeps within CI's time."""
    ordered = sorted(paths, key=lambda p: (str(p.parent), p.name))
    if os.environ.get("PODQUOTE_FULL_CORPUS") == "1":
        return ordered
    out: list[Path] = []
    for _, group in groupby(ordered, key=lambda p: p.parent):
        files = list(group)
        k = min(len(files), max(per_folder, len(files) // 20))
        if k == 1:
            out.append(files[0])
            continue
        picks = sorted({round(i * (len(files) - 1) / (k - 1)) for i in range(k)})
        out += [files[i] for i in picks]
    return out


def bare_env() -> dict[str, str]:
    """A minimal environment for a `python -m bot` process: no config, token or locale of
    this shell, only what finds Python, the package and the sentence model."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    for name in ("HOME", "PODQUOTE_MODEL", "XDG_DATA_HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


class EpisodeReads:
    """How many episode files are parsed (the real parser, counted): what a store or a memo
    spares is what this does not count."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = episode_io.loads

        def counted(text: str, path: Path | str = "<episode>") -> Episode:
            self.count += 1
            return real(text, path)

        monkeypatch.setattr(episode_io, "loads", counted)


def workers_of(pid: int) -> list[int]:
    """The search processes among `pid`'s children (spawned: `bot.archive.search_pool`),
    not its resource tracker; Linux (/proc). Also the benches'."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def rss_mb(pid: int) -> float:
    """The process's resident memory in MB (VmRSS); Linux (/proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def memory_mb(pid: int) -> tuple[float, float]:
    """The resident memory of a bot's process and of all its search processes together, in
    MB (bench/soak.py's and bench/shards.py's)."""
    return rss_mb(pid), sum(rss_mb(w) for w in workers_of(pid))


POSTGRES_VARIABLE = "PODQUOTE_TEST_POSTGRES"  # a server's URL; else a private one is started


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server's URL for this session (this xdist worker): $PODQUOTE_TEST_POSTGRES
    (.ci/run starts one for the run), else a private one on a Unix socket when initdb is
    installed (`tests.postgres_server`), stopped at the end; else the test is skipped."""
    given = os.environ.get(POSTGRES_VARIABLE, "").strip()
    if given:
        yield given
        return
    if postgres_server_mod.find_bin("initdb") is None:
        pytest.skip(
            f"PostgreSQL is not installed (no initdb) and {POSTGRES_VARIABLE} is not set "
            "(Debian: apt-get install postgresql)"
        )
    folder = Path(tempfile.mkdtemp(prefix="podquote-pg-"))
    try:
        url = postgres_server_mod.start(folder)
        yield url
    finally:
        postgres_server_mod.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    """The URL of database `name` on the server of `url` (also bench/shards.py's)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def admin(url: str, statement: str) -> None:
    """Run one statement on the server of `url` (also bench/shards.py's)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[PostgresUrl]:
    """A fresh, empty database on the test server, dropped after the test."""
    name = f"podquote_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin(postgres_server, f'CREATE DATABASE "{name}"'))
    try:
        yield PostgresUrl(with_database(postgres_server, name))
    finally:
        asyncio.run(admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """Where a store's database is, once for each backend: a SQLite file (not yet made) or a
    fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "db.sqlite3"
    url: PostgresUrl = request.getfixturevalue("postgres_url")
    return url
