"""A clean stop: a reply in flight when SIGTERM comes still goes out, then the bot logs out
and the database is closed. The real `run_bot` on this test's event loop, signal and all."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.archive.snapshot as archive_module
from bot.config.settings import Config, DataConfig, DiscordConfig
from bot.discord_app.runner import run_bot
from bot.episodes.library import Library
from tests.conftest import DATA
from tests.e2e.fake_discord import FakeDiscord, default_guild

GUILD = default_guild()
ADMIN = GUILD.members[0]

pytestmark = pytest.mark.asyncio


class Gate:
    """Holds a reload inside its worker thread until the test lets it go."""

    def __init__(self) -> None:
        self.closed = False
        self.entered = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        if self.closed:
            self.entered.set()
            self.opened.wait(20)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    load = archive_module.load_library

    def slow(folder: Path, previous: Library | None = None) -> Library:
        gate.wait()
        return load(folder, previous)

    monkeypatch.setattr(archive_module, "load_library", slow)
    yield gate
    gate.opened.set()


def _config(server: FakeDiscord, tmp_path: Path) -> Config:
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    return Config(
        data=DataConfig(episodes=episodes, database=tmp_path / "podquote.sqlite3"),
        discord=DiscordConfig(
            guild_ids=(GUILD.id,),
            admin_user_ids=(ADMIN.id,),
            api_base=server.api_base,
            gateway_url=server.gateway_url,
        ),
    )


async def _until(condition: object, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _said(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)


async def _slow_reload_in_flight(
    server: FakeDiscord, caplog: pytest.LogCaptureFixture, gate: Gate
) -> object:
    await _until(lambda: _said(caplog, "ready as"))
    gate.closed = True
    handle = await server.send_interaction("reload", user=ADMIN)
    assert (await handle.callback(timeout=5)).body["type"] == 5  # deferred: "thinking…"
    await _until(gate.entered.is_set)
    os.kill(os.getpid(), signal.SIGTERM)
    return handle


def _start(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    grace: float,
) -> tuple[Config, asyncio.Task[None]]:
    """The bot running against the local Discord, its logs captured; its config and task."""
    caplog.set_level("INFO")
    monkeypatch.setenv("DISCORD_TOKEN", fake_discord.token)
    config = _config(fake_discord, tmp_path)
    return config, asyncio.create_task(run_bot(config, grace=grace))


async def test_sigterm_waits_for_the_reply_in_flight_then_logs_out_and_closes_the_database(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    gate: Gate,
) -> None:
    config, running = _start(fake_discord, tmp_path, monkeypatch, caplog, grace=10.0)
    handle = await _slow_reload_in_flight(fake_discord, caplog, gate)
    await _until(lambda: _said(caplog, "replies in flight: 1; waiting up to 10 s"))
    await asyncio.sleep(0.3)
    assert not running.done()
    assert fake_discord.gateway_connections == 1  # still logged in while the reply is due
    gate.opened.set()
    followup = await handle.followup(timeout=10)  # type: ignore[attr-defined]
    assert followup.body["content"].startswith("Reloaded")
    await asyncio.wait_for(running, 15)
    await _until(lambda: fake_discord.gateway_connections == 0, 5)
    said = [r.getMessage() for r in caplog.records]
    order = [
        next(i for i, m in enumerate(said) if m.startswith(text))
        for text in ("stopping", "replies in flight", "logged out", "database closed")
    ]
    assert order == sorted(order)
    # Closed cleanly: SQLite folds its write-ahead log back into the file on the last close.
    assert not Path(f"{config.data.database}-wal").exists()


async def test_a_stop_waits_only_so_long_for_a_reply_that_hangs(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    gate: Gate,
) -> None:
    _, running = _start(fake_discord, tmp_path, monkeypatch, caplog, grace=0.5)
    await _slow_reload_in_flight(fake_discord, caplog, gate)
    began = asyncio.get_running_loop().time()
    await asyncio.wait_for(running, 10)
    assert asyncio.get_running_loop().time() - began < 5
    assert _said(caplog, "replies still in flight after 0.5 s: 1; stopping anyway")
    assert _said(caplog, "database closed")
    gate.opened.set()
