"""Diarisation labels (`SPEAKER_00`, `Speaker 3`, `spk_1`) as readers find them → "Speaker 1",
"Speaker 2"… numbered in order of first appearance within the episode.

A label the catalog (or the file) names keeps its key, so the name shows; only the unnamed
ones are numbered. Each renumbering is noted, so a curator can name the label in the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_LABEL = re.compile(r"^(?:speaker|spk)[ _-]?\d+$", re.IGNORECASE)


def is_label(name: str) -> bool:
    """A diarisation label rather than a name: `SPEAKER_00`, `Speaker 3`, `spk_1`."""
    return _LABEL.match(name.strip()) is not None


def numbered_labels(
    spoken: Iterable[str | None], names: Mapping[str, str | None]
) -> tuple[dict[str, str], list[str]]:
    """The new name of every unnamed label among the speakers in `spoken` (in order), and a
    note for each renamed one: `SPEAKER_01` → "Speaker 1" when it speaks first and `names`
    has no name for it. A label already written "Speaker N" is numbered afresh too."""
    labels = dict.fromkeys(s for s in spoken if s is not None and is_label(s))
    named = {label for label in labels if (full := names.get(label)) and not is_label(full)}
    renamed: dict[str, str] = {}
    number = 0
    for label in labels:
        if label in named:
            continue  # the catalog names it
        number += 1
        while f"Speaker {number}" in named:  # never the key of a named label
            number += 1
        renamed[label] = f"Speaker {number}"
    notes = [
        f"speaker label {old!r} is shown as {new!r} (the catalog can name it)"
        for old, new in renamed.items()
        if old != new
    ]
    return renamed, notes
