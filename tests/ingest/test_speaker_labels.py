"""Diarisation labels become "Speaker 1", "Speaker 2"… unless the catalog names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.episodes.model import Episode
from bot.ingest.catalog import empty, parse
from bot.ingest.pipeline import ingest_one
from bot.ingest.speaker_labels import is_label, numbered_labels
from tests.conftest import DATA


def _segments(*speakers: str) -> str:
    return json.dumps(
        {
            "segments": [
                {"start": float(i), "end": i + 1.0, "text": f"Line {i} said here.", "speaker": s}
                for i, s in enumerate(speakers)
            ]
        }
    )


def test_labels_are_numbered_in_order_of_first_appearance() -> None:
    spoken = ["SPEAKER_01", None, "Ann", "SPEAKER_00", "SPEAKER_01", "spk_7"]
    renamed, notes = numbered_labels(spoken, {})
    assert renamed == {"SPEAKER_01": "Speaker 1", "SPEAKER_00": "Speaker 2", "spk_7": "Speaker 3"}
    assert (
        notes[0] == "speaker label 'SPEAKER_01' is shown as 'Speaker 1' (the catalog can name it)"
    )
    assert [is_label(n) for n in ("Speaker 3", "SPEAKER_00", "Speakers", "Ann", "Speaker")] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_a_named_label_keeps_its_key_and_no_number_collides_with_it() -> None:
    renamed, _ = numbered_labels(["Speaker 2", "Speaker 1"], {"Speaker 1": "Ann Lee"})
    assert renamed == {"Speaker 2": "Speaker 2"}  # not "Speaker 1": that is Ann's key
    renamed, notes = numbered_labels(["Speaker 1", "Speaker 2"], {})
    assert renamed == {"Speaker 1": "Speaker 1", "Speaker 2": "Speaker 2"} and not notes


def test_an_ingested_file_shows_numbers_and_the_catalogs_names(tmp_path: Path) -> None:
    raw = tmp_path / "talk.json"
    raw.write_text(_segments("SPEAKER_01", "SPEAKER_00", "SPEAKER_02", "SPEAKER_01"), "utf-8")
    ep = ingest_one(raw, "talk.json", empty()).episode
    assert ep is not None
    assert [s.speaker for s in ep.segments] == ["Speaker 1", "Speaker 2", "Speaker 3", "Speaker 1"]
    assert dict(ep.speakers) == {"Speaker 1": None, "Speaker 2": None, "Speaker 3": None}
    catalog = parse("talk.json:\n  speakers: {SPEAKER_00: Sam Charrington}\n", tmp_path / "c.yaml")
    ep = ingest_one(raw, "talk.json", catalog).episode
    assert ep is not None
    shown = [ep.full_name(s.speaker) for s in ep.segments]
    assert shown == ["Speaker 1", "Sam Charrington", "Speaker 2", "Speaker 1"]


@pytest.mark.corpus
def test_twiml_pyannote_labels_read_as_speaker_1_and_2(corpus: Path) -> None:
    path = corpus / "json_segments/twiml_modal_transcribe/eg_transcription.json"
    ep = ingest_one(path, "twiml/eg_transcription.json", empty()).episode
    assert ep is not None
    assert {s.speaker for s in ep.segments} == {"Speaker 1", "Speaker 2"}
    assert not any(name.startswith("SPEAKER_") for name, _ in ep.speakers)


@pytest.mark.corpus
def test_lennys_speaker_3_is_the_first_numbered_speaker(corpus: Path) -> None:
    path = corpus / "speaker_paragraphs_md/lennys/mike-krieger/transcript.md"
    ep = ingest_one(path, "lennys/mike-krieger/transcript.md", empty()).episode
    assert ep is not None
    speakers = {s.speaker for s in ep.segments}
    assert "Speaker 1" in speakers and "Speaker 3" not in speakers


def test_a_catalog_entry_with_one_speaker_names_every_line(tmp_path: Path) -> None:
    sample = DATA / "raw" / "004_0dbda6ac67a6e3cf.txt"  # one speaker, named nowhere
    assert {s.speaker for s in _episode(sample, "004.txt:\n  title: Five secrets\n").segments} == {
        None
    }
    ep = _episode(sample, "004.txt:\n  speakers: {Kim: Kim Example}\n")
    assert {s.speaker for s in ep.segments} == {"Kim"}
    assert ep.full_name("Kim") == "Kim Example"
    assert "every segment is Kim's: the catalog names one speaker and the source none" in ep.notes
    # Two speakers in the catalog: who says what is not known, so nobody is named.
    ep = _episode(sample, "004.txt:\n  speakers: {Kim: Kim Example, Lee: Lee Example}\n")
    assert {s.speaker for s in ep.segments} == {None}


def test_one_catalog_speaker_does_not_overrule_the_speakers_a_source_names(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "talk.json"
    raw.write_text(_segments("Ann", "Bob"), "utf-8")
    catalog = parse("talk.json:\n  speakers: {Ann: Ann Lee}\n", tmp_path / "c.yaml")
    ep = ingest_one(raw, "talk.json", catalog).episode
    assert ep is not None and [s.speaker for s in ep.segments] == ["Ann", "Bob"]


def _episode(raw: Path, catalog: str) -> Episode:
    found = ingest_one(raw, "004.txt", parse(catalog, raw.parent / "catalog.yaml")).episode
    assert found is not None
    return found
