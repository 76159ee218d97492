"""/ingest and /remove end to end: a file attached on the local Discord becomes an episode the
bot serves; a bad file, a too-big one and a member change nothing."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.config.settings import Config, DataConfig, DiscordConfig
from bot.discord_app.client import PodquoteBot
from bot.storage import open_store
from tests.conftest import DATA, FIXTURES
from tests.e2e.fake_discord import (
    FakeAttachment,
    FakeDiscord,
    FakeUser,
    InteractionHandle,
    default_guild,
    run_bot,
)

GUILD = default_guild()
ALICE, BOB = GUILD.members  # alice is the configured admin; bob is a member
FORMATS = FIXTURES / "formats"

pytestmark = pytest.mark.asyncio


def _fixture(name: str, close: str = "", open_: str = "") -> bytes:
    return (open_ + (FORMATS / name).read_text(encoding="utf-8") + close).encode()


# One file of each family the ingest reads: (name attached, bytes, the format it reads as).
SAMPLES = [
    ("visualising.txt", (DATA / "raw" / "000_d7a4dabe8f6e1298.txt").read_bytes(), "datatalks-yaml"),
    ("marathon.txt", (DATA / "raw" / "001_1290f93bafb96edd.txt").read_bytes(), "timed-lines"),
    ("siraj.txt", (DATA / "raw" / "002_32cc3a7d8ab5d358.txt").read_bytes(), "plain-text"),
    ("krohn.txt", (DATA / "raw" / "003_dc444f47622d0917.txt").read_bytes(), "speaker-name-lines"),
    ("bloat.srt", _fixture("bloat_head.srt"), "subrip"),
    ("managed.vtt", _fixture("managed_services_vs_diy_head.vtt"), "webvtt"),
    ("gotime.html", _fixture("gotime_300_time_marks.html"), "html-transcript"),
    (
        "xss.xsl",
        _fixture("hunting_xss_head.xsl", close="</pst:transcripts>\n"),
        "podlove-simple-transcripts",
    ),
    (
        "twiml.json",
        _fixture("twiml_transcription_segments.json", open_='{"segments":', close="]}"),
        "json",
    ),
]


@asynccontextmanager
async def podquote(
    server: FakeDiscord, tmp_path: Path, empty: bool = False
) -> AsyncIterator[PodquoteBot]:
    """The bot on a copy of the shipped data (`empty`: no raw files and no episodes)."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("*.sqlite3", "*.derived"))
    if empty:
        for folder in (data / "raw", data / "episodes"):
            shutil.rmtree(folder)
            folder.mkdir()
    config = Config(
        data=DataConfig(
            episodes=data / "episodes",
            database=tmp_path / "podquote.sqlite3",
            raw=data / "raw",
            max_upload_mb=1,
        ),
        discord=DiscordConfig(guild_ids=(GUILD.id,), admin_user_ids=(ALICE.id,)),
    )
    store = await open_store(config.data.database)
    bot = PodquoteBot(config, Archive.open(config.data.episodes), store)
    try:
        async with run_bot(bot, server):
            yield bot
    finally:
        await store.close()


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


async def _answer(
    server: FakeDiscord, name: str, options: dict[str, object], user: FakeUser
) -> tuple[InteractionHandle, str]:
    """The private answer of a command: at once, or after a private deferral."""
    handle = await server.send_interaction(name, options, user=user)
    first = await handle.callback()
    assert first.body["data"]["flags"] & 64, first.body  # private, deferral too
    if first.body["type"] == 5:
        follow = await handle.followup(timeout=10)
        assert follow.body["flags"] & 64
        assert follow.body["allowed_mentions"] == {"parse": []}
        return handle, str(follow.body["content"])
    return handle, str(first.body["data"]["content"])


@pytest.mark.parametrize(("name", "data", "fmt"), SAMPLES, ids=[s[2] for s in SAMPLES])
async def test_each_supported_format_is_added_and_served(
    fake_discord: FakeDiscord, tmp_path: Path, name: str, data: bytes, fmt: str
) -> None:
    async with podquote(fake_discord, tmp_path, empty=True) as bot:
        options = {"file": FakeAttachment(name, data), "show": "Test Show"}
        _, answer = await _answer(fake_discord, "ingest", options, ALICE)
        assert answer.startswith("Added "), answer
        assert f"read as {fmt}." in answer, answer
        assert " segments · timing " in answer
        assert answer.endswith("Now serving 1 episodes.")
        assert fake_discord.downloads == list(fake_discord.attachments)
        # Served from its own raw file and catalog entry, with the show given.
        raw = bot.config.data.raw
        assert (raw / name).read_bytes() == data
        catalog = (raw.parent / "catalog.yaml").read_text(encoding="utf-8")
        (episode,) = bot.archive.library
        assert f"\n{name}:\n  id: {episode.id}\n  show: Test Show\n" in catalog
        assert (episode.source, episode.format) == (name, fmt)
        assert episode.show == ("DataTalks.Club" if fmt == "datatalks-yaml" else "Test Show")


