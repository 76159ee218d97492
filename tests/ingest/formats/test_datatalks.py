"""DataTalks.Club pages (sample a and the corpus): `sec` is the truth, quirks handled."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ReaderError
from bot.ingest.formats import datatalks
from bot.ingest.normalise import build_episode
from bot.text import words
from tests.conftest import DATA

SAMPLE_A = DATA / "raw" / "000_d7a4dabe8f6e1298.txt"


def _read(path: Path):
    return datatalks.read(path.read_text(encoding="utf-8"), path.name)


def test_sample_a_reads_lines_speakers_headers_and_facts() -> None:
    t = _read(SAMPLE_A)
    assert t.format == "datatalks-yaml"
    first = t.utterances[0]
    assert (first.start, first.speaker, first.line) == (116.0, "Alexey", 19)
    assert first.text.startswith("This week, we'll talk about visualising machine learning.")
    assert t.facts.youtube_id == "OuCuk-7RHjM"
    assert (t.facts.season, t.facts.episode, t.facts.title) == (
        8,
        1,
        "Visualising Machine Learning",
    )
    assert t.chapters[0].title == "Meor’s backround"
    assert t.utterances[t.chapters[0].before].start == 177.0
    assert t.utterances[-1].start == 3701.0
    assert {u.speaker for u in t.utterances} == {"Alexey", "Meor"}
    assert not t.fragments


def test_time_is_checked_against_sec_which_wins() -> None:
    text = "---\ntranscript:\n- line: Hello there.\n  sec: 75\n  time: '1:20'\n  who: A\n---\n"
    t = datatalks.read(text, "x.md")
    assert t.utterances[0].start == 75.0
    assert t.notes == ["line 3: time '1:20' disagrees with sec 75; sec used"]


def test_lines_sharing_a_sec_keep_their_order() -> None:
    text = (
        "---\ntranscript:\n- line: First.\n  sec: 10\n  who: A\n"
        "- line: Second.\n  sec: 10\n  who: A\n---\n"
    )
    assert [u.text for u in datatalks.read(text, "x.md").utterances] == ["First.", "Second."]


def test_a_broken_transcript_item_names_its_line() -> None:
    text = "---\ntitle: x\ntranscript:\n- line: ok\n  sec: 1\n- {broken: [\n---\n"
    with pytest.raises(ReaderError) as info:
        datatalks.read(text, "x.md")
    assert info.value.line == 6


CORPUS_CASES = {
    # file: (what the quirk is, a check on the read transcript)
    "datatalks/mlops-kubeflow-model-monitoring.md": "speaker names with a trailing colon",
    "datatalks/applied-llm-research-and-career-growth-in-practice.md": "a paragraph in who",
    "datatalks/developer-personal-brand-learn-in-public.md": "the same paragraph twice, no sec",
    "datatalks/kaggle-grandmaster-to-production-ml-and-education.md": "YouTube id with &t",
    "datatalks/learning-machine-learning-self-taught-bioinformatics.md": "time 37:567",
    "datatalks/big-data-analytics-and-postdoc-research.md": "raw-transcript debris",
    "datatalks/_theme-park-crowd-modeling-to-tesla-full-stack-data-engineering.md": "stray line",
}


@pytest.mark.corpus
def test_trailing_colon_speakers_are_cleaned(corpus: Path) -> None:
    t = _read(corpus / "datatalks/mlops-kubeflow-model-monitoring.md")
    speakers = {u.speaker for u in t.utterances}
    assert "Alexey" in speakers and "Theo" in speakers
    assert not any(s and s.endswith((":", ".")) for s in speakers)


@pytest.mark.corpus
def test_a_paragraph_in_who_is_kept_as_speech_with_no_speaker(corpus: Path) -> None:
    t = _read(corpus / "datatalks/applied-llm-research-and-career-growth-in-practice.md")
    shifted = [u for u in t.utterances if u.text.startswith("Currently I'm more into...")]
    assert shifted and shifted[0].speaker is None
    assert any("a paragraph sits in 'who'" in n for n in t.notes)


@pytest.mark.corpus
def test_the_same_paragraph_twice_is_kept_once_and_reported(corpus: Path) -> None:
    t = _read(corpus / "datatalks/developer-personal-brand-learn-in-public.md")
    texts = [u.text for u in t.utterances if len(words(u.text)) >= 8]
    assert len(texts) == len(set(texts))
    duplicates = [s for s in t.set_aside if s.reason == "duplicate paragraph"]
    assert duplicates
    assert all(s.text in texts for s in duplicates)


@pytest.mark.corpus
def test_a_missing_sec_is_estimated_between_its_neighbours(corpus: Path) -> None:
    path = corpus / "datatalks/solopreneur-developer-and-data-professional.md"
    t = _read(path)
    assert any(u.start is None for u in t.utterances)
    ep = build_episode(t, path.name, t.facts, "x")
    assert ep.timing == "mixed"
    assert all(s.start is not None for s in ep.segments)
    assert any(s.estimated for s in ep.segments)


@pytest.mark.corpus
def test_a_youtube_id_with_extra_characters_is_cut_to_the_id(corpus: Path) -> None:
    t = _read(corpus / "datatalks/kaggle-grandmaster-to-production-ml-and-education.md")
    assert t.facts.youtube_id == "NfAJAr7FvyY"
    assert any("NfAJAr7FvyY&t" in n for n in t.notes)


@pytest.mark.corpus
def test_a_malformed_time_falls_back_to_sec(corpus: Path) -> None:
    t = _read(corpus / "datatalks/learning-machine-learning-self-taught-bioinformatics.md")
    assert any(u.start == 2787.0 for u in t.utterances)
    assert any("time '37:567' is malformed; sec 46:27 used" in n for n in t.notes)


@pytest.mark.corpus
def test_leaked_raw_transcript_debris_is_set_aside(corpus: Path) -> None:
    t = _read(corpus / "datatalks/big-data-analytics-and-postdoc-research.md")
    assert not any(u.text.startswith("62:23") for u in t.utterances)
    assert any(s.reason == "raw transcript debris" and "62:23" in s.text for s in t.set_aside)


@pytest.mark.corpus
def test_a_stray_line_before_the_front_matter_is_passed_over(corpus: Path) -> None:
    name = "datatalks/_theme-park-crowd-modeling-to-tesla-full-stack-data-engineering.md"
    text = (corpus / name).read_text(encoding="utf-8")
    assert not text.startswith("---")
    assert datatalks.sniff(text, name)
    assert len(datatalks.read(text, name).utterances) > 50


@pytest.mark.corpus
def test_front_matter_broken_outside_the_transcript_still_reads(corpus: Path) -> None:
    hist = corpus / "datatalks_history"
    broken_intro = hist / "047ef030cb__data-science-job-red-flags-and-mismatched-roles.md"
    t = _read(broken_intro)
    assert any("front matter key 'intro' is not valid YAML" in n for n in t.notes)
    assert len(t.utterances) > 50
    broken_item = hist / "06785ff2c0__s08e06-recruiting-data-engineers.md"
    t = _read(broken_item)
    assert any("read loosely" in n for n in t.notes)
    text_block = hist / "aced010210__data-team-roles.md"
    t = _read(text_block)
    assert t.utterances[0].speaker == "Alexey"
    assert t.utterances[1].start == 9.0
