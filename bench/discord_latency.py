"""/quote through the whole stack: interaction sent by the local Discord → reply received.

    python bench/discord_latency.py [--queries 200]

Runs the real bot (discord.py, our cogs, the search) against the local Discord-compatible
server of the end-to-end tests, on the shipped data and on the samples plus the corpus, and
prints p50/p95 of the time from INTERACTION_CREATE to the interaction callback.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_library import corpus_library  # noqa: E402

from bot.archive.loaded import Archive  # noqa: E402
from bot.config.settings import Config, DataConfig, DiscordConfig, SearchConfig  # noqa: E402
from bot.discord_app.client import PodquoteBot  # noqa: E402
from bot.search.fold import fold, tokens  # noqa: E402
from bot.storage import open_store  # noqa: E402
from tests.e2e.fake_discord import FakeDiscord, default_guild, patch_discord, run_bot  # noqa: E402


def queries(archive: Archive, count: int) -> list[str]:
    rng = random.Random(3)
    segments = [s for ep in archive.library for s in ep.segments if len(s.text.split()) > 10]
    out = []
    while len(out) < count:
        words = tokens(fold(rng.choice(segments).text))
        at = rng.randrange(0, max(1, len(words) - 7))
        out.append(" ".join(words[at : at + rng.randint(3, 7)]))
    return out


async def measure(folder: Path, count: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(
            data=DataConfig(episodes=folder, database=Path(tmp) / "db.sqlite3"),
            discord=DiscordConfig(guild_ids=(default_guild().id,)),
            search=SearchConfig(cooldown_seconds=0.0),
        )
        archive = await Archive.open_async(folder)
        store = await open_store(config.data.database)
        took: list[float] = []
        async with FakeDiscord() as server, patch_discord(server):
            bot = PodquoteBot(config, archive, store)
            async with run_bot(bot, server):
                for q in queries(archive, count):
                    handle = await server.send_interaction("quote", {"query": q})
                    reply = await handle.callback()
                    took.append(handle.elapsed(reply) * 1000)
        await store.close()
        return took


def report(name: str, took: list[float]) -> None:
    took.sort()
    p95 = took[int(0.95 * (len(took) - 1))]
    print(
        f"{name:<28} {len(took)} /quote: p50 {statistics.median(took):6.1f} ms  p95 {p95:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    report(
        "shipped data (5 episodes)", asyncio.run(measure(ROOT / "data" / "episodes", args.queries))
    )
    corpus = corpus_library().folder
    report("samples + corpus (target p95 ≤ 50 ms)", asyncio.run(measure(corpus, args.queries)))


if __name__ == "__main__":
    main()
