"""Input folders as an attacker or bad luck leaves them: YAML alias bombs in the files we read,
symbolic links out of the folder, link loops, FIFOs. Each is one line; the rest go through."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli.ingest import summary
from bot.errors import CatalogError, TranscriptError
from bot.ingest import catalog as catalog_mod
from bot.ingest.pipeline import IngestReport, discover, ingest, read_transcript, walk
from tests.conftest import DATA

GOOD = DATA / "raw" / "002_32cc3a7d8ab5d358.txt"  # plain text, TWIML talk #2


def alias_bomb(levels: int = 9) -> list[str]:
    """YAML lines: `levels` keys, each nine aliases of the one before (9⁹ items expanded)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        before = "a" if n == 1 else f"l{n - 1}"
        lines.append(f"l{n}: &l{n} [{','.join([f'*{before}'] * 9)}]")
    return lines


DATATALKS_BOMB = "\n".join(
    [
        "---",
        "title: Alias bomb",
        "season: 1",
        "episode: 2",
        *alias_bomb(),
        "description: *l8",
        "transcript:",
        "- line: Hello there, this is an episode that should never be read.",
        "  sec: 1",
        "  who: Ann",
        "---",
        "",
    ]
)

# Front matter PyYAML cannot read as a whole (the unescaped quote), so the reader reads it key
# by key and drops broken keys with a note: a bomb inside one key still fails the file.
DATATALKS_BOMB_IN_ONE_KEY = "\n".join(
    [
        "---",
        "title: Alias bomb in one key",
        'intro: "an "unescaped" quote"',
        "bomb:",
        *(f"  {line}" for line in alias_bomb()),
        "transcript:",
        "- line: Hello there, this is an episode that should never be read.",
        "  sec: 1",
        "  who: Ann",
        "---",
        "",
    ]
)

LENNY_BOMB = "\n".join(
    [
        "---",
        "title: A talk",
        *alias_bomb(),
        "guest: *l8",
        "---",
        "",
        "Lenny (00:00:01):",
        "Welcome to the show. It is great to have you here today.",
        "",
        "Ann Example (00:00:09):",
        "Thank you for having me, it is a pleasure to be here.",
        "",
        "Lenny (00:00:15):",
        "Let us start at the beginning of your career then.",
        "",
    ]
)


def _ingest(raw: Path, tmp_path: Path) -> tuple[IngestReport, float]:
    began = time.perf_counter()
    report = ingest([raw], tmp_path / "out", catalog_mod.empty())
    return report, time.perf_counter() - began


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bomb.md", DATATALKS_BOMB, 9),
        ("bomb.md", DATATALKS_BOMB_IN_ONE_KEY, 9),
        ("lenny.md", LENNY_BOMB, 7),
    ],
    ids=["datatalks front matter", "datatalks, one key of broken front matter", "lenny"],
)
def test_an_alias_bomb_fails_its_file_in_one_line_at_once_and_the_good_file_goes_in(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    assert len(text.encode()) < 700
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / name).write_text(text)
    (raw / GOOD.name).write_bytes(GOOD.read_bytes())
    began = time.perf_counter()
    with pytest.raises(TranscriptError) as info:
        read_transcript(raw / name)
    assert time.perf_counter() - began < 0.5
    assert str(info.value).startswith(
        f"{raw / name}:{line}: aliases repeat more than 100,000 characters"
    )
    report, took = _ingest(raw, tmp_path)
    assert took < 5
    (failed,) = report.by_status("failed")
    assert failed.message == str(info.value) and "\n" not in failed.message
    (ok,) = report.by_status("ok")
    assert ok.source == GOOD.name and ok.segments == 123


