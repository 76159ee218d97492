"""The real bot, driven through discord.py against the local Discord: every command end to end."""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.archive.snapshot import Query
from bot.config.settings import Config, DataConfig, DiscordConfig, SearchConfig
from bot.discord_app.client import PodquoteBot
from bot.discord_app.quote import DEFER_AFTER, FOUND_BELOW
from bot.reply.commands import slash_commands
from bot.search.ranking import Searcher
from bot.storage import open_store
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, InteractionHandle, default_guild, run_bot

GUILD = default_guild()
ALICE, BOB = GUILD.members  # alice is the configured admin; bob is a member

pytestmark = pytest.mark.asyncio


@asynccontextmanager
async def podquote(
    server: FakeDiscord, tmp_path: Path, **search: float
) -> AsyncIterator[PodquoteBot]:
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    config = Config(
        data=DataConfig(episodes=episodes, database=tmp_path / "podquote.sqlite3"),
        discord=DiscordConfig(guild_ids=(GUILD.id,), admin_user_ids=(ALICE.id,)),
        search=SearchConfig(cooldown_seconds=search.get("cooldown", 0.0)),
    )
    store = await open_store(config.data.database)
    bot = PodquoteBot(config, Archive.open(episodes), store)
    try:
        async with run_bot(bot, server):
            yield bot
    finally:
        await store.close()


def _embed(call_body: dict) -> dict:  # type: ignore[type-arg]
    return call_body["data"]["embeds"][0]


def _usage(command: dict) -> str:  # type: ignore[type-arg]
    """A registered slash command written as the command list writes it: `/advice
    set|off|now|status`, `/quote query [speaker] [episode]`, `/settings cooldown [seconds]`."""
    options = command.get("options", [])
    subcommands = [o for o in options if o["type"] == 1]
    if len(subcommands) == 1:  # `/settings cooldown [seconds]`
        (only,) = subcommands
        return " ".join([f"/{command['name']}", _usage(only).removeprefix("/")])
    if subcommands:
        args = ["|".join(o["name"] for o in options)]
    else:
        args = [o["name"] if o.get("required") else f"[{o['name']}]" for o in options]
    return " ".join([f"/{command['name']}", *args])


def _custom_ids(message: dict) -> dict[str, str]:  # type: ignore[type-arg]
    ids = {}
    for row in message.get("components", []):
        for item in row["components"]:
            ids[item.get("label", "")] = item.get("custom_id") or item.get("url")
    return ids


async def test_login_syncs_the_commands_to_the_configured_guild(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path):
        (sync,) = fake_discord.command_syncs
        names = sorted(c["name"] for c in sync.payload)
        assert names == [
            "advice",
            "episode",
            "help",
            "ingest",
            "quote",
            "reload",
            "remove",
            "settings",
            "stats",
        ]
        # The one command list (what /help, the console and the README show) says the same.
        registered = {c["name"]: _usage(c) for c in sync.payload}
        assert registered == {c.name: c.discord for c in slash_commands()}
        advice = next(c for c in sync.payload if c["name"] == "advice")
        assert str(advice["default_member_permissions"]) == "32"  # manage server
        assert sorted(o["name"] for o in advice["options"]) == ["now", "off", "set", "status"]
        settings = next(c for c in sync.payload if c["name"] == "settings")
        assert str(settings["default_member_permissions"]) == "32"
        (cooldown,) = settings["options"]
        (seconds,) = cooldown["options"]
        assert (seconds["min_value"], seconds["max_value"]) == (0, 3600)
        stats = next(c for c in sync.payload if c["name"] == "stats")
        assert str(stats["default_member_permissions"]) == "32"
        reload = next(c for c in sync.payload if c["name"] == "reload")
        assert str(reload["default_member_permissions"]) == "8"  # administrator
        for name in ("ingest", "remove"):
            admin = next(c for c in sync.payload if c["name"] == name)
            assert str(admin["default_member_permissions"]) == "8", name
            assert admin["contexts"] == [0], name  # servers only
        ingest = next(c for c in sync.payload if c["name"] == "ingest")
        (file, *_) = ingest["options"]
        assert (file["name"], file["type"], file["required"]) == ("file", 11, True)
        quote = next(c for c in sync.payload if c["name"] == "quote")
        options = {o["name"]: o for o in quote["options"]}
        assert options["query"]["required"] is True
        assert options["speaker"]["autocomplete"] is True
        assert options["episode"]["autocomplete"] is True


