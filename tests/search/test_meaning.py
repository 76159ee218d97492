"""The sentence model run with numpy: the same vectors as sentence-transformers, refused when
altered, and search answering by words alone without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.search import meaning as semantic
from bot.search.meaning import Encoder, ModelError, load_meaning
from tests.conftest import MODEL, needs_model

TEXTS = [
    "back then ai wasnt hyped and progress was slow",
    "Back then the excitement around AI and machine learning was not today. "
    "The research was relatively slow.",
    "knitting a wool scarf for beginners",
]
# sentence-transformers 6.2 (torch 2.13, CPU) on TEXTS with normalize_embeddings=True:
# dimensions 0-5 and 100 of each vector, and the cosines between them.
REFERENCE = [
    ([0.00033, -0.00644, -0.01809, -0.00299, 0.06373, 0.00714], -0.02355),
    ([0.00486, 0.01967, 0.02951, 0.04521, 0.08251, -0.01586], -0.05084),
    ([-0.01221, -0.01228, -0.02011, 0.0486, -0.00236, 0.0008], -0.01199),
]
REFERENCE_COSINES = [
    [1.0, 0.76919, -0.02801],
    [0.76919, 1.0, -0.05385],
    [-0.02801, -0.05385, 1.0],
]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    assert MODEL is not None
    return Encoder.load(MODEL)


@needs_model
def test_vectors_are_those_of_sentence_transformers(encoder: Encoder) -> None:
    vectors = encoder.encode_many(TEXTS)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    for vector, (head, at_100) in zip(vectors, REFERENCE, strict=True):
        assert np.allclose(vector[:6], head, atol=2e-5)
        assert vector[100] == pytest.approx(at_100, abs=2e-5)
    assert np.allclose(vectors @ vectors.T, REFERENCE_COSINES, atol=2e-5)


@needs_model
def test_a_batch_gives_each_text_the_vector_it_gets_alone(encoder: Encoder) -> None:
    texts = [*TEXTS, "word " * 400]  # the last is cut at 256 tokens
    together = encoder.encode_many(texts)
    alone = np.concatenate([encoder.encode_many([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert together[0] @ together[1] > 0.7
    assert together[0] @ together[2] < 0.1


def test_altered_weights_are_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(ModelError) as info:
        Encoder.load(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'model.safetensors'}: SHA-256 ")
    meaning = load_meaning(folder=tmp_path)
    assert meaning.encoder is None and meaning.missing
    assert meaning.status.startswith("meaning check: off, ") and "SHA-256" in meaning.status


def test_missing_files_are_one_message(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        Encoder.load(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: cannot load the sentence model: ")


def test_without_the_package_or_when_switched_off_search_uses_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(semantic, "find_model", lambda: None)
    meaning = load_meaning()
    assert meaning.encoder is None and meaning.missing
    assert "python -m bot model fetch" in meaning.status
    meaning = load_meaning(enabled=False)
    assert meaning.encoder is None and not meaning.missing  # switched off: no warning
    assert meaning.status == "meaning check: off, words only ([search] meaning = false)"


@needs_model
def test_the_installed_model_loads_and_says_where_from() -> None:
    meaning = load_meaning()
    assert meaning.encoder is not None and not meaning.missing
    assert meaning.status == f"meaning check: on (all-MiniLM-L6-v2 from {MODEL})"
