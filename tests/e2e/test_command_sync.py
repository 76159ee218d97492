"""Commands appear on the first start, whatever the config, and restarts with nothing changed
do not spend Discord's sync rate limit (the synced payload's hash is kept in the database)."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.cli.check import check_database
from bot.config.settings import Config, DataConfig, DiscordConfig
from bot.discord_app.client import PodquoteBot, invite_url
from bot.reply.commands import slash_commands
from bot.storage import open_store
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, FakeGuild, default_guild, patch_discord, run_bot

GUILD = default_guild()
# Every slash command of the one list (tests/e2e/test_bot.py pins the names themselves).
COMMANDS = sorted(c.name for c in slash_commands())

pytestmark = pytest.mark.asyncio


def _config(tmp_path: Path, guild_ids: tuple[int, ...]) -> Config:
    episodes = tmp_path / "episodes"
    if not episodes.exists():
        shutil.copytree(DATA / "episodes", episodes)
    return Config(
        data=DataConfig(episodes=episodes, database=tmp_path / "podquote.sqlite3"),
        discord=DiscordConfig(guild_ids=guild_ids),
    )


async def _start(
    server: FakeDiscord,
    tmp_path: Path,
    guild_ids: tuple[int, ...],
    resync: bool = False,
    servers: bool = False,
) -> None:
    """Start the bot against the local Discord and stop it again, on one database."""
    config = _config(tmp_path, guild_ids)
    episodes = config.data.episodes
    store = await open_store(config.data.database)
    bot = PodquoteBot(config, Archive.open(episodes), store, resync=resync)
    try:
        async with run_bot(bot, server):
            if servers:  # until the servers it is in are in the database
                await asyncio.wait_for(bot.servers_recorded.wait(), 10)
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


async def test_a_server_the_bot_is_in_without_commands_is_a_warning_at_start_and_in_check(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = FakeGuild(1_200_000_000_000_000_002, "Data Club", GUILD.channels, GUILD.members)
    unseen = "commands: none registered in the server 'Data Club' (1200000000000000002), where "
    caplog.set_level(logging.WARNING, logger="bot.discord_app.client")
    async with FakeDiscord(guilds=[GUILD, other]) as server, patch_discord(server):
        await _start(server, tmp_path, (GUILD.id,), servers=True)
        warned = [r.getMessage() for r in caplog.records if "none registered" in r.getMessage()]
        assert warned == [unseen + "the bot is: add 1200000000000000002 to [discord] guild_ids"]
        found = await asyncio.to_thread(check_database, _config(tmp_path, (GUILD.id,)))
        assert [str(f) for f in found[1:]] == ["warning: " + warned[0]]
        # Both servers configured: nothing to say.
        both = _config(tmp_path, (GUILD.id, other.id))
        assert (await asyncio.to_thread(check_database, both))[1:] == []
        # Registered globally, the commands reach every server: nothing to say either.
        caplog.clear()
        await _start(server, tmp_path, (), servers=True)
        assert not [r for r in caplog.records if "none registered" in r.getMessage()]
        found = await asyncio.to_thread(check_database, _config(tmp_path, (GUILD.id,)))
        assert found[1:] == []
