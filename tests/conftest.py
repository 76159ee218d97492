"""Shared test helpers: where the project's data and the optional shared corpus live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus() -> Path:
    """The shared corpus folder; the test is skipped with a reason when it is absent."""
    if not (CORPUS / "MANIFEST.md").is_file():
        pytest.skip("../shared/corpus is absent: corpus tests need it")
    return CORPUS
