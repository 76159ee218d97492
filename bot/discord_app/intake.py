"""/ingest and /remove (admins only): an episode added from an attached file, or taken out.

Both are locked by Discord's default permissions and checked again at run time (`is_admin`),
answer privately after a deferral, and leave the work to the core (`Archive.add`,
`Archive.remove`, in worker threads).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.admin import is_admin
from bot.discord_app.quote import name_choices_for
from bot.discord_app.resources import Resources
from bot.discord_app.usage import mark
from bot.errors import PodquoteError
from bot.ingest.intake import Given, check_name, check_size
from bot.reply.echo import echoed
from bot.reply.intake import added_text, failed_text, removed_text

log = logging.getLogger(__name__)
escape = discord.utils.escape_markdown
MEGABYTE = 1024 * 1024


async def _refuse(interaction: discord.Interaction, what: str) -> None:
    mark(interaction, "refused")
    await interaction.response.send_message(f"Only the bot's admins can {what}.", ephemeral=True)


class IntakeCog(commands.Cog):
    """Adding and removing episodes from Discord."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    @app_commands.command(name="ingest", description="Add an episode from a transcript file")
    @app_commands.describe(
        file="The transcript, in any supported format",
        title="The episode's title, when the file does not state it",
        youtube="The video's id or link",
        speakers="Names as spoken and in full: Alexey=Alexey Grigorev, Meor=Meor Amer",
        show="The show it is from",
    )
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    async def ingest(
        self,
        interaction: discord.Interaction,
        *,
        file: discord.Attachment,
        title: app_commands.Range[str, 1, 200] | None = None,
        youtube: app_commands.Range[str, 1, 200] | None = None,
        speakers: app_commands.Range[str, 1, 500] | None = None,
        show: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        config = self.resources.config
        if not is_admin(config.discord, interaction):
            await _refuse(interaction, "add episodes")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("ingest of an attachment of %d bytes asked by %s", file.size, interaction.user.id)
        limit = config.data.max_upload_mb * MEGABYTE
        archive = self.resources.archive
        try:
            check_name(file.filename)
            check_size(file.size, limit)  # before a byte is downloaded
            data = await file.read()
            given = Given(title, youtube, speakers, show)
            added, failed = await archive.add(data, file.filename, config.data.raw, given, limit)
        except discord.HTTPException as exc:
            await self._failed(
                interaction, f"the attachment could not be downloaded ({exc.status})"
            )
            return
        except PodquoteError as exc:
            await self._failed(interaction, str(exc))
            return
        mark(interaction, "ok", added.episode.id)
        text = added_text(added, archive.library, escape, failed)
        await interaction.followup.send(text, ephemeral=True)

    async def _failed(self, interaction: discord.Interaction, why: str) -> None:
        log.info("ingest refused: %s", why)
        mark(interaction, "refused")
        await interaction.followup.send(failed_text(why, escape), ephemeral=True)

    @app_commands.command(name="remove", description="Take an episode out of the archive")
    @app_commands.describe(episode="The episode's id (start typing its title)")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    async def remove(
        self, interaction: discord.Interaction, episode: app_commands.Range[str, 1, 200]
    ) -> None:
        config = self.resources.config
        if not is_admin(config.discord, interaction):
            await _refuse(interaction, "remove episodes")
            return
        archive = self.resources.archive
        found = archive.library.get(episode)
        if found is None:
            mark(interaction, "none")
            why = f"No episode has the id {episode!r}: pick one of the choices offered."
            await interaction.response.send_message(echoed(why, (episode,), escape), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("remove of %s asked by %s", found.id, interaction.user.id)
        try:
            removed, failed = await archive.remove(found, config.data.raw)
        except PodquoteError as exc:
            mark(interaction, "refused")
            await interaction.followup.send(
                f"Not removed: {echoed(str(exc), (), escape)}", ephemeral=True
            )
            return
        mark(interaction, "ok", found.id)
        text = removed_text(removed, archive.library, escape, failed)
        await interaction.followup.send(text, ephemeral=True)

    @remove.autocomplete("episode")
    async def episode_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return name_choices_for(
            [(ep.title, ep.id) for ep in self.resources.archive.library], current
        )
