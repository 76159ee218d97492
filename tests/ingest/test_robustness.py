"""Arbitrary bytes never raise anything but our error types, through detection and every reader."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.episodes import files as episode_io
from bot.episodes.model import Facts
from bot.errors import NotATranscript, TranscriptError
from bot.ingest.normalise import build_episode
from bot.ingest.pipeline import parse_bytes

PIECES = st.sampled_from(
    [
        "WEBVTT\n\n",
        "00:00:01.000 --> 00:00:02.000\n",
        "1\n",
        "\n\n",
        "<v Ann>",
        "- ",
        ">> ",
        "---\n",
        "transcript:\n",
        "- line: hi\n  sec: 1\n",
        "  who: A\n",
        "- header: H\n",
        "0:01 hello\n",
        "00:00:01\n",
        "**Ann:** text\n",
        "Ann (00:01:02):\n",
        "[",
        "{",
        '"text"',
        '[{"start": 1, "end": 2, "text": "x"}]',
        "<p>1:59 </p><p>x</p>",
        "<cite>A:</cite>",
        "<?xml version='1.0'?><pst:transcripts>",
        "Click here to read the raw transcript...\n",
        "Alexey\n: hi (\n1:35\n)\n",
        "Title: x\nDate: y\n### Summary\n",
        "\u2028",
        "\ufeff",
    ]
)


def _check(data: bytes) -> None:
    try:
        transcript = parse_bytes(data, "fuzz.bin", "fuzz.bin")
    except (TranscriptError, NotATranscript):
        return
    assert transcript.utterances
    # Whatever a reader accepts, normalisation and the episode file handle too.
    episode = build_episode(transcript, "fuzz.bin", Facts(), "fuzz")
    assert episode_io.loads(episode_io.dumps(episode)) == episode


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=40))
def test_format_shaped_text(parts: list[str]) -> None:
    _check("".join(parts).encode("utf-8", "surrogatepass"))
