"""`python -m bot console` as a process: -c for scripts, a pipe, and a real terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT

EPISODES = str(DATA / "episodes")


def console(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def test_dash_c_answers_in_plain_text_with_exit_codes() -> None:
    found = console("--data", EPISODES, "-c", "/quote go quickly go alone")
    assert found.returncode == 0, found.stderr
    assert "»go quickly go alone«" in found.stdout
    assert "https://www.youtube.com/watch?v=" in found.stdout
    assert "\x1b" not in found.stdout
    nothing = console("--data", EPISODES, "-c", "/quote chocolate cake buttercream frosting")
    assert nothing.returncode == 1
    assert nothing.stdout.startswith("I found no quote that matches")
    wrong = console("--data", EPISODES, "-c", "/frobnicate")
    assert wrong.returncode == 1 and wrong.stdout.startswith("Unknown command '/frobnicate'.")


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    missing = console("--data", str(tmp_path / "nowhere"), "-c", "/help")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and missing.stderr.count("\n") == 1
    blank = console("--data", EPISODES, "-c", "  ")
    assert blank.returncode == 2 and "error: -c needs a command" in blank.stderr
    bad = console("--data", EPISODES, "--bogus")
    assert bad.returncode == 2 and "unrecognized arguments: --bogus" in bad.stderr
    config = tmp_path / "config.toml"
    config.write_text("[search]\nresults = 0\n")
    refused = console("--config", str(config), "-c", "/help")
    assert refused.returncode == 2
    assert (
        refused.stderr
        == f"error: {config}: [search] results: must be a whole number of at least 1\n"
    )


def test_the_config_names_the_data_folder(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[data]\nepisodes = "{EPISODES}"\n[search]\nmax_query_length = 12\n')
    reply = console("-c", "/quote catapult basket drift", env={"PODQUOTE_CONFIG": str(config)})
    assert reply.returncode == 1 and "under 12 characters" in reply.stdout


def test_piped_lines_are_answered_in_order_until_quit() -> None:
    session = console(
        "--data",
        EPISODES,
        stdin="/quote catapult basket drift\n/next\n\n/context\n/quit\n/help\n",
    )
    assert session.returncode == 0, session.stderr
    out = session.stdout
    assert out.startswith("podquote 0.1.0 · 5 episodes, 599 quotes. Try /quote go quickly")
    assert "result 1 of" in out and "result 2 of" in out
    assert "Around " in out
    assert "The archive holds" not in out  # /help came after /quit
    assert "\x1b" not in out


def _read_until(fd: int, wanted: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{wanted!r} not shown; the screen had {seen[-500:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            seen += chunk
    if wanted not in seen:
        raise AssertionError(f"{wanted!r} not shown; the screen had {seen[-500:]!r}")
    return seen


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty (Ctrl-C), with
    Ctrl-C's signal as a terminal has it: pytest run in the background of a shell without job
    control (`cmd &` in a script) ignores SIGINT, and an ignored SIGINT is inherited, so
    Python in the child would not turn Ctrl-C into KeyboardInterrupt."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_gets_panels_tab_completion_and_history(tmp_path: Path) -> None:
    pytest.importorskip("readline")
    main, secondary = pty.openpty()
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env["COLUMNS"] = "100"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--data", EPISODES],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        cwd=ROOT,
        env=env,
        close_fds=True,
        preexec_fn=_own_terminal,  # noqa: PLW1509 - two system calls, no locks taken
    )
    os.close(secondary)
    try:
        _read_until(main, b"podquote> ")
        os.write(main, b"/quo\t")
        _read_until(main, b"/quote ")
        os.write(main, b"catapult basket drift sp\t")
        _read_until(main, b"speaker:")
        os.write(main, b"meor a\t")
        _read_until(main, b"Amer")
        os.write(main, b"\r")
        screen = _read_until(main, b"podquote> ")
        assert b"\x1b[" in screen  # colour and bold
        assert b"\xe2\x95\xad" in screen  # the panel's corner
        assert b"Visualising Machine Learning" in screen
        os.write(main, b"/episode visu\t")  # an episode's title completes
        _read_until(main, b"Learning")
        os.write(main, b"\r")
        _read_until(main, b"podquote> ")
        os.write(main, b"/quote half typed")
        _read_until(main, b"typed")
        # CPython's readline checks for Ctrl-C only while it waits for a key: a signal that
        # lands while it is still drawing the echo waits for the next key. A person is slower.
        time.sleep(0.3)
        os.write(main, b"\x03")  # Ctrl-C drops the line, the console goes on
        _read_until(main, b"podquote> ")
        os.write(main, b"\x04")  # Ctrl-D leaves
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    history = (tmp_path / "podquote" / "history").read_text()
    assert "/quote catapult basket drift speaker:meor Amer" in history
    assert "/episode Visualising Machine Learning" in history
