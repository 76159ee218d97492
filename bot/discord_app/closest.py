"""When /quote is not sure: the closest moments, privately, each with a "Post this" button
that posts it publicly as a normal /quote answer (only the asker sees the list)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import discord

from bot.discord_app.embeds import QUOTE_COLOUR
from bot.discord_app.views import ExpiringView
from bot.reply.cards import UNSURE_HEADING, QuotePage, closest_lines, quote_pages
from bot.search.ranking import Match

# Builds the public answer for one moment: (embed, view) as /quote would post it.
Poster = Callable[[QuotePage, int], tuple[discord.Embed, discord.ui.View]]


class ClosestView(ExpiringView):
    """One "Post N" button per closest moment. Like `QuoteView` it keeps plain text (the
    list's lines, each moment's page), never the matches and their episodes."""

    def __init__(self, closest: Sequence[Match], poster: Poster, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.lines = closest_lines(closest, discord.utils.escape_markdown)
        for number, match in enumerate(closest, start=1):
            button: discord.ui.Button[Any] = discord.ui.Button(
                label=f"Post {number}", emoji="📣", style=discord.ButtonStyle.secondary
            )
            (page,) = quote_pages([match])
            button.callback = self._poster(page, poster)  # type: ignore[method-assign]
            self.add_item(button)

    def embed(self) -> discord.Embed:
        return discord.Embed(
            title=UNSURE_HEADING, description="\n".join(self.lines)[:4096], colour=QUOTE_COLOUR
        )

    @staticmethod
    def _poster(page: QuotePage, poster: Poster) -> Callable[[discord.Interaction], Any]:
        async def post(interaction: discord.Interaction) -> None:
            embed, view = poster(page, interaction.user.id)
            await interaction.response.send_message(embed=embed, view=view)
            if isinstance(view, ExpiringView):
                view.message = await interaction.original_response()

        return post
