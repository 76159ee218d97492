"""Invariants over every sample and every corpus file that ingests.

- Nothing lost: the spoken words of the segments are the source's words, in order, minus what
  was set aside (which the episode reports), with the source's words found independently of
  the readers.
- Times never go backwards within an episode, except where the source does (then a note says so).
- Corpus files are checked in a fixed spread of every folder (`tests/conftest.spread`);
  `bench/archive_facts.py` counts titles over the whole corpus.
- Every corpus episode has a title in words, never a path: stated by the file, or made from its
  name and marked `title_from: filename` (the corpus is ingested with no catalog).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.episodes.model import Episode
from bot.ingest.catalog import empty
from bot.ingest.catalog import load as load_catalog
from bot.ingest.pipeline import discover, ingest_one
from bot.text import words
from tests.conftest import DATA, spread

CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"


def _source_words_sample(name: str, text: str) -> list[str]:
    """The spoken words of each sample, read with a few lines of regex (not the readers)."""
    if name.startswith("000_"):
        front = text.split("\n---\n", 1)[0].lstrip("-\n")
        items = yaml.safe_load(front)["transcript"]
        return [w for item in items if "line" in item for w in words(item["line"])]
    if name.startswith(("001_", "004_")):
        lines = [re.sub(rf"^{CLOCK}\s*", "", line) for line in text.splitlines()]
        return [w for line in lines for w in words(line)]
    if name.startswith("003_"):
        body = text.split("Click here to read the raw transcript...", 1)[1]
        lines = [
            line for line in body.splitlines() if line.strip() not in {"Tobias Macey", "Jon Krohn"}
        ]
        return words(" ".join(lines))
    return words(text)


def _episode_words(ep: Episode) -> tuple[list[str], Counter[str]]:
    spoken = [w for s in ep.segments for w in words(s.text)]
    aside = Counter(w for s in ep.set_aside for w in words(s.text))
    return spoken, aside


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(w == b for b in it) for w in small)


def _check_nothing_lost(source: list[str], ep: Episode) -> None:
    spoken, aside = _episode_words(ep)
    missing = Counter(source) - Counter(spoken) - aside
    extra = Counter(spoken) - Counter(source)
    assert not missing, f"{ep.source}: words lost: {list(missing.items())[:10]}"
    assert not extra, f"{ep.source}: words invented: {list(extra.items())[:10]}"
    assert _is_subsequence(spoken, source), f"{ep.source}: words out of order"


def _check_times(ep: Episode) -> None:
    backwards = [
        (a, b)
        for a, b in zip(ep.segments, ep.segments[1:], strict=False)
        if a.start is not None and b.start is not None and b.start < a.start
    ]
    notes = [n for n in ep.notes if "time goes back" in n]
    assert len(notes) == len(backwards), ep.source
    if ep.timing in ("estimated", "none"):
        assert not backwards


@pytest.mark.parametrize("raw", sorted((DATA / "raw").iterdir()), ids=lambda p: p.name)
def test_samples_lose_nothing_and_keep_time_order(raw: Path) -> None:
    catalog = load_catalog(DATA / "catalog.yaml")
    result = ingest_one(raw, raw.name, catalog)
    assert result.status == "ok" and result.episode is not None
    source = _source_words_sample(raw.name, raw.read_text(encoding="utf-8"))
    _check_nothing_lost(source, result.episode)
    _check_times(result.episode)
    if raw.name.startswith("003_"):
        reasons = Counter(s.reason for s in result.episode.set_aside)
        # The show notes before the banner are set aside too, so only the body is compared.
        assert reasons["sponsor read"] == 2


def _corpus_source_words(path: Path, text: str) -> list[str] | None:
    """Independent word lists for the corpus families whose layout a regex reads."""
    parts = path.parts
    if "timestamped_txt" in parts:
        text = re.sub(r"</?v[^>]*>", " ", text)
        return [w for line in text.splitlines() for w in words(re.sub(rf"^{CLOCK}\s*", "", line))]
    if "plain_text" in parts:
        return words(text)
    if "datatalks" in parts:
        front = text[text.index("---") + 3 :].split("\n---", 1)[0]
        items = yaml.safe_load(front)["transcript"]
        out: list[str] = []
        for item in items:
            if "line" in item:
                who = str(item.get("who") or "")
                if len(who.split()) > 4 or len(who) > 40:
                    out.extend(words(who))
                out.extend(words(str(item["line"])))
        return out
    return None


def _check_title(ep: Episode) -> None:
    assert ep.title_from in ("file", "filename"), ep.source
    assert ep.title != ep.source and Path(ep.source).name not in ep.title, ep.source
    assert "/" not in ep.title or " " in ep.title, ep.source


@pytest.mark.corpus
def test_corpus_files_lose_nothing_keep_time_order_and_have_titles(corpus: Path) -> None:
    checked = 0
    found = dict(discover([corpus]))
    assert len(found) >= 690
    for path in spread(found, per_folder=2):
        source = found[path]
        result = ingest_one(path, source, empty())
        if result.episode is None:
            continue
        _check_times(result.episode)
        _check_title(result.episode)
        text = path.read_text(encoding="utf-8", errors="replace")
        expected = _corpus_source_words(path, text)
        if expected is not None:
            _check_nothing_lost(expected, result.episode)
            checked += 1
    assert checked >= 25  # the spread holds 29 files of the families read by regex above
