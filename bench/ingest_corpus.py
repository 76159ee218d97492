"""Ingest the shared corpus and load its output: time, peak memory, counts per folder.

    python bench/ingest_corpus.py [--corpus ../shared/corpus] [--runs 3]

Each phase runs in a fresh process so its peak memory (max RSS) is its own. Prints the
median of the runs, the per-folder counts, and every skip and failure on one line.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.episodes.library import Library
from bot.ingest.catalog import empty
from bot.ingest.pipeline import ingest

ROOT = Path(__file__).resolve().parents[1]


def _phase_ingest(corpus: Path, out: Path) -> dict[str, object]:
    began = time.perf_counter()
    report = ingest([corpus], out, empty())
    took = time.perf_counter() - began
    rows = [
        {
            "source": r.source,
            "status": r.status,
            "format": r.format,
            "message": r.message,
            "segments": r.segments,
        }
        for r in report.results
    ]
    return {"seconds": took, "rows": rows}


def _phase_load(out: Path) -> dict[str, object]:
    began = time.perf_counter()
    lib = Library.load(out)
    took = time.perf_counter() - began
    return {
        "seconds": took,
        "episodes": len(lib),
        "segments": lib.segment_count,
        "problems": len(lib.problems),
        "duplicates": len(lib.duplicates),
    }


def _child(argv: list[str]) -> None:
    phase, *paths = argv
    result = (
        _phase_ingest(Path(paths[0]), Path(paths[1]))
        if phase == "ingest"
        else _phase_load(Path(paths[0]))
    )
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _run(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        sys.exit(f"phase {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    ingest_runs, load_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "episodes"
        for _ in range(args.runs):
            ingest_runs.append(_run("ingest", str(args.corpus), str(out)))
            load_runs.append(_run("load", str(out)))
        size = sum(p.stat().st_size for p in out.glob("*.yaml"))
    rows = ingest_runs[-1]["rows"]
    assert isinstance(rows, list)
    by_folder: Counter[tuple[str, str]] = Counter()
    for row in rows:
        folder = row["source"].split("/", 1)[0] if "/" in row["source"] else "."
        by_folder[(folder, row["status"])] += 1
    print(f"corpus: {args.corpus} ({len(rows)} files), {args.runs} runs, medians")
    print(f"{'folder':<28}{'ok':>6}{'skipped':>9}{'failed':>8}")
    for folder in sorted({f for f, _ in by_folder}):
        print(
            f"{folder:<28}{by_folder[(folder, 'ok')]:>6}{by_folder[(folder, 'skipped')]:>9}"
            f"{by_folder[(folder, 'failed')]:>8}"
        )
    segments = sum(int(r["segments"]) for r in rows)
    print(
        f"ingest: {statistics.median(float(r['seconds']) for r in ingest_runs):.1f} s "
        f"(target <= 60 s), peak RSS {max(float(r['max_rss_mb']) for r in ingest_runs):.0f} MB, "
        f"{sum(r['status'] == 'ok' for r in rows)} episodes, {segments:,} segments, "
        f"{size / 1e6:.1f} MB of episode files"
    )
    last = load_runs[-1]
    print(
        f"Library.load: {statistics.median(float(r['seconds']) for r in load_runs):.2f} s "
        f"(target <= 3 s), peak RSS {max(float(r['max_rss_mb']) for r in load_runs):.0f} MB, "
        f"{last['episodes']} episodes after merging {last['duplicates']} duplicate sources, "
        f"{last['segments']:,} segments, {last['problems']} problems"
    )
    print("skipped and failed:")
    for row in rows:
        if row["status"] != "ok":
            print(f"  {row['status']:<8}{row['source']}: {row['message']}")


if __name__ == "__main__":
    main()
