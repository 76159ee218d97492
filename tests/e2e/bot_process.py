"""`python -m bot run` as a real process against the local Discord: started, its log read as
it comes, stopped with a signal or killed (the sharding tests and bench/shards.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.storage import Database
from tests.conftest import ROOT
from tests.e2e.fake_discord import FakeDiscord


def write_config(server: FakeDiscord, folder: Path, episodes: Path, database: Database) -> Path:
    """A config.toml for the bot processes of a test: the local Discord, commands synced
    globally (no guild_ids), searches in the bot's own threads and by words only (a start
    in about two seconds)."""
    config = folder / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{episodes}"\ndatabase = "{database}"\n'
        f'[discord]\napi_base = "{server.api_base}"\ngateway_url = "{server.gateway_url}"\n'
        "[search]\nworkers = 0\nmeaning = false\ncooldown_seconds = 0\n"
    )
    return config


class BotProcess:
    """One bot process holding `shards` (e.g. "0-1") of `count`; its output kept in `lines`."""

    def __init__(
        self, server: FakeDiscord, config: Path, shards: str | None, count: int | None
    ) -> None:
        self.server = server
        self.config = config
        self.args: list[str] = []
        if shards is not None:
            self.args += ["--shards", shards]
        if count is not None:
            self.args += ["--shard-count", str(count)]
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self, extra: Sequence[str] = ()) -> BotProcess:
        env = {**os.environ, "DISCORD_TOKEN": self.server.token, "PYTHONPATH": str(ROOT)}
        self.process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", "--config", str(self.config)),
            *self.args,
            *extra,
            cwd=self.config.parent,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace"))

    @property
    def log(self) -> str:
        return "".join(self.lines)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def wait_for(self, text: str, timeout: float = 30.0) -> None:
        """Until a line of the log holds `text` (an AssertionError with the log if not)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not any(text in line for line in self.lines):
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"the bot stopped before {text!r}:\n{self.log}")
            if loop.time() > deadline:
                raise AssertionError(f"no {text!r} within {timeout} s:\n{self.log}")
            await asyncio.sleep(0.05)

    async def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM and wait: the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        finally:
            await self.kill()
        return code

    async def kill(self) -> None:
        """SIGKILL (kill -9): no clean-up of any kind."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            await self._reader
