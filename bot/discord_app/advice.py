"""/advice (set, off, now, status), the daily post's sender, and its "More" button."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.advice.daily_post import AdvicePost, AdviceStatus, DailyAdvice, PostFailed, PostGone
from bot.advice.schedule import ScheduleError, parse_time, zone, zone_names
from bot.discord_app.admin import refuse_unless_manager
from bot.discord_app.embeds import INFO_COLOUR, advice_embed
from bot.discord_app.episode import GONE
from bot.discord_app.resources import Resources, resources_of
from bot.reply.advice_card import advice_card, footer_for
from bot.reply.cards import clip, episode_card
from bot.reply.echo import echoed
from bot.storage import AdviceRecord, GuildSettings

log = logging.getLogger(__name__)

# A half-done post is looked for in every message since its intent was recorded (less this,
# for clocks that disagree), however busy the channel: Discord forgets a send's nonce within
# minutes, so after a restart only the channel itself can say whether the post went out.
CLOCK_SKEW = dt.timedelta(minutes=5)
MORE_ADVICE = 3


class DiscordSender:
    """Posts advice into a channel through discord.py (the `Sender` of `DailyAdvice`)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        try:
            channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(
                channel_id
            )
        except discord.NotFound as exc:
            raise PostGone(f"the channel {channel_id} no longer exists") from exc
        except discord.Forbidden as exc:
            raise PostGone(f"no access to the channel {channel_id}") from exc
        except (discord.DiscordServerError, discord.RateLimited, aiohttp.ClientError) as exc:
            raise PostFailed(_why(exc)) from exc
        if not isinstance(channel, discord.abc.Messageable):
            raise PostGone(f"the channel {channel_id} is not a text channel")
        return channel

    async def send(self, post: AdvicePost) -> int:
        channel = await self._channel(post.channel_id)
        card = advice_card(post.candidate, post.day)
        try:
            message = await channel.send(
                embed=advice_embed(card),
                view=more_view(post.candidate.episode.id),
                nonce=post.nonce,
            )
        except discord.NotFound as exc:
            raise PostGone(f"the channel {post.channel_id} no longer exists") from exc
        except discord.Forbidden as exc:
            raise PostGone(f"no permission to post in the channel {post.channel_id}") from exc
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise PostFailed(_why(exc)) from exc
        return message.id

    async def find(self, post: AdvicePost) -> int | None:
        channel = await self._channel(post.channel_id)
        marker = footer_for(post.day)
        me = self.client.user.id if self.client.user else None
        after = discord.Object(discord.utils.time_snowflake(post.since - CLOCK_SKEW))
        try:
            async for message in channel.history(limit=None, after=after):
                if message.author.id == me and any(
                    (e.footer.text or "") == marker for e in message.embeds
                ):
                    return message.id
        except discord.Forbidden as exc:
            raise PostGone(
                "could not read the channel to check whether the post already went out; "
                "not posting twice"
            ) from exc
        except discord.NotFound as exc:
            raise PostGone(f"the channel {post.channel_id} no longer exists") from exc
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise PostFailed(_why(exc)) from exc
        return None


def _why(exc: Exception) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered {exc.status}"
    if isinstance(exc, discord.RateLimited):
        return "rate limited by Discord"
    return f"network error ({type(exc).__name__})"


class MoreFromEpisode(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"advice:more:(?P<episode>[a-z0-9-]{1,80})",
):
    """ "More from this episode": works on every advice post, also after a restart."""

    def __init__(self, episode_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="More from this episode",
                emoji="📖",
                style=discord.ButtonStyle.secondary,
                custom_id=f"advice:more:{episode_id}"[:100],
            )
        )
        self.episode_id = episode_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> MoreFromEpisode:
        return cls(match["episode"])

    async def callback(self, interaction: discord.Interaction) -> None:
        archive = resources_of(interaction.client).archive
        episode = archive.library.get(self.episode_id)
        if episode is None:
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        card = episode_card(episode)
        embed = discord.Embed(
            title=card.title, url=card.url, description=card.description, colour=INFO_COLOUR
        )
        for name, value in card.fields:
            embed.add_field(name=name, value=value, inline=True)
        pool = await archive.advice_pool()
        more = pool.of_episode(episode.id)[:MORE_ADVICE]
        if more:
            entries = []
            for shown in map(advice_card, more):
                who = ", ".join(p for p in (shown.speaker, shown.when) if p)
                entries.append(
                    f"{shown.advice}\n— [{who}]({shown.url})"
                    if shown.url
                    else f"{shown.advice}\n— {who}"
                )
            value = "\n".join(entries)
            embed.add_field(
                name="More advice from this episode", value=clip(value, 1024), inline=False
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)


def more_view(episode_id: str) -> discord.ui.View:
    """The button row under an advice post (no timeout: it works as long as the post)."""
    view = discord.ui.View(timeout=None)
    view.add_item(MoreFromEpisode(episode_id))
    return view


