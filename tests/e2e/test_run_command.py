"""`python -m bot run` as a process, pointed at the local Discord by its config file."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DATA, ROOT, needs_model
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.test_bot import _custom_ids

pytestmark = pytest.mark.asyncio


async def _wait_for(condition: object, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


@dataclass
class _Running:
    """A bot process started by `_bot`, and the lines of its stdout read so far."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    @property
    def log(self) -> str:
        return "".join(self.lines)


@contextlib.asynccontextmanager
async def _bot(
    config: Path, token: str, *options: str, merged: bool = False
) -> AsyncIterator[_Running]:
    """`python -m bot run --config CONFIG OPTIONS…` with its stdout read line by line (stderr
    kept apart, or `merged` into it); killed on the way out unless it stopped, and its
    stdout read to the end."""
    env = {**os.environ, "DISCORD_TOKEN": token, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "run", "--config", str(config), *options),
        cwd=config.parent,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if merged else asyncio.subprocess.PIPE,
    )
    running = _Running(process)

    async def read() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            running.lines.append(raw.decode())

    reader = asyncio.create_task(read())
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await reader


async def test_run_serves_quotes_reloads_on_sighup_and_stops_on_sigterm(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{episodes}"\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        + fake_discord.config_section()
    )
    env = {**os.environ, "DISCORD_TOKEN": fake_discord.token, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await _wait_for(lambda: fake_discord.command_syncs)
        await asyncio.wait_for(fake_discord.identified.wait(), 15)
        # READY comes after discord.py's guild_ready_timeout (2 s) of quiet after GUILD_CREATE.
        await asyncio.sleep(2.5)
        handle = await fake_discord.send_interaction("quote", {"query": "go quickly go alone"})
        reply = await handle.callback(timeout=10)
        assert reply.body["type"] == 4
        (episodes / "twiml-talk-2-siraj-raval.yaml").unlink()
        process.send_signal(signal.SIGHUP)
        await asyncio.sleep(1.0)
        help_reply = await (await fake_discord.send_interaction("help")).callback(timeout=10)
        assert "**4** episodes" in help_reply.body["data"]["embeds"][0]["description"]
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 15)
        assert code == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (await process.stdout.read()).decode()  # type: ignore[union-attr]
    assert "reloaded on SIGHUP" in log
    assert fake_discord.token not in log
    assert "Traceback" not in log


async def test_json_logs_go_to_stdout_one_object_per_line_without_the_token(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{DATA / "episodes"}"\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        + fake_discord.config_section()
    )
    options = ("--log-format", "json", "--log-level", "DEBUG")
    async with _bot(config, fake_discord.token, *options) as bot:
        await _wait_for(lambda: bot.said('"ready as'))
        bot.process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(bot.process.wait(), 15) == 0
    records = [json.loads(line) for line in bot.lines]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert {r["level"] for r in records} >= {"DEBUG", "INFO"}
    assert any(r["logger"] == "bot.discord_app.client" for r in records)
    assert any(r["message"] == "database closed" for r in records)
    assert fake_discord.token not in bot.log
    assert (await bot.process.stderr.read()).decode() == ""  # type: ignore[union-attr]


