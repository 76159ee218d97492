"""The build backend stops an old Python at once with one line (pip itself would resolve the
dependencies for minutes first), and is setuptools' on a new enough one."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

LOAD = (
    "import sys; sys.path.insert(0, 'tools'); {setup}"
    "import build_backend; print(build_backend.{name})"
)


def _load(setup: str = "", name: str = "__name__") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LOAD.format(setup=setup, name=name)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_old_python_is_stopped_with_one_line() -> None:
    done = _load("sys.version_info = (3, 10, 13, 'final', 0); ")
    assert done.returncode == 1
    assert done.stderr == "podquote needs Python 3.11 or newer; this is Python 3.10.13\n"


def test_a_new_enough_python_gets_setuptools_backend() -> None:
    done = _load(name="build_wheel.__module__")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "setuptools.build_meta\n"
