"""`python -m bot advice`: the best advice candidates, with their scores and the reasons."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.advice.scoring import POOL_MIN_SCORE, Candidate, candidates
from bot.archive.derived import AdviceScores, Derived, load_library
from bot.cli.options import DEFAULT_OUT, configured_episodes
from bot.errors import EpisodeFileError
from bot.reply.cards import timestamp

DEFAULT_TOP = 20


def add_parser(sub: Any) -> None:
    """Register the `advice` verb."""
    advice = sub.add_parser(
        "advice",
        help="list the best daily-advice candidates and why",
        description="Score every segment as advice and list the best candidates with the "
        "reasons for their scores; the daily post picks from those at or above the pool's "
        f"minimum ({POOL_MIN_SCORE:.0f}). Pin or ban a segment by its number in the catalog "
        "(advice_pin / advice_ban), then ingest again.",
    )
    advice.add_argument("--top", type=int, default=DEFAULT_TOP, help="how many to list")
    advice.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"folder of episode files (default: config.toml's, else {DEFAULT_OUT})",
    )
    advice.add_argument("--json", action="store_true", help="print a JSON array")
    advice.set_defaults(handler=command)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """The `advice` verb's options checked."""
    if args.top < 1:
        parser.error("--top must be at least 1")
    return advice_command(args.data or configured_episodes(parser), args.top, args.json)


def as_json(candidate: Candidate) -> dict[str, Any]:
    """One candidate as the JSON the command prints."""
    return {
        "id": candidate.id,
        "episode_id": candidate.episode.id,
        "segment": candidate.position,
        "title": candidate.episode.title,
        "speaker": candidate.speaker,
        "start": candidate.start,
        "estimated": candidate.segment.estimated,
        "url": candidate.url,
        "text": candidate.text,
        "score": round(candidate.score, 1),
        "pinned": candidate.pinned,
        "in_pool": candidate.pinned or candidate.score >= POOL_MIN_SCORE,
        "reasons": [{"points": r.points, "why": r.why} for r in candidate.reasons],
    }


def advice_command(data: Path, top: int, as_json_array: bool) -> int:
    """List the top candidates; 0 when the folder loads, 2 when it cannot."""
    try:
        library = load_library(data)
    except EpisodeFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in library.problems:
        print(f"warning: {problem}", file=sys.stderr)
    found = candidates(library, AdviceScores(library, Derived.beside(data)))
    best = found[:top]
    if as_json_array:
        print(json.dumps([as_json(c) for c in best], ensure_ascii=False, indent=1))
        return 0
    in_pool = sum(c.pinned or c.score >= POOL_MIN_SCORE for c in found)
    pinned = sum(c.pinned for c in found)
    banned = sum(len(e.advice_ban) for e in library)
    print(
        f"Top {len(best)} advice candidates of {library.segment_count:,} segments in {data}/ "
        f"(pool: {in_pool} at score ≥ {POOL_MIN_SCORE:.0f} or pinned; {pinned} pinned, "
        f"{banned} banned)"
    )
    for rank, c in enumerate(best, 1):
        when = timestamp(c.start, c.segment.estimated)
        who = ", ".join(p for p in (c.speaker, when) if p)
        mark = " [pinned]" if c.pinned else ("" if c.score >= POOL_MIN_SCORE else " [not in pool]")
        print(f"\n{rank:>2}. {c.score:3.0f}  {c.id}  {who}{mark}")
        print(f"    “{c.text}”")
        print(f"    {'; '.join(str(r) for r in c.reasons) or 'no rule applied'}")
    return 0
