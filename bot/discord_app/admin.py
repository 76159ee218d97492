"""/reload (admins only), /help, and who may change a server's settings."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.config.settings import DiscordConfig
from bot.discord_app.embeds import INFO_COLOUR
from bot.discord_app.resources import Resources
from bot.discord_app.usage import mark
from bot.errors import PodquoteError
from bot.reply.cards import RELOAD_FAILED, diff_summary
from bot.reply.commands import HELP_INTRO, slash_commands

log = logging.getLogger(__name__)


def is_admin(config: DiscordConfig, interaction: discord.Interaction) -> bool:
    """Checked at run time, whatever Discord's permission settings say: the server's
    administrators, and the configured admin users and roles besides them (the lists extend
    Discord's permission, never narrow it: an administrator can remove the bot anyway)."""
    if interaction.permissions.administrator:
        return True
    user = interaction.user
    if user.id in config.admin_user_ids:
        return True
    return isinstance(user, discord.Member) and any(
        r.id in config.admin_role_ids for r in user.roles
    )


def may_manage(config: DiscordConfig, interaction: discord.Interaction) -> bool:
    """The server's own settings (daily advice, the /quote cooldown, the stats): the bot's
    admins (`is_admin`), or members who can manage the server."""
    return is_admin(config, interaction) or interaction.permissions.manage_guild


MANAGERS_ONLY = "Only the bot's admins (or members who can manage the server) can {what}."


async def refuse_unless_manager(
    config: DiscordConfig, interaction: discord.Interaction, what: str
) -> bool:
    """Checked at run time, whatever Discord's permission settings say: True when the member
    `may_manage`; else they are told privately that they cannot `what` (the command's
    outcome: refused), and False."""
    if may_manage(config, interaction):
        return True
    mark(interaction, "refused")
    await interaction.response.send_message(MANAGERS_ONLY.format(what=what), ephemeral=True)
    return False


class AdminCog(commands.Cog):
    """Administration and help."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    @app_commands.command(name="reload", description="Re-read the transcripts (admins only)")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    async def reload(self, interaction: discord.Interaction) -> None:
        if not is_admin(self.resources.config.discord, interaction):
            mark(interaction, "refused")
            await interaction.response.send_message(
                "Only the bot's admins can reload the transcripts.", ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("reload asked by %s", interaction.user.id)
        try:
            diff = await self.resources.archive.reload()
        except PodquoteError as exc:
            log.warning("reload failed: %s", exc)
            await interaction.followup.send(
                f"{RELOAD_FAILED}\nWhy: {discord.utils.escape_markdown(str(exc))}",
                ephemeral=True,
            )
            return
        library = self.resources.archive.library
        await interaction.followup.send(
            diff_summary(
                diff,
                len(library),
                library.segment_count,
                escape=discord.utils.escape_markdown,
            ),
            ephemeral=True,
        )

    @app_commands.command(name="help", description="What this bot does and how to use it")
    async def help(self, interaction: discord.Interaction) -> None:
        library = self.resources.archive.library
        embed = discord.Embed(
            title="podquote",
            colour=INFO_COLOUR,
            description=(
                f"{HELP_INTRO}\n\n{help_lines()}\n\n"
                f"The archive holds **{len(library):,}** episodes and "
                f"**{library.segment_count:,}** quotes."
            ),
        )
        count = getattr(interaction.client, "shard_count", None)
        shards = self.resources.config.discord.shards.describe(count)
        embed.set_footer(text=f"podquote {__version__} · answered by the process of {shards}")
        await interaction.response.send_message(embed=embed, ephemeral=True)


def help_lines() -> str:
    """/help's list of the slash commands, from the one list (`bot.reply.commands`):
    "**/quote** `query [speaker] [episode]` — what you remember of it; …"."""
    lines = []
    for command in slash_commands():
        name, _, args = command.discord.partition(" ")
        shown = f"**{name}** `{args}`" if args else f"**{name}**"
        lines.append(f"{shown} — {command.discord_does or command.does}")
    return "\n".join(lines)
