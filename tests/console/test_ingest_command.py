"""The console's /ingest PATH: the same core as Discord's /ingest, in plain text."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.archive.loaded import Archive
from bot.config.settings import DataConfig
from bot.console.commands import Session, dispatch
from bot.console.replies import Notice, Reply
from tests.conftest import DATA, FIXTURES

VTT = FIXTURES / "formats" / "managed_services_vs_diy_head.vtt"


def _session(tmp_path: Path) -> Session:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    config = DataConfig(episodes=data / "episodes", raw=data / "raw", max_upload_mb=1)
    return Session(Archive.open(config.episodes), data=config)


def _text(reply: Reply | None) -> str:
    assert reply is not None
    (part,) = reply.parts
    assert isinstance(part, Notice)
    return part.text


def test_a_file_is_added_and_served_at_once(tmp_path: Path) -> None:
    session = _session(tmp_path)
    reply = dispatch(session, f"/ingest {VTT} title:Managed or DIY youtube:abcdefghijk")
    assert reply is not None and reply.ok
    lines = _text(reply).splitlines()
    assert lines[0] == (
        "Added Managed or DIY (managed-services-vs-diy-head) from "
        "managed_services_vs_diy_head.vtt, read as webvtt."
    )
    assert lines[-2] == "First quote at 0:00: https://www.youtube.com/watch?v=abcdefghijk&t=0s"
    assert lines[-1] == "Now serving 6 episodes."
    assert (tmp_path / "data" / "raw" / VTT.name).read_bytes() == VTT.read_bytes()
    found = dispatch(session, "/episode managed or diy")
    assert found is not None and found.ok


def test_a_bad_file_a_link_and_no_path_are_refused_and_change_nothing(tmp_path: Path) -> None:
    session = _session(tmp_path)
    before = sorted((tmp_path / "data").rglob("*"))
    notes = tmp_path / "notes.json"
    notes.write_text('{"title": "show notes", "links": []}')
    link = tmp_path / "link.vtt"
    link.symlink_to(VTT)
    for line, why in (
        (f"/ingest {notes}", "Not added, nothing changed: notes.json: not read: "),
        (f"/ingest {link}", "Not added, nothing changed: cannot read link.vtt: a link"),
        (f"/ingest {tmp_path / 'gone.vtt'}", "Not added, nothing changed: cannot read gone.vtt"),
        ("/ingest", "Which file? Usage: /ingest PATH [title:T]"),
    ):
        reply = dispatch(session, line)
        assert reply is not None and not reply.ok
        assert _text(reply).startswith(why), _text(reply)
    assert sorted((tmp_path / "data").rglob("*")) == before
    assert len(session.archive.library) == 5


def test_remove_takes_an_episode_out_by_its_id(tmp_path: Path) -> None:
    session = _session(tmp_path)
    data = tmp_path / "data"
    reply = dispatch(session, "/remove twiml-talk-2-siraj-raval")
    assert reply is not None and reply.ok
    assert _text(reply).splitlines() == [
        "Removed Siraj Raval on learning machine learning (twiml-talk-2-siraj-raval).",
        "Its raw file was moved to removed/002_32cc3a7d8ab5d358.txt.",
        "Its catalog entry was moved to removed/002_32cc3a7d8ab5d358.txt.catalog.yaml.",
        "Now serving 4 episodes.",
    ]
    assert (data / "removed" / "002_32cc3a7d8ab5d358.txt").is_file()
    assert not (data / "raw" / "002_32cc3a7d8ab5d358.txt").exists()
    assert not (data / "episodes" / "twiml-talk-2-siraj-raval.yaml").exists()
    assert session.archive.library.get("twiml-talk-2-siraj-raval") is None


def test_remove_without_an_id_or_with_one_that_is_no_episode_changes_nothing(
    tmp_path: Path,
) -> None:
    session = _session(tmp_path)
    before = sorted((tmp_path / "data").rglob("*"))
    for line, why in (
        ("/remove", "Which episode? Usage: /remove EPISODE (its id; /episode lists)"),
        ("/remove siraj", "No episode has the id 'siraj': /episode NAME shows an id."),
    ):
        reply = dispatch(session, line)
        assert reply is not None and not reply.ok
        assert _text(reply) == why
    assert sorted((tmp_path / "data").rglob("*")) == before
