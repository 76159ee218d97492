"""catalog.yaml: stated facts by raw file name; every bad entry is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import CatalogError
from bot.ingest import catalog
from tests.conftest import DATA


def test_the_shipped_catalog_is_valid_and_names_only_shipped_files() -> None:
    cat = catalog.load(DATA / "catalog.yaml")
    raw = sorted(p.name for p in (DATA / "raw").iterdir())
    assert sorted(cat.entries) == raw
    assert cat.unknown_names(raw) == []
    facts = cat.facts_for("001_1290f93bafb96edd.txt")
    assert facts is not None
    assert facts.youtube_id == "xVYOdRrN7hw"
    assert facts.speakers["Alexey"] == "Alexey Grigorev"


def test_facts_are_found_by_file_name_or_by_path() -> None:
    cat = catalog.parse("a.txt:\n  title: A\n", Path("c.yaml"))
    assert cat.facts_for("a.txt").title == "A"  # type: ignore[union-attr]
    assert cat.facts_for("deep/folder/a.txt").title == "A"  # type: ignore[union-attr]
    assert cat.facts_for("b.txt") is None


def test_an_entry_naming_no_file_is_an_error_with_its_line() -> None:
    cat = catalog.parse("a.txt:\n  title: A\n\nmissing.txt:\n  title: B\n", Path("c.yaml"))
    errors = cat.unknown_names(["a.txt"])
    assert [str(e) for e in errors] == [
        "c.yaml:4: entry 'missing.txt' names no file of the raw transcripts"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.txt:\n  titel: A\n", "c.yaml:2: a.txt: titel: unknown field"),
        ("a.txt:\n  season: one\n", "c.yaml:2: a.txt: season: must be a whole number"),
        ("a.txt:\n  duration: soon\n", "c.yaml:2: a.txt: duration: must be seconds or a clock"),
        ("a.txt:\n  date: 21/06/2021\n", "c.yaml:2: a.txt: date: must be a date"),
        ("a.txt:\n  id: Not A Slug\n", "c.yaml:2: a.txt: id: must be a URL-safe slug"),
        ("a.txt:\n  speakers: [Alexey]\n", "c.yaml:2: a.txt: speakers: must map names"),
        ("a.txt:\n  speakers: {A: Ann}\n  hosts: [B]\n", "c.yaml:3: a.txt: hosts: 'B' is not"),
        ("a.txt: just a title\n", "c.yaml:1: entry 'a.txt' must be a mapping"),
        ("- a.txt\n", "c.yaml:1: the catalog must map raw file names"),
        ("a.txt:\n  title: [unclosed\n", "c.yaml:3: not valid YAML"),
    ],
)
def test_bad_fields_are_named_with_file_line_and_reason(text: str, message: str) -> None:
    with pytest.raises(CatalogError) as info:
        catalog.parse(text, Path("c.yaml"))
    assert str(info.value).startswith(message)


def test_clock_durations_and_dates_are_normalised() -> None:
    cat = catalog.parse("a.txt:\n  duration: '1:01:41'\n  date: 2022-03-26\n", Path("c.yaml"))
    facts = cat.facts_for("a.txt")
    assert facts is not None
    assert facts.duration == 3701.0
    assert facts.date == "2022-03-26"


def test_an_empty_catalog_is_fine() -> None:
    assert catalog.parse("# nothing yet\n", Path("c.yaml")).entries == {}
