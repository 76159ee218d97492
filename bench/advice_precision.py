"""How much of the advice scorer's top N is real advice, judged against hand labels.

    python bench/advice_precision.py [--data data/episodes] [--top 20] [--labels FILE]

Scores every segment of the shipped episodes, takes the best N candidates, and marks each one
real (✓) when `bench/advice_labels.yaml` labels its segment (or, for captions running across
segments, the one after) with a phrase the candidate's text holds; prints every candidate with
its mark so a person can read the cuts too, then precision@N, precision@10, the pool's size and
precision, and how many labelled segments the pool reaches. Also times the scoring, and with
`--corpus` the scoring of the samples plus the whole shared corpus (what a big archive costs
the worker thread that builds the pool).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_library import corpus_library  # noqa: E402

from bot.advice.scoring import POOL_MIN_SCORE, Candidate, candidates  # noqa: E402
from bot.episodes.library import Library  # noqa: E402

Labels = dict[tuple[str, int], list[str]]


def plain(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: how labels and texts are compared."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def load_labels(path: Path) -> Labels:
    """`{(episode id, segment): [phrase, ...]}` from the YAML file."""
    labels: Labels = {}
    for episode, segments in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        for position, says in segments.items():
            phrases = [says] if isinstance(says, str) else list(says)
            labels[(episode, int(position))] = [plain(p) for p in phrases]
    return labels


def is_real(candidate: Candidate, labels: Labels) -> bool:
    """Whether the candidate holds a labelled phrase of its segment or the next one."""
    text = plain(candidate.text)
    for position in (candidate.position, candidate.position + 1):
        if any(p in text for p in labels.get((candidate.episode.id, position), [])):
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "episodes")
    parser.add_argument("--labels", type=Path, default=ROOT / "bench" / "advice_labels.yaml")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="timing runs of the scoring")
    parser.add_argument("--corpus", action="store_true", help="also time the whole corpus")
    args = parser.parse_args()

    library = Library.load(args.data)
    labels = load_labels(args.labels)
    episodes = list(library)
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        found = candidates(episodes)
        times.append(time.perf_counter() - began)

    top = found[: args.top]
    marks = [is_real(c, labels) for c in top]
    for rank, (c, real) in enumerate(zip(top, marks, strict=True), 1):
        print(f"{rank:2d}. {'✓' if real else '✗'} {c.score:3.0f} {c.id}")
        print(f"      {c.text}")
    pool = [c for c in found if c.pinned or c.score >= POOL_MIN_SCORE]
    pool_real = [c for c in pool if is_real(c, labels)]
    reached = {(c.episode.id, p) for c in pool_real for p in (c.position, c.position + 1)}
    print()
    print(f"segments scored:      {library.segment_count} in {len(episodes)} episodes")
    print(f"precision@{args.top}:       {sum(marks)}/{len(top)}")
    print(f"precision@10:         {sum(marks[:10])}/{min(10, len(top))}")
    print(f"pool (score ≥ {POOL_MIN_SCORE:.0f}):    {len(pool_real)}/{len(pool)} real")
    print(f"labelled segments in the pool: {len(reached & labels.keys())}/{len(labels)}")
    print(f"scoring time:         median {statistics.median(times) * 1000:.0f} ms of {args.repeat}")
    if args.corpus:
        archive = corpus_library()
        began = time.perf_counter()
        scored = candidates(list(archive))
        took = time.perf_counter() - began
        in_pool = sum(c.score >= POOL_MIN_SCORE for c in scored)
        print(
            f"corpus scoring:       {took:.1f} s for {archive.segment_count} segments "
            f"({len(archive)} episodes), pool {in_pool}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
