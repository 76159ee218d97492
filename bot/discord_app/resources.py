"""What the commands work with, handed by the client to each cog and button.

The cogs receive a `Resources` instead of importing the client (which imports the cogs): the
adapter has no import circle, and a cog can be built in a test without a bot.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.archive.loaded import Archive
from bot.config.settings import Config
from bot.storage.sqlite import Store

VIEW_TIMEOUT = 15 * 60.0


@dataclass
class Resources:
    """The config, the loaded archive, the database, and how long buttons keep working."""

    config: Config
    archive: Archive
    store: Store
    view_timeout: float = VIEW_TIMEOUT


def resources_of(client: discord.Client) -> Resources:
    """The resources of the bot a button was clicked on (for items discord.py builds itself)."""
    found = getattr(client, "resources", None)
    if not isinstance(found, Resources):
        raise TypeError(f"{type(client).__name__} carries no podquote resources")
    return found
