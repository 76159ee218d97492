"""WebVTT reader: fixtures are byte-exact excerpts of ../shared/corpus files (named per test)."""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes.model import Transcript
from bot.errors import ReaderError
from bot.ingest.formats import vtt
from bot.text import words
from tests.conftest import FIXTURES, spread
from tests.ingest.formats.fuzzing import reads_or_fails_cleanly

HEADER = "WEBVTT\n\n"  # prepended to excerpts cut from the middle of a file


def _text(name: str) -> str:
    """A fixture decoded as the ingest decodes files: UTF-8 (BOM allowed), LF line ends."""
    raw = (FIXTURES / "formats" / name).read_bytes().decode("utf-8-sig")
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _rows(t: Transcript) -> list[tuple[str, int, float | None, float | None, str | None, bool]]:
    return [(u.text, u.line, u.start, u.end, u.speaker, u.turn) for u in t.utterances]


def test_sniff_wants_the_header() -> None:
    assert vtt.sniff(_text("lexicap_large_episode_001_head.vtt"), "x.vtt")
    assert vtt.sniff("\ufeffWEBVTT - title\n\n", "x.txt")
    assert not vtt.sniff("WEBVTTX\n", "x.vtt")
    assert not vtt.sniff(_text("episode_17_head.srt"), "x.vtt")  # VTT times, no header: SRT's


def test_lexicap_cue_text_starts_with_a_space() -> None:
    # vtt/lexicap_large/episode_001_large.vtt, cues 1-5
    t = vtt.read(_text("lexicap_large_episode_001_head.vtt"), "episode_001_large.vtt")
    assert t.format == "webvtt" and t.fragments
    assert _rows(t)[:2] == [
        (
            "As part of MIT course 6S099, Artificial General Intelligence,",
            4,
            0.0,
            4.2,
            None,
            False,
        ),
        ("I've gotten the chance to sit down with Max Tegmark.", 7, 4.2, 6.6, None, False),
    ]
    assert len(t.utterances) == 5 and t.utterances[-1].line == 16
    assert t.notes == [] and t.set_aside == []


def test_one_digit_hours_past_the_hour() -> None:
    # vtt/lexicap_large/episode_001_large.vtt lines 3840-3851 (`59:57.200 --> 1:00:00.160`)
    t = vtt.read(HEADER + _text("lexicap_large_episode_001_hour.vtt"), "episode_001_large.vtt")
    assert [(u.start, u.end, u.line) for u in t.utterances] == [
        (3595.04, 3597.2, 4),
        (3597.2, 3600.16, 7),
        (3601.56, 3603.36, 10),
        (3603.36, 3607.64, 13),
    ]
    assert all(isinstance(u.start, float) for u in t.utterances)


def test_non_positive_duration_is_kept_and_noted() -> None:
    # vtt/lexicap_large/episode_217_large.vtt lines 2502-2512 (`58:00.900 --> 58:00.900`)
    t = vtt.read(HEADER + _text("lexicap_large_episode_217_zero_length.vtt"), "x.vtt")
    thing = t.utterances[2]
    assert (thing.text, thing.start, thing.end, thing.line) == ("thing?", 3480.9, 3480.9, 10)
    assert t.notes == ["line 9: cue has non-positive duration; kept"]


def test_overlapping_cue_is_kept_and_noted() -> None:
    # vtt/lexicap_large/episode_260_large.vtt lines 6228-6238 (2:34:24.480 < 2:34:24.560)
    t = vtt.read(HEADER + _text("lexicap_large_episode_260_overlap.vtt"), "x.vtt")
    assert [u.start for u in t.utterances] == [9257.52, 9261.52, 9264.48, 9270.88]
    assert t.notes == ["line 9: cue overlaps the previous one; kept"]


def test_voice_tags_name_every_cue() -> None:
    # vtt/talkpython/526-building-data-science-with-foundation-llm-models.vtt, cues 1-7
    t = vtt.read(_text("talkpython_526_head.vtt"), "526.vtt")
    first = t.utterances[0]
    assert first.text.startswith("AI has changed how we write code")
    assert (first.speaker, first.turn, first.line, first.start) == (
        "Michael Kennedy",
        True,
        4,
        0.02,
    )
    assert {u.speaker for u in t.utterances} == {"Michael Kennedy"}
    assert [u.turn for u in t.utterances] == [True] + [False] * 6
    assert t.facts.speakers == {"Michael Kennedy": None}


def test_a_voice_change_is_a_turn() -> None:
    # vtt/talkpython_youtube/526-data-sci-with-ai-youtube-names.vtt, cues 1-3
    t = vtt.read(_text("talkpython_youtube_526_head.vtt"), "526-youtube.vtt")
    assert [(u.speaker, u.turn, u.line) for u in t.utterances] == [
        ("Michael Kennedy", True, 4),
        ("Hugo Bowne-Anderson", True, 7),
        ("Hugo Bowne-Anderson", False, 10),
    ]


