"""The bot's background embedding on the whole corpus: its cost, and what it costs the searches.

    python bench/vector_filler.py [--missing 3000] [--queries 60]

Needs the corpus' meaning vectors in its derived folder (`python -m bot ingest … --vectors`
into the bench's folder, or `bench/window_vectors.py`'s seeding). The episodes and their
derived data are copied into `bench/.cache/vector-filler/`, and the last `--missing` stored
pieces are dropped, as if that many were new since (an added talk is 200–900). Then:

1. the helper alone (`bot.archive.vector_filler.fill`, the function the bot's helper process
   runs, here as a process of its own at the helper's priority): wall, CPU, pieces a second,
   peak memory;
2. the pieces dropped again, and side by side in one run: `--queries` searches one after the
   other, as members ask, through the bot's own path (`Archive.search` in 2 search
   processes, the model on) with the helper idle, then again and again while it embeds:
   p50/p95 per search and their ratio. The helper runs at nice 19 and the searches at 10,
   so the ratio says how much of the CPU it takes from them.

2026-12-06 (load about 1): the helper alone 31.4 pieces a second of one core, peak 400 MiB;
searches p50 166 → 174 ms and p95 217 → 253 ms while it embeds (p50 ratio 1.04), the helper
still embedding 27 pieces a second meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_library import CACHE, ROOT, corpus_folder

from bot.archive.derived import Derived
from bot.archive.loaded import Archive
from bot.archive.snapshot import Query
from bot.archive.vector_filler import FILLER_NICE
from bot.archive.window_vectors import KEYS, PIECES, VECTORS
from bot.cli.main import BLAS_THREADS
from bot.search.meaning import load_meaning

QUERY_SETS = ("tenth", "eleventh", "twelfth", "fourteenth", "sixteenth", "eighteenth")


def _prepare(missing: int) -> Path:
    """A copy of the corpus' episodes and derived data; returns its episodes folder."""
    source = corpus_folder()
    derived = Derived.beside(source).folder
    if not (derived / VECTORS / KEYS).is_file():
        raise SystemExit(
            f"no meaning vectors in {derived}: run python -m bot ingest … --vectors --out "
            f"{source}, or bench/window_vectors.py"
        )
    work = CACHE / "vector-filler"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work / "episodes")
    shutil.copytree(derived, work / "derived")
    _drop(work / "derived" / VECTORS, missing)
    return work / "episodes"


def _drop(vectors: Path, missing: int) -> None:
    """Forget the last `missing` stored pieces (the files keep their order: rows only grow)."""
    for name in (PIECES, KEYS):
        rows = np.load(vectors / name)
        np.save(vectors / name, rows[: len(rows) - missing])


def _helper_alone(episodes: Path) -> list[str]:
    model = load_meaning().folder
    code = (
        "import os, sys, time\n"
        f"os.nice({FILLER_NICE})\n"
        "from pathlib import Path\n"
        "from bot.archive.vector_filler import fill\n"
        "began = time.process_time()\n"
        f"done = fill(Path({str(episodes)!r}), Path({str(model)!r}))\n"
        "print(done.embedded, done.seconds, time.process_time() - began)\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ran = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    embedded, seconds, cpu = ran.stdout.split()
    return [
        "the helper alone (fill, at nice 19):",
        f"  embedded {int(embedded):,} pieces in {float(seconds):.1f} s wall, {float(cpu):.1f} s "
        f"CPU: {int(embedded) / float(seconds):.1f} pieces a second",
        f"  peak memory {max(peak, before) / 1024:.0f} MiB (the library, the index, the model, "
        "the changed episodes' text; the stored vectors are copied, not held)",
    ]


async def _searches(archive: Archive, queries: list[str]) -> list[float]:
    took = []
    for text in queries:
        began = time.perf_counter()
        await archive.search(Query(text))
        took.append(time.perf_counter() - began)
    return took


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(values) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


async def _side_by_side(episodes: Path, queries: list[str]) -> list[str]:
    meaning = load_meaning()
    assert meaning.folder is not None
    archive = await Archive.open_async(episodes, meaning=meaning.encoder)
    archive.search_in_processes(2, meaning=True)
    try:
        await _searches(archive, queries)  # the search processes warm
        idle = await _searches(archive, queries)
        began = time.perf_counter()
        filler = archive.fill_vectors(meaning.folder)
        busy: list[float] = []
        while filler.running:
            busy += await _searches(archive, queries)
        took = time.perf_counter() - began
        last = filler.last
        assert last is not None
    finally:
        await archive.stop_filling()
        archive.close()
    ratio = statistics.median(busy) / statistics.median(idle)
    return [
        f"searches through the bot's path ({len(queries)} at a time, one after another):",
        f"  helper idle      {_ms(idle)}  (n={len(idle)})",
        f"  helper embedding {_ms(busy)}  (n={len(busy)})  p50 ratio {ratio:.2f}",
        f"  the helper meanwhile: {last.embedded:,} pieces in {took:.1f} s, "
        f"{last.embedded / took:.1f} a second; served with "
        f"{archive.current.vectors:,} stored vectors after",
    ]


def _queries(count: int) -> list[str]:
    texts: list[str] = []
    for name in QUERY_SETS:
        entries = yaml.safe_load((ROOT / "bench" / f"queries_{name}.yaml").read_text())
        texts += [e["query"] for e in entries if isinstance(e, dict) and "query" in e]
    return texts[:: max(1, len(texts) // count)][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--missing", type=int, default=3_000)
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    for name in BLAS_THREADS:  # one BLAS thread per helper and search process, as in the bot
        os.environ.setdefault(name, "1")
    episodes = _prepare(args.missing)
    lines = [f"{args.missing:,} pieces missing; load {os.getloadavg()[0]:.1f}"]
    lines += _helper_alone(episodes)
    _drop(episodes.parent / "derived" / VECTORS, args.missing)
    lines += asyncio.run(_side_by_side(episodes, _queries(args.queries)))
    lines.append(f"load at the end {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
