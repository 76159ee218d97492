"""Same talk or not, by the texts: the rules on byte-exact excerpts of ../shared/corpus files.

tests/fixtures/copies/ holds, besides the 516 heads (see test_text_print.py):
`lexicap_large_episode_078_head.vtt` and `lexicap_small_episode_078_head.vtt`, the first 240
and 238 lines of vtt/lexicap_large/episode_078_large.vtt and vtt/lexicap_small/…_small.vtt
(two Whisper runs over one episode, to 6:50 and 6:45); `talkpython_507_tail.txt`,
`talkpython_521_tail.txt` and `talkpython_516_tail.txt`, the last 50, 50 and 150 lines of
three Talk Python episodes in timestamped_txt/talkpython/: mostly the show's closing words,
which every episode repeats.
"""

from __future__ import annotations

import pytest

from bot.episodes.same_talk import (
    MIN_CONTAINMENT,
    MIN_LENGTH,
    MIN_RUNS,
    Likeness,
    compare,
    find_copies,
    same_talk,
    score_pairs,
)
from bot.episodes.text_print import RATE, TextPrint, of_texts
from bot.ingest.pipeline import read_transcript
from tests.conftest import FIXTURES


def _print(name: str) -> TextPrint:
    transcript = read_transcript(FIXTURES / "copies" / name)
    return of_texts(u.text for u in transcript.utterances)


def test_a_transcript_and_the_vtt_of_the_same_talk_are_one_talk() -> None:
    likeness = compare(_print("talkpython_516_head.txt"), _print("talkpython_516_head.vtt"))
    assert likeness.containment == 1.0
    assert likeness.resemblance > 0.9
    assert likeness.judged_runs > 1000
    assert same_talk(likeness)


def test_two_transcriptions_of_one_recording_are_one_talk() -> None:
    # Whisper large and small differ in many words: most runs still match.
    likeness = compare(
        _print("lexicap_large_episode_078_head.vtt"), _print("lexicap_small_episode_078_head.vtt")
    )
    assert 0.85 < likeness.containment < 0.97
    assert same_talk(likeness)


def test_the_opening_minutes_of_a_talk_are_a_part_of_it_not_a_copy() -> None:
    large = _print("lexicap_large_episode_078_head.vtt")
    small = read_transcript(FIXTURES / "copies" / "lexicap_small_episode_078_head.vtt")
    part = of_texts(u.text for u in small.utterances[: len(small.utterances) // 3])
    likeness = compare(large, part)
    assert likeness.containment > 0.8 and likeness.length < MIN_LENGTH
    assert not same_talk(likeness)


def test_a_few_words_in_common_are_not_enough_to_judge() -> None:
    small = read_transcript(FIXTURES / "copies" / "lexicap_small_episode_078_head.vtt")
    large = read_transcript(FIXTURES / "copies" / "lexicap_large_episode_078_head.vtt")
    likeness = compare(
        of_texts(u.text for u in small.utterances[:8]),
        of_texts(u.text for u in large.utterances[:12]),
    )
    assert likeness.containment > 0.5 and likeness.judged_runs < MIN_RUNS
    assert not same_talk(likeness)


def test_two_episodes_closing_alike_match_only_until_the_boilerplate_is_off() -> None:
    prints = {
        "507-end": _print("talkpython_507_tail.txt"),
        "521-end": _print("talkpython_521_tail.txt"),
        "516-end": _print("talkpython_516_tail.txt"),  # longer: not a copy of either
    }
    raw, final = score_pairs(prints)
    ends = raw.ids.index("507-end"), raw.ids.index("521-end")
    (n,) = [n for n in range(len(raw)) if (raw.first[n], raw.second[n]) == ends]
    assert raw.likeness(n).containment > 0.6 and raw.same()[n]  # the closing words, shared
    # Those runs are heard in the third episode too: off, the two ends share nothing else.
    assert len(final) == 0 and len(final.boilerplate) > 0
    assert find_copies(prints) == []


def test_copies_are_found_among_other_talks_with_the_same_closing_words() -> None:
    prints = {
        "516-txt": _print("talkpython_516_head.txt"),
        "516-vtt": _print("talkpython_516_head.vtt"),
        "507-end": _print("talkpython_507_tail.txt"),
        "521-end": _print("talkpython_521_tail.txt"),
        "516-end": _print("talkpython_516_tail.txt"),
    }
    (copy,) = find_copies(prints)
    assert (copy.first, copy.second) == ("516-txt", "516-vtt")
    assert copy.likeness.containment == 1.0
    _, final = score_pairs(prints)
    assert final.same().tolist() == [same_talk(final.likeness(n)) for n in range(len(final))]


@pytest.mark.parametrize(
    ("shared", "smaller", "length", "same"),
    [
        (12, 40, 0.5, True),  # containment 0.3 on 160 runs, half as long: the edges
        (11, 40, 0.5, False),  # containment 0.275
        (12, 40, 0.49, False),  # a part of the other, not a copy
        (37, 37, 1.0, False),  # all shared, but 148 runs: too little to judge
        (38, 38, 1.0, True),
    ],
)
def test_the_decision_rules(shared: int, smaller: int, length: float, same: bool) -> None:
    assert (MIN_CONTAINMENT, MIN_RUNS, MIN_LENGTH, RATE) == (0.3, 150, 0.5, 4)
    likeness = Likeness(shared, smaller, 100, length)
    assert same_talk(likeness) is same
    assert likeness.resemblance == shared / (smaller + 100 - shared)
