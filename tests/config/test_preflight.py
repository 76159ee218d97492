"""Which servers show no commands: those not configured, unless the commands went global."""

from __future__ import annotations

from bot.config.preflight import no_commands_line, servers_without_commands

SEEN = [(1, "Alpha"), (2, "Beta")]


def test_a_server_outside_guild_ids_shows_no_commands_until_they_go_global() -> None:
    assert servers_without_commands(SEEN, (1,), {"1"}) == [(2, "Beta")]
    assert servers_without_commands(SEEN, (1, 2), {"1", "2"}) == []
    assert servers_without_commands(SEEN, (1,), {"1", "global"}) == []
    assert servers_without_commands([], (), set()) == []


def test_the_line_names_the_server_safely_and_says_what_to_do() -> None:
    line = no_commands_line(2, "Be\nta\u0007" + "x" * 200)
    assert line.startswith("commands: none registered in the server 'Beta" + "x" * 96 + "' (2)")
    assert line.endswith("where the bot is: add 2 to [discord] guild_ids")
    assert "\n" not in line
