"""The shared path: segmenting fragments, chapters, estimated times, speakers."""

from __future__ import annotations

from bot.episodes.model import ChapterMark, Facts, Transcript, Utterance
from bot.ingest.normalise import build_episode, merge_facts, tidy_chapters
from bot.text import words


def _captions(
    count: int, seconds: float = 2.0, text: str = "we talk about data and models"
) -> list[Utterance]:
    return [
        Utterance(f"{text} {i}", i + 1, i * seconds, i * seconds + seconds) for i in range(count)
    ]


def _episode(transcript: Transcript, facts: Facts | None = None):
    return build_episode(transcript, "x.vtt", facts or Facts(), "x")


def test_caption_fragments_merge_into_quote_sized_segments_with_cues() -> None:
    ep = _episode(Transcript("t", _captions(60)))
    assert 3 <= len(ep.segments) <= 8
    for seg in ep.segments:
        assert len(seg.text) <= 600
        assert seg.end is not None and seg.start is not None
        assert seg.end - seg.start <= 60
    # Each fragment's start is kept as a cue: a match mid-segment gets its own second.
    seg = next(s for s in ep.segments if "models 15 " in s.text)
    offset = seg.text.index("models 15 ") + len("models 15 ")  # the words of fragment 16
    assert seg.start < 32.0
    assert seg.time_at(offset) == 32.0
    assert seg.time_at(0) == seg.start


def test_segments_end_at_sentences_where_punctuation_allows() -> None:
    utts = []
    for i in range(40):
        utts.append(Utterance("This is the start of a thought", 2 * i + 1, 4.0 * i, 4.0 * i + 2))
        utts.append(Utterance("and here it ends.", 2 * i + 2, 4.0 * i + 2, 4.0 * i + 4))
    ep = _episode(Transcript("t", utts))
    assert len(ep.segments) > 1
    assert all(s.text.endswith("ends.") for s in ep.segments)


def test_never_merged_across_speakers_turns_or_long_pauses() -> None:
    utts = [
        Utterance("Hello there", 1, 0.0, 1.0, "Ann"),
        Utterance("hi", 2, 1.0, 2.0, "Bob"),
        Utterance("- yes", 3, 2.0, 3.0, "Bob", turn=True),
        Utterance("after a pause", 4, 9.0, 10.0, "Bob"),
    ]
    ep = _episode(Transcript("t", utts))
    assert [s.text for s in ep.segments] == ["Hello there", "hi", "- yes", "after a pause"]
    assert [s.speaker for s in ep.segments] == ["Ann", "Bob", "Bob", "Bob"]


def test_untimed_text_gets_estimated_times_marked_everywhere() -> None:
    utts = [
        Utterance("One two three four five. Six seven eight nine ten.", i + 1) for i in range(50)
    ]
    ep = _episode(Transcript("plain", utts), Facts(duration=500.0))
    assert ep.timing == "estimated"
    assert all(s.estimated for s in ep.segments)
    starts = [s.start for s in ep.segments]
    assert starts == sorted(starts)
    assert starts[0] == 0.0
    assert ep.segments[-1].start < 500.0


def test_nothing_is_lost_between_utterances_and_segments() -> None:
    utts = _captions(37, text="it's the   ‘words’, not\u2028the time")
    ep = _episode(Transcript("t", utts))
    assert [w for s in ep.segments for w in words(s.text)] == [
        w for u in utts for w in words(u.text)
    ]


def test_chapters_attach_to_segments_and_runs_of_headers_keep_the_last() -> None:
    utts = [Utterance(f"line {i}.", i + 1, 10.0 * i, None, "A", turn=True) for i in range(4)]
    marks = [
        ChapterMark("Intro", 0),
        ChapterMark("Real intro", 0),
        ChapterMark("Part 2", 2),
        ChapterMark("Part 2", 3),
    ]
    ep = _episode(Transcript("t", utts, chapters=marks, fragments=False))
    assert [c.title for c in ep.chapters] == ["Real intro", "Part 2"]
    assert [c.start for c in ep.chapters] == [0.0, 20.0]
    assert [s.chapter for s in ep.segments] == [0, 0, 1, 1]


def test_tidy_chapters_drops_headings_with_nothing_after_them() -> None:
    assert tidy_chapters([ChapterMark("End", 5)], 5) == []


def test_backward_times_are_reported_not_hidden() -> None:
    utts = [
        Utterance("a.", 1, 10.0, speaker="A", turn=True),
        Utterance("b.", 2, 5.0, speaker="B", turn=True),
    ]
    ep = _episode(Transcript("t", utts, fragments=False))
    assert [s.start for s in ep.segments] == [10.0, 5.0]
    assert any("time goes back from 0:10 to 0:05" in n for n in ep.notes)


def test_catalog_fills_what_the_file_lacks_and_never_overrides_it() -> None:
    found = Facts(title="From the file", speakers={"Alexey": None})
    catalog = Facts(
        title="From the catalog",
        youtube_id="OuCuk-7RHjM",
        speakers={"Alexey": "Alexey Grigorev"},
        hosts=["Alexey"],
        id="s08e01-x",
    )
    merged, notes = merge_facts(found, catalog)
    assert merged.title == "From the file"
    assert merged.youtube_id == "OuCuk-7RHjM"
    assert merged.speakers == {"Alexey": "Alexey Grigorev"}
    assert merged.hosts == ["Alexey"]
    assert merged.id == "s08e01-x"
    assert notes and "title" in notes[0]


def test_empty_utterances_are_dropped_and_chapters_still_land() -> None:
    utts = [Utterance("  ", 1, 0.0), Utterance("real words here.", 2, 1.0)]
    ep = _episode(Transcript("t", utts, chapters=[ChapterMark("C", 0)]))
    assert [s.text for s in ep.segments] == ["real words here."]
    assert ep.segments[0].chapter == 0
