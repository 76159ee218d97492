"""Shards across processes against the local Discord (#20): 2,000 servers over 4 shards.

    python bench/shards.py [--servers 2000] [--quotes 500] [--every 0.02] [--workers 1]
                           [--layouts 2pg,1sqlite] [--postgres URL]

Runs `python -m bot run` as 2 processes (`--shards 0-1` and `--shards 2-3`, `--shard-count
4`) on one PostgreSQL database, then as 1 process holding all 4 shards on one SQLite file (the
layouts of `--layouts`: 2 or 1 processes, `pg` or `sqlite`), on the shipped sample episodes
(their search data made beforehand), against the local Discord-compatible server of the
end-to-end tests (request bodies not checked against the schema: that would be timed with the
bot). PostgreSQL is the server at `--postgres` (a fresh database per layout is made there and
dropped), else a private one started for the run (`tests/postgres_server.py`, fsync on, as a
deployment has it). For each layout it prints:

- the time from starting the processes to READY of every shard (discord.py identifies one
  shard after another, 5 s apart, as Discord's `max_concurrency` of 1 asks);
- the resident memory (VmRSS) of each bot process and of its search processes, after READY
  and after the load;
- `--servers` daily posts due at the same minute: the seconds from that minute until every
  one is recorded as sent, and the posts per server (none twice);
- `--quotes` /quote spread over the servers (one every `--every` seconds, queries of
  bench/queries_tenth.yaml): how many got their first answer (reply or deferral) within
  Discord's 3 s, p50 and p95 of it, and of the answer itself (the reply, or the follow-up
  after a deferral).

Figures depend on the machine's load (`uptime` is printed with them).

Run on 2026-12-06 (`--every 0.25`: 4 /quote a second; 2 cores shared with other light work,
load average 1.8; the samples' 5 episodes, the sentence model on, one search process per
bot; PostgreSQL 15 with fsync on, on a Unix socket):

                                  2 processes (0-1, 2-3),    1 process (0-3),
                                  PostgreSQL                 SQLite
    READY of all 4 shards         9.3 s                      20.3 s
    VmRSS at READY / after load   191-193 / 199-200 MB each  192 / 205 MB
      its search process          157 / 162-166 MB each      157 / 166 MB
    2,000 posts due at 1 minute   all sent after 22.5 s      all sent after 31.8 s
                                  2,000 posts, none twice    2,000 posts, none twice
    500 /quote, first answer      500 within 3 s,            500 within 3 s,
                                  p50 158 ms, p95 191 ms     p50 153 ms, p95 182 ms
    500 /quote, answer            p50 161 ms, p95 1,010 ms   p50 156 ms, p95 906 ms

The day before, with the posts one server after another and both layouts on SQLite: 22.8 s
(2 processes) and 36.8 s (1 process). A few posts at once (`POSTS_AT_ONCE`) shorten the one
process's round; on 2 cores the two processes, their search processes, PostgreSQL and the
local Discord share the CPU, which then bounds the posting rate more than the waits do.
Under heavy load (the defaults, 50 /quote a second, load average 6-8, that day): READY 12.6 s
and 23.2 s; posts all sent after 51.2 s and 77.4 s; every /quote deferred within 3 s but the
answers queued (p95 164 s and 197 s): far more than one search process per bot answers on 2
busy cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.archive.loaded import Archive  # noqa: E402
from bot.storage import Database, GuildSettings, PostgresUrl, open_store  # noqa: E402
from tests import postgres_server  # noqa: E402
from tests.conftest import DATA, admin, memory_mb, with_database  # noqa: E402
from tests.e2e.bot_process import BotProcess  # noqa: E402
from tests.e2e.fake_discord import (  # noqa: E402
    FakeDiscord,
    FakeGuild,
    InteractionHandle,
    guild_on_shard,
)

SHARDS = 4
DEADLINE = 3.0  # Discord's time for the first answer to an interaction
POST_WITHIN = 60.0
ANSWERS = ("followup", "patch-original")  # what answers a deferred /quote
QUERIES = ROOT / "bench" / "queries_tenth.yaml"


@dataclass
class Figures:
    """What one layout (2 processes or 1) measured."""

    layout: str
    ready_s: float
    rss_ready: list[tuple[float, float]]  # per process: the bot's MB, its search processes'
    rss_after: list[tuple[float, float]]
    posted_s: float | None
    posts: int
    doubled: int
    quotes_in_time: int
    quotes: int
    p50_ms: float
    p95_ms: float
    answered: int
    answer_p50_ms: float
    answer_p95_ms: float


def queries() -> list[str]:
    return [item["query"] for item in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))]


LAYOUTS = {
    "2pg": ("2 processes (shards 0-1, 2-3 of 4), PostgreSQL", ["0-1", "2-3"], "pg"),
    "1pg": ("1 process (shards 0-3), PostgreSQL", ["0-3"], "pg"),
    "2sqlite": ("2 processes (shards 0-1, 2-3 of 4), SQLite", ["0-1", "2-3"], "sqlite"),
    "1sqlite": ("1 process (shards 0-3), SQLite", ["0-3"], "sqlite"),
}


def write_config(
    server: FakeDiscord, folder: Path, episodes: Path, database: Database, workers: int
) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{episodes}"\ndatabase = "{database}"\n'
        f'[discord]\napi_base = "{server.api_base}"\ngateway_url = "{server.gateway_url}"\n'
        f"[search]\nworkers = {workers}\ncooldown_seconds = 0\n"
    )
    return config


SENT = "SELECT count(*) FROM advice_log WHERE slot = 'daily' AND status = 'sent'"


async def sent_rows(database: Database) -> int:
    """Daily posts recorded as sent (one light query; read-only on SQLite)."""
    if isinstance(database, Path):
        with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
            return int(db.execute(SENT).fetchone()[0])
    conn = await asyncpg.connect(str(database))
    try:
        return int(await conn.fetchval(SENT))
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_database(backend: str, folder: Path, server: str) -> AsyncIterator[Database]:
    """A new SQLite file in `folder`, or a new database on the PostgreSQL `server` (dropped
    after)."""
    if backend == "sqlite":
        yield folder / "podquote.sqlite3"
        return
    name = f"podquote_bench_{uuid.uuid4().hex[:12]}"
    await admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield PostgresUrl(with_database(server, name))
    finally:
        await admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run_layout(
    layout: str,
    ranges: list[str | None],
    args: argparse.Namespace,
    data: Path,
    database: Database,
) -> Figures:
    """Start the processes, wait for READY, let the posts fall due, send the quotes."""
    servers, quotes, workers, lead = args.servers, args.quotes, args.workers, args.lead
    per_shard = servers // SHARDS
    guilds = [guild_on_shard(s, SHARDS, i) for i in range(per_shard) for s in range(SHARDS)]
    folder = Path(tempfile.mkdtemp(prefix=f"podquote-shards-{layout}-"))
    server = FakeDiscord(guilds=guilds, shard_count=SHARDS, validate_requests=False)
    async with server:
        config = write_config(server, folder, data, database, workers)
        # Every post due at one minute, far enough ahead for every shard to be READY.
        ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)
        due = ahead.replace(second=0, microsecond=0)
        store = await open_store(database)
        try:
            for guild in guilds:
                channel = guild.channels[0].id
                at = f"{due:%H:%M}"
                await store.save_guild_settings(GuildSettings(guild.id, channel, at, "UTC", True))
        finally:
            await store.close()
        bots = [BotProcess(server, config, shards, SHARDS) for shards in ranges]
        began = time.perf_counter()
        try:
            await asyncio.gather(*(bot.start() for bot in bots))
            for bot in bots:
                await bot.wait_for("ready as", timeout=120)
            ready_s = time.perf_counter() - began
            rss_ready = [memory_mb(bot.pid) for bot in bots]
            wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
            if wait < 0:
                print(f"  warning: READY came {-wait:.0f} s after the posts fell due")
            await asyncio.sleep(max(0.0, wait))
            posted_s: float | None = None
            deadline = time.perf_counter() + 2 * POST_WITHIN
            while time.perf_counter() < deadline:
                if await sent_rows(database) >= len(guilds):
                    posted_s = (dt.datetime.now(dt.UTC) - due).total_seconds()
                    break
                await asyncio.sleep(0.5)
            counts = [len(server.channel_messages.get(g.channels[0].id, [])) for g in guilds]
            handles = await send_quotes(server, guilds, quotes, args.every)
            firsts, finals = await first_answers(handles)
            rss_after = [memory_mb(bot.pid) for bot in bots]
            for bot in bots:
                await bot.stop()
        finally:
            for bot in bots:
                await bot.kill()
    shutil.rmtree(folder, ignore_errors=True)
    in_time = [f for f in firsts if f <= DEADLINE]
    return Figures(
        layout,
        ready_s,
        rss_ready,
        rss_after,
        posted_s,
        sum(counts),
        sum(c > 1 for c in counts),
        len(in_time),
        quotes,
        *percentiles(firsts),
        len(finals),
        *percentiles(finals),
    )


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 in ms."""
    ordered = sorted(seconds) or [float("nan")]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def send_quotes(
    server: FakeDiscord, guilds: list[FakeGuild], quotes: int, every: float
) -> list[InteractionHandle]:
    """`quotes` /quote, one every `every` seconds, over the servers of every shard."""
    asked = queries()
    handles = []
    for n in range(quotes):
        guild = guilds[(n * 7919) % len(guilds)]  # spread over every shard
        query = asked[n % len(asked)]
        handles.append(await server.send_interaction("quote", {"query": query}, guild_id=guild.id))
        await asyncio.sleep(every)
    return handles