def test_two_voice_tags_in_one_cue_are_two_utterances() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
        "<v Michael Kennedy>Right.</v> <v Hugo Bowne-Anderson>Exactly &amp; so on.\n"
    )
    t = vtt.read(text, "x.vtt")
    assert _rows(t) == [
        ("Right.", 4, 1.0, 4.0, "Michael Kennedy", True),
        ("Exactly & so on.", 4, 1.0, 4.0, "Hugo Bowne-Anderson", True),
    ]


def test_dash_markers_are_turns_and_silence_is_set_aside() -> None:
    # vtt/talkpython_youtube/309-what-ml-can-teach-us-about-life-7-lessons.vtt, lines 1-50
    t = vtt.read(_text("talkpython_youtube_309_head.vtt"), "309.vtt")
    assert t.set_aside[0].reason == "sound cue"
    assert (t.set_aside[0].text, t.set_aside[0].line) == ("(silence)", 4)
    assert [(u.text, u.turn, u.line) for u in t.utterances[:6]] == [
        ("Hello everyone out there on the live stream.", True, 8),
        ("Thank you for joining us here on YouTube", False, 12),
        ("for this conversation.", False, 16),
        ("It's gonna be super, super fun with Eugene.", False, 20),
        ("Hi, Eugene.", False, 24),
        ("Hey, Michael.", True, 28),
    ]
    assert all(u.speaker is None for u in t.utterances)
    assert t.utterances[-1].start == 19.32  # 00:00:19.320


def test_chevron_markers_are_turns() -> None:
    # vtt/talkpython_youtube/322-starting-in-data-sci.mp3.vtt, cues 1-7 (two blank lines apart)
    t = vtt.read(_text("talkpython_youtube_322_head.vtt"), "322.mp3.vtt")
    assert [(u.text[:20], u.turn) for u in t.utterances] == [
        ("Sanyam, happy to hav", True),
        ("recording.", False),
        ("Michael, I'm disappo", True),
        ("Developers, develope", True),
        ("Oh, come on.", False),
        ("It's so good.", False),
        ("You know it's so goo", False),
    ]


def test_a_name_prefix_counts_only_when_it_recurs() -> None:
    # vtt/talkpython_youtube/410-intersection-of-tabular-data-and-general-ai.vtt lines 691-712:
    # `>>Luis:` twice is a speaker; `>>Tom:` once stays text (a turn with no name).
    t = vtt.read(HEADER + _text("talkpython_youtube_410_luis.vtt"), "410.vtt")
    assert _rows(t) == [
        ("But like--", 4, 488.98, 489.5, None, False),
        ("The power--", 8, 489.5, 489.86, "Luis", True),
        ("Tom: --on exponentials.", 12, 489.86, 490.74, None, True),
        ("But yeah.", 16, 490.74, 491.3, None, False),
        ("Yeah, yeah, yeah.", 20, 491.3, 492.3, "Luis", True),
        ("The power that those things take.", 24, 492.3, 493.66, "Luis", False),
    ]
    assert t.facts.speakers == {"Luis": None}


def test_descript_note_block_and_name_prefixes_carried_forward() -> None:
    # mixed_feed_transcripts/Managed services vs. DIY.vtt, lines 1-87
    t = vtt.read(_text("managed_services_vs_diy_head.vtt"), "Managed services vs. DIY.vtt")
    first, second = t.utterances[:2]
    assert (first.text, first.line, first.speaker, first.turn) == (
        "Hello, and welcome to Postgres FM, a new weekly show",
        7,
        "Michael",
        True,
    )
    assert (second.text, second.speaker, second.turn) == (
        "about all things PostgreSQL.",
        "Michael",
        False,
    )
    assert not any("Descript" in u.text for u in t.utterances)
    nikolay = next(u for u in t.utterances if u.speaker == "Nikolay")
    assert (nikolay.text, nikolay.line, nikolay.turn) == ("Hello, doing great.", 27, True)
    assert [u.speaker for u in t.utterances if u.turn] == [
        "Michael",
        "Nikolay",
        "Michael",
        "Nikolay",
    ]
    assert t.utterances[-1].speaker == "Nikolay"
    assert t.facts.speakers == {"Michael": None, "Nikolay": None}


def test_numeric_cue_ids_are_not_text() -> None:
    # mixed_feed_transcripts/Zenlytic Is Building You A Better Coworker With AI Agents.txt
    t = vtt.read(_text("zenlytic_head.txt"), "Zenlytic.txt")
    assert _rows(t) == [
        (
            "Hello, and welcome to the Data Engineering Podcast, the show about modern data"
            " management.",
            5,
            0.0,
            15.359,
            None,
            False,
        ),
        (
            "This episode is supported by Code Comments, an original podcast from Red Hat."
            " As someone who",
            9,
            16.42,
            21.899,
            None,
            False,
        ),
    ]


