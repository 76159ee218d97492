"""Podlove simple transcripts: the fixture is a byte-exact excerpt of
../shared/corpus/mixed_feed_transcripts/Hunting CrossSite Scripting on the Web.xsl."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats import podlove
from bot.text import words
from tests.conftest import FIXTURES
from tests.ingest.formats.fuzzing import reads_or_fails_cleanly

NS = 'xmlns:pst="http://podlove.org/simple-transcripts"'
CLOSE = "</pst:transcripts>\n"  # appended to the excerpt, which stops after a </pst:speech>


def _text(name: str) -> str:
    """A fixture decoded as the ingest decodes files: UTF-8 (BOM allowed), LF line ends."""
    raw = (FIXTURES / "formats" / name).read_bytes().decode("utf-8-sig")
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def test_sniff() -> None:
    assert podlove.sniff(_text("hunting_xss_head.xsl"), "Hunting CrossSite Scripting.xsl")
    assert not podlove.sniff("<?xml version='1.0'?><rss></rss>", "x.xml")
    assert not podlove.sniff("WEBVTT\n\n", "x.xsl")


def test_items_are_fragments_and_speeches_are_turns() -> None:
    # lines 1-60 of the file, closed with </pst:transcripts>
    t = podlove.read(_text("hunting_xss_head.xsl") + CLOSE, "Hunting CrossSite Scripting.xsl")
    assert t.format == "podlove-simple-transcripts" and t.fragments
    rows = [(u.text, u.line, u.start, u.end, u.speaker, u.turn) for u in t.utterances]
    assert rows[:3] == [
        ("Welcome to", 5, 0.82, pytest.approx(1.66), None, True),  # parse_clock's float
        ('"The Open', 9, pytest.approx(1.66), 2.08, None, True),
        ("Source", 10, 2.08, 2.39, None, False),
    ]
    assert rows[-1] == ("Hi,", 59, 27.21, 27.29, None, True)
    assert sum(u.turn for u in t.utterances) == 3  # three <pst:speech> elements
    assert len(t.utterances) == 49
    assert t.notes == [] and t.facts.speakers == {}


def test_named_speaker_and_entities() -> None:
    text = (
        f"<pst:transcripts {NS}>\n<pst:speech>\n<pst:speaker>Thomas Preusser</pst:speaker>\n"
        '<pst:item start="00:01:00.000" end="00:01:01.500">Hi &amp; welcome</pst:item>\n'
        '<pst:item start="00:01:01.500" end="00:01:02.000">[laughs]</pst:item>\n'
        "</pst:speech>\n</pst:transcripts>\n"
    )
    t = podlove.read(text, "x.xml")
    assert [(u.text, u.line, u.start, u.end, u.speaker, u.turn) for u in t.utterances] == [
        ("Hi & welcome", 4, 60.0, 61.5, "Thomas Preusser", True)
    ]
    assert [(s.reason, s.text, s.line) for s in t.set_aside] == [("sound cue", "[laughs]", 5)]
    assert t.facts.speakers == {"Thomas Preusser": None}


def test_xml_bomb_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        f"<pst:transcripts {NS}><pst:speech><pst:item>&lol2;</pst:item></pst:speech>"
        "</pst:transcripts>"
    )
    with pytest.raises(ReaderError) as info:
        podlove.read(bomb, "x.xml")
    assert info.value.why.startswith("XML refused")


def test_broken_xml_and_bad_times_name_their_line() -> None:
    with pytest.raises(ReaderError) as info:
        podlove.read(f"<pst:transcripts {NS}>\n<pst:speech>\n</pst:transcripts>", "x.xml")
    assert info.value.line == 3 and info.value.why.startswith("invalid XML: mismatched tag")
    text = (
        f'<pst:transcripts {NS}>\n<pst:item start="0:0x" end="1">a</pst:item>\n</pst:transcripts>'
    )
    with pytest.raises(ReaderError) as info:
        podlove.read(text, "x.xml")
    assert (info.value.line, info.value.why) == (2, "item 1: start '0:0x' is not a time")


def test_other_xml_is_not_a_transcript() -> None:
    with pytest.raises(NotTranscriptContent):
        podlove.read("<rss><channel/></rss>", "x.xml")
    with pytest.raises(NotTranscriptContent):
        podlove.read(f"<pst:transcripts {NS}/>", "x.xml")


# --- Every corpus file of the family ---


@pytest.mark.corpus
def test_every_corpus_podlove_file_reads_with_all_its_words(corpus: Path) -> None:
    paths = sorted((corpus / "mixed_feed_transcripts").glob("*.xsl"))
    assert len(paths) == 1
    for path in paths:
        raw = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        assert podlove.sniff(raw, path.name)
        t = podlove.read(raw, path.name)
        items = re.findall(r"<pst:item [^>]*>(.*?)</pst:item>", raw, re.DOTALL)
        source = [w for item in items for w in words(html.unescape(item))]
        pieces = sorted(
            [(u.line, u.text) for u in t.utterances] + [(s.line, s.text) for s in t.set_aside],
            key=lambda piece: piece[0],
        )
        assert [w for _, text in pieces for w in words(text)] == source
        assert len(t.utterances) == 3308 and sum(u.turn for u in t.utterances) == 155
        assert all(type(u.start) is float and type(u.end) is float for u in t.utterances)


# --- Fuzzing: nothing but ReaderError / NotTranscriptContent, whatever the text ---

PIECES = [
    '<?xml version="1.0"?>',
    f"<pst:transcripts {NS}>",
    "</pst:transcripts>",
    "<pst:speech>",
    "</pst:speech>",
    "<pst:speaker>",
    "</pst:speaker>",
    "<pst:speaker/>",
    '<pst:item start="00:00:01.000" end="00:00:02.000">',
    '<pst:item start="x">',
    "</pst:item>",
    '<!DOCTYPE x [<!ENTITY a "b">]>',
    "&a;",
    "&amp;",
    "<![CDATA[",
    "]]>",
    "(laughs)",
    "word",
    "\n",
]
_XML_LIKE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=30)


def _survives(text: str) -> None:
    reads_or_fails_cleanly(podlove, text, "x.xml")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)


@settings(max_examples=200, deadline=None)
@given(_XML_LIKE.map("".join))
def test_xml_like_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)
