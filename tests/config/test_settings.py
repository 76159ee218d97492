"""config.toml: defaults, validation naming the key, the token only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.settings import (
    Config,
    ConfigError,
    LoggingConfig,
    SearchConfig,
    discord_token,
    load_config,
)
from bot.search.ranking import MIN_SCORE
from bot.storage import PostgresUrl
from tests.conftest import ROOT


def test_the_example_config_is_valid_and_equals_the_defaults() -> None:
    config = load_config(ROOT / "config.example.toml")
    defaults = Config()
    assert config.discord == defaults.discord
    assert config.search == defaults.search
    assert config.logging == defaults.logging
    assert config.data.episodes == ROOT / "data" / "episodes"
    assert config.data.database == ROOT / "data" / "podquote.sqlite3"
    assert config.data.raw == ROOT / "data" / "raw"
    assert config.data.max_upload_mb == Config().data.max_upload_mb == 5


def test_the_bot_answers_at_the_search_engines_own_minimum_score() -> None:
    # The minimum is measured with the engine (bench/search_relevance.py); a copy here would drift.
    assert Config().search.min_score == MIN_SCORE
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert f"# min_score = {MIN_SCORE:.0f}\n" in example


def test_values_are_read_and_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[data]\nepisodes = "eps"\n[discord]\nguild_ids = [123]\nadmin_role_ids = [7]\n'
        'api_base = "http://127.0.0.1:9999/api/v10"\n[search]\nmin_score = 60\n'
    )
    config = load_config(path)
    assert config.data.episodes == tmp_path / "eps"
    assert config.discord.guild_ids == (123,)
    assert config.discord.admin_role_ids == (7,)
    assert config.discord.api_base == "http://127.0.0.1:9999/api/v10"
    assert config.search.min_score == 60.0
    assert config.logging == LoggingConfig()  # off, 30 days: nothing typed is kept by default


def test_searches_run_in_two_processes_unless_told_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[search]\nworkers = 0\n")
    assert load_config(path).search.workers == 0  # threads of the bot's own process
    assert SearchConfig().workers == 2


def test_logging_keeps_queries_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[logging]\nqueries = true\nkeep_days = 7\n")
    assert load_config(path).logging == LoggingConfig(queries=True, keep_days=7)
    assert not LoggingConfig().queries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[dicsord]\n",
            "unknown section [dicsord] (known: [data], [discord], [search], [advice], [logging])",
        ),
        ("[discord]\nguild = [1]\n", "[discord] guild: unknown key"),
        ("[data]\nmax_upload_mb = 51\n", "[data] max_upload_mb: must be at most 50"),
        (
            "[data]\nmax_upload_mb = 0\n",
            "[data] max_upload_mb: must be a whole number of at least 1",
        ),
        ('[data]\nepisodes = "e"\nraw = "e"\n', "[data] raw: must be a folder of its own"),
        ('[data]\nepisodes = "d/e"\nraw = "d"\n', "[data] raw: must be a folder of its own"),
        ('[data]\nraw = ""\n', "[data] raw: must be a path"),
        ('[discord]\nguild_ids = ["1"]\n', "[discord] guild_ids: must be a list of Discord ids"),
        ("[search]\nresults = 0\n", "[search] results: must be a whole number of at least 1"),
        ("[search]\nmin_score = 101\n", "[search] min_score: must be between 0 and 100"),
        ("[search]\nworkers = -1\n", "[search] workers: must be a whole number of at least 0"),
        ("[search]\nworkers = 33\n", "[search] workers: must be at most 32"),
        ('[discord]\napi_base = "discord.com"\n', "[discord] api_base: must be an http(s)"),
        ("[data]\nepisodes = 3\n", "[data] episodes: must be a path"),
        ('[logging]\nqueries = "yes"\n', "[logging] queries: must be true or false"),
        ("[logging]\nkeep_days = 0\n", "[logging] keep_days: must be a whole number of at least 1"),
        ("[logging]\nkeep_days = 7.5\n", "[logging] keep_days: must be a whole number"),
        ("[logging]\nkeep_days = 99999\n", "[logging] keep_days: must be at most 3660"),
        ("[logging]\nquery = true\n", "[logging] query: unknown key (known: keep_days, queries)"),
        ("[data\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_message_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"copy config\.example\.toml"):
        load_config(tmp_path / "nope.toml")


def test_the_token_comes_from_the_environment_and_is_never_shown() -> None:
    assert discord_token({"DISCORD_TOKEN": " abc.def "}) == "abc.def"
    with pytest.raises(ConfigError) as info:
        discord_token({"DISCORD_TOKEN": "   "})
    assert str(info.value) == "DISCORD_TOKEN is not set: the bot token comes only from it"


def test_run_stops_with_one_line_for_each_kind_of_bad_start(tmp_path: Path) -> None:
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    def run(config_text: str | None, token: str) -> subprocess.CompletedProcess[str]:
        args = [sys.executable, "-m", "bot", "run"]
        if config_text is not None:
            (tmp_path / "config.toml").write_text(config_text)
            args += ["--config", str(tmp_path / "config.toml")]
        env = {**os.environ, "DISCORD_TOKEN": token, "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=60
        )

    missing_token = run(None, "")
    assert missing_token.returncode == 2
    assert missing_token.stderr.strip() == (
        "error: DISCORD_TOKEN is not set: the bot token comes only from it"
    )
    no_data = run('[data]\nepisodes = "nowhere"\n', "secret-token-value")
    assert no_data.returncode == 2
    assert (
        no_data.stderr.strip()
        == f"error: {tmp_path / 'config.toml'}: [data] episodes: {tmp_path / 'nowhere'} is not "
        "a folder (python -m bot ingest writes it)"
    )
    bad_key = run("[search]\nresults = 'five'\n", "secret-token-value")
    assert bad_key.returncode == 2
    assert "[search] results: must be a whole number" in bad_key.stderr
    for result in (missing_token, no_data, bad_key):
        assert "Traceback" not in result.stderr
        assert "secret-token-value" not in result.stderr + result.stdout


def test_the_database_is_a_path_or_a_postgresql_url_without_a_password(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[data]\ndatabase = "state/bot.sqlite3"\n')
    assert load_config(path).data.database == tmp_path / "state" / "bot.sqlite3"
    for url in ("postgresql://podquote@db:5432/podquote", "postgres://bot@/podquote?host=/run"):
        path.write_text(f'[data]\ndatabase = "{url}"\n')
        assert load_config(path).data.database == PostgresUrl(url)
    path.write_text('[data]\ndatabase = "postgresql://podquote:s3cret@db/podquote"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message == (
        f"{path}: [data] database: postgresql://podquote:***@db/podquote: the URL holds a "
        "password; remove it and set the PGPASSWORD environment variable instead"
    )
    assert "s3cret" not in message
    path.write_text('[data]\ndatabase = "postgresql://db:port/podquote"\n')
    with pytest.raises(ConfigError, match=r"\[data\] database: not a valid PostgreSQL URL"):
        load_config(path)


def test_shards_are_read_as_a_list_or_ranges(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[discord]\nshard_count = 8\nshard_ids = "0-1,4"\n')
    assert load_config(path).discord.shards.ids == (0, 1, 4)
    path.write_text("[discord]\nshard_count = 8\nshard_ids = [5, 7]\n")
    assert load_config(path).discord.shards.describe() == "shards 5,7 of 8"
    assert Config().discord.shards.all  # by default one process holds every shard


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ("shard_count = 4\nshard_ids = [4]", "[discord] shard_ids: shard 4 is not one of 0-3"),
        ("shard_count = 4\nshard_ids = [1, 1]", "[discord] shard_ids: shard 1 is listed twice"),
        ("shard_ids = [0]", "[discord] shard_ids: shard ids need a shard count"),
        ("shard_ids = [-1]", "[discord] shard_ids: must be a list of shard ids"),
        ('shard_ids = "x"', "[discord] shard_ids: 'x' is not a shard id or range"),
        ("shard_count = -1", "[discord] shard_count: must be a whole number of at least 0"),
        ("shard_count = 100000", "[discord] shard_count: must be at most 65536"),
    ],
)
def test_bad_shards_are_one_line_naming_the_key(tmp_path: Path, section: str, error: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[discord]\n{section}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {error}")