async def test_debug_logs_never_show_an_interaction_token(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """An interaction token lets anyone answer, edit or post as the bot for 15 minutes:
    discord.py logs it at DEBUG in the gateway event and in every callback and webhook URL."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{DATA / "episodes"}"\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        + fake_discord.config_section()
    )
    async with _bot(config, fake_discord.token, "--log-level", "DEBUG", merged=True) as bot:
        await _wait_for(lambda: bot.said("ready as"))
        handle = await fake_discord.send_interaction("quote", {"query": "go quickly go alone"})
        reply = await handle.callback(timeout=10)
        context = _custom_ids(reply.body["data"])["Context"]
        click = await fake_discord.send_component(handle, context)
        await click.callback()
        await _wait_for(lambda: sum("/callback" in line for line in bot.lines) >= 2)
        bot.process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(bot.process.wait(), 15) == 0
    log = bot.log
    for token in (handle.token, click.token):
        assert token not in log
        assert token[:24] not in log  # not even a part of it
    assert f"/interactions/{handle.id}/[redacted]/callback" in log
    assert "'token': '[redacted]'" in log  # the gateway's INTERACTION_CREATE
    assert fake_discord.token not in log


def _closed_port() -> int:
    """A local port nothing listens on (bound, then closed): connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _start_failing(tmp_path: Path, discord_section: str, token: str) -> tuple[int, str, str]:
    """`python -m bot run` expected to stop at once: (exit code, stdout, stderr)."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{DATA / "episodes"}"\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        + discord_section
    )
    env = {**os.environ, "DISCORD_TOKEN": token, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "run", "--config", str(config)),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _assert_one_line(stdout: str, stderr: str, error: str) -> None:
    assert stderr.splitlines() == [error], stderr
    assert "Traceback" not in stdout + stderr
    assert "voice will NOT be supported" not in stdout + stderr  # no PyNaCl/davey warnings


async def test_a_wrong_token_is_one_line_and_exit_3(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    code, out, err = await _start_failing(
        tmp_path, fake_discord.config_section(), "not-the-bot-token"
    )
    _assert_one_line(
        out,
        err,
        "error: Discord refused the bot token (401 Unauthorized): check DISCORD_TOKEN "
        "(Developer Portal → your application → Bot → Reset Token)",
    )
    assert code == 3
    assert "not-the-bot-token" not in out + err


async def test_discord_out_of_reach_is_one_line_and_exit_4(tmp_path: Path) -> None:
    port = _closed_port()
    section = (
        f'[discord]\napi_base = "http://127.0.0.1:{port}/api/v10"\n'
        f'gateway_url = "ws://127.0.0.1:{port}/gateway"\n'
    )
    code, out, err = await _start_failing(tmp_path, section, "any-token")
    (line,) = err.splitlines()
    assert line.startswith(f"error: cannot reach Discord at http://127.0.0.1:{port}/api/v10: ")
    _assert_one_line(out, err, line)
    assert code == 4


async def test_discord_failing_is_one_line_and_exit_5(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake_discord.fail_next("GET", r"^/users/@me$", 503)
    code, out, err = await _start_failing(
        tmp_path, fake_discord.config_section(), fake_discord.token
    )
    _assert_one_line(
        out,
        err,
        "error: Discord is failing (503 Service Unavailable); try again later "
        "(https://discordstatus.com)",
    )
    assert code == 5


async def test_discord_refusing_the_command_sync_is_one_line_and_exit_6(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """A configured server the bot is not in: Discord answers the command sync with 403."""
    missing_access = {"message": "Missing Access", "code": 50001}
    fake_discord.fail_next("PUT", r"/guilds/\d+/commands$", 403, missing_access)
    code, out, err = await _start_failing(
        tmp_path, fake_discord.config_section(), fake_discord.token
    )
    _assert_one_line(
        out,
        err,
        "error: Discord refused a request at start: 403 Forbidden: Missing Access",
    )
    assert code == 6


@needs_model
async def test_run_embeds_the_missing_vectors_in_the_background_and_again_after_a_reload(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The bot's own start with the defaults: the meaning vectors the folder lacks are
    embedded by a helper process while the bot answers, and a reload that changed an episode
    embeds only its new pieces; nothing reaches stderr, a stop ends the helper."""
    short = "five-secrets-of-learning-machine-learning.yaml"  # 88 pieces
    episodes = tmp_path / "episodes"
    episodes.mkdir()
    shutil.copy(DATA / "episodes" / short, episodes / short)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{episodes}"\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        "[search]\nworkers = 1\n" + fake_discord.config_section()
    )
    async with _bot(config, fake_discord.token) as bot:
        await _wait_for(lambda: bot.said("ready as"))
        reply = await (
            await fake_discord.send_interaction("quote", {"query": "five secrets"})
        ).callback(timeout=10)
        assert reply.body["type"] in {4, 5}  # answered (or deferred) while it embeds
        await _wait_for(lambda: bot.said("Meaning vectors: 88 of 88 pieces embedded now"), 90)
        path = episodes / short
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("all this math and code", "all this giraffe farms"))
        bot.process.send_signal(signal.SIGHUP)
        await _wait_for(lambda: bot.said("Meaning vectors: 1 of 88 pieces embedded now"), 90)
        bot.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.process.wait(), 15) == 0
    log = bot.log
    assert "embedding the 88 pieces that have none yet, in the background" in log
    assert "Traceback" not in log and fake_discord.token not in log
    assert (await bot.process.stderr.read()).decode() == ""  # type: ignore[union-attr]
    assert len(np.load(tmp_path / "derived" / "vectors" / "keys.npy")) == 89
