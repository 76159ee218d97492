"""`python -m bot …` / `podquote …`: the command line. One module per verb, each a thin adapter
that registers its options (`add_parser`) and runs (`command`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bot import __version__
from bot.cli import advice, catalog, check, console, ingest, model, run, search, stats

VERBS = (ingest, catalog, search, advice, run, console, check, stats, model)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podquote", description="Exact quotes from podcast and talk transcripts."
    )
    parser.add_argument("--version", action="version", version=f"podquote {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        verb.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `podquote` script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    status: int = args.handler(args, parser)
    return status
