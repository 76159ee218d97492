"""Lenny's Podcast layout: `Name (HH:MM:SS):` lines, and bare `(HH:MM:SS):` turn markers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ingest.catalog import empty
from bot.ingest.formats import speaker_paragraphs
from bot.ingest.pipeline import ingest_one

_BARE = re.compile(r"^\(\d{1,2}:\d{2}(?::\d{2})?\):\s*$", re.MULTILINE)


def test_a_bare_time_line_continues_the_speaker_at_its_own_time() -> None:
    text = (
        "# An episode\n\n## Transcript\n\n"
        "Ann Lee (00:01:00):\nFirst thought.\n\n(00:01:30):\nSecond thought.\n\n"
        "Bob Ray (00:02:00):\nA reply.\n\n(02:10):\nMore of the reply.\n\nUntimed rest.\n\n"
        "Ann Lee (00:03:00):\nThe end.\n"
    )
    t = speaker_paragraphs.read(text, "transcript.md")
    assert [(u.speaker, u.start, u.text) for u in t.utterances] == [
        ("Ann Lee", 60.0, "First thought."),
        ("Ann Lee", 90.0, "Second thought."),
        ("Bob Ray", 120.0, "A reply."),
        ("Bob Ray", 130.0, "More of the reply."),
        ("Bob Ray", None, "Untimed rest."),
        ("Ann Lee", 180.0, "The end."),
    ]
    assert [u.line for u in t.utterances[:2]] == [6, 9]


@pytest.mark.corpus
def test_claire_vo_at_34_09_is_timed_there_and_still_hers(corpus: Path) -> None:
    path = corpus / "speaker_paragraphs_md/lennys/claire-vo/transcript.md"
    result = ingest_one(path, "lennys/claire-vo/transcript.md", empty())
    assert result.episode is not None
    seg = next(s for s in result.episode.segments if "And what I want to be clear" in s.text)
    assert (seg.start, seg.speaker, seg.estimated) == (2049.0, "Claire Vo", False)


@pytest.mark.corpus
def test_no_lennys_segment_keeps_a_time_marker_as_text(corpus: Path) -> None:
    markers = timed = 0
    for path in sorted((corpus / "speaker_paragraphs_md/lennys").rglob("transcript.md")):
        text = path.read_text(encoding="utf-8")
        t = speaker_paragraphs.read(text, path.name)
        assert not [u.text for u in t.utterances if u.text.startswith("(")], path
        markers += len(_BARE.findall(text))
        timed += sum(u.start is not None for u in t.utterances)
    assert markers > 1000  # the corpus has 1,138 of them in 18 of 20 episodes
    named = sum(
        len(re.findall(r"^[^\s(].*\(\d{1,2}:\d{2}(?::\d{2})?\):\s*$", p.read_text("utf-8"), re.M))
        for p in (corpus / "speaker_paragraphs_md/lennys").rglob("transcript.md")
    )
    assert timed == named + markers  # every marker times one paragraph
