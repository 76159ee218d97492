"""Text prints: a sample of hashed 5-word runs, the same for one text in any format.

Fixtures in tests/fixtures/copies/ are byte-exact excerpts of ../shared/corpus files:
`talkpython_516_head.txt` the first 150 lines of
timestamped_txt/talkpython/516-accelerating-python-data-science-at-nvidia.txt and
`talkpython_516_head.vtt` the first 230 lines of vtt/talkpython/516-….vtt (the same talk, up
to 6:06 and 6:40).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.episodes import files as episode_io
from bot.episodes import text_print
from bot.episodes.text_print import LIMIT, RATE, TextPrint, decode, encode, fold, of_texts
from bot.errors import EpisodeFileError
from bot.ingest.pipeline import read_transcript
from bot.text import words
from tests.conftest import DATA, FIXTURES


def _texts(name: str) -> list[str]:
    return [u.text for u in read_transcript(FIXTURES / "copies" / name).utterances]


def test_words_are_folded_as_search_folds_them() -> None:
    texts = _texts("talkpython_516_head.txt")
    assert [fold(t) for t in texts] == [words(t) for t in texts]
    assert fold("Don’t STOP—believin' rock_n_roll 3.14") == [
        *("dont", "stop", "believin", "rock", "n", "roll", "3", "14")
    ]


def test_the_hash_of_a_run_is_fixed_across_machines_and_versions() -> None:
    # Prints are stored in episode files: a change here must come with a new SCHEME.
    intro = ["Welcome to Talk Python To Me, a weekly podcast on Python.", "This is your host."]
    assert encode(of_texts(intro)) == "w5r4 11 KNVB+S2ZtQI="
    assert text_print.run_hashes(["a", "b", "c", "d", "e", "f"]).tolist() == [
        1682097441,
        3637598071,
    ]
    assert text_print.run_hashes(["too", "few", "words"]).tolist() == []


def test_a_print_keeps_about_one_run_in_four_and_only_the_sample() -> None:
    found = of_texts(_texts("talkpython_516_head.txt"))
    assert found.runs == len(fold(" ".join(_texts("talkpython_516_head.txt")))) - 4
    assert 0.2 < len(found.hashes) / found.runs < 0.3  # 1 in RATE = 4
    assert int(found.hashes.max()) < LIMIT
    assert np.all(np.diff(found.hashes.astype(np.int64)) > 0)  # sorted, distinct


def test_the_same_talk_in_two_formats_gives_the_same_runs() -> None:
    txt = of_texts(_texts("talkpython_516_head.txt"))
    vtt = of_texts(_texts("talkpython_516_head.vtt"))
    assert np.isin(txt.hashes, vtt.hashes).all()  # the text file's span, within the VTT's
    assert 0.9 < len(txt.hashes) / len(vtt.hashes) < 1.0


def test_a_print_goes_through_its_line_unchanged() -> None:
    found = of_texts(_texts("talkpython_516_head.vtt"))
    line = encode(found)
    assert line.startswith(f"w5r4 {found.runs} ")
    back = decode(line)
    assert back is not None and back.runs == found.runs
    assert back.hashes.tolist() == found.hashes.tolist()


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("w5r4 12", "not 'scheme runs hashes'"),
        ("w5r4 twelve AAAAAQ==", "runs 'twelve' is not a whole number"),
        ("w5r4 12 !!!!", "the hashes are not base64"),
        ("w5r4 12 AAAB", "the hashes are not whole 4-byte numbers"),
        ("w5r4 12 AAAAAgAAAAE=", "the hashes are not distinct, sorted and at most one per run"),
        ("w5r4 1 AAAAAQAAAAI=", "the hashes are not distinct, sorted and at most one per run"),
        ("w5r4 12 QAAAAA==", "the hashes are not a sample (all below 2**30)"),
        ("w5r4 ² AAAAAQ==", "runs '²' is not a whole number"),
    ],
)
def test_a_broken_print_is_refused_with_what_is_wrong(line: str, why: str) -> None:
    with pytest.raises(text_print.PrintError, match=re.escape(why)):
        decode(line)


def test_a_print_of_another_scheme_is_left_for_the_library_to_compute() -> None:
    assert decode("w7r8 12 AAAAAQ==") is None
    assert RATE == 4 and text_print.SCHEME == "w5r4"


def test_an_episode_file_stores_its_print_and_names_the_line_of_a_broken_one() -> None:
    path = DATA / "episodes" / "twiml-talk-2-siraj-raval.yaml"
    text = episode_io.read_text(path)
    episode = episode_io.loads(text, path)
    assert isinstance(episode.text_print, TextPrint)
    computed = of_texts(s.text for s in episode.segments)
    assert encode(episode.text_print) == encode(computed)
    line = next(n for n, row in enumerate(text.split("\n"), 1) if row.startswith("text_print:"))
    stored = text.split("\n")[line - 1]
    with pytest.raises(EpisodeFileError, match=f"line {line}: text_print: the hashes are not"):
        episode_io.loads(text.replace(stored, "text_print: w5r4 3 AA!A"), path)
    # A file written before prints were stored loads without one (the library computes it).
    older = episode_io.loads(text.replace(stored + "\n", ""), path)
    assert older.text_print is None and older == episode


def test_writing_an_episode_computes_its_print_from_the_segments(tmp_path: Path) -> None:
    episode = episode_io.read(DATA / "episodes" / "twiml-talk-2-siraj-raval.yaml")
    shorter = replace(episode, segments=episode.segments[:3], text_print=None)
    written = episode_io.read(episode_io.write(shorter, tmp_path))
    assert written.text_print is not None
    assert encode(written.text_print) == encode(of_texts(s.text for s in shorter.segments))
