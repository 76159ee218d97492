"""The one error handler of commands and buttons: a short private line, the traceback to the log."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord_app.cooldown import wait_text
from bot.discord_app.usage import mark
from bot.storage import StoreBusy, StoreError

log = logging.getLogger(__name__)


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Tell the member in one private line; a check's refusal is its own message (asking
    again too soon: when they may), a database that cannot be used says why (the details to
    the log, in one line), anything else goes to the log with its traceback (never to the
    member). The command's outcome is marked "refused" or "error" for its log line."""
    cause = getattr(error, "original", error)  # what a command raised, inside discord.py's
    mark(interaction, "refused" if isinstance(error, app_commands.CheckFailure) else "error")
    if isinstance(error, app_commands.CommandOnCooldown):
        message = wait_text(error.retry_after)
    elif isinstance(error, app_commands.CheckFailure):
        message = str(error) or "You cannot use this command here."
    elif isinstance(cause, StoreError):
        command = interaction.command.qualified_name if interaction.command else "a button"
        (log.warning if isinstance(cause, StoreBusy) else log.error)("/%s: %s", command, cause)
        message = f"Sorry, {cause.reason}."
        if not isinstance(cause, StoreBusy):
            message += " The admins can find the details in the log."
    else:
        command = interaction.command.qualified_name if interaction.command else "a button"
        log.error("/%s failed", command, exc_info=error)
        message = "Sorry, something went wrong on my side. The admins can find it in the log."
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the member about the error", exc_info=True)
