"""The fake Discord proven with the real discord.py and a throwaway bot defined here."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.e2e.fake_discord import (
    FakeDiscord,
    guild_on_shard,
    patch_discord,
    run_bot,
    shard_of,
    spec_templates,
    validate_body,
)

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


# --------------------------------------------------------------------------- sharding


class WhereBot(commands.AutoShardedBot):
    """A sharded throwaway bot: /where answers with the shard that received it."""

    def __init__(self, shard_count: int | None = None, shard_ids: list[int] | None = None):
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.none(),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=shard_count,
            shard_ids=shard_ids,
        )
        self.connection_shards: list[int] = []

        @self.tree.command(description="Which shard answers")
        async def where(interaction: discord.Interaction) -> None:
            guild = interaction.guild
            shard = guild.shard_id if guild is not None else -1
            await interaction.response.send_message(f"shard {shard}")

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_shard_connect(self, shard_id: int) -> None:
        self.connection_shards.append(shard_id)


def _sharded_server(count: int, per_shard: int = 2) -> FakeDiscord:
    guilds = [guild_on_shard(s, count, i) for i in range(per_shard) for s in range(count)]
    return FakeDiscord(guilds=guilds, shard_count=count)


async def test_gateway_bot_recommends_the_shard_count_and_each_shard_gets_its_guilds() -> None:
    async with _sharded_server(2) as server, patch_discord(server):
        client = WhereBot()  # no count: Discord's recommendation, every shard in one process
        async with run_bot(client, server, ready_timeout=15):
            assert client.shard_count == 2
            assert sorted(client.connection_shards) == [0, 1]
            assert server.sessions_by_shard() == {0: 1, 1: 1}
            for shard, guild_ids in server.identifies:
                assert shard is not None and shard[1] == 2
                expected = [g.id for g in server.guilds if shard_of(g.id, 2) == shard[0]]
                assert guild_ids == expected and len(expected) == 2
            for guild in server.guilds:
                cached = client.get_guild(guild.id)
                assert cached is not None and cached.shard_id == shard_of(guild.id, 2)
                reply = await (await server.send_interaction("where", guild_id=guild.id)).callback()
                assert reply.body["data"]["content"] == f"shard {shard_of(guild.id, 2)}"
        server.raise_for_problems()


async def test_two_processes_of_one_shard_each_hear_only_their_own_guilds() -> None:
    async with _sharded_server(2) as server, patch_discord(server):
        first, second = WhereBot(2, [0]), WhereBot(2, [1])
        async with run_bot(first, server), run_bot(second, server):
            assert {g.id for g in first.guilds} == {
                g.id for g in server.guilds if shard_of(g.id, 2) == 0
            }
            assert {g.id for g in second.guilds} == {
                g.id for g in server.guilds if shard_of(g.id, 2) == 1
            }
            for guild in server.guilds:
                handle = await server.send_interaction("where", guild_id=guild.id)
                reply = await handle.callback()
                assert reply.body["data"]["content"] == f"shard {shard_of(guild.id, 2)}"
                assert handle.shards == [(shard_of(guild.id, 2), 2)]
            # Nothing was sent to both: each interaction was answered exactly once.
            assert sum(c.route is not None and "callback" in c.route for c in server.calls) == 4
        server.raise_for_problems()


async def test_an_event_for_a_shard_nobody_holds_cannot_be_sent() -> None:
    server = _sharded_server(2)
    async with server, patch_discord(server), run_bot(WhereBot(2, [0]), server):
        orphan = next(g for g in server.guilds if shard_of(g.id, 2) == 1)
        with pytest.raises(RuntimeError, match=r"no bot of guild \d+'s shard is connected"):
            await server.send_interaction("where", guild_id=orphan.id)


@pytest.mark.parametrize("shard", [[2, 2], [0], [-1, 2], "0,1"])
async def test_an_invalid_shard_in_identify_closes_with_4010(shard: object) -> None:
    async with FakeDiscord() as server, aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{server.gateway_url}?v=10&encoding=json") as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10
            identify = {"token": server.token, "intents": 1, "properties": {}, "shard": shard}
            await ws.send_json({"op": 2, "d": identify})
            closed = await ws.receive()
            assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 4010
        assert server.errors == [f"gateway: invalid shard in IDENTIFY: {shard!r}"]
        assert server.identifies == []


async def test_a_held_post_arrives_and_is_made_or_failed_on_release(
    fake_discord: FakeDiscord,
) -> None:
    channel = fake_discord.guild().channels[0]
    gate = fake_discord.hold_posts(channel.id)
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    url = f"{fake_discord.api_base}/channels/{channel.id}/messages"
    async with aiohttp.ClientSession(headers=headers) as session:
        posting = asyncio.ensure_future(session.post(url, json={"content": "held"}))
        await asyncio.wait_for(gate.arrived.wait(), 5)
        await asyncio.sleep(0.05)
        assert not posting.done()
        assert fake_discord.channel_messages.get(channel.id) is None
        gate.release(deliver=False)
        async with await posting as failed:
            assert failed.status == 500
        assert fake_discord.channel_messages.get(channel.id) is None
        again = fake_discord.hold_posts(channel.id)
        posting = asyncio.ensure_future(session.post(url, json={"content": "made"}))
        await asyncio.wait_for(again.arrived.wait(), 5)
        again.release()
        async with await posting as made:
            assert made.status == 200
        async with session.post(url, json={"content": "not held"}) as passed:
            assert passed.status == 200  # one post held, the next ones pass
    contents = [m["content"] for m in fake_discord.channel_messages[channel.id]]
    assert contents == ["made", "not held"]
