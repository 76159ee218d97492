"""/quote: find the moment a member half-remembers, page through the best results."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.archive.snapshot import Query
from bot.discord_app.closest import ClosestView
from bot.discord_app.cooldown import Key
from bot.discord_app.embeds import QUOTE_COLOUR, quote_embed
from bot.discord_app.resources import Resources, resources_of
from bot.discord_app.usage import mark
from bot.discord_app.views import ExpiringView
from bot.reply.cards import (
    CHOICE_NAME_LIMIT,
    QuotePage,
    clip,
    no_match,
    quote_pages,
    too_long,
)
from bot.reply.echo import echoed
from bot.search.filters import FilterError
from bot.search.ranking import Outcome

AUTOCOMPLETE_CHOICES = 25
# A search still running after this long is deferred (privately: Discord allows 3 s for the
# first answer); words take milliseconds, the sentence model a few hundred on a busy machine.
DEFER_AFTER = 1.0
FOUND_BELOW = "Found it; it is posted below."


async def answer_privately(
    interaction: discord.Interaction,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View = discord.utils.MISSING,
) -> discord.Message:
    """A private answer: the first response, or the edit of the private "thinking…" one."""
    if interaction.response.is_done():
        return await interaction.edit_original_response(content=content, embed=embed, view=view)
    await interaction.response.send_message(content, embed=embed, view=view, ephemeral=True)
    return await interaction.original_response()


async def answer_publicly(
    interaction: discord.Interaction, embed: discord.Embed, view: discord.ui.View
) -> discord.Message:
    """The public answer: the first response or, after a private deferral, a follow-up.

    A follow-up sent while the deferral still shows "thinking…" would take the deferral's
    privacy (Discord's rule for the first follow-up), so that one is resolved first.
    """
    if not interaction.response.is_done():
        await interaction.response.send_message(embed=embed, view=view)
        return await interaction.original_response()
    await interaction.edit_original_response(content=FOUND_BELOW)
    return await interaction.followup.send(embed=embed, view=view, wait=True)


def context_embed(page: QuotePage) -> discord.Embed:
    """The Context button's private answer: the words around the result."""
    return discord.Embed(
        title=page.around_title, url=page.card.url, description=page.around, colour=QUOTE_COLOUR
    )


class QuoteView(ExpiringView):
    """Previous/next for the member who asked, Context for anyone (privately), Watch link.

    It keeps each result's page of plain text (`QuotePage`), never the match: the buttons
    work for `view_timeout`, across reloads, and must not keep old episodes alive."""

    def __init__(self, pages: list[QuotePage], owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self._link: discord.ui.Button[QuoteView] | None = None
        self._sync()

    @property
    def current(self) -> QuotePage:
        return self.pages[self.index]

    def embed(self) -> discord.Embed:
        return quote_embed(self.current.card)

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        if len(self.pages) == 1:
            self.remove_item(self.previous)
            self.remove_item(self.next)
        if self._link is not None:
            self.remove_item(self._link)
            self._link = None
        card = self.current.card
        if card.url and card.watch_label:
            self._link = discord.ui.Button(
                style=discord.ButtonStyle.link, url=card.url, label=card.watch_label
            )
            self.add_item(self._link)

    async def _page(self, interaction: discord.Interaction, step: int) -> None:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Only the member who asked can page through these results; try /quote yourself.",
                ephemeral=True,
            )
            return
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction, _: discord.ui.Button[QuoteView]
    ) -> None:
        await self._page(interaction, -1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[QuoteView]) -> None:
        await self._page(interaction, +1)

    @discord.ui.button(label="Context", emoji="📜", style=discord.ButtonStyle.primary)
    async def context(
        self, interaction: discord.Interaction, _: discord.ui.Button[QuoteView]
    ) -> None:
        await interaction.response.send_message(embed=context_embed(self.current), ephemeral=True)


def quote_key(interaction: discord.Interaction) -> Key:
    """`dynamic_cooldown`'s key for /quote (see `bot.discord_app.cooldown`)."""
    return resources_of(interaction.client).cooldown.key(interaction)


