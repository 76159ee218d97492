"""Timed JSON reader: fixtures are byte-exact excerpts of ../shared/corpus files.

Excerpts that stop after an item of a list are closed by the test (`]` or `]}` appended),
as named in each test; the excerpt itself is left as the source has it.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes.model import Transcript
from bot.errors import NotTranscriptContent, ReaderError
from bot.ingest.formats import json_timed
from bot.text import words
from tests.conftest import FIXTURES
from tests.ingest.formats.fuzzing import reads_or_fails_cleanly


def _text(name: str) -> str:
    """A fixture decoded as the ingest decodes files: UTF-8 (BOM allowed), LF line ends."""
    raw = (FIXTURES / "formats" / name).read_bytes().decode("utf-8-sig")
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _rows(t: Transcript) -> list[tuple[str, int, float | None, float | None, str | None, bool]]:
    return [(u.text, u.line, u.start, u.end, u.speaker, u.turn) for u in t.utterances]


def _not_transcript(text: str) -> str:
    with pytest.raises(NotTranscriptContent) as info:
        json_timed.read(text, "x.json")
    return info.value.reason


def test_sniff() -> None:
    assert json_timed.sniff(_text("lexbot_transcript0_head.json"), "transcript0.json")
    assert json_timed.sniff(_text("twiml_metadata.json"), "metadata.json")
    assert json_timed.sniff(_text("lexbot_transcript_repr_head.json"), "transcript.json")
    assert not json_timed.sniff("[00:01] Hello there\n[00:05] and more\n", "x.txt")
    assert not json_timed.sniff("[Music]\nhello\n", "x.txt")
    assert not json_timed.sniff("WEBVTT\n\n", "x.vtt")


def test_youtube_transcript_api_items() -> None:
    # json_segments/youtube_transcript_api_lexbot/transcript0.json, items 1-5, `]` appended
    t = json_timed.read(_text("lexbot_transcript0_head.json") + "]", "transcript0.json")
    assert t.format == "json" and t.fragments
    assert _rows(t)[:2] == [
        ("you and Magnus played a private game 40", 1, 0.0, 7.74, None, False),
        ("games of Blitz in 2010 in Moscow at a", 1, 3.6, 3.6 + 5.28, None, False),
    ]
    assert len(t.utterances) == 5
    assert t.notes == ["4 items overlap the previous one; kept"]


def test_python_repr_file_is_read_with_literal_eval() -> None:
    # json_segments/youtube_transcript_api_lexbot/transcript.json, lines 1-11, `]` appended
    t = json_timed.read(_text("lexbot_transcript_repr_head.json") + "]", "transcript.json")
    assert _rows(t)[0] == (
        "Donald Trump was probably the biggest",
        2,
        0.06,
        0.06 + 3.96,
        None,
        False,
    )
    assert [u.line for u in t.utterances] == [2, 4, 6, 8, 10]
    assert t.utterances[4].text == "and against it everybody who's watching"


def test_python_repr_line_break_inside_a_string_is_joined() -> None:
    # same file, lines 350-356: `'the Mind [\xa0__\xa0` + newline + `        ] of modern...'`;
    # wrapped in `[` + newline ... `]` so the excerpt is one list
    text = "[\n" + _text("lexbot_transcript_repr_broken_string.json") + "]"
    t = json_timed.read(text, "transcript.json")
    assert _rows(t)[2] == (
        "the Mind [ __ ] of modern physics but if",
        6,
        388.5,
        388.5 + 7.139,
        None,
        False,
    )
    assert [u.line for u in t.utterances] == [2, 4, 6]
    assert t.notes[0] == "line 6: line break inside a string (broken printing); joined"


def test_whisper_segment_list() -> None:
    # json_segments/whisper_segments_zahraahu/transcript.json, items 1-4, newline + `]` appended
    t = json_timed.read(_text("zahraahu_whisper_head.json") + "\n]", "transcript.json")
    assert _rows(t)[0] == (
        "So, hello everyone. Welcome to the PC Seminar. Today we have this professor Amir Mohad"
        " from",
        2,
        0.0,
        8.24,
        None,
        False,
    )
    assert [u.line for u in t.utterances] == [2, 7, 12, 17]
    assert t.utterances[3].end == 26.080000000000002  # not rounded here


def test_whisper_segments_with_speakers() -> None:
    # json_segments/twiml_modal_transcribe/eg_transcription.json: the first 5 items of
    # "segments", wrapped as {"segments": ...]}
    text = '{"segments":' + _text("twiml_transcription_segments.json") + "]}"
    t = json_timed.read(text, "eg_transcription.json")
    assert [(u.speaker, u.turn, u.start) for u in t.utterances] == [
        ("SPEAKER_00", True, 3.9334470989761092),
        ("SPEAKER_01", True, 49.889078498293514),
        ("SPEAKER_00", True, 154.00170648464166),
        ("SPEAKER_01", True, 166.2713310580205),
        ("SPEAKER_00", True, 230.759385665529),
    ]
    assert t.utterances[0].text.startswith("All right, everyone. Welcome to another episode")
    assert t.facts.speakers == {"SPEAKER_00": None, "SPEAKER_01": None}
    assert t.notes == [
        "line 1, item 2: item overlaps the previous one; kept",
        "line 1, item 3: item overlaps the previous one; kept",
    ]


def test_sentence_timings() -> None:
    # json_segments/3b1b/2024/gpt/english/sentence_timings.json, items 1-3, newline + `]` appended
    t = json_timed.read(_text("3b1b_gpt_sentence_timings_head.json") + "\n]", "x.json")
    assert _rows(t)[0] == (
        "The initials GPT stand for Generative Pretrained Transformer.",
        2,
        0.0,
        4.56,
        None,
        False,
    )
    assert [u.line for u in t.utterances] == [2, 7, 12]


def test_word_timings_keep_the_leading_space_rule() -> None:
    # json_segments/3b1b/2024/gpt/english/word_timings.json, items 1-47, `]` appended:
    # " fine" then "-tune" (no leading space) are one word
    t = json_timed.read(_text("3b1b_gpt_word_timings_head.json") + "]", "word_timings.json")
    assert [u.text for u in t.utterances[:3]] == ["The", "initials", "GPT"]
    assert (t.utterances[0].start, t.utterances[0].end) == (0.0, 0.28)
    last = t.utterances[-1]
    assert (last.text, last.start, last.end, last.line) == ("fine-tune", 17.26, 17.7, 1)
    assert " ".join(u.text for u in t.utterances[-4:]) == "more room to fine-tune"
    assert t.notes == ["line 1, item 9: item has non-positive duration; kept"]  # " So" 5.22-5.22


def test_diarisation_without_text_is_not_a_transcript() -> None:
    # json_segments/twiml_modal_transcribe/eg_diarisation.json (whole file)
    assert _not_transcript(_text("twiml_diarisation.json")) == "speaker diarisation only, no text"


def test_podcast_metadata_is_not_a_transcript() -> None:
    # json_segments/twiml_modal_transcribe/metadata.json (whole file)
    assert _not_transcript(_text("twiml_metadata.json")) == "podcast metadata, no transcript"


def test_truncated_list_of_episodes_is_not_a_transcript() -> None:
    # json_segments/twiml_modal_transcribe/episodes.json, first 2869 bytes: like the whole
    # file, it ends in the middle of a record (at `"description":`)
    text = _text("twiml_episodes_head.json")
    assert _not_transcript(text) == "truncated JSON list of episodes (not a transcript)"
    whole_first_record = text[: text.index("\n    },") + len("\n    }")] + "\n}"
    assert _not_transcript(whole_first_record) == "a list of episodes, not a transcript"
    episodes = [{"title": "A", "description": "x", "mp3_url": "u"}]
    assert _not_transcript(json.dumps(episodes)) == "a list of episodes, not a transcript"


def test_invalid_json_names_its_line() -> None:
    with pytest.raises(ReaderError) as info:
        json_timed.read('[\n {"text": "a", "start": 1, "duration": 2},\n {"text": }\n]', "x")
    assert info.value.line == 3
    assert info.value.why.startswith("invalid JSON: Expecting value")


def test_bad_items_name_their_line() -> None:
    with pytest.raises(ReaderError) as info:
        json_timed.read('[\n ["a", 0, 1],\n ["b", "2", 3]\n]', "x.json")
    assert (info.value.line, info.value.why) == (3, "item 2: start '2' is not a number")
    with pytest.raises(ReaderError) as info:
        json_timed.read('[{"text": "a", "start": NaN, "end": 1}]', "x.json")
    assert info.value.why == "item 1: start nan is not a finite number"


def test_sound_items_are_set_aside_and_empty_json_is_not_a_transcript() -> None:
    t = json_timed.read(
        '[{"text": "[Music]", "start": 0, "duration": 1}, '
        '{"text": "hi", "start": 1, "duration": 1}]',
        "x.json",
    )
    assert [(s.reason, s.text) for s in t.set_aside] == [("sound cue", "[Music]")]
    assert [u.text for u in t.utterances] == ["hi"]
    assert _not_transcript("[]") == "an empty JSON list"
    assert _not_transcript('{"a": 1}') == "a JSON object with no transcript"


# --- Every corpus file of the family ---

NOT_TRANSCRIPTS = {
    "twiml_modal_transcribe/eg_diarisation.json": "speaker diarisation only, no text",
    "twiml_modal_transcribe/metadata.json": "podcast metadata, no transcript",
    "twiml_modal_transcribe/episodes.json": "truncated JSON list of episodes (not a transcript)",
}


_SOUND = re.compile(r"\s*(\[[^\]]*\]|\([^)]*\))\s*")


def _source_words(raw: str, name: str) -> tuple[list[str], list[str]]:
    """Words of the texts (spoken, and of pure `[Music]`-like items), loaded here with json
    (or ast, after joining the broken strings). Word timings are joined as written: each
    word carries its leading space.
    """
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError:
        data = ast.literal_eval(re.sub(r"\n\s*\]", "]", raw))
    if isinstance(data, dict):
        data = data["segments"]
    if isinstance(data[0], list):
        texts = [item[0] for item in data]
        return words(("" if name == "word_timings.json" else " ").join(texts)), []
    texts = [item["text"] for item in data]
    spoken = [w for text in texts if not _SOUND.fullmatch(text) for w in words(text)]
    sounds = [w for text in texts if _SOUND.fullmatch(text) for w in words(text)]
    return spoken, sounds


@pytest.mark.corpus
def test_every_corpus_json_reads_with_all_its_words(corpus: Path) -> None:
    root = corpus / "json_segments"
    paths = sorted(root.glob("**/*.json"))
    assert len(paths) == 37
    for path in paths:
        raw = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        assert json_timed.sniff(raw, path.name), path
        key = path.relative_to(root).as_posix()
        if key in NOT_TRANSCRIPTS:
            assert _not_transcript(raw) == NOT_TRANSCRIPTS[key]
            continue
        t = json_timed.read(raw, path.name)
        spoken, sounds = _source_words(raw, path.name)
        assert [w for u in t.utterances for w in words(u.text)] == spoken, path
        assert [w for s in t.set_aside for w in words(s.text)] == sounds, path
        assert all(type(u.start) is float and type(u.end) is float for u in t.utterances), path


# --- Fuzzing: nothing but ReaderError / NotTranscriptContent, whatever the text ---

KEYS = ["text", "start", "end", "duration", "speaker", "segments", "title", "description"]
_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=True)
    | st.integers()
    | st.text(max_size=5)
    | st.sampled_from([" word", "[Music]", ""]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=12,
)
PIECES = ["[", "]", "{", "}", ",", ":", '"text"', "'text'", '"start"', "1.5", "NaN", "\n", '"a"']
_JSON_LIKE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=30)


def _survives(text: str) -> None:
    reads_or_fails_cleanly(json_timed, text, "x.json")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)


@settings(max_examples=200, deadline=None)
@given(_JSON_VALUES, st.booleans())
def test_any_json_value_reads_or_fails_cleanly(value: object, python: bool) -> None:
    _survives(repr(value) if python else json.dumps(value))


@settings(max_examples=200, deadline=None)
@given(_JSON_LIKE.map("".join))
def test_json_like_text_reads_or_fails_cleanly(text: str) -> None:
    _survives(text)
