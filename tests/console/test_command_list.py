"""The commands are listed once (`bot/reply/commands.py`): the console's handlers, `console
--help` and the "Unknown command" line follow that list (Discord's: tests/e2e/test_bot.py,
the README's table: tests/test_readme.py)."""

from __future__ import annotations

import pytest

from bot.cli.main import main
from bot.console.commands import _HANDLERS, COMMANDS
from bot.reply.commands import COMMANDS as LISTED
from bot.reply.commands import command_names, slash_commands


def test_the_console_runs_the_listed_commands_in_their_order_and_no_other() -> None:
    assert [c.name for c in COMMANDS] == [info.name for info in LISTED if info.usage]
    assert set(_HANDLERS) == {c.name for c in COMMANDS}  # no handler the list does not name
    assert command_names().startswith("/quote, /episode, /post, /advice, ")


def test_each_console_option_is_in_its_usage() -> None:
    for command in COMMANDS:
        for option in command.options:
            assert f"{option}:" in command.usage, (command.name, option)


def test_names_and_aliases_are_unique() -> None:
    words = [w for info in LISTED for w in (info.name, *info.aliases)]
    assert len(words) == len(set(words))


def test_discord_offers_advice_reload_and_help_as_slash_commands() -> None:
    assert [c.name for c in slash_commands()] == [
        "quote",
        "episode",
        "advice",
        "reload",
        "ingest",
        "remove",
        "settings",
        "stats",
        "help",
    ]
    for info in slash_commands():
        assert info.discord.split()[0] == f"/{info.name}"


def test_console_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["console", "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for info in LISTED:
        if info.usage:
            assert f"  {info.written}\n      {info.does}\n" in shown + "\n", info.name
        else:  # on Discord only
            assert f"/{info.name}" not in shown, info.name
