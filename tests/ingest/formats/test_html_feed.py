"""HTML feed transcripts: fixtures are byte-exact excerpts of
../shared/corpus/mixed_feed_transcripts files (source and lines in each test's comment)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes.model import Transcript
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats import html_feed
from bot.text import words
from tests.conftest import FIXTURES
from tests.ingest.formats.fuzzing import reads_or_fails_cleanly


def _text(name: str) -> str:
    """A fixture decoded as the ingest decodes files: UTF-8 (BOM allowed), LF line ends."""
    raw = (FIXTURES / "formats" / name).read_bytes().decode("utf-8-sig")
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _rows(t: Transcript) -> list[tuple[str, int, float | None, str | None, bool]]:
    return [(u.text[:30], u.line, u.start, u.speaker, u.turn) for u in t.utterances]


def test_sniff() -> None:
    assert html_feed.sniff(_text("gotime_300_head.html"), "300 multiple choices.html")
    assert html_feed.sniff(_text("mcmc_78_head.html"), "78 Exploring MCMC.html")
    assert html_feed.sniff(_text("tales_from_manufacturing_head.html"), "Tales.html")
    assert not html_feed.sniff(_text("hunting_xss_head.xsl"), "x.html")  # XML
    assert not html_feed.sniff("WEBVTT\n\n00:00.000 --> 00:01.000\n<p>hi</p>\n", "x.html")
    assert not html_feed.sniff("Title: Episode 14\n\n<p>notes</p>\n", "x.md")


def test_changelog_cites_title_and_canonical_url() -> None:
    # 300 multiple choices.html, lines 1-24
    t = html_feed.read(_text("gotime_300_head.html"), "300 multiple choices.html")
    assert t.format == "html-transcript" and not t.fragments  # whole paragraphs
    assert t.facts.title == "Go Time #300"  # the page says "Transcript for Go Time #300"
    assert t.facts.url == "https://changelog.com/gotime/300"
    assert _rows(t) == [
        ("Welcome to Go Time. This is a ", 15, None, "Kris Brandow", True),
        ("Good, Kris. How are you doing?", 19, None, "Jon Calhoun", True),
        ("Doing well. It's a cold day he", 23, None, "Kris Brandow", True),
    ]
    assert "we're doing something" in t.utterances[0].text  # &#39; unescaped
    assert t.facts.speakers == {"Kris Brandow": None, "Jon Calhoun": None}


def test_changelog_time_marks_paragraphs_and_break_marker() -> None:
    # 300 multiple choices.html, lines 264-333: a <p> of Markdown paragraphs, one opening
    # with `\[00:18:17.21\]`, and `**Break**: \[00:23:37.18\]` closing a <p>
    t = html_feed.read(_text("gotime_300_time_marks.html"), "300 multiple choices.html")
    assert _rows(t)[1:4] == [
        ("So I was thinking about this, ", 6, None, "Jon Calhoun", True),
        ("But traditionally, I think the", 8, 1097.0, "Jon Calhoun", False),
        ("The other type of episode that", 10, None, "Jon Calhoun", False),
    ]
    assert _rows(t)[15] == (
        "People have come to me at conf",
        56,
        1329.0,
        "Johnny Boursiquot",
        False,
    )
    assert [(s.reason, s.text, s.line) for s in t.set_aside] == [("break marker", "Break", 66)]
    assert not any("Break" in u.text for u in t.utterances)
    assert t.notes == [
        "line 8: inline time marks like '[00:18:17.21]'; whole seconds used "
        "(the part after the dot looks like frames)"
    ]
    # the same speaker again after the break is not a new turn
    assert _rows(t)[-1] == ("Okay, Ian, what are your favor", 70, None, "Kris Brandow", False)


def test_changelog_sound_paragraph_is_set_aside() -> None:
    # 300 multiple choices.html, lines 1318-1342 (through </html>)
    t = html_feed.read(_text("gotime_300_end.html"), "300 multiple choices.html")
    assert t.utterances[0].text == "Absolutely. [laughter]"  # `\[laughter\]` inside speech
    assert [(s.reason, s.text, s.line) for s in t.set_aside] == [
        ("sound cue", "[unintelligible 01:49:09.23]", 6)
    ]
    assert [u.speaker for u in t.utterances] == [
        "Kris Brandow",
        "Johnny Boursiquot",
        "Jon Calhoun",
        "Johnny Boursiquot",
        "Kris Brandow",
    ]


def test_fragment_layout_with_clock_paragraphs() -> None:
    # 78 Exploring MCMC Sampler Algorithms, with Matt D. Hoffman.html, lines 1-15
    t = html_feed.read(_text("mcmc_78_head.html"), "78 Exploring MCMC.html")
    assert t.fragments and t.facts.title is None
    assert [(u.line, u.start, u.speaker, u.turn) for u in t.utterances] == [
        (2, 119.0, None, False),
        (5, 132.0, None, False),
        (8, 134.0, None, False),
        (11, 153.0, None, False),
        (14, 159.0, None, False),
    ]
    assert t.utterances[1].text == "know I think Can you hear me?"


def test_buzzsprout_speaker_labels_and_times() -> None:
    # Tales from Manufacturing Shipping Rack 1.html, lines 1-24
    t = html_feed.read(_text("tales_from_manufacturing_head.html"), "Tales.html")
    assert t.fragments
    assert _rows(t)[:6] == [
        ("I will confess that I had a te", 3, 0.0, "Speaker 1", True),
        ("Okay. Well, this is a good seg", 6, 11.0, "Speaker 2", True),
        ("Is it? Okay.", 9, 14.0, "Speaker 1", True),
        ("It is. Is a good segue. So I w", 12, 15.0, "Speaker 2", True),
        ("I agree to the rules. Yes. Fin", 15, 29.0, "Speaker 2", False),
        ("of attorney.", 18, 31.0, "Speaker 3", True),
    ]
    assert list(t.facts.speakers) == ["Speaker 1", "Speaker 2", "Speaker 3"]


def test_generic_speaker_label_is_no_name() -> None:
    # Talking AI at OpenShift Commons Gathering in Raleigh.html, lines 1-12 (`00:00:00` times)
    t = html_feed.read(_text("openshift_commons_head.html"), "OpenShift.html")
    assert _rows(t) == [
        ("Now for something completely d", 3, 0.0, None, True),
        ("OpenShift Commons gathering. I", 7, 4.0, None, False),
        ("we see Frank dressed in his da", 11, 7.0, None, False),
    ]
    assert t.facts.speakers == {}


def test_bad_time_and_empty_page() -> None:
    with pytest.raises(ReaderError) as info:
        html_feed.read("<cite>A:</cite>\n<time>1:xx</time>\n<p>hi</p>\n", "x.html")
    assert (info.value.line, info.value.why) == (2, "time '1:xx' is not a time")
    with pytest.raises(NotTranscriptContent):
        html_feed.read("<html><head><title>x</title></head><body><p></p></body></html>", "x")


def test_stray_text_and_scripts() -> None:
    text = "<p>One.</p>\nloose words\n<script>var x = '<p>no</p>';</script><p>Two<br>lines</p>"
    t = html_feed.read(text, "x.html")
    assert [(u.text, u.line) for u in t.utterances] == [
        ("One.", 1),
        ("loose words", 2),
        ("Two lines", 3),
    ]
    assert t.notes == ["line 2: text outside <p>; kept"]


def test_markup_that_never_closes_is_text_and_fast() -> None:
    # html.parser rescans to the end from each unclosed `<a`: quadratic without the guard
    t = html_feed.read("<p>One</p>\n<p>a <b " + "<a " * 100_000, "x.html")
    assert t.utterances[0].text == "One"
    assert t.utterances[1].text.startswith("a <b <a <a")
    assert t.notes == ["line 2: markup that never closes; read as text"]


# --- Every corpus file of the family ---

_CLOCK_P = re.compile(r"\s*\d{1,2}(?::\d{2}){1,2}\s*")
_TIME_MARK = re.compile(r"\\\[\d\d:\d\d:\d\d\.\d\d\\\]")


def _source_words(raw: str) -> list[str]:
    """Words of every <p>, without clock-only paragraphs and `\\[HH:MM:SS.ff\\]` marks."""
    out: list[str] = []
    for paragraph in re.findall(r"<p>(.*?)</p>", raw, re.DOTALL):
        text = html.unescape(paragraph)
        if not _CLOCK_P.fullmatch(text):
            out += words(_TIME_MARK.sub(" ", text))
    return out


@pytest.mark.corpus
def test_every_corpus_html_reads_with_all_its_words(corpus: Path) -> None:
    paths = sorted((corpus / "mixed_feed_transcripts").glob("*.html"))
    assert len(paths) == 4
    for path in paths:
        raw = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        assert html_feed.sniff(raw, path.name), path
        t = html_feed.read(raw, path.name)
        pieces = sorted(
            [(u.line, u.text) for u in t.utterances] + [(s.line, s.text) for s in t.set_aside],
            key=lambda piece: piece[0],
        )
        got = [w for _, text in pieces for w in words(text)]
        assert got == _source_words(raw), path
        assert all(u.start is None or type(u.start) is float for u in t.utterances), path
        if t.fragments:
            assert all(type(u.start) is float for u in t.utterances), path


# --- Fuzzing: nothing but ReaderError / NotTranscriptContent, whatever the text ---

PIECES = [
    "<p>",
    "</p>",
    "<p></p>",
    "<cite>",
    "</cite>",
    "Speaker 1:",
    "<time>",
    "</time>",
    "00:12",
    "1:59  ",
    "\\[00:01:02.03\\]",
    "**Break**:",
    "[laughs]",
    "&amp;",
    "&#39;",
    "&#x110000;",
    "<title>",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<!DOCTYPE html>",
    "<br>",
    '<link rel="canonical" href="x">',
    "<",
    "\n\n",
    "hello",
]
_HTML_LIKE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=40)


def _survives(text: str) -> None:
    reads_or_fails_cleanly(html_feed, text, "x.html")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)


@settings(max_examples=200, deadline=None)
@given(_HTML_LIKE.map("".join))
def test_html_like_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)