def status_text(status: AdviceStatus, pool_size: int) -> str:
    """What `/advice status` says, in the server's time zone."""
    lines: list[str] = []
    schedule = status.schedule
    if not status.enabled or schedule is None:
        lines.append("Daily advice is **off**. Admins turn it on with `/advice set`.")
    else:
        lines.append(
            f"Daily advice goes to <#{schedule.channel_id}> at **{schedule.time:%H:%M}** "
            f"({discord.utils.escape_markdown(schedule.timezone)})."
        )
    if status.next_post is not None:
        stamp = int(status.next_post.timestamp())
        when = f"**{status.next_post:%a %d %b %Y, %H:%M} {status.next_post.tzname()}**"
        if status.overdue:
            lines.append(f"Next post: due since {when} (<t:{stamp}:R>), not posted yet.")
        else:
            lines.append(f"Next post: {when} (<t:{stamp}:R>).")
    if status.trouble is not None:
        since = int(status.trouble.since.timestamp())
        lines.append(
            f"⚠️ Nothing can be posted (failing since <t:{since}:f>, tried again each minute): "
            f"{discord.utils.escape_markdown(status.trouble.reason)}"
        )
    if status.today is not None:
        state = {"sent": "posted", "intent": "on its way", "skipped": "skipped"}[
            status.today.status
        ]
        lines.append(f"Today's advice: {state}.")
    pool = status.pool
    if pool_size:
        lines.append(
            f"Pool: {pool.left} of {pool.total} pieces of advice left in round {pool.round}."
        )
    else:
        lines.append("Pool: empty (no segment scores as advice; a curator can pin some).")
    if status.last_problem is not None and status.last_problem.reason:
        problem = status.last_problem
        what = "retrying" if problem.status == "intent" else "skipped"
        lines.append(
            f"Last problem ({problem.local_date}, {what}): "
            f"{discord.utils.escape_markdown(problem.reason or '')}"
        )
    return "\n".join(lines)


class AdviceCog(commands.Cog):
    """/advice and the daily posting loop."""

    group = app_commands.Group(
        name="advice",
        description="Daily advice from the archive (admins)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, resources: Resources, daily: DailyAdvice) -> None:
        self.resources = resources
        self.daily = daily

    async def _admin_only(self, interaction: discord.Interaction) -> bool:
        return await refuse_unless_manager(
            self.resources.config.discord, interaction, "change daily advice"
        )

    @group.command(name="set", description="Post daily advice to a channel at a local time")
    @app_commands.describe(
        channel="Where the advice is posted",
        time="Local time of day, 24-hour HH:MM (e.g. 09:00)",
        timezone="IANA time zone, e.g. Europe/Berlin (daylight saving is followed)",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str = "UTC",
    ) -> None:
        if not await self._admin_only(interaction) or interaction.guild_id is None:
            return
        try:
            at = parse_time(time)
            zone(timezone)
        except ScheduleError as exc:
            await interaction.response.send_message(
                echoed(str(exc), (time, timezone), discord.utils.escape_markdown), ephemeral=True
            )
            return
        await _defer(interaction)
        warning = ""
        me = channel.guild.me
        if me is not None:
            allowed = channel.permissions_for(me)
            if not (allowed.send_messages and allowed.embed_links):
                warning = (
                    f"\n⚠️ I cannot post embeds in {channel.mention} yet: give me *Send Messages*"
                    " and *Embed Links* there, or the post will be skipped."
                )
        settings = GuildSettings(interaction.guild_id, channel.id, f"{at:%H:%M}", timezone, True)
        await self.daily.configure(settings)
        status = await self.daily.status(interaction.guild_id)
        pool = await self.resources.archive.advice_pool()
        await interaction.followup.send(status_text(status, len(pool)) + warning, ephemeral=True)

    @set_.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.casefold().replace(" ", "_")
        names = [n for n in zone_names() if wanted in n.casefold()]
        names.sort(key=lambda n: (not n.casefold().startswith(wanted), n))
        return [app_commands.Choice(name=n, value=n) for n in names[:25]]

    @group.command(name="off", description="Stop the daily advice in this server")
    async def off(self, interaction: discord.Interaction) -> None:
        if not await self._admin_only(interaction) or interaction.guild_id is None:
            return
        await _defer(interaction)
        current = await self.daily.settings(interaction.guild_id)
        await self.daily.configure(
            GuildSettings(
                interaction.guild_id,
                current.advice_channel_id,
                current.advice_time,
                current.advice_timezone,
                False,
            )
        )
        await interaction.followup.send(
            "Daily advice is off. `/advice set` turns it on again; the history is kept, so "
            "nothing repeats.",
            ephemeral=True,
        )

    @group.command(name="now", description="Post one piece of advice here, now")
    @app_commands.describe(today="Count it as today's daily post (default: an extra one)")
    async def now(self, interaction: discord.Interaction, today: bool = False) -> None:
        if not await self._admin_only(interaction) or interaction.guild_id is None:
            return
        await _defer(interaction)
        channel_id = interaction.channel_id or 0
        posted = await self.daily.post_now(interaction.guild_id, channel_id, as_today=today)
        await interaction.followup.send(now_text(posted, channel_id), ephemeral=True)

    @group.command(name="status", description="Where and when daily advice is posted")
    async def status(self, interaction: discord.Interaction) -> None:
        if not await self._admin_only(interaction) or interaction.guild_id is None:
            return
        await _defer(interaction)
        status = await self.daily.status(interaction.guild_id)
        pool = await self.resources.archive.advice_pool()
        embed = discord.Embed(
            title="Daily advice", description=status_text(status, len(pool)), colour=INFO_COLOUR
        )
        await interaction.followup.send(embed=embed, ephemeral=True)


async def _defer(interaction: discord.Interaction) -> None:
    """Acknowledge at once, privately: what follows reads or writes the database, which may
    wait up to its busy timeout (or the advice pool), and Discord allows 3 s for the first
    answer and 15 minutes for the rest."""
    await interaction.response.defer(ephemeral=True, thinking=True)


def now_text(posted: AdviceRecord | str, channel_id: int) -> str:
    """What `/advice now` tells the admin, privately: where it went, or why not."""
    if isinstance(posted, str):
        return f"Not posted: {posted}."
    reason = discord.utils.escape_markdown(posted.reason or "")
    if posted.status == "sent":
        return f"Posted in <#{channel_id}>."
    if posted.status == "intent":
        return f"Not posted yet ({reason}); I will try again until the day ends."
    return f"Not posted: {reason}."
