"""The fake Discord proven with the real discord.py and a throwaway bot defined here."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.e2e.fake_discord import FakeDiscord, run_bot, spec_templates, validate_body

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
NO_MENTIONS: dict[str, list[str]] = {"parse": []}


class AgainView(discord.ui.View):
    """One button that turns the reply into a second pong."""

    @discord.ui.button(label="Again", custom_id="ping:again", style=discord.ButtonStyle.primary)
    async def again(
        self, interaction: discord.Interaction, _: discord.ui.Button[AgainView]
    ) -> None:
        await interaction.response.edit_message(content="pong again", embed=None, view=None)


class PingBot(commands.Bot):
    """A throwaway bot: /ping (embed + button, autocomplete), /slow (deferred), /shout (bad)."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        self.guild_id = guild_id
        self.command_errors: list[BaseException] = []
        guild = discord.Object(guild_id)

        @self.tree.command(guild=guild, description="Answer with a pong card")
        @app_commands.describe(word="A word to echo back")
        async def ping(interaction: discord.Interaction, word: str) -> None:
            embed = discord.Embed(title=f"Pong: {word}", description="The fake gateway works.")
            await interaction.response.send_message(
                embed=embed, view=AgainView(), allowed_mentions=discord.AllowedMentions.none()
            )

        @ping.autocomplete("word")
        async def word_choices(
            _: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            words = ["hello", "help", "world"]
            return [app_commands.Choice(name=w, value=w) for w in words if w.startswith(current)]

        @self.tree.command(guild=guild, description="Think first, answer later")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content="done thinking")
            await interaction.followup.send("and one more thing", ephemeral=True)

        @self.tree.command(guild=guild, description="An embed title longer than Discord allows")
        async def shout(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=discord.Embed(title="A" * 300))

        @self.tree.error
        async def on_command_error(
            _: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.command_errors.append(error.__cause__ or error)

    async def setup_hook(self) -> None:
        """Sync the guild commands once, as the product does per configured guild."""
        await self.tree.sync(guild=discord.Object(self.guild_id))


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[PingBot]:
    """PingBot logged in to the fake Discord and ready."""
    client = PingBot(fake_discord.guild().id)
    async with run_bot(client, fake_discord):
        yield client


async def test_bot_logs_in_caches_the_guild_and_syncs_ping(
    fake_discord: FakeDiscord, bot: PingBot
) -> None:
    guild = fake_discord.guild()
    assert fake_discord.identified.is_set()
    assert bot.user is not None and bot.user.id == fake_discord.application_id
    assert bot.application_id == fake_discord.application_id
    cached = bot.get_guild(guild.id)
    assert cached is not None and cached.name == guild.name
    assert cached.me is not None
    assert [c.name for c in cached.text_channels] == ["general"]
    assert cached.member_count == len(guild.members) + 1

    [sync] = fake_discord.command_syncs
    assert sync.guild_id == guild.id
    by_name = {c["name"]: c for c in sync.payload}
    assert sorted(by_name) == ["ping", "shout", "slow"]
    [word] = by_name["ping"]["options"]
    assert (word["name"], word["type"], word["required"], word["autocomplete"]) == (
        "word",
        3,
        True,
        True,
    )
    assert word["description"] == "A word to echo back"
    assert {c["name"] for c in fake_discord.commands[guild.id]} == set(by_name)


async def test_ping_replies_with_an_embed_and_a_button(
    fake_discord: FakeDiscord, bot: PingBot
) -> None:
    handle = await fake_discord.send_interaction("ping", {"word": "hello"})
    call = await handle.callback()

    assert call.violation is None and call.status == 200
    assert call.query["with_response"] in ("1", "true")
    assert call.body["type"] == 4
    data = call.body["data"]
    [embed] = data["embeds"]
    assert embed["title"] == "Pong: hello"
    [row] = data["components"]
    [button] = row["components"]
    assert (row["type"], button["type"], button["custom_id"]) == (1, 2, "ping:again")
    assert data["allowed_mentions"] == NO_MENTIONS
    assert handle.elapsed(call) < 1.0
    assert handle.message is not None and handle.message["embeds"][0]["title"] == "Pong: hello"
    assert fake_discord.violations == []


async def test_deferred_reply_is_then_edited(fake_discord: FakeDiscord, bot: PingBot) -> None:
    handle = await fake_discord.send_interaction("slow")
    callback = await handle.callback()
    edit = await handle.edit()

    assert callback.body == {"type": 5}
    assert edit.body["content"] == "done thinking"
    assert edit.at >= callback.at
    assert handle.message is not None
    assert handle.message["content"] == "done thinking"
    assert handle.message["flags"] & 128 == 0  # no longer "thinking"
    followup = await handle.followup()
    assert followup.body["content"] == "and one more thing"
    assert followup.body["flags"] == 64


async def test_autocomplete_is_answered_with_choices(
    fake_discord: FakeDiscord, bot: PingBot
) -> None:
    handle = await fake_discord.send_autocomplete("ping", {"word": "hel"}, focused="word")
    call = await handle.callback()

    assert call.body == {
        "type": 8,
        "data": {
            "choices": [{"name": "hello", "value": "hello"}, {"name": "help", "value": "help"}]
        },
    }


async def test_button_click_updates_the_message(fake_discord: FakeDiscord, bot: PingBot) -> None:
    ping = await fake_discord.send_interaction("ping", {"word": "hello"})
    await ping.callback()

    click = await fake_discord.send_component(ping, "ping:again")
    call = await click.callback()

    assert call.body["type"] == 7
    assert call.body["data"]["content"] == "pong again"
    assert call.body["data"]["components"] == []
    assert ping.message is not None and ping.message["content"] == "pong again"
    assert click.payload["message"]["id"] == ping.message["id"]


async def test_an_over_long_embed_title_is_refused_by_the_schema(
    fake_discord: FakeDiscord, bot: PingBot
) -> None:
    handle = await fake_discord.send_interaction("shout")
    call = await fake_discord.wait_for_call("POST", CALLBACK)
    await fake_discord.wait_until(lambda: bool(bot.command_errors))

    assert call.status == 400
    [violation] = fake_discord.violations
    assert violation.route == "POST /interactions/{interaction_id}/{interaction_token}/callback"
    assert violation.message.startswith("data.embeds.0.title:")
    [error] = bot.command_errors
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    assert "data.embeds.0.title" in str(error)
    assert handle.accepted("callback") == []
    fake_discord.violations.clear()


async def test_a_server_error_is_retried_and_a_rate_limit_is_waited_out(
    fake_discord: FakeDiscord, bot: PingBot
) -> None:
    fake_discord.fail_next("POST", CALLBACK, 500)
    fake_discord.fail_next("POST", CALLBACK, 429, retry_after=0.05)
    handle = await fake_discord.send_interaction("ping", {"word": "again"})
    call = await handle.callback(timeout=5)

    assert [(c.status, c.injected) for c in handle.calls] == [
        (500, True),
        (429, True),
        (200, False),
    ]
    assert handle.elapsed(call) >= 1.0  # discord.py sleeps 1 s before retrying a 5xx
    assert bot.command_errors == []


async def test_an_error_answer_reaches_the_bot(fake_discord: FakeDiscord, bot: PingBot) -> None:
    unknown = {"message": "Unknown interaction", "code": 10062}
    fake_discord.fail_next("POST", CALLBACK, 404, body=unknown)
    handle = await fake_discord.send_interaction("ping", {"word": "late"})
    await fake_discord.wait_until(lambda: bool(bot.command_errors))

    [error] = bot.command_errors
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert [c.status for c in handle.calls] == [404]


async def test_a_channel_post_is_stored_and_an_unknown_route_is_recorded(
    fake_discord: FakeDiscord, bot: PingBot
) -> None:
    channel_id = fake_discord.guild().channels[0].id
    channel = await bot.fetch_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(embed=discord.Embed(title="Quote of the day"))
    with_file = await channel.send("transcript", file=discord.File(io.BytesIO(b"hi"), "q.txt"))

    first, second = fake_discord.channel_messages[channel_id]
    assert int(first["id"]) == sent.id
    assert first["embeds"][0]["title"] == "Quote of the day"
    assert int(second["id"]) == with_file.id
    assert [a.filename for a in with_file.attachments] == ["q.txt"]
    upload = await fake_discord.wait_for_call("POST", r"^/channels/\d+/messages$")
    assert upload.body["embeds"][0]["title"] == "Quote of the day"
    assert fake_discord.calls[-1].files == ["files[0]"]

    with pytest.raises(discord.NotFound):
        await bot.fetch_guild(fake_discord.guild().id)
    assert fake_discord.errors == [f"unknown route: GET /guilds/{fake_discord.guild().id}"]
    fake_discord.errors.clear()


async def test_the_bot_closes_cleanly(fake_discord: FakeDiscord) -> None:
    client = PingBot(fake_discord.guild().id)
    async with run_bot(client, fake_discord):
        assert fake_discord.gateway_connections == 1
    assert client.is_closed()
    await fake_discord.wait_until(lambda: fake_discord.gateway_connections == 0)
    others = asyncio.all_tasks() - {asyncio.current_task()}
    assert not [t for t in others if not t.done()]
    await fake_discord.wait_until(
        lambda: not [t for t in threading.enumerate() if t.name.startswith("keep-alive")]
    )


async def test_every_route_of_the_fake_is_an_operation_of_the_spec(
    fake_discord: FakeDiscord,
) -> None:
    operations = spec_templates()
    missing = [(m, t) for m, t in fake_discord.routes if m not in operations.get(t, set())]
    assert missing == []


async def test_the_spec_validation_names_the_offending_field() -> None:
    message_keys = {"embeds": [{"title": "x" * 257}]}
    [problem] = validate_body("/channels/{channel_id}/messages", "POST", message_keys)
    assert problem.startswith("embeds.0.title:")
    assert validate_body("/gateway", "GET", {"url": "ws://x"}, kind="response") == []
    four_full_embeds = {"embeds": [{"description": "x" * 1600}] * 4}
    [total] = validate_body("/channels/{channel_id}/messages", "POST", four_full_embeds)
    assert total == "embeds: Embed size exceeds maximum size of 6000 (got 6400)."
