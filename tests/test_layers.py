"""The package's import directions (see ARCHITECTURE.md): each stage imports only the stages
on floors below it, never sideways or up, and only the Discord adapter imports discord."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bot"

# Lowest first. A module may import its own stage and the stages on lower floors.
FLOORS: dict[str, int] = {
    "errors": 0,
    "text": 0,
    "yaml_safe": 0,
    "atomic": 0,
    "code_stamp": 0,
    "shards": 0,
    "episodes": 1,
    "storage": 1,
    "ingest": 2,
    "search": 2,
    "advice": 3,
    "archive": 4,
    "reply": 4,
    "config": 5,
    "stats": 5,
    "console": 6,
    "discord_app": 6,
    "cli": 7,
    "__main__": 8,
}
DISCORD_LIBRARIES = {"discord", "aiohttp"}  # aiohttp: discord.py's transport


def _modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE
    )


def _stage(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every import, function-level ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bot":
                found += [(node.lineno, f"bot.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def test_every_stage_has_a_floor_and_a_docstring() -> None:
    stages = {_stage(p) for p in _modules()}
    assert stages <= set(FLOORS), f"give these a floor: {sorted(stages - set(FLOORS))}"
    for package in (p for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"):
        init = package / "__init__.py"
        assert init.is_file(), f"{package.name}/ is not a package"
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring and "Imports:" in docstring, f"{init}: say what it holds and imports"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_down_only(path: Path) -> None:
    stage = _stage(path)
    wrong = []
    for line, name in _imports(path):
        parts = name.split(".")
        if parts[0] in DISCORD_LIBRARIES and stage != "discord_app":
            wrong.append(f"line {line}: {name} (only bot.discord_app talks to Discord)")
        if parts[0] != "bot" or len(parts) < 2 or parts[1] == "__version__":
            continue
        target = parts[1]
        if target == stage:
            continue
        if target not in FLOORS:
            wrong.append(f"line {line}: {name} (no such stage)")
        elif FLOORS[target] >= FLOORS[stage]:
            wrong.append(f"line {line}: {name} ({target} is not below {stage})")
    assert not wrong, f"{path.relative_to(PACKAGE.parent)}: " + "; ".join(wrong)
