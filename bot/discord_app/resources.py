"""What the commands work with, handed by the client to each cog and button.

The cogs receive a `Resources` instead of importing the client (which imports the cogs): the
adapter has no import circle, and a cog can be built in a test without a bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot.archive.loaded import Archive
from bot.config.settings import Config
from bot.discord_app.cooldown import QuoteCooldown
from bot.stats.record import CommandLog
from bot.storage import Store

VIEW_TIMEOUT = 15 * 60.0


@dataclass
class Resources:
    """The config, the loaded archive, the database, how long buttons keep working; made
    from those: /quote's cooldown and the log of commands and searches."""

    config: Config
    archive: Archive
    store: Store
    view_timeout: float = VIEW_TIMEOUT
    cooldown: QuoteCooldown = field(init=False)
    commands: CommandLog = field(init=False)

    def __post_init__(self) -> None:
        self.cooldown = QuoteCooldown(self.store, self.config.search.cooldown_seconds)
        self.commands = CommandLog(
            self.store,
            queries=self.config.logging.queries,
            keep_days=self.config.logging.keep_days,
        )


def resources_of(client: discord.Client) -> Resources:
    """The resources of the bot a button was clicked on (for items discord.py builds itself)."""
    found = getattr(client, "resources", None)
    if not isinstance(found, Resources):
        raise TypeError(f"{type(client).__name__} carries no podquote resources")
    return found
