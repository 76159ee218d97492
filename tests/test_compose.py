"""compose.yaml: two bot processes whose shard ranges cover every shard once, on PostgreSQL,
the data volume read-only for them, and no secret written in the file."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from bot.shards import parse_ids
from tests.conftest import ROOT

COMPOSE = ROOT / "compose.yaml"
DATABASE_URL = "postgresql://podquote@db/podquote"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def _bots(services: dict[str, Any]) -> dict[str, list[str]]:
    """The services running the bot, with their commands."""
    return {
        name: service["command"]
        for name, service in services.items()
        if service.get("command", [])[:4] == ["python", "-m", "bot", "run"]
    }


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_bots_hold_every_shard_exactly_once() -> None:
    bots = _bots(_compose()["services"])
    assert len(bots) == 2
    counts = {int(_option(command, "--shard-count")) for command in bots.values()}
    assert len(counts) == 1  # one count for the whole deployment
    (count,) = counts
    held = [shard for command in bots.values() for shard in parse_ids(_option(command, "--shards"))]
    assert sorted(held) == list(range(count))  # all covered, none twice


def test_the_bots_read_the_data_volume_and_use_postgresql() -> None:
    compose = _compose()
    services = compose["services"]
    for name in _bots(services):
        volumes = services[name]["volumes"]
        assert "podquote-data:/app/data:ro" in volumes, name
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        mounted = next(v for v in volumes if v.endswith(":/app/config.toml:ro"))
        config = tomllib.loads((ROOT / mounted.split(":")[0]).read_text(encoding="utf-8"))
        assert config["data"]["database"] == DATABASE_URL
    assert services["db"]["image"].startswith("postgres:")
    assert "podquote-data:/app/data" in services["ingest"]["volumes"]  # its one writer


def test_no_secret_is_written_in_the_file() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"TOKEN|PASSWORD", key):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), (name, key)
    assert "DISCORD_TOKEN" in services["bot-0-1"]["environment"]
    assert "PGPASSWORD" in services["bot-2-3"]["environment"]