def test_a_cue_the_library_cannot_time_is_an_error_with_its_line() -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n\n00:0x:01.000 --> 00:00:03.000\nlost?\n"
    with pytest.raises(ReaderError) as info:
        vtt.read(text, "x.vtt")
    assert info.value.line == 6
    assert "cue 2" in info.value.why and "00:0x:01.000" in info.value.why
    with pytest.raises(ReaderError) as info:
        vtt.read("WEBVTT\n\n00:00:01.000 --> 00:61:00.000\nhi\n", "x.vtt")
    assert (info.value.line, info.value.why) == (3, "cue 1: end time '00:61:00.000' is not a time")


def test_text_with_no_timing_line_is_kept_untimed() -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfirst part\n\nsecond part\n"
    t = vtt.read(text, "x.vtt")
    assert _rows(t) == [
        ("first part", 4, 1.0, 2.0, None, False),
        ("second part", 6, None, None, None, False),
    ]
    assert t.notes == ["line 6: text block with no timing line; kept untimed"]


def test_missing_header_is_an_error() -> None:
    with pytest.raises(ReaderError) as info:
        vtt.read("00:00:01.000 --> 00:00:02.000\nhi\n", "x.vtt")
    assert info.value.line == 1


# --- Every corpus file of the family ---

VTT_FILES = [
    "vtt/lexicap_large/*.vtt",
    "vtt/lexicap_small/*.vtt",
    "vtt/talkpython/*.vtt",
    "vtt/talkpython_youtube/*.vtt",
    "mixed_feed_transcripts/Zenlytic Is Building You A Better Coworker With AI Agents.txt",
    "mixed_feed_transcripts/Labs Setting Engineering Goals and Reporting to Stakeholders.txt",
    "mixed_feed_transcripts/Managed services vs. DIY.vtt",
]
_PREFIX = re.compile(r"^(?:- |>> ?)?([A-Z]\w*(?: [A-Z][\w-]*){0,3}(?: \([^)]*\))?):")


def _source_words(raw: str) -> list[str]:
    """Spoken words computed from the text alone: no header, timing, id, NOTE or tags."""
    lines = raw.split("\n")
    prefixes = Counter(m.group(1) for line in lines if (m := _PREFIX.match(line)))
    out: list[str] = []
    header, note = True, False
    for k, line in enumerate(lines):
        if header or note:
            header = header and bool(line.strip())
            note = note and bool(line)
            continue
        if line.startswith("NOTE"):
            note = True
            continue
        if "-->" in line or (k + 1 < len(lines) and "-->" in lines[k + 1]):
            continue
        text = html.unescape(re.sub(r"<[^>]*>", "", line))
        m = _PREFIX.match(text)
        if m and prefixes[m.group(1)] >= 2:
            text = text[m.end() :]
        out += words(text)
    return out


@pytest.mark.corpus
def test_corpus_vtts_read_with_all_their_words(corpus: Path) -> None:
    paths = sorted(p for pattern in VTT_FILES for p in corpus.glob(pattern))
    assert len(paths) == 103
    for path in spread(paths, per_folder=2):
        raw = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        assert vtt.sniff(raw, path.name), path
        t = vtt.read(raw, path.name)
        pieces = sorted(
            [(u.line, u.text) for u in t.utterances] + [(s.line, s.text) for s in t.set_aside],
            key=lambda piece: piece[0],
        )
        got = [w for _, text in pieces for w in words(text)]
        assert got == _source_words(raw), path
        assert all(type(u.start) is float and type(u.end) is float for u in t.utterances), path


@pytest.mark.corpus
def test_corpus_speakers_turns_and_sound_cues(corpus: Path) -> None:
    youtube = corpus / "vtt/talkpython_youtube"
    t = vtt.read((youtube / "333-state-of-data-science-in-2021.vtt").read_text(), "333.vtt")
    assert [s.text for s in t.set_aside] == ["(laughing)", "(Paul laughs)", "(laughing)"]
    labs = corpus / "mixed_feed_transcripts/Labs Setting Engineering Goals and Reporting to"
    t = vtt.read(Path(f"{labs} Stakeholders.txt").read_text(), "labs.txt")
    assert set(t.facts.speakers) == {"Yishai Beeri", "Conor Bronsdon", "Dan Lines"}


# --- Fuzzing: nothing but ReaderError / NotTranscriptContent, whatever the text ---

PIECES = [
    "WEBVTT",
    "\n",
    "\n\n",
    "00:00:01.000 --> 00:00:02.000",
    "1:00:00.000 --> 1:00:01.5",
    "00:61:00.000",
    "-->",
    "<v Bob>",
    "<v.loud Ann Lee>",
    "</v>",
    "<i>",
    "<",
    ">",
    "- ",
    ">> ",
    ">>",
    "Bob: ",
    "Leo Dion (host): ",
    "NOTE",
    "STYLE",
    "REGION",
    "(laughs)",
    "[Music]",
    "1",
    "&amp;",
    " hello",
    "\r",
    "\ufeff",
]
_CUE_TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40)


def _survives(text: str) -> None:
    reads_or_fails_cleanly(vtt, text, "x.vtt")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)


@settings(max_examples=200, deadline=None)
@given(_CUE_TEXT.map(lambda parts: "WEBVTT\n\n" + "".join(parts)))
def test_vtt_like_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)
