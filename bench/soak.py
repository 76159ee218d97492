"""The bot as a process under load and over many reloads, against the local Discord (#16).

    python bench/soak.py [--cycles 20] [--burst 200] [--members 50]

Starts `python -m bot run` on the samples plus the whole corpus (`corpus_library`, its search
index stored beside it), pointed at the local Discord-compatible server of the end-to-end
tests, with a server of `--members` members, and prints:

- bursts of `--burst` /quote (queries from bench/queries_tenth.yaml) sent by the members at
  once: right after the start (cold), again (warm), and while a /reload runs. For each: how
  many got their first answer (the reply or the "thinking…" deferral) within Discord's 3 s,
  and p50/p95/max of the first and of the final answer;
- `--cycles` cycles of (50 /quote + /reload): the bot's resident memory (VmRSS) after each,
  the last against the first;
- the event loop's lag: a /help every 50 ms from outside, answered in p50/p99/max, and the
  bot's own measure (`bot.discord_app.loop_lag`, logged when it stops).

The cooldown is off (every member asks several times at once). Figures depend on the
machine's load: `uptime` is printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_library import corpus_library  # noqa: E402

from bot.archive.loaded import Archive  # noqa: E402
from tests.conftest import memory_mb, workers_of  # noqa: E402
from tests.e2e.fake_discord import (  # noqa: E402
    FakeDiscord,
    FakeGuild,
    FakeUser,
    InteractionHandle,
    default_guild,
)

DEADLINE = 3.0  # Discord's time for the first answer
ANSWER_WAIT = 900.0  # an interaction's token lasts 15 minutes: no answer after that counts
HELP_EVERY = 0.05
CYCLE_QUOTES = 50
QUERIES = ROOT / "bench" / "queries_tenth.yaml"


def members_guild(count: int) -> FakeGuild:
    """The default test server with `count` members (the first is the bot's admin)."""
    base = default_guild()
    members = tuple(
        FakeUser(1_400_000_000_000_100_000 + n, f"member{n}", f"Member {n}") for n in range(count)
    )
    return FakeGuild(base.id, base.name, base.channels, members, members[0].id)


def queries() -> list[str]:
    """The answerable and off-topic queries of the tenth set, in its order."""
    return [item["query"] for item in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Answers:
    """Seconds to the first and to the final answer of each interaction of a burst."""

    first: list[float] = field(default_factory=list)
    final: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        within = sum(t <= DEADLINE for t in self.first)
        missing = sum(math.isinf(t) for t in self.final)
        return (
            f"{name:<22} {within}/{len(self.first)} first answers within {DEADLINE:g} s"
            f"{f' ({missing} never answered)' if missing else ''}; "
            f"first p50 {statistics.median(self.first):.2f} s, "
            f"p95 {percentile(self.first, 0.95):.2f} s, max {max(self.first):.2f} s; "
            f"final p50 {statistics.median(self.final):.2f} s, "
            f"p95 {percentile(self.final, 0.95):.2f} s, max {max(self.final):.2f} s"
        )


class Bench:
    """The fake Discord, the bot process, and what they measure."""

    def __init__(self, server: FakeDiscord, guild: FakeGuild, texts: list[str]) -> None:
        self.server = server
        self.guild = guild
        self.texts = texts
        self.sent = 0
        self.log: list[str] = []
        self.help_took: list[float] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self, episodes: Path, folder: Path) -> None:
        """Start `python -m bot run`; return once it is ready."""
        config = folder / "config.toml"
        config.write_text(
            f'[data]\nepisodes = "{episodes}"\ndatabase = "{folder / "db.sqlite3"}"\n'
            "[search]\ncooldown_seconds = 0\n"
            f"[discord]\nguild_ids = [{self.guild.id}]\n"
            f"admin_user_ids = [{self.guild.members[0].id}]\n"
            f'api_base = "{self.server.api_base}"\ngateway_url = "{self.server.gateway_url}"\n'
        )
        env = {**os.environ, "DISCORD_TOKEN": self.server.token, "PYTHONPATH": str(ROOT)}
        self.process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", "--config", str(config)),
            cwd=folder,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read_log())
        while not any(" ready as " in line for line in self.log):
            if self.process.returncode is not None:
                raise SystemExit("the bot stopped:\n" + "".join(self.log[-20:]))
            await asyncio.sleep(0.05)

    async def _read_log(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            self.log.append(raw.decode(errors="replace"))

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def stop(self) -> str:
        """SIGTERM, and the bot's own loop-lag summary from its log."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), 60)
        if self._reader is not None:
            await self._reader  # the log to its end
        found = [line for line in self.log if "event loop lag over" in line]
        return found[-1].split("event loop lag over", 1)[1].strip() if found else "not logged"

    async def quote(self, member: FakeUser) -> tuple[float, float]:
        """One /quote: seconds to its first and to its final answer."""
        text = self.texts[self.sent % len(self.texts)]
        self.sent += 1
        handle = await self.server.send_interaction("quote", {"query": text}, user=member)
        return await answered(handle)

    def mark(self, what: str) -> None:
        """A line of the bench's own in the bot's log (what it was doing when)."""
        self.log.append(f"{time.strftime('%Y-%m-%d %H:%M:%S')} bench: {what}\n")

    async def burst(self, count: int) -> Answers:
        """`count` /quote from the members, all at once."""
        self.mark(f"{count} /quote at once")
        members = self.guild.members
        took = await asyncio.gather(*(self.quote(members[n % len(members)]) for n in range(count)))
        self.mark(f"{count} /quote answered")
        return Answers([t[0] for t in took], [t[1] for t in took])

    async def reload(self) -> float:
        """/reload by the admin: seconds to its answer."""
        self.mark("/reload")
        handle = await self.server.send_interaction("reload", user=self.guild.members[0])
        took = (await answered(handle))[1]
        self.mark("/reload answered")
        return took

    async def help_every(self, stop: asyncio.Event) -> None:
        """/help every `HELP_EVERY` seconds until `stop`, keeping how long each took."""
        while not stop.is_set():
            handle = await self.server.send_interaction("help", user=self.guild.members[-1])
            self.help_took.append((await answered(handle, timeout=60))[0])
            await asyncio.sleep(HELP_EVERY)


async def answered(handle: InteractionHandle, timeout: float = ANSWER_WAIT) -> tuple[float, float]:
    """Seconds to the first answer and to the final one (after a deferral: its edit or its
    first follow-up, whichever the command sent); `inf` for an answer that never came."""
    try:
        first = await handle.callback(timeout=timeout)
    except AssertionError:
        return math.inf, math.inf
    if first.body["type"] != 5:
        took = handle.elapsed(first)
        return took, took

    def done() -> bool:
        return bool(handle.accepted("patch-original") or handle.accepted("followup"))

    try:
        await handle.server.wait_until(done, timeout=timeout)
    except TimeoutError:
        return handle.elapsed(first), math.inf
    final = (handle.accepted("patch-original") + handle.accepted("followup"))[0]
    return handle.elapsed(first), handle.elapsed(final)


async def during_reload(bench: Bench, count: int) -> Answers:
    """A burst sent while a /reload runs (the reload asked for first)."""
    reloading = asyncio.ensure_future(bench.reload())
    await asyncio.sleep(0.2)  # the reload is under way
    answers = await bench.burst(count)
    await reloading
    return answers


async def soak(args: argparse.Namespace) -> None:
    episodes = corpus_library().folder
    opened = Archive.open(episodes)  # its index stored beside it once, before the timing
    print(
        f"library: {len(opened.library)} episodes, {opened.library.segment_count:,} quotes; "
        f"{args.members} members; load: {os.getloadavg()[0]:.2f} (1 min)"
    )
    del opened
    guild = members_guild(args.members)
    with tempfile.TemporaryDirectory() as tmp:
        # No deadline at the server (a late first answer is counted here, not refused), and no
        # schema checks (the end-to-end tests make them): the server's time is not the bot's.
        local = FakeDiscord(
            guilds=[guild],
            callback_deadline=None,
            validate_requests=False,
            validate_responses=False,
        )
        async with local as server:
            bench = Bench(server, guild, queries())
            started = time.perf_counter()
            await bench.start(episodes, Path(tmp))
            print(f"started and ready in {time.perf_counter() - started:.1f} s")
            stop_help = asyncio.Event()
            helper = asyncio.create_task(bench.help_every(stop_help))
            try:
                print((await bench.burst(args.burst)).line("cold, right after start"))
                print((await bench.burst(args.burst)).line("warm"))
                print((await during_reload(bench, args.burst)).line("during a /reload"))
                rss = []
                for cycle in range(1, args.cycles + 1):
                    await bench.burst(CYCLE_QUOTES)
                    took = await bench.reload()
                    rss.append(memory_mb(bench.pid))
                    print(
                        f"cycle {cycle:>2}: RSS {sum(rss[-1]):6.0f} MB: bot {rss[-1][0]:.0f} MB "
                        f"+ {len(workers_of(bench.pid))} search processes {rss[-1][1]:.0f} MB "
                        f"(reload {took:.1f} s)"
                    )
                if rss:
                    first, last = sum(rss[0]), sum(rss[-1])
                    print(
                        f"RSS (bot + search processes) after cycle 1 {first:.0f} MB, after "
                        f"cycle {len(rss)} {last:.0f} MB: ×{last / first:.2f} (target within 15%)"
                    )
            finally:
                stop_help.set()
                await asyncio.gather(helper, return_exceptions=True)
                own = await bench.stop()
                if args.log:
                    args.log.write_text("".join(bench.log))
            helps = bench.help_took
            print(
                f"/help every {HELP_EVERY * 1000:.0f} ms from outside: {len(helps)} answered, "
                f"p50 {statistics.median(helps) * 1000:.0f} ms, "
                f"p99 {percentile(helps, 0.99) * 1000:.0f} ms, max {max(helps) * 1000:.0f} ms"
            )
            print(f"the bot's own loop lag: {own}")
            print(f"load at the end: {os.getloadavg()[0]:.2f} (1 min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=20, help="cycles of 50 /quote + /reload")
    parser.add_argument("--burst", type=int, default=200, help="/quote sent at once")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--log", type=Path, help="write the bot's log to this file")
    asyncio.run(soak(parser.parse_args()))


if __name__ == "__main__":
    main()
