"""What a command tells the log of commands and searches (`bot.stats.record`): each command
marks how it ended on its interaction (`mark`); the tree, once the handler is done, reads
that back with the time taken (`command_run`) and hands it to the `CommandLog`."""

from __future__ import annotations

from typing import Any

import discord

from bot.stats.record import OK, CommandRun

_OUTCOME = "podquote.outcome"  # keys in `interaction.extras`
_EPISODE = "podquote.episode"
TYPED = {"quote": "query", "episode": "name"}  # the option holding what was looked for


def mark(
    interaction: discord.Interaction[Any], outcome: str, episode_id: str | None = None
) -> None:
    """How the command ended: found, unsure, none, refused or error (see `bot.stats`)."""
    interaction.extras[_OUTCOME] = outcome
    if episode_id is not None:
        interaction.extras[_EPISODE] = episode_id


def marked(interaction: discord.Interaction[Any]) -> str | None:
    """The outcome marked so far, if any."""
    found = interaction.extras.get(_OUTCOME)
    return found if isinstance(found, str) else None


def command_run(
    interaction: discord.Interaction[Any], took: float, *, raised: bool = False
) -> CommandRun | None:
    """The run of a slash command's interaction (None for anything else): its name, the
    outcome marked (unmarked: "error" when the handler raised, else "ok"), the milliseconds
    it took, and what was typed into the searched-for option."""
    if interaction.type is not discord.InteractionType.application_command:
        return None
    command = interaction.command
    if command is not None:
        name = command.qualified_name
    else:  # a command discord.py does not know (not synced by this bot): the name sent
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("name", "?"))
    outcome = marked(interaction) or ("error" if raised else OK)
    option = TYPED.get(name)
    typed = getattr(interaction.namespace, option, None) if option else None
    episode = interaction.extras.get(_EPISODE)
    return CommandRun(
        command=name,
        outcome=outcome,
        took_ms=round(took * 1000),
        guild_id=interaction.guild_id,
        episode_id=episode if isinstance(episode, str) else None,
        query=typed if isinstance(typed, str) else None,
    )
