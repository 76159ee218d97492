"""A private PostgreSQL server for the tests: `initdb` into a temporary folder, started with
`pg_ctl` on a Unix socket in that folder only (no TCP port), stopped at the end.

PostgreSQL refuses to run as root: as root, the folder is given to `nobody` and the server
runs as that user. The superuser is `postgres`, trusted on the socket (nobody else can reach
a socket in a folder of its own).

`python -m tests.postgres_server start FOLDER` prints the server's URL (what .ci/run exports
as PODQUOTE_TEST_POSTGRES); `python -m tests.postgres_server stop FOLDER` stops it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

USER = "postgres"
RUN_AS = "nobody"


def find_bin(name: str) -> str | None:
    """A PostgreSQL program on PATH, or in Debian's /usr/lib/postgresql/*/bin (newest)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", RUN_AS, "--", *command]


def url_of(folder: Path) -> str:
    """The URL of the server whose socket is in `folder` (its default database)."""
    return f"postgresql://{USER}@/postgres?host={folder}"


def start(folder: Path, *, durable: bool = False) -> str:
    """Create and start a server in `folder` (made here, empty); its URL. The tests' server
    skips fsync (nothing in it outlives the run); a `durable` one (the benches') keeps it."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise FileNotFoundError("initdb is not installed (Debian: apt-get install postgresql)")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, RUN_AS)
    data = folder / "data"
    _run([initdb, "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync"])
    options = f"-c listen_addresses='' -k {folder} -c max_connections=200"
    if not durable:
        options += " -c fsync=off"
    _run([pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"])
    return url_of(folder)


def _run(command: list[str]) -> None:
    done = subprocess.run(
        _as_server_user(command),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
        cwd="/",  # a folder the server's user may enter
    )
    if done.returncode:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.decode().strip()}")


def stop(folder: Path) -> None:
    """Stop the server in `folder` (at once: the tests are done with it)."""
    pg_ctl = find_bin("pg_ctl")
    if pg_ctl is None:
        return
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(folder / "data"), "-m", "immediate", "stop"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        cwd="/",
    )


if __name__ == "__main__":
    verb, where = sys.argv[1], Path(sys.argv[2])
    if verb == "start":
        print(start(where))
    else:
        stop(where)