async def test_the_answer_says_what_was_found_with_a_link_to_the_first_quote(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        options = {
            "file": FakeAttachment("managed.vtt", _fixture("managed_services_vs_diy_head.vtt")),
            "title": "Managed *services* vs DIY",
            "youtube": "https://www.youtube.com/watch?v=abcdefghijk",
            "speakers": "Michael=Michael Kennedy, Guido=Guido van Rossum",
        }
        _, answer = await _answer(fake_discord, "ingest", options, ALICE)
        lines = answer.splitlines()
        assert lines[0] == (
            r"Added Managed \*services\* vs DIY (managed) from managed.vtt, read as webvtt."
        )
        assert lines[1].startswith("5 segments · timing exact · ")
        assert "Michael Kennedy" in lines[1]
        assert lines[2:4] == ["Warnings (1):", "• speakers not in the transcript: 'Guido'"]
        assert lines[-2].startswith("First quote at 0:0")
        assert "https://www.youtube.com/watch?v=abcdefghijk&t=" in lines[-2]
        handle = await fake_discord.send_interaction("quote", {"query": "managed services"})
        reply = await handle.callback()
        assert reply.body["data"]["embeds"][0]["title"] == "Managed *services* vs DIY"
        assert bot.archive.library.get("managed") is not None
        # Another copy of a talk served already: the answer says which copy is served.
        again = (DATA / "raw" / "000_d7a4dabe8f6e1298.txt").read_bytes() + b"\n"
        options = {"file": FakeAttachment("000_d7a4dabe8f6e1298.txt", again)}
        _, answer = await _answer(fake_discord, "ingest", options, ALICE)
        assert r"from 000\_d7a4dabe8f6e1298-2.txt, read as datatalks-yaml." in answer
        assert r"saved as '000\_d7a4dabe8f6e1298-2.txt'" in answer
        assert "Not served: episode s08e01-visualising-machine-learning is the same talk" in answer
        assert "Now serving 6 episodes." in answer


async def test_a_bad_file_changes_nothing_and_says_why_in_one_line(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        data = bot.config.data.raw.parent
        before = _tree(data)
        served = len(bot.archive.library)
        for name, content, why in (
            ("notes.json", b'{"title": "show notes", "links": []}', "notes.json: not read: "),
            ("binary.txt", b"\x00\x01\x02 <@123> **bold**", "binary.txt: binary file"),
            ("empty.srt", b"", "the file is empty"),
            (".hidden.vtt", b"WEBVTT\n", "must not start with a dot"),
            ("catalog.yaml", b"x: {}\n", "ingest passes over"),
            ("again.vtt", (DATA / "raw" / "003_dc444f47622d0917.txt").read_bytes(), "as '003"),
            ("t.vtt", _fixture("talkpython_526_head.vtt"), "youtube: give the video's id"),
        ):
            options: dict[str, object] = {"file": FakeAttachment(name, content)}
            if name == "t.vtt":
                options["youtube"] = "not a video <@&1> \u202e"
            _, answer = await _answer(fake_discord, "ingest", options, ALICE)
            assert answer.startswith("Not added, nothing changed: "), answer
            assert "\n" not in answer and "\u202e" not in answer
            assert why in answer.replace("\\", ""), answer
        assert _tree(data) == before
        assert len(bot.archive.library) == served


async def test_a_too_big_file_is_refused_before_it_is_downloaded(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        before = _tree(bot.config.data.raw.parent)
        big = FakeAttachment("big.vtt", b"WEBVTT\n\n" + b"x" * (1024 * 1024))
        _, answer = await _answer(fake_discord, "ingest", {"file": big}, ALICE)
        assert answer.startswith("Not added, nothing changed: the file is 1,048,584 bytes")
        assert "the limit is 1,048,576" in answer
        assert fake_discord.downloads == []
        assert _tree(bot.config.data.raw.parent) == before


async def test_a_member_may_neither_ingest_nor_remove(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        before = _tree(bot.config.data.raw.parent)
        upload = {"file": FakeAttachment("bloat.srt", _fixture("bloat_head.srt"))}
        _, answer = await _answer(fake_discord, "ingest", upload, BOB)
        assert answer == "Only the bot's admins can add episodes."
        assert fake_discord.downloads == []
        _, answer = await _answer(
            fake_discord, "remove", {"episode": "twiml-talk-2-siraj-raval"}, BOB
        )
        assert answer == "Only the bot's admins can remove episodes."
        assert _tree(bot.config.data.raw.parent) == before
        assert bot.archive.library.get("twiml-talk-2-siraj-raval") is not None


async def test_an_admin_removes_an_episode_its_raw_file_moved_aside(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path) as bot:
        data = bot.config.data.raw.parent
        raw = (data / "raw" / "002_32cc3a7d8ab5d358.txt").read_bytes()
        _, answer = await _answer(fake_discord, "remove", {"episode": "nope <@1>"}, ALICE)
        assert answer == r"No episode has the id 'nope <@1>': pick one of the choices offered."
        _, answer = await _answer(
            fake_discord, "remove", {"episode": "twiml-talk-2-siraj-raval"}, ALICE
        )
        assert answer.splitlines() == [
            "Removed Siraj Raval on learning machine learning (twiml-talk-2-siraj-raval).",
            r"Its raw file was moved to removed/002\_32cc3a7d8ab5d358.txt.",
            r"Its catalog entry was moved to removed/002\_32cc3a7d8ab5d358.txt.catalog.yaml.",
            "Now serving 4 episodes.",
        ]
        assert bot.archive.library.get("twiml-talk-2-siraj-raval") is None
        assert not (data / "raw" / "002_32cc3a7d8ab5d358.txt").exists()
        assert (data / "removed" / "002_32cc3a7d8ab5d358.txt").read_bytes() == raw
        assert not (data / "episodes" / "twiml-talk-2-siraj-raval.yaml").exists()
        catalog = (data / "catalog.yaml").read_text(encoding="utf-8")
        assert "002_32cc3a7d8ab5d358.txt" not in catalog and "003_dc444f47622d0917.txt" in catalog
        entry = (data / "removed" / "002_32cc3a7d8ab5d358.txt.catalog.yaml").read_text()
        assert entry.startswith("002_32cc3a7d8ab5d358.txt:\n") and "id: twiml-talk-2" in entry
