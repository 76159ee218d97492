"""/episode: one episode's card with a "Random quote" button, or the paged list."""

from __future__ import annotations

import random

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.embeds import INFO_COLOUR, quote_embed
from bot.discord_app.quote import name_choices_for
from bot.discord_app.resources import Resources, resources_of
from bot.discord_app.usage import mark
from bot.discord_app.views import ExpiringView
from bot.episodes.model import Episode, link
from bot.reply.cards import (
    episode_card,
    episode_page,
    listing_order,
    page_count,
    quote_card,
)
from bot.reply.echo import echoed
from bot.search.filters import FilterError
from bot.search.ranking import Match

GONE = "That episode is no longer in the archive."


def episode_embed(episode: Episode) -> discord.Embed:
    card = episode_card(episode)
    embed = discord.Embed(
        title=card.title, url=card.url, description=card.description, colour=INFO_COLOUR
    )
    for name, value in card.fields:
        embed.add_field(name=name, value=value, inline=True)
    if card.thumbnail:
        embed.set_thumbnail(url=card.thumbnail)
    return embed


def random_match(episode: Episode, rng: random.Random) -> Match | None:
    """A random quote-worthy segment of the episode (not the shortest ones)."""
    candidates = [i for i, s in enumerate(episode.segments) if len(s.text.split()) >= 12]
    candidates = candidates or list(range(len(episode.segments)))
    if not candidates:
        return None
    position = rng.choice(candidates)
    segment = episode.segments[position]
    return Match(
        episode=episode,
        position=position,
        segment=segment,
        highlight=(0, 0),
        start=segment.start,
        estimated=segment.estimated,
        score=100.0,
        url=link(episode, segment.start),
    )


class EpisodeView(ExpiringView):
    """The "Random quote" button under an episode card. It keeps the episode's id and finds
    the episode in the archive served at the click: a view lives `view_timeout`, across
    reloads, and must not keep an old episode alive."""

    def __init__(self, episode_id: str, rng: random.Random, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.episode_id = episode_id
        self.rng = rng

    @discord.ui.button(label="Random quote", emoji="🎲", style=discord.ButtonStyle.primary)
    async def random_quote(
        self, interaction: discord.Interaction, _: discord.ui.Button[EpisodeView]
    ) -> None:
        episode = resources_of(interaction.client).archive.library.get(self.episode_id)
        if episode is None:
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        match = random_match(episode, self.rng)
        if match is None:
            await interaction.response.send_message("This episode has no quotes.", ephemeral=True)
            return
        await interaction.response.send_message(embed=quote_embed(quote_card(match)))


class ListView(ExpiringView):
    """Previous/next pages of the episode list, read from the archive served at each click
    (holding the list would keep an old library alive for the view's lifetime)."""

    def __init__(self, episodes: list[Episode], timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.page = 0
        self.pages = page_count(episodes)
        self._sync()

    def embed(self, episodes: list[Episode]) -> discord.Embed:
        text, pages = episode_page(episodes, self.page)
        embed = discord.Embed(title="Episodes", description=text, colour=INFO_COLOUR)
        embed.set_footer(text=f"Page {self.page + 1} of {pages} · /episode name for one")
        return embed

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        episodes = listing_order(resources_of(interaction.client).archive.library)
        self.pages = page_count(episodes)
        self.page = max(0, min(self.pages - 1, self.page + step))
        self._sync()
        await interaction.response.edit_message(embed=self.embed(episodes), view=self)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction, _: discord.ui.Button[ListView]
    ) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[ListView]) -> None:
        await self._turn(interaction, +1)


class EpisodeCog(commands.Cog):
    """The /episode command."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.rng = random.Random()

    @app_commands.command(name="episode", description="About an episode, or the list of them")
    @app_commands.describe(name="The episode (start typing its title)")
    async def episode(self, interaction: discord.Interaction, name: str | None = None) -> None:
        if name is None:
            episodes = listing_order(self.resources.archive.library)
            view = ListView(episodes, self.resources.view_timeout)
            await interaction.response.send_message(embed=view.embed(episodes), view=view)
            view.message = await interaction.original_response()
            return
        try:
            episode = self.resources.archive.episode(name)
        except FilterError as exc:  # an unknown name lists the close ones
            mark(interaction, "none")
            await interaction.response.send_message(
                echoed(str(exc), (name,), discord.utils.escape_markdown), ephemeral=True
            )
            return
        mark(interaction, "found", episode.id)
        card = EpisodeView(episode.id, self.rng, self.resources.view_timeout)
        await interaction.response.send_message(embed=episode_embed(episode), view=card)
        card.message = await interaction.original_response()

    @episode.autocomplete("name")
    async def name_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return name_choices_for(
            [(ep.title, ep.id) for ep in self.resources.archive.library], current
        )
