"""A stamp of source code: derived data made by other code is made again, not reused."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def code_stamp(places: Iterable[Path], length: int = 16) -> str:
    """A hash of the Python sources at `places` (files, or folders read whole, in name
    order), `length` hex digits long."""
    digest = hashlib.sha1()
    for place in places:
        for file in sorted(place.rglob("*.py")) if place.is_dir() else [place]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:length]
