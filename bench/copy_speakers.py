"""Speakers from a copy of the same talk: how many segments of sample 001 take a speaker from
its DataTalks.Club page, a side-by-side sample to check them by eye, and which kept sources
of the whole corpus take speakers from a copy.

    python bench/copy_speakers.py [--side N] [--no-corpus]

The sample is ingested through the real pipeline (data/raw and the page, into a temporary
folder); the corpus is the library of `corpus_library` (samples + corpus, cached).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from corpus_library import CORPUS, ROOT, corpus_library

from bot.episodes import files as episode_io
from bot.episodes.model import Episode, Segment
from bot.ingest.catalog import load as load_catalog
from bot.ingest.copy_speakers import matched
from bot.ingest.pipeline import ingest
from bot.text import format_clock

PAGE = CORPUS / "datatalks" / "from-software-engineer-to-machine-learning.md"
CAPTIONS = "s04e01-from-software-engineering-to-machine-learning"
WIDTH = 90
SLACK = 60.0  # seconds the page's and the video's clocks may differ (SAMPLES.md: drift)


def _clock(second: float | None) -> str:
    return format_clock(second) if second is not None else "?"


def sample_001(side: int) -> None:
    """Sample 001's figures and `side` of its segments beside the copy's lines they matched."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        began = time.perf_counter()
        ingest([ROOT / "data" / "raw", PAGE], out, load_catalog(ROOT / "data" / "catalog.yaml"))
        took = time.perf_counter() - began
        kept = episode_io.read(out / f"{CAPTIONS}.yaml")
        assert kept.speakers_from is not None, "sample 001 took no speakers"
        copy = episode_io.read(out / f"{kept.speakers_from.episode}.yaml")
    said = Counter(s.speaker or "unknown" for s in kept.segments)
    total = len(kept.segments)
    named = total - said["unknown"]
    print(f"Sample 001 ({CAPTIONS}) ← {copy.id}, ingested in {took:.1f} s")
    print(f"  named {named} of {total} segments ({named / total:.0%}): {dict(said)}")
    words = [(size, lines) for size, lines in matched(kept, copy)]
    covered = sum(sum(lines.values()) for _, lines in words) / sum(size for size, _ in words)
    print(f"  words of the captions matched to the page: {covered:.0%}")
    pairs = zip(kept.segments, words, strict=True)
    timed = [_in_time(seg, copy, lines) for seg, (_, lines) in pairs if seg.speaker]
    print(
        f"  times: of the {named} named segments, {sum(t for t in timed if t is not None)} start "
        f"within {SLACK:.0f} s of the page's turn most of their words matched, "
        f"{sum(1 for t in timed if t is False)} do not, {timed.count(None)} have no time there"
    )
    picks = sorted(random.Random(1).sample(range(total), min(side, total)))
    for n in picks:
        _side_by_side(n, kept, copy, words[n])


def _in_time(seg: Segment, copy: Episode, lines: Counter[int]) -> bool | None:
    """Whether the segment starts during the copy's line most of its words matched (from
    `SLACK` before it starts to `SLACK` after the next one starts); None: no time to tell."""
    line = lines.most_common(1)[0][0]
    start = copy.segments[line].start
    after = [s.start for s in copy.segments[line + 1 :] if s.start is not None][:1]
    if seg.start is None or start is None or copy.segments[line].estimated:
        return None
    end = after[0] if after else start
    return start - SLACK <= seg.start <= end + SLACK


def _side_by_side(n: int, kept: Episode, copy: Episode, found: tuple[int, Counter[int]]) -> None:
    seg = kept.segments[n]
    size, lines = found
    print(f"\n#{n} {_clock(seg.start)} {seg.speaker or 'unknown'} ({sum(lines.values())}/{size})")
    print(f"  captions: {seg.text[:WIDTH]}")
    for line in sorted(lines):
        theirs = copy.segments[line]
        print(f"  page {_clock(theirs.start)} {theirs.speaker}: {theirs.text[:WIDTH]}")


def corpus() -> None:
    """Every kept source of samples + corpus that took speakers from a copy."""
    library = corpus_library()
    taken = [ep for ep in library if ep.speakers_from is not None]
    wanting = [ep for ep in library if not any(s.speaker for s in ep.segments)]
    print(
        f"\nSamples + corpus: {len(library)} episodes served, {len(library.duplicates)} copies "
        f"set aside; {len(wanting)} served without any speaker; {len(taken)} took speakers "
        "from a copy:"
    )
    for ep in taken:
        assert ep.speakers_from is not None
        print(
            f"  {ep.id}: {ep.speakers_from.named} of {len(ep.segments)} segments, from "
            f"{ep.speakers_from.episode}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=30, help="segments shown side by side")
    parser.add_argument("--no-corpus", action="store_true", help="sample 001 only")
    args = parser.parse_args()
    if not PAGE.is_file():
        raise SystemExit(f"no {PAGE}: this benchmark needs ../shared/corpus")
    sample_001(args.side)
    if not args.no_corpus:
        corpus()


if __name__ == "__main__":
    main()
