"""A source without speakers takes the turns of a copy of the same talk, where the two texts
align; where the alignment is unsure, the speaker stays unknown."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bot.episodes import files as episode_io
from bot.episodes.library import Library
from bot.episodes.model import Episode
from bot.ingest import copy_speakers
from bot.ingest.catalog import empty
from bot.ingest.catalog import load as load_catalog
from bot.ingest.copy_speakers import align, take_speakers
from bot.ingest.intake import Given, Places, add_file, remove_episode
from bot.ingest.pipeline import ingest
from tests.conftest import DATA

CAPTIONS = "s04e01-from-software-engineering-to-machine-learning"  # sample 001, kept
PAGE_ID = "s04e01-from-software-engineer-to-machine-learning"  # its DataTalks.Club page
PAGE = "datatalks/from-software-engineer-to-machine-learning.md"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Episode]:
    """The five samples through the real pipeline."""
    out = tmp_path_factory.mktemp("samples")
    ingest([DATA / "raw"], out, load_catalog(DATA / "catalog.yaml"))
    return {p.stem: episode_io.read(p) for p in out.glob("*.yaml")}


def _turns(episode: Episode, every: int = 1) -> Episode:
    """The episode as a copy that names who speaks: "Ann" and "Bob" take turns, each turn
    `every` segments long (a made-up copy, to test the alignment alone)."""
    segments = tuple(
        replace(s, speaker="Ann" if (n // every) % 2 == 0 else "Bob")
        for n, s in enumerate(episode.segments)
    )
    return replace(episode, id="turns", source="turns.txt", segments=segments, speakers=())


def test_a_copy_with_the_same_words_names_every_segment(samples: dict[str, Episode]) -> None:
    captions = samples[CAPTIONS]
    copy = _turns(captions, every=3)
    assert align(captions, copy) == [s.speaker for s in copy.segments]


def test_a_garbled_part_of_the_copy_leaves_its_segments_unknown(
    samples: dict[str, Episode],
) -> None:
    captions = samples[CAPTIONS]
    copy = _turns(captions, every=3)
    shuffle = random.Random(17)
    garbled = list(copy.segments)
    for n in range(60, 90):  # the copy's words of these segments, in another order
        words = garbled[n].text.split()
        shuffle.shuffle(words)
        garbled[n] = replace(garbled[n], text=" ".join(words))
    found = align(captions, replace(copy, segments=tuple(garbled)))
    assert found[62:88] == [None] * 26  # the unsure part stays unknown (its edges may match)
    sure = found[:60] + found[90:]
    assert sure == [s.speaker for s in copy.segments[:60] + copy.segments[90:]]


def test_a_turn_inside_a_segment_leaves_it_unknown(samples: dict[str, Episode]) -> None:
    captions = samples[CAPTIONS]
    # The copy splits each segment in two halves, Ann says the first, Bob the second.
    halves = []
    for seg in captions.segments:
        words = seg.text.split()
        middle = len(words) // 2
        halves += [
            replace(seg, speaker="Ann", text=" ".join(words[:middle]) or "uh"),
            replace(seg, speaker="Bob", text=" ".join(words[middle:])),
        ]
    copy = replace(captions, id="halves", segments=tuple(halves))
    assert set(align(captions, copy)) == {None}


def test_an_unrelated_talk_gives_no_speaker(samples: dict[str, Episode]) -> None:
    # Sample 001's captions and sample 000's page (Alexey with Meor): other talks, same host.
    captions, page = samples[CAPTIONS], samples["s08e01-visualising-machine-learning"]
    assert set(align(captions, page)) == {None}
    assert take_speakers(captions, page) is None
    assert copy_speakers.from_copies(samples) == {}  # no two samples are one talk


@pytest.mark.corpus
def test_sample_001_takes_alexey_and_santiago_from_its_page(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "episodes"
    report = ingest([DATA / "raw", corpus / PAGE], out, load_catalog(DATA / "catalog.yaml"))
    assert [e.id for e in report.speakers_taken] == [CAPTIONS]
    kept = episode_io.read(out / f"{CAPTIONS}.yaml")
    assert kept.speakers_from is not None
    assert (kept.speakers_from.episode, kept.speakers_from.source) == (PAGE_ID, PAGE.split("/")[1])
    said = Counter(s.speaker for s in kept.segments)
    assert said[None] + said["Alexey"] + said["Santiago"] == len(kept.segments)
    assert said["Alexey"] >= 20 and said["Santiago"] >= 80  # both, on most segments
    assert kept.speakers_from.named == len(kept.segments) - said[None] >= 0.65 * len(kept.segments)
    assert dict(kept.speakers) == {"Alexey": "Alexey Grigorev", "Santiago": "Santiago Valdarrama"}
    assert _said(kept, "you mentioned that you don't like") == "Alexey"  # the page at 6:33
    assert _said(kept, "if you want to go quickly go alone") == "Santiago"  # at 20:38
    # The first seven segments come before the page starts: nobody to take them from.
    assert [s.speaker for s in kept.segments[:7]] == [None] * 7
    # The library keeps the captions (catalogued), now with speakers; the page is set aside.
    library = Library.load(out)
    assert library.get(CAPTIONS) == kept and library.get(PAGE_ID) is None


@pytest.mark.corpus
def test_the_copy_may_come_before_or_after_and_an_unchanged_talk_is_not_aligned_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "episodes"
    raw = tmp_path / "raw"
    shutil.copytree(DATA / "raw", raw)
    catalog = load_catalog(DATA / "catalog.yaml")
    ingest([raw], out, catalog)
    assert episode_io.read(out / f"{CAPTIONS}.yaml").speakers_from is None
    # The page comes later, in a run of its own: the captions' file, of the run before, takes
    # its speakers.
    report = ingest([corpus / PAGE], out, empty())
    assert [e.id for e in report.speakers_taken] == [CAPTIONS]
    written = (out / f"{CAPTIONS}.yaml").read_text(encoding="utf-8")
    assert "speakers_from:" in written
    # Ingesting the samples again with the page in the folder: the same file, and the
    # alignment is read back from it, not done again.
    monkeypatch.setattr(copy_speakers, "align", _not_called)
    ingest([raw], out, catalog)
    assert (out / f"{CAPTIONS}.yaml").read_text(encoding="utf-8") == written
    # With --prune the page (not of this run) is gone, and so are the speakers it gave.
    ingest([raw], out, catalog, prune=True)
    assert episode_io.read(out / f"{CAPTIONS}.yaml").speakers_from is None


def _said(episode: Episode, words: str) -> str | None:
    (speaker,) = [s.speaker for s in episode.segments if words in s.text]
    return speaker


def _not_called(kept: Episode, copy: Episode) -> list[str | None]:
    raise AssertionError("aligned again, though nothing changed")


@pytest.mark.corpus
def test_ingest_of_one_file_gives_or_takes_the_speakers_of_a_copy(
    corpus: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    places = Places(data / "raw", data / "episodes")
    # The page's first 80 turns as a transcript with names and no times: no richer than the
    # captions served (fewer segments), so they stay served and take its speakers.
    page = episode_io.read(_page_beside_samples(corpus, tmp_path) / f"{PAGE_ID}.yaml")
    turns = "".join(f"**{s.speaker}:** {s.text}\n\n" for s in page.segments[:80])
    named = add_file(turns.encode(), "turns.md", places, Given(youtube="xVYOdRrN7hw"))
    assert named.episode.format == "markdown-bold-speakers"
    captions = episode_io.read(places.episodes / f"{CAPTIONS}.yaml")
    assert captions.speakers_from is not None
    assert captions.speakers_from.episode == named.episode.id
    said = captions.speakers_from.named
    assert 0.4 * len(captions.segments) <= said < 124  # the first two thirds or so
    assert (
        f"episode {CAPTIONS} now names the speakers of {said} of its 174 segments from this copy"
        in named.warnings
    )
    assert Library.load(places.episodes).get(CAPTIONS) == captions
    # The captions taken out and added again: they take the speakers of the copy served.
    remove_episode(captions, places)
    raw = (places.removed / "001_1290f93bafb96edd.txt").read_bytes()
    again = add_file(raw, "captions.txt", places, Given(youtube="xVYOdRrN7hw"))
    assert again.episode.speakers_from is not None
    assert again.episode.speakers_from.episode == named.episode.id
    assert (
        f"speakers of {said} of its 174 segments from episode {named.episode.id}, a copy of "
        "this talk" in again.warnings
    )
    assert episode_io.read(places.episodes / f"{again.episode.id}.yaml") == again.episode


def _page_beside_samples(corpus: Path, tmp_path: Path) -> Path:
    out = tmp_path / "with-page"
    ingest([DATA / "raw", corpus / PAGE], out, load_catalog(DATA / "catalog.yaml"))
    return out
