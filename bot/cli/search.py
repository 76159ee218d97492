"""`python -m bot search`: results for a person, a JSON array, or a JSONL stream for tools."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from bot.archive.derived import load_library
from bot.archive.search_index import open_index
from bot.archive.snapshot import Snapshot, with_stored_vectors
from bot.cli.options import DEFAULT_OUT, configured
from bot.config.settings import SearchConfig
from bot.errors import EpisodeFileError
from bot.reply.cards import UNSURE_HEADING
from bot.search.filters import FilterError
from bot.search.meaning import load_meaning
from bot.search.ranking import Match, Outcome, Searcher
from bot.text import format_clock

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
BOLD, RESET = "\033[1m", "\033[0m"


def add_parser(sub: Any) -> None:
    """Register the `search` verb."""
    find = sub.add_parser(
        "search",
        help="find a quote",
        description="Find the moments that match what you remember of a quote.",
    )
    find.add_argument("query", nargs="?", help="what you remember of the quote")
    find.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"folder of episode files (default: config.toml's, else {DEFAULT_OUT})",
    )
    find.add_argument("--speaker", help="only this speaker (loosely: 'alexey', 'meor')")
    find.add_argument("--episode", help="only this episode (id or part of its title)")
    find.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="how many results")
    find.add_argument("--json", action="store_true", help="print a JSON array of results")
    find.add_argument(
        "--meaning",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let the sentence model decide how sure an answer is, or go by words only "
        "(default: the config's [search] meaning, on unless set)",
    )
    find.add_argument(
        "--jsonl",
        action="store_true",
        help="read one JSON request per stdin line, write one JSON line each",
    )
    find.set_defaults(handler=command)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """The `search` verb's options checked, the config read once for what they leave to it."""
    if args.jsonl == bool(args.query):
        parser.error("give a QUERY, or --jsonl to read requests from stdin (not both)")
    if not 1 <= args.limit <= MAX_LIMIT:
        parser.error(f"--limit must be between 1 and {MAX_LIMIT}")
    config = None if args.data and args.meaning is not None else configured(parser)
    if args.meaning is not None:
        meaning = args.meaning
    else:  # the config's, else the default's: on
        meaning = (config.search if config else SearchConfig()).meaning
    return search_command(
        args.data or (config.data.episodes if config else DEFAULT_OUT),
        meaning=bool(meaning),
        query=args.query,
        speaker=args.speaker,
        episode=args.episode,
        limit=args.limit,
        as_json=args.json,
        jsonl=args.jsonl,
    )


def open_searcher(data: Path, meaning: bool = False) -> Searcher:
    """Load the library in `data` and open its stored index, updated for what changed (raises
    EpisodeFileError for a bad folder); `meaning`: weigh near misses with the sentence model
    when it is installed."""
    library = load_library(data)
    for problem in library.problems:
        print(f"warning: {problem}", file=sys.stderr)
    model = load_meaning(meaning)
    if model.missing:
        print(f"warning: {model.status}", file=sys.stderr)
    searcher = Searcher(open_index(library)[0], model.encoder)
    return with_stored_vectors(Snapshot(library, searcher)).searcher  # as the bot opens them


def results_json(outcome: Outcome) -> list[dict[str, Any]]:
    """The results of a search in the JSON contract: the confident answers, else the closest
    moments, each saying which (`confident`)."""
    return [result_json(m, outcome.confident) for m in outcome.matches or outcome.closest]


def result_json(match: Match, confident: bool = True) -> dict[str, Any]:
    """One result in the JSON contract other tools rely on."""
    return {
        "episode_id": match.episode.id,
        "title": match.episode.title,
        "source": match.episode.source,
        "speaker": match.speaker,
        "start": match.start,
        "estimated": match.estimated,
        "url": match.url,
        "text": match.segment.text,
        "highlight": list(match.highlight),
        "score": match.score,
        "confident": confident,
    }


def _clock(match: Match) -> str:
    if match.start is None:
        return "time unknown"
    return ("≈ " if match.estimated else "") + format_clock(match.start)


def format_match(rank: int, match: Match, color: bool) -> str:
    """A result as a person reads it in a terminal."""
    a, b = match.highlight
    text = match.segment.text
    on, off = (BOLD, RESET) if color else ("»", "«")
    quote = f"{text[:a]}{on}{text[a:b]}{off}{text[b:]}"
    who = ", ".join(p for p in (match.speaker, _clock(match)) if p)
    lines = [
        f"{rank}. {match.episode.title} — {who}  (score {match.score:.0f})",
        f"   “{quote}”",
    ]
    if match.url:
        lines.append(f"   {match.url}")
    return "\n".join(lines)


def format_outcome(outcome: Outcome, color: bool) -> str:
    if outcome.matches:
        return "\n\n".join(format_match(i + 1, m, color) for i, m in enumerate(outcome.matches))
    if outcome.closest:
        shown = "\n\n".join(format_match(i + 1, m, color) for i, m in enumerate(outcome.closest))
        return f"{UNSURE_HEADING}\n\n{shown}"
    hint = f" Did you mean: {', '.join(outcome.suggestions)}?" if outcome.suggestions else ""
    return f"No quote matches that.{hint}"


def run_jsonl(searcher: Searcher, lines: Iterable[str], out: IO[str]) -> int:
    """One JSON object per input line in, one per line out, in order. Returns failures."""
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        began = time.perf_counter()
        record: dict[str, Any] = {"query": None, "took_ms": 0.0, "results": []}
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or not isinstance(request.get("query"), str):
                raise ValueError('each line must be an object with a string "query"')
            record["query"] = request["query"]
            limit = request.get("limit") or DEFAULT_LIMIT
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ValueError('"limit" must be a positive whole number or null')
            outcome = searcher.search(
                request["query"],
                speaker=_opt(request, "speaker"),
                episode=_opt(request, "episode"),
                limit=min(limit, MAX_LIMIT),
            )
            record["results"] = results_json(outcome)
            if outcome.suggestions:
                record["suggestions"] = list(outcome.suggestions)
        except (ValueError, FilterError) as exc:
            failures += 1
            record["error"] = f"line {number}: {exc}"
        record["took_ms"] = round((time.perf_counter() - began) * 1000, 3)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return failures


def _opt(request: dict[str, Any], key: str) -> str | None:
    value = request.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f'"{key}" must be a string or null')
    return value or None


def search_command(
    data: Path,
    *,
    query: str | None,
    speaker: str | None,
    episode: str | None,
    limit: int,
    as_json: bool,
    jsonl: bool,
    meaning: bool = False,
) -> int:
    """The `search` subcommand; returns the exit status (0 found, 1 nothing/error, 2 usage)."""
    try:
        searcher = open_searcher(data, meaning)
    except EpisodeFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if jsonl:
        return 1 if run_jsonl(searcher, sys.stdin, sys.stdout) else 0
    assert query is not None
    try:
        outcome = searcher.search(query, speaker=speaker, episode=episode, limit=limit)
    except FilterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(results_json(outcome), ensure_ascii=False, indent=2))
    else:
        print(format_outcome(outcome, color=sys.stdout.isatty()))
    return 0 if outcome.matches or outcome.closest else 1