async def test_quote_found_paged_context_and_watch_link(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path):
        handle = await fake_discord.send_interaction(
            "quote", {"query": "catapult basket drift"}, user=ALICE
        )
        reply = await handle.callback()
        assert reply.body["type"] == 4
        assert reply.body["data"]["allowed_mentions"] == {"parse": []}
        embed = _embed(reply.body)
        assert embed["title"] == "Visualising Machine Learning"
        assert "**" in embed["description"]
        assert {f["name"] for f in embed["fields"]} >= {"Speaker", "Time"}
        assert embed["thumbnail"]["url"].endswith("/OuCuk-7RHjM/hqdefault.jpg")
        buttons = _custom_ids(reply.body["data"])
        watch = next(label for label in buttons if label.startswith("Watch at "))
        assert buttons[watch].startswith("https://www.youtube.com/watch?v=OuCuk-7RHjM&t=")
        assert handle.elapsed(reply) < 1.0

        # Next, for the member who asked: the message is updated in place (type 7).
        page = await fake_discord.send_component(handle, buttons["Next"], user=ALICE)
        paged = await page.callback()
        assert paged.body["type"] == 7
        assert (
            _embed(paged.body)["footer"]["text"].endswith("result 2 of 3")
            or "result 2" in (_embed(paged.body)["footer"]["text"])
        )
        # Another member may not page; they are told privately.
        other = await fake_discord.send_component(handle, buttons["Next"], user=BOB)
        refused = await other.callback()
        assert refused.body["data"]["flags"] & 64
        # Context is private and shows the segments around the quote.
        context = await fake_discord.send_component(handle, buttons["Context"], user=BOB)
        shown = await context.callback()
        assert shown.body["data"]["flags"] & 64
        assert _embed(shown.body)["description"].count("`") >= 4