def test_an_alias_bomb_in_the_catalog_is_one_error_at_once(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("\n".join([*alias_bomb(), "x.txt: {title: *l8}", ""]))
    began = time.perf_counter()
    with pytest.raises(CatalogError) as info:
        catalog_mod.load(path)
    assert time.perf_counter() - began < 0.5
    assert str(info.value).startswith(f"{path}:5: aliases repeat more than 100,000 characters")


def test_a_catalog_may_repeat_a_show_s_facts_with_an_alias(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "a.txt: &dtc\n  show: DataTalks.Club\n  speakers: {Alexey: Alexey Grigorev}\n"
        "b.txt: {<<: *dtc, title: B}\n"
    )
    catalog = catalog_mod.load(path)
    b = catalog.facts_for("b.txt")
    assert b is not None and b.show == "DataTalks.Club" and b.title == "B"
    assert b.speakers == {"Alexey": "Alexey Grigorev"}


# --- Links, loops, FIFOs -----------------------------------------------------------------------


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """An input folder with one transcript, and a folder beside it with another."""
    folder = tmp_path / "raw"
    (folder / "sub").mkdir(parents=True)
    (folder / GOOD.name).write_bytes(GOOD.read_bytes())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("0:01 the secret words are here\n0:05 and more of them\n")
    return folder


def test_links_out_of_the_folder_are_not_followed_and_say_why(raw: Path, tmp_path: Path) -> None:
    (raw / "passwd.txt").symlink_to("/etc/passwd")
    (raw / "secret.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (raw / "outside-dir").symlink_to(tmp_path / "outside", target_is_directory=True)
    (raw / "sub" / "up-and-out.txt").symlink_to("../../outside/secret.txt")
    found = walk([raw])
    assert found.files == [(raw / GOOD.name, GOOD.name)]
    assert [(str(p.path), p.reason) for p in found.passed_over] == [
        (
            str(raw / "outside-dir"),
            f"a link to {tmp_path / 'outside'}, outside the folder: not followed",
        ),
        (str(raw / "passwd.txt"), "a link to /etc/passwd, outside the folder: not followed"),
        (
            str(raw / "secret.txt"),
            f"a link to {tmp_path / 'outside' / 'secret.txt'}, outside the folder: not followed",
        ),
        (
            str(raw / "sub" / "up-and-out.txt"),
            f"a link to {tmp_path / 'outside' / 'secret.txt'}, outside the folder: not followed",
        ),
    ]
    report, _ = _ingest(raw, tmp_path)
    assert [r.source for r in report.results] == [GOOD.name]
    assert report.passed_over == found.passed_over


def test_links_inside_the_folder_are_followed_once_and_loops_are_not(raw: Path) -> None:
    (raw / "sub" / "again.txt").symlink_to(f"../{GOOD.name}")
    (raw / "sub" / "own.txt").write_text("0:01 words of the sub folder\n0:04 and some more\n")
    (raw / "sub" / "up").symlink_to("..", target_is_directory=True)
    (raw / "sub-link").symlink_to("sub", target_is_directory=True)
    (raw / "loop-a").symlink_to("loop-b")
    (raw / "loop-b").symlink_to("loop-a")
    (raw / "broken.txt").symlink_to("nowhere.txt")
    found = walk([raw])
    assert found.files == [(raw / GOOD.name, GOOD.name), (raw / "sub" / "own.txt", "sub/own.txt")]
    assert [(p.path.name, p.reason) for p in found.passed_over] == [
        ("broken.txt", "a link to nothing (broken): not followed"),
        ("loop-a", "a link loop: not followed"),
        ("loop-b", "a link loop: not followed"),
        ("again.txt", f"the same file as {raw / GOOD.name}: read once"),
        ("up", "a link to a folder it is in (a loop): not followed"),
        ("sub-link", f"the same folder as {raw / 'sub'}: read once"),
    ]


def test_a_link_to_a_folder_inside_is_read_under_the_link_s_name(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    (folder / "z-real").mkdir(parents=True)
    (folder / "z-real" / "talk.txt").write_bytes(GOOD.read_bytes())
    (folder / "a-link").symlink_to("z-real", target_is_directory=True)
    assert discover([folder]) == [(folder / "a-link" / "talk.txt", "a-link/talk.txt")]


def test_a_folder_given_through_a_link_is_read_and_is_its_own_boundary(
    raw: Path, tmp_path: Path
) -> None:
    (raw / "sub" / "inside.txt").symlink_to(f"../{GOOD.name}")
    given = tmp_path / "raw-link"
    given.symlink_to(raw, target_is_directory=True)
    found = walk([given])
    assert found.files == [(given / GOOD.name, GOOD.name)]
    assert [p.reason for p in found.passed_over] == [
        f"the same file as {given / GOOD.name}: read once"
    ]


def _in_thread(work: Callable[[], object]) -> None:
    """Run `work` in a daemon thread; fail (not hang) if it waits on something."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "blocked: a FIFO was opened"
    if errors:
        raise errors[0]


def test_fifos_and_sockets_are_listed_and_never_opened(raw: Path, tmp_path: Path) -> None:
    os.mkfifo(raw / "pipe.txt")
    os.mkfifo(raw / "sub" / "pipe.vtt")
    socket_path = raw / "bot.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(socket_path))
        (raw / "pipe-link.txt").symlink_to("pipe.txt")
        reports: list[IngestReport] = []
        _in_thread(lambda: reports.append(_ingest(raw, tmp_path)[0]))
    (report,) = reports
    assert [r.source for r in report.results] == [GOOD.name]
    assert [(p.path.name, p.reason) for p in report.passed_over] == [
        ("bot.sock", "a socket, not a file: not opened"),
        ("pipe-link.txt", "a FIFO (named pipe), not a file: not opened"),
        ("pipe.txt", "a FIFO (named pipe), not a file: not opened"),
        ("pipe.vtt", "a FIFO (named pipe), not a file: not opened"),
    ]
    # Named on the command line, a FIFO is passed over too; a device likewise.
    found = walk([raw / "pipe.txt", Path("/dev/null")])
    assert found.files == []
    assert [p.reason for p in found.passed_over] == [
        "a FIFO (named pipe), not a file: not opened",
        "a device, not a file: not opened",
    ]


def test_a_fifo_put_in_place_of_a_file_after_the_walk_is_refused_not_waited_on(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "swapped.txt"
    os.mkfifo(fifo)
    errors: list[TranscriptError] = []

    def read() -> None:
        with pytest.raises(TranscriptError) as info:
            read_transcript(fifo)
        errors.append(info.value)

    _in_thread(read)
    assert str(errors[0]) == f"{fifo}: not a regular file: not read"


def test_the_summary_lists_every_entry_not_read_with_its_reason(raw: Path, tmp_path: Path) -> None:
    (raw / "passwd.txt").symlink_to("/etc/passwd")
    os.mkfifo(raw / "pipe.txt")
    report, _ = _ingest(raw, tmp_path)
    text = summary(report, tmp_path / "out", 0.1)
    assert text.splitlines()[-3:] == [
        "Not read (2):",
        f"  {raw / 'passwd.txt'}: a link to /etc/passwd, outside the folder: not followed",
        f"  {raw / 'pipe.txt'}: a FIFO (named pipe), not a file: not opened",
    ]
    quiet = summary(report, tmp_path / "out", 0.1, quiet=True)
    assert "Not read (2):" in quiet and "/etc/passwd" in quiet


def test_an_episode_file_that_cannot_be_written_fails_that_input_only(
    raw: Path, tmp_path: Path
) -> None:
    other = DATA / "raw" / "004_0dbda6ac67a6e3cf.txt"
    (raw / "sub" / other.name).write_bytes(other.read_bytes())
    out = tmp_path / "out"
    (out / "002-32cc3a7d8ab5d358.yaml").mkdir(parents=True)  # in the way of the rename
    report = ingest([raw], out, catalog_mod.empty())
    (failed,) = report.by_status("failed")
    assert failed.message == (f"{raw / GOOD.name}: cannot write its episode file: Is a directory")
    assert [r.source for r in report.by_status("ok")] == [f"sub/{other.name}"]
    assert [p.name for p in report.written] == ["004-0dbda6ac67a6e3cf.yaml"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
