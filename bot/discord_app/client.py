"""The bot: resources passed in, commands synced per configured guild, one error handler."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.advice.daily_post import Clock, DailyAdvice
from bot.archive.loaded import Archive
from bot.config.preflight import no_commands_line, servers_without_commands
from bot.config.settings import Config
from bot.discord_app.admin import AdminCog
from bot.discord_app.advice import AdviceCog, DiscordSender, MoreFromEpisode
from bot.discord_app.episode import EpisodeCog
from bot.discord_app.errors import report_error
from bot.discord_app.gateway_turns import take_turns
from bot.discord_app.inflight import InFlight, TrackingTree
from bot.discord_app.intake import IntakeCog
from bot.discord_app.quote import QuoteCog
from bot.discord_app.resources import Resources
from bot.discord_app.settings import SettingsCog
from bot.discord_app.stats import StatsCog
from bot.discord_app.usage import command_run
from bot.storage import GuildSettings, Store, StoreError

log = logging.getLogger(__name__)


class PodquoteBot(commands.AutoShardedBot):
    """podquote on Discord. Needs only the guilds intent (no privileged intents).

    It runs the shards the config names (`[discord] shard_count`, `shard_ids`; all of them by
    default, as many as Discord recommends) and answers and posts only for their servers:
    Discord sends each server's events to one shard, and the daily post loop skips the
    servers of other processes' shards (`owns`).
    """

    def __init__(
        self,
        config: Config,
        archive: Archive,
        store: Store,
        *,
        sync_global: bool = False,
        resync: bool = False,
        clock: Clock | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # The bot never joins a voice channel: no "PyNaCl/davey is not installed, voice will
        # NOT be supported" warnings at each start (discord.py's own switches for just those).
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        self.shards_held = config.discord.shards
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=TrackingTree,
            shard_count=self.shards_held.count or None,
            shard_ids=list(self.shards_held.ids) or None,
        )
        self.resources = Resources(config, archive, store)  # what the cogs are handed
        self.sync_global = sync_global
        self.resync = resync
        self.tree.on_error = self.on_app_command_error
        self.in_flight_tree.finished = self._command_finished
        self.clock = clock
        self.daily: DailyAdvice | None = None
        self._advice_task: asyncio.Task[None] | None = None
        self._prune_task: asyncio.Task[None] | None = None
        self.servers_recorded = asyncio.Event()  # the servers of READY are in the database

    async def setup_hook(self) -> None:
        take_turns()  # a burst of interactions never holds the loop (gateway_turns)
        await self.resources.cooldown.load()
        # The search log: old rows deleted now and once a day.
        self._prune_task = asyncio.create_task(
            self.resources.commands.prune_daily(), name="prune-searches"
        )
        self._prune_task.add_done_callback(_log_end)
        await self.add_cog(QuoteCog(self.resources))
        await self.add_cog(EpisodeCog(self.resources))
        await self.add_cog(AdminCog(self.resources))
        await self.add_cog(IntakeCog(self.resources))
        await self.add_cog(SettingsCog(self.resources))
        await self.add_cog(StatsCog(self.resources))
        self.daily = DailyAdvice(
            self.store,
            self.archive.advice_pool,
            DiscordSender(self),
            self.clock,
            defaults=advice_defaults(self.config),
            owns=self.shards_held.owns,
        )
        await self.add_cog(AdviceCog(self.resources, self.daily))
        self.add_dynamic_items(MoreFromEpisode)
        if self.application_id is not None:
            log.info("invite link (%s): %s", INVITE_NEEDS, invite_url(self.application_id))
        guild_ids = self.config.discord.guild_ids
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self._sync(guild)
        if self.sync_global or not guild_ids:
            if not guild_ids:
                log.warning(
                    "no [discord] guild_ids configured: the commands are registered globally, "
                    "which Discord can take up to an hour to show in every server; put your "
                    "server's id in guild_ids to see them at once"
                )
            await self._sync(None)

    async def _sync(self, guild: discord.Object | None) -> None:
        """Register the commands with Discord for one server (None: globally), unless the
        same commands were registered there last time (kept in the database): restarts do not
        spend Discord's sync rate limit. `resync` forces it."""
        target = "global" if guild is None else str(guild.id)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        where = "globally" if guild is None else f"to guild {guild.id}"
        if not self.resync and await self.store.synced_commands(target) == digest:
            log.info("commands unchanged since the last sync %s: not syncing", where)
            return
        synced = await self.tree.sync(guild=guild)
        log.info("synced %d commands %s", len(synced), where)
        try:
            await self.store.save_synced_commands(target, digest)
        except StoreError as exc:  # e.g. read-only: the bot still serves; the next start syncs
            log.warning("could not remember the commands synced %s: %s", where, exc)

    def shards_text(self) -> str:
        """Which shards this process holds: `shards 0-1 of 4`, `one shard`."""
        return self.shards_held.describe(self.shard_count)

    @property
    def config(self) -> Config:
        return self.resources.config

    @property
    def archive(self) -> Archive:
        return self.resources.archive

    @property
    def store(self) -> Store:
        return self.resources.store

    @property
    def in_flight_tree(self) -> TrackingTree:
        tree = self.tree
        assert isinstance(tree, TrackingTree)
        return tree

    @property
    def in_flight(self) -> InFlight:
        """Command and button handlers running now (see `stop`)."""
        return self.in_flight_tree.in_flight

    def _command_finished(
        self, interaction: discord.Interaction, took: float, raised: bool
    ) -> None:
        """A slash command is done (its reply sent): its log line, and its search recorded
        off the reply path (see `bot.stats.record`)."""
        try:
            run = command_run(interaction, took, raised=raised)
            if run is not None:
                self.resources.commands.finished(run)
        except Exception:  # a bug here must not touch the member's answer
            log.exception("could not log a command")

    async def stop(self, grace: float) -> None:
        """Stop cleanly: wait up to `grace` seconds for replies in flight, then log out."""
        running = self.in_flight.running
        if running:
            log.info("replies in flight: %d; waiting up to %g s for them", running, grace)
        left = await self.in_flight.settle(grace)
        if left:
            log.warning("replies still in flight after %g s: %d; stopping anyway", grace, left)
        await self.close()
        log.info("logged out")

    async def on_ready(self) -> None:
        if self.daily is not None and self._advice_task is None:
            self._advice_task = asyncio.create_task(self.daily.run(), name="daily-advice")
            self._advice_task.add_done_callback(_log_end)
        user = self.user
        log.info(
            "ready as %s (%s) in %d guilds on %s; %d episodes, %d quotes",
            user,
            user.id if user else "?",
            len(self.guilds),
            self.shards_text(),
            len(self.archive.library),
            self.archive.library.segment_count,
        )
        # Only a process holding every shard knows every server the bot is in.
        whole = self.shards_held.all
        await self._servers_seen([(g.id, g.name) for g in self.guilds], whole=whole)
        self.servers_recorded.set()

    async def on_shard_ready(self, shard_id: int) -> None:
        count = sum(1 for g in self.guilds if g.shard_id == shard_id)
        log.info("shard %d of %s ready: %d guilds", shard_id, self.shard_count, count)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("joined the server %s (%d)", guild.name, guild.id)
        await self._servers_seen([(guild.id, guild.name)], whole=False)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        log.info("left the server %s (%d)", guild.name, guild.id)
        with contextlib.suppress(StoreError):
            await self.store.forget_guild_seen(guild.id)

    async def _servers_seen(self, guilds: list[tuple[int, str]], *, whole: bool) -> None:
        """Keep the servers the bot is in (for `check`) and warn of each where members see
        no commands: one not in guild_ids while the commands are not registered globally."""
        try:
            await self.store.save_guilds_seen(guilds, whole=whole)
            synced = await self.store.synced_targets()
        except (StoreError, ValueError) as exc:  # ValueError: closed while stopping
            log.warning("could not remember the servers the bot is in: %s", exc)
            synced = {"global"} if self.sync_global or not self.config.discord.guild_ids else set()
        guild_ids = self.config.discord.guild_ids
        for server in servers_without_commands(guilds, guild_ids, synced):
            log.warning("%s", no_commands_line(*server))

    async def close(self) -> None:
        for task in (self._advice_task, self._prune_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await super().close()
        await self.resources.commands.drain()  # before the database closes

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Errors of commands: see `report_error`."""
        await report_error(interaction, error)


# What the bot needs in a server: the scopes of its invite and the permissions it asks for
# (reading and posting quotes and the daily advice as embeds; looking back in the advice
# channel's history for a post a crash may have left unconfirmed).
INVITE_SCOPES = ("bot", "applications.commands")
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
)
INVITE_NEEDS = (
    "scopes bot and applications.commands; View Channels, Send Messages, Embed Links, "
    "Read Message History"
)


def invite_url(application_id: int) -> str:
    """The link that adds the bot to a server with exactly what it needs."""
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES
    )


def advice_defaults(config: Config) -> list[GuildSettings]:
    """The config file's daily-advice default, for its one server (see `[advice]`)."""
    advice = config.advice
    if not advice.channel_id or len(config.discord.guild_ids) != 1:
        return []
    guild = config.discord.guild_ids[0]
    return [GuildSettings(guild, advice.channel_id, advice.time, advice.timezone, True)]


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the task %s stopped", task.get_name(), exc_info=task.exception())
