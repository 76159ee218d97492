"""`python -m bot run --shards … --shard-count …`: bad ranges stop it with one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.run import with_shards
from bot.config.settings import Config, ConfigError, DiscordConfig
from tests.conftest import DATA, ROOT


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--shards", "0-9", "--shard-count", "4"],
            "error: --shards/--shard-count: shard 4 is not one of 0-3 (shard count 4)",
        ),
        (
            ["--shards", "0,0", "--shard-count", "2"],
            "error: --shards/--shard-count: shard 0 is listed twice",
        ),
        (["--shard-count", "0"], "error: --shards/--shard-count: --shard-count must be at least 1"),
    ],
)
def test_bad_shards_stop_the_run_with_one_line(tmp_path: Path, args: list[str], error: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[data]\nepisodes = "{DATA / "episodes"}"\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
    )
    env = {**os.environ, "DISCORD_TOKEN": "x", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [error]


def test_the_options_win_over_the_config() -> None:
    config = Config(discord=DiscordConfig(shard_count=4, shard_ids=(0, 1)))
    assert with_shards(config, None, None).discord.shards.ids == (0, 1)
    changed = with_shards(config, "2-3", None).discord
    assert (changed.shard_count, changed.shard_ids) == (4, (2, 3))
    assert with_shards(config, "5", 8).discord.shards.describe() == "shard 5 of 8"
    with pytest.raises(ConfigError, match="shard 3 is not one of 0-1"):
        with_shards(config, "3", 2)
