"""`python -m bot …` / `podquote …`: the command line. One module per verb, each a thin adapter
that registers its options (`add_parser`) and runs (`command`).

Only the verb given is imported (each brings its part of the bot: the console the search,
ingest the readers), so `console -c` does not pay for the others at start; `--help` and a
verb not known import them all."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bot import __version__

VERBS = (
    "ingest",
    "catalog",
    "search",
    "advice",
    "run",
    "console",
    "check",
    "stats",
    "model",
    "db",
)


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podquote", description="Exact quotes from podcast and talk transcripts."
    )
    parser.add_argument("--version", action="version", version=f"podquote {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS if only is None else (only,):
        importlib.import_module(f"bot.cli.{verb}").add_parser(sub)
    return parser


def _verb(argv: Sequence[str]) -> str | None:
    """The verb the arguments name, when they start with one (options of the program
    itself, such as `--help`, come before it)."""
    return argv[0] if argv and argv[0] in VERBS else None


# The sentence model's many small matrix products cost 3.4x the CPU with OpenBLAS's threads
# as with one (bench/encoder_speed.py), and the bot searches in several threads of its own:
# one BLAS thread each, unless the environment says otherwise. Read by numpy when it loads,
# which the verb's import does below.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `podquote` script; returns the exit status."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    given = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(_verb(given))
    args = parser.parse_args(given)
    status: int = args.handler(args, parser)
    return status
