"""The image's start: the Dockerfile's HEALTHCHECK and CMD, read from the Dockerfile and run
the way the image runs them, outside Docker, in a folder laid out like the image's /app."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.fake_discord import FakeDiscord

DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Image:
    """What the final stage of the Dockerfile says about how the container runs."""

    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[str, str]] = field(default_factory=list)  # from the build context
    volumes: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    user: str = ""


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for raw in joined.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def parse(text: str) -> Image:
    """The final stage: everything after the last FROM."""
    steps = _instructions(text)
    last = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    image = Image()
    for word, rest in steps[last + 1 :]:
        if word == "WORKDIR":
            image.workdir = rest
        elif word == "ENV":
            image.env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
        elif word == "COPY" and "--from=" not in rest:
            *_, source, dest = rest.split()
            image.copies.append((source, dest))
        elif word == "VOLUME":
            image.volumes += json.loads(rest)
        elif word == "USER":
            image.user = rest
        elif word == "CMD":
            image.cmd = json.loads(rest)
        elif word == "HEALTHCHECK":
            image.healthcheck = json.loads(rest[rest.index("CMD") + 3 :])
    return image


IMAGE = parse(DOCKERFILE.read_text())


def lay_out(root: Path) -> Path:
    """A folder like the image's WORKDIR, with what the Dockerfile copies into it."""
    app = root / IMAGE.workdir.strip("/")
    app.mkdir(parents=True)
    for source, dest in IMAGE.copies:
        shutil.copytree(ROOT / source, app / dest)
    return app


def container_env(**extra: str) -> dict[str, str]:
    """This machine's environment (for python itself) with the image's ENV, no token or config.
    The image's virtualenv, and the model in it, are this machine's own: PATH and
    PODQUOTE_MODEL stay as they are here."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "PODQUOTE_CONFIG")}
    env.update({k: v for k, v in IMAGE.env.items() if k not in ("PATH", "PODQUOTE_MODEL")})
    return {**env, **extra}


def argv(command: list[str]) -> list[str]:
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


def test_the_image_runs_as_a_user_with_data_as_a_volume_and_no_token_inside() -> None:
    assert IMAGE.cmd == ["python", "-m", "bot", "run"]
    assert IMAGE.healthcheck[:3] == ["python", "-m", "bot"]
    assert IMAGE.user and not IMAGE.user.startswith(("root", "0"))
    assert IMAGE.volumes == [f"{IMAGE.workdir}/data"]
    assert "DISCORD_TOKEN" not in DOCKERFILE.read_text().split("never from the image")[1]
    assert DOCKERFILE.read_text().count("FROM python:3.11-slim") == 2


def test_the_build_context_keeps_what_the_image_copies_and_drops_the_rest() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def excluded(path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in ignored)

    copied = re.findall(r"^COPY (?!--from)(?:--\S+ )*(\S+) ", DOCKERFILE.read_text(), re.M)
    assert copied and not [path for path in copied if excluded(path)]
    for path in (".git", ".venv", "tests", "bench", "bench/.cache", ".pytest_cache", ".ci"):
        assert excluded(path), path


def test_healthcheck_passes_with_the_shipped_data_and_a_token(tmp_path: Path) -> None:
    app = lay_out(tmp_path)
    result = subprocess.run(
        argv(IMAGE.healthcheck),
        cwd=app,
        env=container_env(DISCORD_TOKEN="image-token-value"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    # No config in the image: only the commands going global (no guild_ids) is a warning.
    warnings = [line for line in lines if not line.startswith("ok: ")]
    assert all(line.startswith("warning: commands: no [discord] guild_ids") for line in warnings)
    assert "ok: episodes: 5 episodes, 599 quotes in data/episodes" in lines
    assert (app / "data" / "podquote.sqlite3").is_file()  # the database lives in the volume
    assert "image-token-value" not in result.stdout + result.stderr


def test_healthcheck_and_cmd_fail_with_one_line_without_a_token(tmp_path: Path) -> None:
    app = lay_out(tmp_path)
    for command, status, stream in ((IMAGE.healthcheck, 1, "stdout"), (IMAGE.cmd, 2, "stderr")):
        result = subprocess.run(
            argv(command),
            cwd=app,
            env=container_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == status, command
        errors = [x for x in getattr(result, stream).splitlines() if x.startswith("error:")]
        assert errors == ["error: DISCORD_TOKEN is not set: the bot token comes only from it"]


@pytest.mark.asyncio
async def test_cmd_serves_with_a_mounted_config_and_stops_on_sigterm(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    app = lay_out(tmp_path)
    # as `-v ./config.toml:/app/config.toml:ro` mounts it
    (app / "config.toml").write_text(fake_discord.config_section())
    process = await asyncio.create_subprocess_exec(
        *argv(IMAGE.cmd),
        cwd=app,
        env=container_env(DISCORD_TOKEN=fake_discord.token),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake_discord.wait_until(lambda: bool(fake_discord.command_syncs), timeout=20)
        await asyncio.wait_for(fake_discord.identified.wait(), 15)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (await process.stdout.read()).decode()  # type: ignore[union-attr]
    assert "database closed" in log
    assert fake_discord.token not in log
    assert (app / "data" / "podquote.sqlite3").is_file()
