"""Reloads with traffic free the old library (B10 of issue #16): the buttons of earlier replies
keep plain text or an episode's id, never the episodes they were made from, and still answer."""

from __future__ import annotations

import gc
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.archive.loaded import Archive
from bot.config.settings import Config, DataConfig, DiscordConfig, SearchConfig
from bot.discord_app.client import PodquoteBot
from bot.discord_app.episode import GONE
from bot.episodes import files
from bot.episodes.model import Episode
from bot.storage import open_store
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, InteractionHandle, default_guild, run_bot
from tests.e2e.test_bot import _custom_ids, _embed, _reload

GUILD = default_guild()
ALICE, BOB = GUILD.members

pytestmark = pytest.mark.asyncio

FOUND = "catapult basket drift"  # confident, several results
UNSURE = "back then ai wasnt hyped and progress was slow"  # words only: the closest moments


def episodes_of_this_test(folder: Path) -> str:
    """The shipped episodes under ids no other test's episodes carry: the ids' common ending."""
    ending = f"-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    for path in sorted((DATA / "episodes").glob("*.yaml")):
        episode = files.read(path)
        files.write(replace(episode, id=episode.id + ending), folder)
    return ending


def edit_every_episode(folder: Path, note: str) -> None:
    """A note added to every episode file: the next reload reads each one again (a reload
    may keep the episodes of files that did not change)."""
    for path in sorted(folder.glob("*.yaml")):
        episode = files.read(path)
        files.write(replace(episode, notes=(*episode.notes, note)), folder)


def old_episodes_alive(bot: PodquoteBot, ending: str) -> list[str]:
    """The ids of this test's episodes still in memory that the served library does not hold."""
    gc.collect()
    served = {id(e) for e in bot.archive.library}
    return sorted(
        o.id
        for o in gc.get_objects()
        if isinstance(o, Episode) and o.id.endswith(ending) and id(o) not in served
    )


async def replies(server: FakeDiscord) -> dict[str, tuple[InteractionHandle, dict[str, Any]]]:
    """One reply of each kind with buttons: a found quote, the closest moments, two episode
    cards, the episode list (each handle with its message data)."""
    asked = {
        "found": ("quote", {"query": FOUND}, ALICE),
        "unsure": ("quote", {"query": UNSURE}, BOB),
        "card": ("episode", {"name": "visualising"}, ALICE),
        "leaving": ("episode", {"name": "siraj"}, ALICE),
        "list": ("episode", None, ALICE),
    }
    out = {}
    for kind, (name, options, user) in asked.items():
        handle = await server.send_interaction(name, options, user=user)
        out[kind] = (handle, (await handle.callback()).body["data"])
    return out


async def click(server: FakeDiscord, handle: InteractionHandle, label: str, user: Any) -> Any:
    buttons = _custom_ids(handle.message or {})
    clicked = await server.send_component(handle, buttons[label], user=user)
    return (await clicked.callback()).body


async def test_reloads_with_traffic_let_the_old_episodes_go_and_old_buttons_still_answer(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    folder = tmp_path / "episodes"
    ending = episodes_of_this_test(folder)
    config = Config(
        data=DataConfig(episodes=folder, database=tmp_path / "podquote.sqlite3"),
        discord=DiscordConfig(guild_ids=(GUILD.id,), admin_user_ids=(ALICE.id,)),
        search=SearchConfig(cooldown_seconds=0.0),
    )
    store = await open_store(config.data.database)
    bot = PodquoteBot(config, Archive.open(folder), store)
    try:
        async with run_bot(bot, fake_discord):
            first = await replies(fake_discord)
            assert "Next" in _custom_ids(first["found"][1])
            assert "Post 1" in _custom_ids(first["unsure"][1])
            for cycle in range(3):
                await replies(fake_discord)
                edit_every_episode(folder, f"edited before reload {cycle + 1}")
                if cycle == 2:  # the episode of the first card leaves the archive
                    (folder / f"twiml-talk-2-siraj-raval{ending}.yaml").unlink()
                assert "Changed (" in await _reload(fake_discord, ALICE)
            # Three reloads, five replies with buttons before each: only the served
            # library's episodes are left in memory.
            assert old_episodes_alive(bot, ending) == []

            # The buttons of the first replies, made three libraries ago, still answer.
            found, _ = first["found"]
            paged = await click(fake_discord, found, "Next", ALICE)
            assert "result 2 of" in _embed(paged)["footer"]["text"]
            context = await click(fake_discord, found, "Context", BOB)
            assert context["data"]["flags"] & 64
            assert _embed(context)["title"].startswith("Around ")
            unsure, _ = first["unsure"]
            posted = await click(fake_discord, unsure, "Post 1", BOB)
            assert _embed(posted)["title"] == "Visualising Machine Learning"
            card, _ = first["card"]
            drawn = await click(fake_discord, card, "Random quote", BOB)
            assert _embed(drawn)["title"] == "Visualising Machine Learning"
            leaving, _ = first["leaving"]
            gone = await click(fake_discord, leaving, "Random quote", ALICE)
            assert gone["data"]["content"] == GONE and gone["data"]["flags"] & 64
    finally:
        await store.close()
