"""When /quote is not sure: the closest moments, privately, each with a "Post this" button
that posts it publicly as a normal /quote answer (only the asker sees the list)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord

from bot.discord_app.embeds import QUOTE_COLOUR
from bot.discord_app.views import ExpiringView
from bot.reply.cards import UNSURE_HEADING, closest_lines
from bot.search.ranking import Match

# Builds the public answer for one moment: (embed, view) as /quote would post it.
Poster = Callable[[Match, int], tuple[discord.Embed, discord.ui.View]]


class ClosestView(ExpiringView):
    """One "Post N" button per closest moment."""

    def __init__(self, closest: list[Match], poster: Poster, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.closest = closest
        for number, match in enumerate(closest, start=1):
            button: discord.ui.Button[Any] = discord.ui.Button(
                label=f"Post {number}", emoji="📣", style=discord.ButtonStyle.secondary
            )
            button.callback = self._poster(match, poster)  # type: ignore[method-assign]
            self.add_item(button)

    def embed(self) -> discord.Embed:
        lines = closest_lines(self.closest, discord.utils.escape_markdown)
        return discord.Embed(
            title=UNSURE_HEADING, description="\n".join(lines)[:4096], colour=QUOTE_COLOUR
        )

    @staticmethod
    def _poster(match: Match, poster: Poster) -> Callable[[discord.Interaction], Any]:
        async def post(interaction: discord.Interaction) -> None:
            embed, view = poster(match, interaction.user.id)
            await interaction.response.send_message(embed=embed, view=view)
            if isinstance(view, ExpiringView):
                view.message = await interaction.original_response()

        return post
