"""Views whose buttons work for a while after the reply, then show as disabled."""

from __future__ import annotations

import contextlib
from typing import Any

import discord

from bot.discord_app.errors import report_error
from bot.discord_app.inflight import TrackingTree


class ExpiringView(discord.ui.View):
    """Set `message` after sending; on timeout every non-link button is disabled in place."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.message: discord.InteractionMessage | None = None

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_error(interaction, error)

    async def _scheduled_task(
        self, item: discord.ui.Item[Any], interaction: discord.Interaction[Any]
    ) -> None:
        """A button's handler, counted as a reply in flight (see `PodquoteBot.stop`)."""
        tree = getattr(interaction.client, "tree", None)
        if not isinstance(tree, TrackingTree):
            await super()._scheduled_task(item, interaction)
            return
        async with tree.in_flight.track():
            await super()._scheduled_task(item, interaction)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button) and item.style != discord.ButtonStyle.link:
                item.disabled = True
        if self.message is not None:
            # The message may be gone or its token expired: then there is nothing to disable.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)
