"""`data/episodes/` is exactly what `python -m bot ingest data/raw` produces, and loads."""

from __future__ import annotations

from pathlib import Path

from bot.cli.main import main
from bot.episodes.library import Library
from tests.conftest import DATA


def test_shipped_episodes_are_the_output_of_ingest(tmp_path: Path) -> None:
    assert main(["ingest", str(DATA / "raw"), "--out", str(tmp_path), "--quiet"]) == 0
    fresh = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.yaml")}
    shipped = {p.name: p.read_text(encoding="utf-8") for p in (DATA / "episodes").glob("*.yaml")}
    assert sorted(shipped) == sorted(fresh), "re-run: python -m bot ingest data/raw --prune"
    stale = [name for name in fresh if fresh[name] != shipped[name]]
    assert not stale, f"data/episodes is stale for {stale}: re-run python -m bot ingest data/raw"


def test_every_shipped_episode_loads_with_the_catalog_facts() -> None:
    lib = Library.load(DATA / "episodes")
    assert lib.problems == ()
    assert len(lib) == 5
    a = lib.get("s08e01-visualising-machine-learning")
    assert a is not None
    assert a.full_name("Alexey") == "Alexey Grigorev"
    assert a.youtube_id == "OuCuk-7RHjM"
    assert a.timing == "exact"
    d = lib.get("podcast-init-234-deep-learning-illustrated")
    assert d is not None and d.timing == "estimated" and d.youtube_id is None
    assert d.show == "Podcast.__init__"
    e = lib.get("five-secrets-of-learning-machine-learning")
    assert e is not None and e.youtube_id is None and e.speakers == ()
