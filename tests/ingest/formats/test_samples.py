"""The five sample formats, each detected from its content and read as a person would."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import NotTranscriptContent
from bot.ingest.formats import detect, plaintext, show_notes, speaker_paragraphs, timed_lines
from tests.conftest import DATA

RAW = DATA / "raw"


def _text(name: str) -> str:
    return (RAW / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("000_d7a4dabe8f6e1298.txt", "datatalks"),
        ("001_1290f93bafb96edd.txt", "timed_lines"),
        ("002_32cc3a7d8ab5d358.txt", "plaintext"),
        ("003_dc444f47622d0917.txt", "speaker_paragraphs"),
        ("004_0dbda6ac67a6e3cf.txt", "timed_lines"),
    ],
)
def test_each_sample_is_detected_from_its_content(name: str, module: str) -> None:
    # The same content under a misleading name is detected the same way.
    assert detect.detect(_text(name), name).__name__.endswith(module)
    assert detect.detect(_text(name), "transcript.srt").__name__.endswith(module)


def test_sample_b_caption_lines_with_m_ss_and_h_mm_ss() -> None:
    t = timed_lines.read(_text("001_1290f93bafb96edd.txt"), "b")
    assert (t.utterances[0].start, t.utterances[0].text) == (1.0, "so welcome everyone")
    assert t.utterances[-1].start == 3738.0  # 1:02:18
    assert t.fragments
    assert all(u.speaker is None for u in t.utterances)


def test_sample_e_clock_line_then_its_text() -> None:
    t = timed_lines.read(_text("004_0dbda6ac67a6e3cf.txt"), "e")
    first, second = t.utterances[:2]
    assert (first.start, first.text, first.line) == (
        0.0,
        "look at all this math and code you need",
        2,
    )
    assert (second.start, second.text) == (1.0, "to understand to learn machine learning")
    assert t.utterances[-1].text == "bye-bye"


def test_inline_voice_tags_split_a_line_between_speakers() -> None:
    text = "00:00:01 <v Ann>Hello there. <v Bob>Hi Ann.\n\n00:00:04 And more from Bob.\n" * 2
    t = timed_lines.read(text, "x.txt")
    assert [(u.speaker, u.text, u.turn) for u in t.utterances[:3]] == [
        ("Ann", "Hello there.", True),
        ("Bob", "Hi Ann.", True),
        ("Bob", "And more from Bob.", False),
    ]


def test_a_list_of_timed_titles_minutes_apart_is_a_chapter_list() -> None:
    text = "\n".join(f"00:{m:02d}:00 Chapter title number {m}" for m in range(0, 40, 3))
    with pytest.raises(NotTranscriptContent, match="chapter list"):
        timed_lines.read(text, "chapters.txt")


def test_sample_c_plain_text_is_fragments_with_no_times() -> None:
    t = plaintext.read(_text("002_32cc3a7d8ab5d358.txt"), "c")
    assert t.utterances[0].text == "Hello everyone and welcome to the podcast."
    assert all(u.start is None and u.speaker is None for u in t.utterances)


def test_sample_d_notes_banner_speakers_and_unnamed_answers() -> None:
    t = speaker_paragraphs.read(_text("003_dc444f47622d0917.txt"), "d")
    assert t.facts.title == "Illustrating The Landscape And Applications Of Deep Learning"
    assert t.facts.episode == 234
    assert t.facts.hosts == ["Tobias Macey"]
    assert t.facts.description and t.facts.description.startswith("Deep learning is a phrase")
    reasons = {s.reason for s in t.set_aside}
    assert {"show notes", "banner", "sponsor read", "page footer"} <= reasons
    # The host's opening keeps its words but not the sponsor read inside it.
    opening = t.utterances[0]
    assert opening.speaker == "Tobias Macey"
    assert opening.text.startswith("Hello, and welcome to podcast")
    assert "Linode" not in opening.text and "our friends over at" not in opening.text
    assert "Your host, as usual is Tobias Macey." in opening.text
    # An unnamed paragraph that answers the host is the guest's.
    answer = next(u for u in t.utterances if u.text.startswith("Yes, I do remember being first"))
    assert answer.speaker == "Jon Krohn"
    question = next(u for u in t.utterances if u.text.startswith("And do you remember how"))
    assert question.speaker == "Tobias Macey"
    # A second unnamed paragraph continues the guest.
    continued = next(u for u in t.utterances if u.text.startswith("where a client be that"))
    assert continued.speaker == "Jon Krohn"
    assert t.utterances[-1].text == "Thank you for listening."
    assert not any("Patreon" in u.text for u in t.utterances)


def test_show_notes_without_a_transcript_are_skipped_with_the_reason() -> None:
    text = "Title: Episode 14\nDate: 2015-06-22\nCategory: Episodes\n\n### Summary\nWe talked.\n"
    assert show_notes.sniff(text, "episode14.md")
    with pytest.raises(NotTranscriptContent, match="show notes with no transcript"):
        show_notes.read(text, "episode14.md")


def test_bold_speaker_markdown_with_stamps_breaks_and_continuations() -> None:
    text = (
        "**Ann Lee:** Welcome to the show.\n\n**Bob Ray:** \\[01:05\\] Thanks, Ann. It is "
        "[great](http://x) to be *here*.\n\nAnd a second paragraph.\n\n**Break:** \\[02:00\\]\n\n"
        "**Ann Lee:** Back again.\n"
    )
    t = speaker_paragraphs.read(text, "practical-ai-1.md")
    assert t.format == "markdown-bold-speakers"
    assert [(u.speaker, u.text, u.start, u.turn) for u in t.utterances] == [
        ("Ann Lee", "Welcome to the show.", None, True),
        ("Bob Ray", "Thanks, Ann. It is great to be here.", 65.0, True),
        ("Bob Ray", "And a second paragraph.", None, True),
        ("Ann Lee", "Back again.", None, True),
    ]
    assert [s.reason for s in t.set_aside] == ["ad break"]


def test_timed_speaker_lines_with_front_matter_and_short_names() -> None:
    text = (
        "---\ntitle: An episode\nvideo_id: qbvY0dQgSJ4\nduration: '1:15:12'\nguest: Chip Huyen\n"
        "---\n\n# An episode\n\n## Transcript\n\nChip Huyen (00:00:00):\nA question.\n\n"
        "Lenny Rachitsky (00:00:15):\nHello.\n\nMore from Lenny.\n\nLenny (01:05):\nLater.\n"
    )
    t = speaker_paragraphs.read(text, "transcript.md")
    assert t.facts.youtube_id == "qbvY0dQgSJ4"
    assert t.facts.duration == 4512.0
    assert [(u.speaker, u.start) for u in t.utterances] == [
        ("Chip Huyen", 0.0),
        ("Lenny Rachitsky", 15.0),
        ("Lenny Rachitsky", None),
        ("Lenny Rachitsky", 65.0),
    ]
    assert "speaker 'Lenny' is written as 'Lenny Rachitsky'" in t.notes


@pytest.mark.corpus
def test_every_lennys_and_practical_ai_file_reads_with_speakers(corpus: Path) -> None:
    for path in sorted((corpus / "speaker_paragraphs_md").rglob("*.md")):
        t = speaker_paragraphs.read(path.read_text(encoding="utf-8"), path.name)
        named = sum(1 for u in t.utterances if u.speaker)
        assert named == len(t.utterances), path
        assert len(t.utterances) > 40, path
