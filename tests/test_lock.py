"""requirements.lock (the Docker build's pinned, hashed dependencies) matches pyproject.toml:
every runtime dependency is pinned there inside its range, each pin with hashes."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LOCK = ROOT / "requirements.lock"


def _pins() -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of each `name==version` entry of the lock."""
    text = LOCK.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    pins: dict[str, tuple[str, int]] = {}
    for entry in entries:
        name, _, version = entry.split(" ", 1)[0].partition("==")
        pins[canonicalize_name(name)] = (version, entry.count("--hash=sha256:"))
    return pins


def test_every_dependency_is_pinned_in_its_range_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _pins()
    assert pins and all(version and hashes for version, hashes in pins.values()), pins
    for line in project["dependencies"]:
        wanted = Requirement(line)
        version, _ = pins.get(canonicalize_name(wanted.name), ("", 0))
        assert version, f"{wanted.name} is not in requirements.lock: run the command at its top"
        assert wanted.specifier.contains(version), f"{wanted.name}=={version} is not {wanted}"


def test_the_image_installs_the_lock_with_hashes_required() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY pyproject.toml requirements.lock ./" in dockerfile
    assert "pip install --require-hashes --requirement requirements.lock" in dockerfile
