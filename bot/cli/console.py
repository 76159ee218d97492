"""`python -m bot console`: the bot's commands in this terminal, offline, no token."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli.options import config_option
from bot.reply.commands import COMMANDS


def add_parser(sub: Any) -> None:
    """Register the `console` verb."""
    console = sub.add_parser(
        "console",
        help="the bot's commands in this terminal (offline, no token)",
        description="The bot's commands in the terminal, against the same core as the bot:\n"
        "interactive, or one command with -c.",
        epilog=commands_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    config_option(console)
    console.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of episode files (default: the config's, else data/episodes)",
    )
    console.add_argument(
        "-c",
        "--command",
        metavar="LINE",
        dest="command_line",
        help="run one command and exit: 0 answered, 1 nothing found or wrong, 2 usage",
    )
    console.set_defaults(handler=command)


def commands_help() -> str:
    """The commands for `console --help`, from the one list (`bot.reply.commands`)."""
    lines = [f"  {c.written}\n      {c.does}" for c in COMMANDS if c.usage]
    return "commands (at the prompt, or one with -c):\n" + "\n".join(lines)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Open the console (rich is loaded only here)."""
    from bot.console.repl import console_command  # noqa: PLC0415 - loads rich

    return console_command(args.data, args.config, args.command_line)
