"""The command line's front door: every verb listed, only the one given imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli.main import VERBS, main
from tests.conftest import ROOT, bare_env


def test_help_lists_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    for verb in VERBS:
        assert f"\n    {verb}" in listed


def test_an_unknown_verb_is_refused_naming_the_verbs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["serve"])
    assert done.value.code == 2
    assert "invalid choice: 'serve' (choose from 'ingest', 'catalog'," in capsys.readouterr().err


def test_a_verb_imports_only_its_own_part_of_the_bot() -> None:
    probe = (
        "import sys\n"
        "from bot.cli.main import main\n"
        "try:\n"
        "    main(['search', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('bot.cli.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=bare_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert (
        done.stdout.strip().splitlines()[-1]
        == "['bot.cli.main', 'bot.cli.options', 'bot.cli.search']"
    )


def test_numpy_runs_one_blas_thread_unless_the_environment_says_otherwise() -> None:
    probe = (
        "import os, sys\n"
        "from bot.cli.main import main\n"
        "try:\n"
        "    main(['search', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "import numpy\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'], 'numpy' in sys.modules)\n"
    )
    for given, expected in ((None, "1 True"), ("2", "2 True")):
        env = bare_env()
        env.pop("OPENBLAS_NUM_THREADS", None)
        if given:
            env["OPENBLAS_NUM_THREADS"] = given
        done = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stdout.strip().splitlines()[-1] == expected, done.stderr
