"""`python -m bot run` as a process, pointed at the local Discord by its config file."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.test_bot import _custom_ids

pytestmark = pytest.mark.asyncio


async def _wait_for(condition: object, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


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
    env = {**os.environ, "DISCORD_TOKEN": fake_discord.token, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "run", "--config", str(config)),
        *("--log-format", "json", "--log-level", "DEBUG"),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    lines: list[str] = []

    async def read() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            lines.append(raw.decode())

    reader = asyncio.create_task(read())
    try:
        await _wait_for(lambda: any('"ready as' in line for line in lines))
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    await reader
    records = [json.loads(line) for line in lines]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert {r["level"] for r in records} >= {"DEBUG", "INFO"}
    assert any(r["logger"] == "bot.discord_app.client" for r in records)
    assert any(r["message"] == "database closed" for r in records)
    assert fake_discord.token not in "".join(lines)
    assert (await process.stderr.read()).decode() == ""  # type: ignore[union-attr]


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
    env = {**os.environ, "DISCORD_TOKEN": fake_discord.token, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "run", "--config", str(config), "--log-level", "DEBUG"),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    lines: list[str] = []

    async def read() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            lines.append(raw.decode())

    reader = asyncio.create_task(read())
    try:
        await _wait_for(lambda: any("ready as" in line for line in lines))
        handle = await fake_discord.send_interaction("quote", {"query": "go quickly go alone"})
        reply = await handle.callback(timeout=10)
        context = _custom_ids(reply.body["data"])["Context"]
        click = await fake_discord.send_component(handle, context)
        await click.callback()
        await _wait_for(lambda: sum("/callback" in line for line in lines) >= 2)
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    await reader
    log = "".join(lines)
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
