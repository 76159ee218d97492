"""/stats (admins, privately): what members looked for in this server (`bot.stats.report`)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.admin import refuse_unless_manager
from bot.discord_app.embeds import INFO_COLOUR
from bot.discord_app.resources import Resources
from bot.reply.cards import clip
from bot.reply.echo import excerpt
from bot.stats.record import utc_today
from bot.stats.report import QUERIES_OFF, SearchReport, gather_report, outcome_summary

DEFAULT_DAYS = 7
MAX_DAYS = 90
MISS_EXCERPT = 80
FIELD_LIMIT = 1024


class StatsCog(commands.Cog):
    """/stats: locked to managers by Discord's default permissions, and checked again."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    @app_commands.command(name="stats", description="What members looked for (admins)")
    @app_commands.describe(days=f"How many days back, today included (1–{MAX_DAYS})")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, MAX_DAYS] = DEFAULT_DAYS,
    ) -> None:
        if interaction.guild_id is None or not await refuse_unless_manager(
            self.resources.config.discord, interaction, "see the stats"
        ):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)  # the database next
        report = await gather_report(
            self.resources.store,
            interaction.guild_id,
            today=utc_today(),
            days=max(1, min(days, MAX_DAYS)),
            queries=self.resources.config.logging.queries,
        )
        await interaction.followup.send(embed=self.embed(report), ephemeral=True)

    def embed(self, report: SearchReport) -> discord.Embed:
        """The report, laid out: the summary and the days, the episodes, the misses."""
        escape = discord.utils.escape_markdown
        days = "\n".join(f"`{day}` {count}" for day, count in report.per_day)
        embed = discord.Embed(
            title=f"Searches, {report.first_day} to {report.last_day} (UTC)",
            description=clip(f"**{report.total}** · {outcome_summary(report)}\n\n{days}", 4096),
            colour=INFO_COLOUR,
        )
        library = self.resources.archive.library
        asked = []
        for episode_id, count in report.episodes:
            episode = library.get(episode_id)
            title = episode.title if episode is not None else episode_id
            asked.append(f"{count} · {escape(clip(title, 90))}")
        embed.add_field(
            name="Most asked episodes",
            value=clip("\n".join(asked) or "none yet", FIELD_LIMIT),
            inline=False,
        )
        if report.misses is None:
            misses = QUERIES_OFF
        else:
            misses = "\n".join(
                f"`{day}` /{command} {escape(excerpt(query, MISS_EXCERPT))}"
                for day, command, query in report.misses
            )
        embed.add_field(
            name="Latest searches that found nothing",
            value=clip(misses or "none", FIELD_LIMIT),
            inline=False,
        )
        return embed