def quote_bucket(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    """`dynamic_cooldown`'s factory for /quote: a bucket, or None when the cooldown is off."""
    return resources_of(interaction.client).cooldown.bucket(interaction)


class QuoteCog(commands.Cog):
    """The /quote command."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def _not_charged(self, interaction: discord.Interaction, outcome: str) -> None:
        """A miss or a refusal: marked so, and the cooldown's use given back."""
        mark(interaction, outcome)
        self.resources.cooldown.give_back(interaction)

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """A /quote that failed after its check (an option discord.py could not convert, a
        search that raised) is not the member's turn either; one refused by a check (the
        cooldown itself) took nothing to give back."""
        if not isinstance(error, app_commands.CheckFailure):
            self.resources.cooldown.give_back(interaction)

    @app_commands.command(name="quote", description="Find a quote from the archive")
    @app_commands.describe(
        query="What you remember of it, in any order, typos welcome",
        speaker="Only quotes by this speaker",
        episode="Only quotes from this episode",
    )
    @app_commands.checks.dynamic_cooldown(quote_bucket, key=quote_key)
    async def quote(
        self,
        interaction: discord.Interaction,
        query: str,
        speaker: str | None = None,
        episode: str | None = None,
    ) -> None:
        limit = self.resources.config.search.max_query_length
        if len(query) > limit:
            self._not_charged(interaction, "refused")
            await interaction.response.send_message(too_long(limit), ephemeral=True)
            return
        try:
            outcome = await self._search(interaction, query, speaker, episode)
        except FilterError as exc:
            self._not_charged(interaction, "refused")
            await answer_privately(
                interaction,
                content=echoed(str(exc), (speaker, episode), discord.utils.escape_markdown),
            )
            return
        if outcome.closest:
            mark(interaction, "unsure")
            closest = ClosestView(outcome.closest, self._public, self.resources.view_timeout)
            closest.message = await answer_privately(
                interaction, embed=closest.embed(), view=closest
            )
            return
        if not outcome.matches:
            self._not_charged(interaction, "none")
            await answer_privately(
                interaction,
                content=no_match(query, outcome.suggestions, discord.utils.escape_markdown),
            )
            return
        mark(interaction, "found", outcome.matches[0].episode.id)
        view = QuoteView(
            quote_pages(outcome.matches), interaction.user.id, self.resources.view_timeout
        )
        view.message = await answer_publicly(interaction, view.embed(), view)

    async def _search(
        self,
        interaction: discord.Interaction,
        query: str,
        speaker: str | None,
        episode: str | None,
    ) -> Outcome:
        """The search, off the event loop (in the search processes: bot/archive/search_pool.py);
        deferred privately at once when it has to wait for others to finish, else when it
        runs past `DEFER_AFTER`, so the answer never misses Discord's deadline."""
        search = self.resources.config.search
        archive = self.resources.archive
        waits = archive.search_waits
        running = archive.start_search(
            Query(query, speaker, episode, limit=search.results, min_score=search.min_score)
        )
        if not waits:
            try:
                return await asyncio.wait_for(asyncio.shield(running), DEFER_AFTER)
            except TimeoutError:
                pass
        await interaction.response.defer(ephemeral=True, thinking=True)
        return await running

    def _public(self, page: QuotePage, owner_id: int) -> tuple[discord.Embed, discord.ui.View]:
        """A closest moment posted as the /quote answer (see `ClosestView`)."""
        view = QuoteView([page], owner_id, self.resources.view_timeout)
        return view.embed(), view

    @quote.autocomplete("speaker")
    async def speaker_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = self.resources.archive.searcher.speakers.names
        return name_choices_for([(n, n) for n in names], current)

    @quote.autocomplete("episode")
    async def episode_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        episodes = self.resources.archive.library
        return name_choices_for([(ep.title, ep.id) for ep in episodes], current)


def name_choices_for(
    options: list[tuple[str, str]], current: str
) -> list[app_commands.Choice[str]]:
    """Up to 25 choices whose name contains what was typed (all, in order, when nothing is)."""
    wanted = current.casefold().strip()
    picked = [(n, v) for n, v in options if wanted in n.casefold()] if wanted else options
    return [
        app_commands.Choice(name=clip(name, CHOICE_NAME_LIMIT), value=value[:100])
        for name, value in picked[:AUTOCOMPLETE_CHOICES]
    ]
