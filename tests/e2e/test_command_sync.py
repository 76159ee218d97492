"""Commands appear on the first start, whatever the config, and restarts with nothing changed
do not spend Discord's sync rate limit (the synced payload's hash is kept in the database)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.config.settings import Config, DataConfig, DiscordConfig
from bot.discord_app.client import PodquoteBot, invite_url
from bot.storage.sqlite import Store
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, default_guild, run_bot

GUILD = default_guild()
COMMANDS = ["advice", "episode", "help", "quote", "reload", "settings", "stats"]

pytestmark = pytest.mark.asyncio


async def _start(
    server: FakeDiscord, tmp_path: Path, guild_ids: tuple[int, ...], resync: bool = False
) -> None:
    """Start the bot against the local Discord and stop it again, on one database."""
    episodes = tmp_path / "episodes"
    if not episodes.exists():
        shutil.copytree(DATA / "episodes", episodes)
    config = Config(
        data=DataConfig(episodes=episodes, database=tmp_path / "podquote.sqlite3"),
        discord=DiscordConfig(guild_ids=guild_ids),
    )
    store = await Store.open(config.data.database)
    bot = PodquoteBot(config, Archive.open(episodes), store, resync=resync)
    try:
        async with run_bot(bot, server):
            pass
    finally:
        await store.close()


async def test_with_no_guild_configured_the_commands_are_registered_globally_once(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord_app.client")
    await _start(fake_discord, tmp_path, ())
    (sync,) = fake_discord.command_syncs
    assert sync.guild_id is None  # global: every server the bot is in gets them
    assert sorted(c["name"] for c in sync.payload) == COMMANDS
    assert "no [discord] guild_ids configured" in caplog.text
    assert "up to an hour" in caplog.text
    # A restart with the same commands tells Discord nothing.
    await _start(fake_discord, tmp_path, ())
    assert len(fake_discord.command_syncs) == 1
    assert "commands unchanged since the last sync globally: not syncing" in caplog.text
    # --resync registers them again all the same.
    await _start(fake_discord, tmp_path, (), resync=True)
    assert len(fake_discord.command_syncs) == 2


async def test_a_configured_guild_is_synced_once_and_again_when_it_changes(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    await _start(fake_discord, tmp_path, (GUILD.id,))
    await _start(fake_discord, tmp_path, (GUILD.id,))
    assert [s.guild_id for s in fake_discord.command_syncs] == [GUILD.id]
    # Another target (global now, the guild still the same) is synced; the guild is not.
    await _start(fake_discord, tmp_path, ())
    assert [s.guild_id for s in fake_discord.command_syncs] == [GUILD.id, None]


async def test_the_invite_link_asks_for_exactly_what_the_bot_needs(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord_app.client")
    await _start(fake_discord, tmp_path, (GUILD.id,))
    url = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("invite link"))
    assert url.endswith(invite_url(fake_discord.application_id))
    assert "scope=bot+applications.commands" in url
    # View Channels (1024) + Send Messages (2048) + Embed Links (16384) + Read History (65536)
    assert "permissions=84992" in url
