"""The README shows what the program really prints, and lists the commands the code lists.

Every ```console block of README.md is run: each `$ python -m bot …` line (also piped into,
`printf … | python -m bot console`, or followed by `; echo "exit $?"`) in its own process,
and its output (stdout and stderr, as a terminal shows them) must equal the lines under it.
A README line may shorten the output with `[…]`: any text within that one line; nothing else
is loose. A `$` line with no output under it (`printf … > bad.toml`) prepares the commands
after it in the same block.

Each command runs in a fresh folder holding a copy of the shipped `data/` (no derived data, no
database), the README's own paths relative to it: the examples that write (ingest, check's
database) start from what a new clone has, and a `config.toml` or `DISCORD_TOKEN` of the
working copy changes nothing. Commands that need Discord are not in console blocks.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.discord_app.client import INVITE_NEEDS, invite_url
from bot.reply.commands import COMMANDS, CommandInfo
from tests.conftest import DATA, ROOT, needs_model

README = ROOT / "README.md"
WILDCARD = "[…]"
RUNS = re.compile(r"^(?:printf '[^']*' \| )?(?:[A-Z_]+=\S+ )?python -m bot\b")


@dataclass(frozen=True, slots=True)
class Example:
    """One `$` command of a console block, what runs before it, and the output shown."""

    line: int  # of the `$` line in README.md
    setup: tuple[str, ...]
    command: str
    output: tuple[str, ...]


def console_blocks(text: str) -> list[tuple[int, list[str]]]:
    """(line number of the block's first line, its lines) of every ```console block."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if current is None:
            if line.strip() == "```console":
                current = []
                blocks.append((number + 1, current))
        elif line.strip() == "```":
            current = None
        else:
            current.append(line)
    return blocks


def examples(text: str) -> list[Example]:
    """Every command of every console block, with the output under it."""
    found: list[Example] = []
    for first, lines in console_blocks(text):
        setup: list[str] = []
        starts = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        assert starts and starts[0] == 0, f"README.md:{first}: a console block starts with `$ `"
        for at, end in zip(starts, [*starts[1:], len(lines)], strict=True):
            command, output = lines[at][2:], tuple(lines[at + 1 : end])
            if RUNS.match(command):
                found.append(Example(first + at, tuple(setup), command, output))
            else:
                assert not output, f"README.md:{first + at}: only `python -m bot` is checked"
                setup.append(command)
    return found


EXAMPLES = examples(README.read_text(encoding="utf-8"))


def matches(shown: str, printed: str) -> bool:
    """Whether a README line stands for a printed line (`[…]`: anything within the line)."""
    pattern = ".*".join(re.escape(part) for part in shown.split(WILDCARD))
    return re.fullmatch(pattern, printed) is not None


def run(example: Example, folder: Path) -> str:
    """Run the example's lines with bash in `folder` (a copy of the shipped data), `python`
    being this interpreter; its output, stderr interleaved as on a terminal."""
    shutil.copytree(
        DATA, folder / "data", ignore=shutil.ignore_patterns("derived", "*.derived", "*.sqlite3*")
    )
    bin_folder = folder / ".bin"
    bin_folder.mkdir()
    python = bin_folder / "python"  # a script, not a link: a venv's python must keep its path
    python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "PODQUOTE_CONFIG")}
    env |= {
        "PATH": f"{bin_folder}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "PYTHONUTF8": "1",
        "XDG_STATE_HOME": str(folder / ".state"),
    }
    done = subprocess.run(
        ["bash", "-c", "\n".join([*example.setup, example.command])],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout


def test_the_readme_has_examples_of_every_kind() -> None:
    commands = [e.command for e in EXAMPLES]
    for kind in ("python -m bot console -c", "| python -m bot console", 'echo "exit $?"'):
        assert any(kind in c for c in commands), kind
    assert len(EXAMPLES) >= 10


@needs_model
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"README.md:{e.line}")
def test_an_example_prints_what_the_readme_shows(example: Example, tmp_path: Path) -> None:
    printed = run(example, tmp_path).rstrip("\n").split("\n")
    shown = list(example.output)
    if len(printed) == len(shown) and all(map(matches, shown, printed)):
        return
    # Diff against the README's lines, each printed line that a README line stands for
    # written as the README writes it: only the real differences show.
    aligned = [s if matches(s, p) else p for s, p in zip(shown, printed, strict=False)]
    aligned += printed[len(shown) :]
    diff = "\n".join(difflib.unified_diff(shown, aligned, "README.md", "printed", lineterm=""))
    pytest.fail(f"README.md:{example.line}: $ {example.command}\n{diff}", pytrace=False)


def table_row(command: CommandInfo) -> str:
    """The README table's row for a command of the list."""
    usage = f"`{command.usage}`" if command.usage else "—"
    if command.aliases:
        usage += " (or " + ", ".join(f"`{a}`" for a in command.aliases) + ")"
    discord = f"`{command.discord}`" if command.slash else command.discord or "—"
    cells = (usage, command.does, discord)
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def test_the_command_table_is_the_command_list() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    header = lines.index("| console | what it does | on Discord |")
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    expected = [table_row(c) for c in COMMANDS]
    assert rows == expected, "the README's table, from bot/reply/commands.py:\n" + "\n".join(
        expected
    )


def test_links_stay_in_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://", target) or target.startswith("#"):
            continue
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), f"README links to {target}"


def test_the_invite_link_is_the_one_the_bot_logs() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert invite_url(1).replace("client_id=1", "client_id=APPLICATION_ID") in text
    assert f"invite link ({INVITE_NEEDS}): https://discord.com/oauth2/authorize?" in text
    assert "permissions integer 84992" in text and "permissions=84992" in invite_url(1)