async def first_answers(handles: list[InteractionHandle]) -> tuple[list[float], list[float]]:
    """Seconds to each interaction's first answer (the reply or a deferral) and to its answer
    (the reply, or the follow-up after a deferral), of those answered within 30 s."""
    firsts, finals = [], []
    for handle in handles:
        try:
            call = await handle.callback(timeout=30)
        except AssertionError:
            continue
        firsts.append(handle.elapsed(call))
        if call.body["type"] == 5:  # the answer edits the deferral or follows it

            def answered(handle: InteractionHandle = handle) -> bool:
                return any(handle.accepted(kind) for kind in ANSWERS)

            try:
                await handle.server.wait_until(answered, 30)
            except TimeoutError:
                continue
            call = min((c for k in ANSWERS for c in handle.accepted(k)), key=lambda c: c.at)
        finals.append(handle.elapsed(call))
    return firsts, finals


def show(figures: Figures, servers: int) -> None:
    print(f"{figures.layout}:")
    print(f"  READY of all {SHARDS} shards: {figures.ready_s:.1f} s after the start")
    for n, (ready, after) in enumerate(zip(figures.rss_ready, figures.rss_after, strict=True)):
        print(
            f"  process {n}: {ready[0]:.0f} MB at READY, {after[0]:.0f} MB after the load "
            f"(its search processes: {ready[1]:.0f} / {after[1]:.0f} MB)"
        )
    when = "not all" if figures.posted_s is None else f"{figures.posted_s:.1f} s"
    print(
        f"  {servers} daily posts due at one minute: all sent after {when}; "
        f"{figures.posts} posts, {figures.doubled} servers with more than one"
    )
    print(
        f"  {figures.quotes} /quote: {figures.quotes_in_time} first answers within "
        f"{DEADLINE:g} s (the reply or a deferral): p50 {figures.p50_ms:.0f} ms, p95 "
        f"{figures.p95_ms:.0f} ms; {figures.answered} answers: p50 "
        f"{figures.answer_p50_ms:.0f} ms, p95 {figures.answer_p95_ms:.0f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument("--quotes", type=int, default=500)
    parser.add_argument("--every", type=float, default=0.02, help="seconds between two /quote")
    parser.add_argument("--workers", type=int, default=1, help="search processes per bot")
    parser.add_argument(
        "--lead", type=float, default=150, help="seconds from the start to the posts' minute"
    )
    parser.add_argument(
        "--layouts",
        default="2pg,1sqlite",
        help=f"the layouts to run, in order (of {','.join(LAYOUTS)})",
    )
    parser.add_argument(
        "--postgres", help="a PostgreSQL server's URL (default: a private one for the run)"
    )
    args = parser.parse_args()
    # A SIGTERM unwinds like Ctrl-C: the bot processes and the private server are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    chosen = [name.strip() for name in args.layouts.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in LAYOUTS]
    if unknown:
        parser.error(f"unknown layout {unknown[0]!r} (of {', '.join(LAYOUTS)})")
    with contextlib.ExitStack() as stack:
        server = args.postgres
        if server is None and any(LAYOUTS[name][2] == "pg" for name in chosen):
            server = stack.enter_context(private_postgres())
        await run(args, chosen, server or "")


@contextlib.contextmanager
def private_postgres() -> Iterator[str]:
    """A PostgreSQL server for the run (fsync on), stopped and removed at the end."""
    if postgres_server.find_bin("initdb") is None:
        raise SystemExit("PostgreSQL is not installed (no initdb): give --postgres URL")
    folder = Path(tempfile.mkdtemp(prefix="podquote-bench-pg-"))
    try:
        yield postgres_server.start(folder, durable=True)
    finally:
        postgres_server.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


async def run(args: argparse.Namespace, chosen: list[str], postgres: str) -> None:
    """Each chosen layout in turn, on the same data folder."""
    data = Path(tempfile.mkdtemp(prefix="podquote-shards-data-")) / "episodes"
    shutil.copytree(DATA / "episodes", data)
    Archive.open(data).close()  # the search data, made once as ingest makes it
    os.environ.setdefault("PODQUOTE_MODEL", str(ROOT / ".venv-ci" / "podquote-model"))
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())
    for name in chosen:
        layout, ranges, backend = LAYOUTS[name]
        with tempfile.TemporaryDirectory(prefix="podquote-shards-db-") as where:
            async with fresh_database(backend, Path(where), postgres) as database:
                figures = await run_layout(layout, ranges, args, data, database)
        show(figures, args.servers)
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())
    shutil.rmtree(data.parent, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
