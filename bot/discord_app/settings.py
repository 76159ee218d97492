"""/settings (a server's own settings, admins): today the /quote cooldown."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.admin import refuse_unless_manager
from bot.discord_app.cooldown import MAX_SECONDS
from bot.discord_app.resources import Resources


def cooldown_text(seconds: float, own: bool) -> str:
    """What the cooldown in force is, and where it comes from."""
    source = "set for this server" if own else "the bot's default"
    if seconds <= 0:
        return f"/quote has no cooldown in this server ({source})."
    return f"Members wait {seconds:g} s between two /quote commands in this server ({source})."


class SettingsCog(commands.Cog):
    """/settings: locked to managers by Discord's default permissions, and checked again."""

    group = app_commands.Group(
        name="settings",
        description="This server's settings for the bot (admins)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    @group.command(
        name="cooldown", description="Seconds a member waits between two /quote commands"
    )
    @app_commands.describe(
        seconds=f"0 (no wait) to {MAX_SECONDS}; leave out to see the current setting"
    )
    async def cooldown(
        self,
        interaction: discord.Interaction,
        seconds: app_commands.Range[int, 0, MAX_SECONDS] | None = None,
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None or not await refuse_unless_manager(
            self.resources.config.discord, interaction, "change this server's settings"
        ):
            return
        cooldown = self.resources.cooldown
        if seconds is not None:
            # Acknowledged first: the write may wait up to the database's busy timeout.
            await interaction.response.defer(ephemeral=True, thinking=True)
            await cooldown.set_seconds(guild_id, float(seconds))
            await interaction.followup.send(
                "Saved. " + cooldown_text(cooldown.seconds(guild_id), own=True), ephemeral=True
            )
            return
        await interaction.response.send_message(
            cooldown_text(cooldown.seconds(guild_id), own=cooldown.own(guild_id) is not None),
            ephemeral=True,
        )
