"""SubRip reader: fixtures are byte-exact excerpts of ../shared/corpus files (named per test)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes.model import Transcript
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats import subrip
from bot.text import words
from tests.conftest import FIXTURES
from tests.ingest.formats.fuzzing import reads_or_fails_cleanly


def _text(name: str) -> str:
    """A fixture decoded as the ingest decodes files: UTF-8 (BOM allowed), LF line ends."""
    raw = (FIXTURES / "formats" / name).read_bytes().decode("utf-8-sig")
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _rows(t: Transcript) -> list[tuple[str, int, float | None, float | None, str | None, bool]]:
    return [(u.text, u.line, u.start, u.end, u.speaker, u.turn) for u in t.utterances]


def test_sniff_a_timing_line_and_no_webvtt_header() -> None:
    assert subrip.sniff(_text("i_quit_my_job_head.srt"), "I Quit My Job.srt")
    assert subrip.sniff(_text("episode_17_head.srt"), "Episode 17.srt")
    assert subrip.sniff(_text("ai_autocomplete_for_qgis_head.srt"), "x.srt")
    assert not subrip.sniff(_text("zenlytic_head.txt"), "x.srt")  # WEBVTT header
    assert not subrip.sniff("00:01:02 Some chapter title\n00:02:03 Another\n", "x.srt")


def test_plain_srt() -> None:
    # mixed_feed_transcripts/I Quit My Job.srt, cues 1-3
    t = subrip.read(_text("i_quit_my_job_head.srt"), "I Quit My Job.srt")
    assert t.format == "subrip" and t.fragments
    assert _rows(t)[0] == (
        "Welcome to another episode of the map escaping podcast.",
        3,
        1.46,
        4.49,
        None,
        False,
    )
    assert [u.line for u in t.utterances] == [3, 7, 11]
    assert t.notes == [] and t.facts.speakers == {}


def test_crlf_multi_line_cues_and_name_prefixes() -> None:
    # mixed_feed_transcripts/Bloat.srt, lines 1-89 (CRLF in the source)
    t = subrip.read(_text("bloat_head.srt"), "Bloat.srt")
    assert _rows(t)[:3] == [
        ("Hello, and welcome to PostgresFM, a weekly show about", 3, 0.06, 2.68, "Michael", True),
        ("all things PostgreSQL.", 8, 2.68, 3.9, "Michael", False),
        (
            "I am Michael, founder of pgMustard, and today I am joined by",
            12,
            3.9,
            7.36,
            "Michael",
            False,
        ),
    ]
    chelsea = t.utterances[7]
    assert (chelsea.text, chelsea.line, chelsea.speaker, chelsea.turn) == (
        "Thanks so much for having me, Michael.",
        37,
        "Chelsea",
        True,
    )
    assert [u.speaker for u in t.utterances if u.turn] == [
        "Michael",
        "Chelsea",
        "Michael",
        "Chelsea",
    ]
    assert t.facts.speakers == {"Michael": None, "Chelsea": None}


def test_vtt_style_milliseconds_and_no_indices() -> None:
    # mixed_feed_transcripts/Episode 17.srt, lines 1-18 (CRLF, `.` milliseconds, no indices)
    t = subrip.read(_text("episode_17_head.srt"), "Episode 17.srt")
    assert [(u.line, u.start, u.end) for u in t.utterances] == [
        (2, 0.0, 5.0),
        (6, 5.0, 10.0),
        (10, 10.0, 16.0),
        (14, 16.0, 23.0),
        (18, 23.0, 28.0),
    ]
    assert t.utterances[0].text.startswith("I think in terms of news")


def test_arrow_without_spaces_and_glued_words() -> None:
    # mixed_feed_transcripts/AI Autocomplete for QGIS.srt, cues 1-13 (`00:00:00,000-->00:00:02,000`)
    t = subrip.read(_text("ai_autocomplete_for_qgis_head.srt"), "AI Autocomplete for QGIS.srt")
    assert _rows(t)[0] == ("Hi,Brendan.Welcometothepodcast.", 3, 0.0, 2.0, None, False)
    assert _rows(t)[11] == (
        "Sure. Thanks for having me on the podcast by the way.",
        47,
        32.0,
        35.0,
        None,
        False,
    )
    assert len(t.utterances) == 13
    glued = [n for n in t.notes if "no spaces" in n]
    assert len(glued) == 11  # cues 1-11; cue 12 has its spaces again
    assert glued[0] == "line 3: cue text has no spaces (words run together)"


def test_host_role_prefix_and_prefix_after_stray_punctuation() -> None:
    # mixed_feed_transcripts/Yak Shaving with Tim Mitra.srt, lines 1-90
    t = subrip.read(_text("yak_shaving_head.srt"), "Yak Shaving with Tim Mitra.srt")
    assert _rows(t)[0] == (
        "Before we begin today's episode, I wanted to let you know Bright Digit needs your help.",
        3,
        0.0,
        4.47,
        "Leo Dion",
        True,
    )
    assert t.utterances[1].speaker == "Leo Dion" and not t.utterances[1].turn
    assert t.facts.speakers == {"Leo Dion": None, "Tim Mitra": None}
    assert t.facts.hosts == ["Leo Dion"]
    # same file, lines 1673-1698: cue 404 is ", " then "Leo Dion (host): ..." on its 2nd line
    t = subrip.read(_text("yak_shaving_punctuation.srt"), "Yak Shaving with Tim Mitra.srt")
    assert [(u.text[:24], u.line, u.speaker, u.turn) for u in t.utterances] == [
        ("You, you have to break i", 3, "Leo Dion", True),
        ("It's way too overwhelmin", 7, "Tim Mitra", True),
        ("And I think that's what ", 12, "Tim Mitra", False),
        ("I think Ulysses calls a ", 17, "Leo Dion", True),
        ("I think that's the term", 21, "Leo Dion", False),
        ("they use.", 25, "Tim Mitra", True),
    ]
    assert t.notes == ["line 16: text ',' has no words; dropped"]


def test_non_positive_duration_and_punctuation_only_cue() -> None:
    # srt/3b1b/2020/better-bayes/english/captions.srt, cues 350-352
    t = subrip.read(_text("3b1b_better_bayes_end.srt"), "captions.srt")
    assert [u.line for u in t.utterances] == [3, 7]
    assert t.notes == [
        "line 10: cue has non-positive duration; kept",
        "line 11: text '.' has no words; dropped",
    ]


def test_trailing_space_is_dropped() -> None:
    # srt/3b1b/2017/neural-networks/english/captions.srt, cues 1-3
    t = subrip.read(_text("3b1b_neural_networks_head.srt"), "captions.srt")
    assert t.utterances[1].text.endswith("28x28 pixels,")
    assert [(u.start, u.end) for u in t.utterances] == [
        (4.22, 5.4),
        (6.06, 10.769),
        (10.769, 13.72),
    ]


def test_unreadable_text_between_cues_names_its_line() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n\n\n2\n00:00:0x,000 --> 00:00:03,000\nyo\n"
    with pytest.raises(ReaderError) as info:
        subrip.read(text, "x.srt")
    assert info.value.line == 7
    assert info.value.why.startswith("not SubRip after cue 1: cannot read '2 00:00:0x,000")


def test_text_before_the_first_cue_is_an_error_found_fast() -> None:
    # srt's search through leading garbage is quadratic (cubic in runs of digits): checked first
    text = "notes\n" + " " * 50_000 + "1" * 5_000 + "\n1\n00:00:01,000 --> 00:00:02,000\nhi\n"
    with pytest.raises(ReaderError) as info:
        subrip.read(text, "x.srt")
    assert (info.value.line, info.value.why) == (
        1,
        "not SubRip: no cue number or timing line at the start",
    )


def test_no_cues_is_not_a_transcript() -> None:
    with pytest.raises(NotTranscriptContent):
        subrip.read("\n\n", "x.srt")


def test_tags_and_markers() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n- <i>Hi</i> there\n- (laughs)\n"
    t = subrip.read(text, "x.srt")
    assert _rows(t) == [("Hi there", 3, 1.0, 2.0, None, True)]
    assert [(s.reason, s.text, s.line) for s in t.set_aside] == [("sound cue", "(laughs)", 4)]


# --- Every corpus file of the family ---

_TIMING = re.compile(r"\d+:\d\d:\d\d[,.]\d+ *--> *\d+:\d\d:\d\d[,.]\d+")
_PREFIX = re.compile(r"^([A-Z]\w*(?: [A-Z][\w-]*){0,3}(?: \([^)]*\))?):")


def _source_words(raw: str) -> list[str]:
    """Spoken words from the text alone: no indices, timing lines, tags or name prefixes."""
    lines = raw.split("\n")
    prefixes = Counter(m.group(1) for line in lines if (m := _PREFIX.match(line)))
    out: list[str] = []
    for k, line in enumerate(lines):
        index = line.strip().isdigit() and k + 1 < len(lines) and _TIMING.match(lines[k + 1])
        if index or _TIMING.match(line):
            continue
        text = re.sub(r"<[^>]*>", "", line)
        m = _PREFIX.match(text)
        if m and prefixes[m.group(1)] >= 2:
            text = text[m.end() :]
        out += words(text)
    return out


@pytest.mark.corpus
def test_every_corpus_srt_reads_with_all_its_words(corpus: Path) -> None:
    paths = sorted(corpus.glob("srt/**/*.srt")) + sorted(
        corpus.glob("mixed_feed_transcripts/*.srt")
    )
    assert len(paths) == 20
    for path in paths:
        raw = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        assert subrip.sniff(raw, path.name), path
        t = subrip.read(raw, path.name)
        pieces = sorted(
            [(u.line, u.text) for u in t.utterances] + [(s.line, s.text) for s in t.set_aside],
            key=lambda piece: piece[0],
        )
        got = [w for _, text in pieces for w in words(text)]
        assert got == _source_words(raw), path
        assert all(type(u.start) is float and type(u.end) is float for u in t.utterances), path


# --- Fuzzing: nothing but ReaderError / NotTranscriptContent, whatever the text ---

PIECES = [
    "1",
    "\n",
    "\n\n",
    "00:00:01,000 --> 00:00:02,000",
    "00:00:01.5-->00:00:02,000",
    "99999999999999999999:00:00,000",
    "-->",
    "- >",
    "<i>",
    "</i>",
    "{\\an8}",
    "- ",
    ">> ",
    "Bob: ",
    "Tim Mitra (guest): ",
    ", ",
    "(laughs)",
    "hello",
    "\r\n",
    "WEBVTT",
]
_SRT_TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40)


def _survives(text: str) -> None:
    reads_or_fails_cleanly(subrip, text, "x.srt")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)


@settings(max_examples=200, deadline=None)
@given(_SRT_TEXT.map("".join))
def test_srt_like_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)
