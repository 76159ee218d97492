"""Cold start and reload on the whole corpus (samples + ../shared/corpus), as an admin meets them.

    python bench/start_and_reload.py [--runs 5] [--edits 5]

- cold start: `python -m bot console --data … -c "/quote …"` as a whole process, from launch
  to the first answer printed and the exit, over `--runs` runs: wall and CPU seconds (median,
  min–max), peak memory. Three states of the derived data: everything stored (a start of the
  bot after the first), the episode files as read not stored (the first start after an
  upgrade: every file read, then stored), nothing derived at all (after a fresh ingest into
  a new folder: the index is built too; one run).
- reload: the library and its index reloaded in the process (`Archive.reload`, what /reload
  and SIGHUP run), after one episode file changed (a new title; a different episode each
  time, `--edits` times) and with nothing changed: wall and CPU seconds, median and range.
- with the meaning vectors: when the corpus' derived folder holds them (`ingest --vectors`,
  or `bench/window_vectors.py`'s seeding), they are copied beside the episodes after the
  first start, so the stored starts open and map them as the bot does (the sentence model
  on, as by default); the reloads run with the model off and on, side by side. Embedding a
  changed episode's new pieces is the background helper's work
  (`bot.archive.vector_filler`), not the reload's.

Targets (#15): cold start to the first answer ≤ 2 s; reload with one changed episode ≤ 1 s.
The machine is shared: quote medians, and CPU seconds beside wall when it is loaded.
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
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_library import CACHE, ROOT, corpus_folder

from bot.archive.derived import Derived
from bot.archive.loaded import Archive
from bot.archive.window_vectors import VECTORS, stored_rows
from bot.episodes import files as episode_io
from bot.search.meaning import load_meaning

QUERY = "/quote first rule of machine learning"


def _child_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _console(episodes: Path) -> tuple[float, float, float]:
    """One cold start: wall, CPU seconds and peak MiB of the whole process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cpu, began = _child_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--data", str(episodes), "-c", QUERY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - began
    if done.returncode != 0 or "»" not in done.stdout:
        raise SystemExit(f"the console did not answer:\n{done.stdout}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, _child_cpu() - cpu, peak


def _row(name: str, values: list[float], unit: str = "s") -> str:
    mid = statistics.median(values)
    return f"  {name:<44} {mid:7.2f} {unit}  ({min(values):.2f}–{max(values):.2f}, n={len(values)})"


def _starts(label: str, episodes: Path, runs: int, before: Callable[[], None]) -> list[str]:
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        before()
        wall, cpu, peak = _console(episodes)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return [
        f"cold start, {label}:",
        _row("wall to first answer", walls),
        _row("CPU", cpus),
        f"  {'peak memory (largest child so far)':<44} {max(peaks):7.0f} MiB",
    ]


def _reloads(episodes: Path, edits: int, meaning: bool) -> list[str]:
    archive = Archive.open(episodes, meaning=load_meaning(meaning).encoder)
    archive.searcher.search("first rule of machine learning")
    mapped = archive.searcher.windows is not None
    changed_wall, changed_cpu, same_wall, same_cpu = [], [], [], []
    chosen = sorted(archive.library, key=lambda e: e.id)[:: max(1, len(archive.library) // edits)]
    for n, episode in enumerate(chosen[:edits]):
        episode_io.write(replace(episode, title=f"{episode.title} (edit {n})"), episodes)
        cpu, began = time.process_time(), time.perf_counter()
        diff = asyncio.run(archive.reload())
        changed_wall.append(time.perf_counter() - began)
        changed_cpu.append(time.process_time() - cpu)
        assert diff.changed == (episode.id,), diff
        cpu, began = time.process_time(), time.perf_counter()
        diff = asyncio.run(archive.reload())
        same_wall.append(time.perf_counter() - began)
        same_cpu.append(time.process_time() - cpu)
        assert diff.unchanged, diff
    how = "meaning on, vectors mapped" if mapped else f"meaning {'on' if meaning else 'off'}"
    return [
        f"reload (in the process, as /reload; {how}):",
        _row("one episode changed, wall", changed_wall),
        _row("one episode changed, CPU", changed_cpu),
        _row("nothing changed, wall", same_wall),
        _row("nothing changed, CPU", same_cpu),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    source = corpus_folder()
    work = CACHE / "start-and-reload"
    shutil.rmtree(work, ignore_errors=True)
    episodes = work / "episodes"
    shutil.copytree(source, episodes)
    derived = work / "derived"
    library = derived / "library"
    count = len(list(episodes.glob("*.yaml")))
    lines = [f"{count} episode files in {episodes}; load {os.getloadavg()[0]:.1f}"]
    lines += _starts("nothing derived (index built, files read)", episodes, 1, lambda: None)
    vectors = Derived.beside(source).folder / VECTORS
    if vectors.is_dir():
        shutil.copytree(vectors, derived / VECTORS)
        _console(episodes)  # the first open maps them to this index and stores the map
    lines.append(f"meaning vectors stored: {stored_rows(Derived.beside(episodes)):,} pieces")
    lines += _starts("everything stored", episodes, args.runs, lambda: None)
    lines += _starts(
        "files as read not stored (index stored)",
        episodes,
        args.runs,
        lambda: shutil.rmtree(library, ignore_errors=True),
    )
    for meaning in (False, True):  # side by side: without and with the vectors' map
        lines += _reloads(episodes, args.edits, meaning)
    lines.append(f"load at the end {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