async def test_a_slow_search_is_deferred_privately_and_the_answer_still_goes_public(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Searcher.search

    def slow(self: Searcher, *args: object, **kwargs: object) -> object:
        time.sleep(DEFER_AFTER + 0.5)  # a busy machine (it runs in a worker thread)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Searcher, "search", slow)
    async with podquote(fake_discord, tmp_path):
        found = await fake_discord.send_interaction(
            "quote", {"query": "catapult basket drift"}, user=ALICE
        )
        deferred = await found.callback()
        assert deferred.body["type"] == 5 and deferred.body["data"]["flags"] & 64
        assert DEFER_AFTER <= found.elapsed(deferred) < DEFER_AFTER + 0.5
        note = await found.edit(timeout=10)  # the private "thinking…" is resolved first …
        assert note.body["content"] == FOUND_BELOW
        public = await found.followup(timeout=10)  # … so the answer is a public message
        assert public.response["flags"] & 64 == 0
        assert public.response["embeds"][0]["title"] == "Visualising Machine Learning"
        assert public.body["allowed_mentions"] == {"parse": []}
        assert "Next" in _custom_ids(public.response)
        assert found.message is not None and found.message["flags"] & 64

        missed = await fake_discord.send_interaction(
            "quote", {"query": "chocolate cake recipe with buttercream frosting"}, user=BOB
        )
        deferred = await missed.callback()
        assert deferred.body["type"] == 5 and deferred.body["data"]["flags"] & 64
        answer = await missed.edit(timeout=10)  # private, in place of "thinking…"
        assert answer.body["content"].startswith("I found no quote")
        assert missed.accepted("followup") == []


async def test_in_search_processes_a_search_that_would_wait_is_deferred_at_once(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the searches in processes of their own (as `run` has them), a /quote that would
    wait for other searches is deferred at once, not after `DEFER_AFTER`."""
    async with podquote(fake_discord, tmp_path) as bot:
        archive = bot.archive
        archive.search_in_processes(1, meaning=False)
        try:
            assert (await archive.search(Query("warm up the worker"))).kind  # folder opened
            found = await fake_discord.send_interaction(
                "quote", {"query": "catapult basket drift"}, user=ALICE
            )
            public = await found.callback()  # nothing else running: answered directly
            assert public.body["type"] == 4 and not public.body["data"].get("flags", 0) & 64
            assert public.body["data"]["embeds"][0]["title"] == "Visualising Machine Learning"
            assert archive._pool is not None and archive._pool.answered == 2

            monkeypatch.setattr(Archive, "search_waits", property(lambda self: True))
            waiting = await fake_discord.send_interaction(
                "quote", {"query": "catapult basket drift"}, user=BOB
            )
            deferred = await waiting.callback()
            assert deferred.body["type"] == 5 and deferred.body["data"]["flags"] & 64
            assert waiting.elapsed(deferred) < DEFER_AFTER
            assert (await waiting.edit(timeout=10)).body["content"] == FOUND_BELOW
            answer = await waiting.followup(timeout=10)
            assert answer.response["embeds"][0]["title"] == "Visualising Machine Learning"
            assert archive._pool.answered == 3
        finally:
            archive.close()


async def test_an_unsure_search_offers_the_closest_moments_privately_to_post(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path):  # words only: a loose paraphrase is unsure
        handle = await fake_discord.send_interaction(
            "quote", {"query": "back then ai wasnt hyped and progress was slow"}, user=BOB
        )
        reply = await handle.callback()
        assert reply.body["data"]["flags"] & 64  # only the asker sees the list
        embed = _embed(reply.body)
        assert embed["title"] == "Not sure I found it; the closest moments:"
        assert embed["description"].startswith("1. Visualising Machine Learning")
        buttons = _custom_ids(reply.body["data"])
        assert "Post 1" in buttons
        posted = await fake_discord.send_component(handle, buttons["Post 1"], user=BOB)
        public = await posted.callback()
        assert public.body["type"] == 4
        assert not public.body["data"].get("flags", 0) & 64  # posted for everyone
        quote = _embed(public.body)
        assert quote["title"] == "Visualising Machine Learning"
        assert "Back then the excitement around AI" in quote["description"].replace("**", "")
        assert public.body["data"]["allowed_mentions"] == {"parse": []}


async def test_no_match_too_long_and_unknown_speaker_are_private_answers(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path):
        for options, expected in (
            ({"query": "chocolate cake recipe with buttercream frosting"}, "I found no quote"),
            ({"query": "x" * 201}, "under 200 characters"),
            ({"query": "drift", "speaker": "meer"}, "No speaker matches 'meer'"),
        ):
            handle = await fake_discord.send_interaction("quote", options, user=BOB)
            reply = await handle.callback()
            assert reply.body["data"]["flags"] & 64, options
            assert expected in reply.body["data"]["content"], reply.body


async def test_filters_narrow_the_quote(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with podquote(fake_discord, tmp_path):
        handle = await fake_discord.send_interaction(
            "quote", {"query": "drift", "speaker": "Meor Amer", "episode": "visualising"}
        )
        embed = _embed((await handle.callback()).body)
        speaker = next(f for f in embed["fields"] if f["name"] == "Speaker")
        assert speaker["value"] == "Meor Amer"


async def test_autocomplete_offers_speakers_and_episodes_within_limits(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path):
        handle = await fake_discord.send_autocomplete(
            "quote", {"query": "x", "speaker": "meo"}, focused="speaker"
        )
        choices = (await handle.callback()).body["data"]["choices"]
        assert {c["name"] for c in choices} == {"Meor", "Meor Amer"}
        handle = await fake_discord.send_autocomplete("episode", {"name": ""}, focused="name")
        choices = (await handle.callback()).body["data"]["choices"]
        assert len(choices) == 5
        assert all(len(c["name"]) <= 100 for c in choices)


async def test_episode_with_and_without_a_name(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with podquote(fake_discord, tmp_path):
        handle = await fake_discord.send_interaction(
            "episode", {"name": "s08e01-visualising-machine-learning"}
        )
        reply = await handle.callback()
        embed = _embed(reply.body)
        assert embed["title"] == "Visualising Machine Learning"
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Guests"] == "Meor Amer"
        assert fields["Host"] == "Alexey Grigorev"
        assert "Chapters" in embed["description"]
        buttons = _custom_ids(reply.body["data"])
        random_quote = await fake_discord.send_component(handle, buttons["Random quote"])
        assert (
            _embed((await random_quote.callback()).body)["title"] == "Visualising Machine Learning"
        )

        listing = await fake_discord.send_interaction("episode")
        embed = _embed((await listing.callback()).body)
        assert embed["title"] == "Episodes"
        assert embed["description"].count("quotes") == 5


async def _reload(server: FakeDiscord, user: object) -> str:
    handle: InteractionHandle = await server.send_interaction("reload", user=user)  # type: ignore[arg-type]
    first = await handle.callback()
    if first.body["type"] == 5:  # deferred, then the answer as a followup
        return str((await handle.followup()).body["content"])
    return str(first.body["data"]["content"])


async def test_reload_by_an_admin_reports_changes_and_a_member_is_refused(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        assert "Only the bot's admins" in await _reload(fake_discord, BOB)
        (bot.config.data.episodes / "twiml-talk-2-siraj-raval.yaml").unlink()
        answer = await _reload(fake_discord, ALICE)
        assert "Removed (1): twiml-talk-2-siraj-raval" in answer
        assert "Now serving 4 episodes" in answer
        # A broken file is reported and the rest still serves.
        (bot.config.data.episodes / "broken.yaml").write_text("schema: 1\nid: [oops\n")
        answer = await _reload(fake_discord, ALICE)
        assert "1 file(s) could not be read" in answer and "broken.yaml" in answer
        # A folder that is gone: the old library keeps serving.
        shutil.rmtree(bot.config.data.episodes)
        answer = await _reload(fake_discord, ALICE)
        assert answer.startswith("Reload failed; the previous transcripts are still being served.")
        handle = await fake_discord.send_interaction("quote", {"query": "go quickly go alone"})
        assert (await handle.callback()).body["type"] == 4


async def test_a_command_that_raises_gets_one_short_private_line(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

        bot.archive.searcher.search = broken  # type: ignore[method-assign]
        handle = await fake_discord.send_interaction("quote", {"query": "anything"})
        reply = await handle.callback()
        assert reply.body["data"]["flags"] & 64
        assert reply.body["data"]["content"].startswith("Sorry, something went wrong")
        assert "Traceback" not in reply.body["data"]["content"]
        assert any("boom" in (r.exc_text or "") for r in caplog.records)


async def test_help_and_cooldown(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with podquote(fake_discord, tmp_path, cooldown=60):
        handle = await fake_discord.send_interaction("help")
        embed = _embed((await handle.callback()).body)
        assert "**5** episodes" in embed["description"]
        for command in slash_commands():  # every slash command, /advice too
            assert f"**/{command.name}**" in embed["description"]
        assert (
            "**/advice** `set|off|now|status` — admins: the daily advice post"
            in (embed["description"])
        )
        first = await fake_discord.send_interaction("quote", {"query": "drift"}, user=BOB)
        assert (await first.callback()).body["type"] == 4
        second = await fake_discord.send_interaction("quote", {"query": "drift"}, user=BOB)
        reply = (await second.callback()).body
        assert reply["data"]["flags"] & 64 and "You can ask again in" in reply["data"]["content"]


async def test_buttons_are_disabled_when_the_view_expires(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        bot.resources.view_timeout = 0.3
        handle = await fake_discord.send_interaction("quote", {"query": "catapult basket drift"})
        await handle.callback()
        edit = await handle.edit(timeout=5.0)
        buttons = [b for row in edit.body["components"] for b in row["components"]]
        assert all(b.get("disabled") for b in buttons if b["style"] != 5)
        assert any(b["style"] == 5 and not b.get("disabled") for b in buttons)  # the link stays


async def test_a_button_that_raises_gets_the_same_short_private_line(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        handle = await fake_discord.send_interaction("quote", {"query": "catapult basket drift"})
        reply = await handle.callback()
        buttons = _custom_ids(reply.body["data"])
        cog = bot.get_cog("QuoteCog")
        assert cog is not None

        def broken(*args: object, **kwargs: object) -> str:
            raise RuntimeError("context boom")

        import bot.discord_app.quote as quote_module  # noqa: PLC0415

        original = quote_module.context_embed
        quote_module.context_embed = broken  # type: ignore[assignment]
        try:
            click = await fake_discord.send_component(handle, buttons["Context"])
            answer = (await click.callback()).body
        finally:
            quote_module.context_embed = original
        assert answer["data"]["flags"] & 64
        assert answer["data"]["content"].startswith("Sorry, something went wrong")
        assert any("context boom" in (r.exc_text or "") for r in caplog.records)
