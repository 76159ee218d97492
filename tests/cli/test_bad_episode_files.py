"""One broken episode file, as processes see it: `check`, `search` and the console each print
one line naming the file, the line and what is wrong, no traceback, and serve the rest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT

BROKEN = "s08e01-visualising-machine-learning.yaml"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "PODQUOTE_CONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**environ, "DISCORD_TOKEN": "x", "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("field", "raw", "why"),
    [
        ("start", "1e400", "line 60: start is inf, not a time in seconds (0 to 10,000,000)"),
        ("line", "7" * 5000, "line 60: the segment has a number of more than 4,300 digits"),
        (
            "cues",
            "[" * 100_000 + "]" * 100_000,
            "line 60: the segment is nested too deeply to read",
        ),
    ],
    ids=["1e400", "5000 digits", "cues 100000 deep"],
)
def test_check_search_and_console_print_one_line_and_serve_the_rest(
    tmp_path: Path, field: str, raw: str, why: str
) -> None:
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    path = episodes / BROKEN
    lines = path.read_text(encoding="utf-8").split("\n")
    row = json.loads(lines[59][2:])
    row[field] = "@VALUE@"
    lines[59] = "- " + json.dumps(row).replace('"@VALUE@"', raw)
    path.write_text("\n".join(lines), encoding="utf-8")
    problem = f"episodes/{BROKEN}: {why}"
    (tmp_path / "config.toml").write_text(
        '[data]\nepisodes = "episodes"\ndatabase = "podquote.sqlite3"\n'
    )

    check = _run("check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Traceback" not in check.stdout + check.stderr and check.stderr == ""
    assert f"warning: skipped: {problem}" in check.stdout.splitlines()
    assert "ok: episodes: 4 episodes, 494 quotes in episodes" in check.stdout.splitlines()

    search = _run("search", "--data", "episodes", "go quickly go alone", cwd=tmp_path)
    assert search.returncode == 0, search.stderr
    assert search.stderr.splitlines() == [f"warning: {problem}"]
    assert "From Software Engineering to Machine Learning" in search.stdout

    console = _run("console", "-c", "/episode", cwd=tmp_path)
    assert console.returncode == 0, console.stderr
    assert console.stderr.splitlines() == [f"warning: {problem}"]
    assert "Visualising" not in console.stdout and "Siraj Raval" in console.stdout
