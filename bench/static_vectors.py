"""Would static word vectors find the moments the words miss? (#15; tuning sets only)

    python bench/static_vectors.py [--queries FILE ...]

A model2vec-style static model is distilled from the sentence model podquote already has
(all-MiniLM-L6-v2, run with numpy by `bot.search.meaning`): each of its 30,522 tokens is
encoded alone, and a text's vector is the mean of its tokens' vectors weighted by rarity
(a / (a + p), a = 1e-3, p from the corpus). Every segment of the corpus gets the vector of its
window (the segment and its neighbours); a query's vector is compared with all of them in one
matrix product (milliseconds, no model at query time). Printed per kind of query, over the
answerable queries of the tuning sets:

- `pool`: the right moment is among the candidates our search gathers by words (BM25);
- `st@10/30/100`: it is among the best 10, 30, 100 segments of the corpus by static cosine;
- `new@30`: it is in the static best 30 but not in the words' pool (what static retrieval
  would add);
- `w1`, `w4`: right first, or among the best 4 (what the sentence model weighs), of the
  words' ranking; `cK_a`: the same for the words' score plus `a` × the static cosine, K = 1, 4.

Run on 2026-12-06 over the tenth, eleventh, twelfth and fourteenth sets (480 answerable):

    kind            n   pool  st@10  st@30 st@100 new@30     w1     w4   c1_1   c4_1   c1_2   c4_2
    fragment       60     60     34     39     48      0     60     60     59     60     59     60
    keywords       60     60     28     34     42      0     59     60     59     60     58     60
    mixed          60     60     43     48     54      0     57     59     57     59     58     59
    paraphrase    160    142     70     87    107      2    104    128    109    129    109    129
    question       80     79     42     49     59      1     74     76     74     76     72     77
    typo           60     60     21     25     33      0     60     60     60     60     60     60
    all           480    461    238    282    343      3    414    443    418    444    416    445

So the words already gather the right moment for 461 of 480 (96%; 142 of 160 paraphrases),
and static vectors would add 3; as a ranking feature they move the right moment into the
model's best 4 for 1-2 more queries. Not worth an index of vectors: what is lost is lost in
the order of the words' candidates and in the model's choice among its 4, not in gathering.
(The transformer itself over every window of the corpus would cost over an hour of CPU.)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus_library import corpus_library  # noqa: E402
from search_relevance import Query, is_hit, load_queries  # noqa: E402

from bot.search import ranking  # noqa: E402
from bot.search.fold import fold, tokens  # noqa: E402
from bot.search.index import SearchIndex, build_index  # noqa: E402
from bot.search.meaning import Encoder, find_model  # noqa: E402
from bot.search.question import Question, parse  # noqa: E402
from bot.search.ranking import Match, Searcher  # noqa: E402

TUNING = ("tenth", "eleventh", "twelfth", "fourteenth")
CACHE = HERE / ".cache" / "static-vectors.npy"
SIF = 1e-3
WEIGHTS = (1.0, 2.0)  # the static cosine's weight beside the words' score (÷ 100)

Vectors = npt.NDArray[np.float32]


class TokenIds:
    """A tokenizer that reads a token id from the text: `[CLS] id [SEP]`."""

    def encode(self, text: str) -> list[int]:
        return [101, int(text), 102]


def distil(encoder: Encoder) -> Vectors:
    """Each token's vector: the sentence model's embedding of that token alone (cached)."""
    if CACHE.exists():
        return np.load(CACHE)
    began = time.perf_counter()
    vocab = encoder.words.shape[0]
    real, encoder.tokenizer = encoder.tokenizer, TokenIds()  # type: ignore[assignment]
    try:
        rows = [
            encoder.encode_many([str(i) for i in range(a, min(vocab, a + 2048))])
            for a in range(0, vocab, 2048)
        ]
    finally:
        encoder.tokenizer = real
    static = np.concatenate(rows).astype(np.float32)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.save(CACHE, static)
    print(f"distilled {vocab:,} tokens in {time.perf_counter() - began:.0f} s")
    return static


@dataclass
class Static:
    """The static model and every segment's window vector."""

    index: SearchIndex
    encoder: Encoder
    vectors: Vectors
    weight: Vectors = field(init=False)
    windows: Vectors = field(init=False)

    def __post_init__(self) -> None:
        ids = [self.encoder.tokenizer.encode(self._text(s))[1:-1] for s in range(self.index.size)]
        counts = np.zeros(self.vectors.shape[0])
        for row in ids:
            np.add.at(counts, row, 1)
        self.weight = (SIF / (SIF + counts / counts.sum())).astype(np.float32)
        self.windows = np.zeros((self.index.size, self.vectors.shape[1]), dtype=np.float32)
        for seg in range(self.index.size):
            episode = self.index.segment(seg)[0]
            window = list(ids[seg])
            for other in (seg - 1, seg + 1):
                if 0 <= other < self.index.size and self.index.segment(other)[0] is episode:
                    window += ids[other]
            self.windows[seg] = self._mean(window)

    def _text(self, seg: int) -> str:
        return self.index.segment(seg)[2].text

    def _mean(self, ids: list[int]) -> Vectors:
        if not ids:
            return np.zeros(self.vectors.shape[1], dtype=np.float32)
        total = (self.vectors[ids] * self.weight[ids, None]).sum(0)
        norm = float(np.linalg.norm(total))
        return total / (norm or 1.0)

    def query(self, said: str) -> Vectors:
        return self._mean(self.encoder.tokenizer.encode(said)[1:-1])


class Capture(Searcher):
    """Our searcher up to the model's decision: keeps the words' ranking, decides nothing."""

    scored: list[Match] | None = None

    def _decide_by_meaning(
        self, question: Question, scored: list[Match], limit: int, min_score: float
    ) -> tuple[list[Match], list[Match]]:
        self.scored = list(scored)
        return [], []


def measure(queries: list[Query], static: Static, searcher: Capture) -> dict[str, list[int]]:
    """Per kind: n, pool, st@10, st@30, st@100, new@30, w1, w4, then c1/c4 per weight."""
    index = static.index
    where = {(index.segment(s)[0].id, index.segment(s)[1]): s for s in range(index.size)}
    rows: dict[str, list[int]] = {}
    for query in queries:
        if query.kind == "offtopic":
            continue

        def right(seg: int, query: Query = query) -> bool:
            episode, _, segment = index.segment(int(seg))
            return is_hit(query, (episode.source, segment.start))

        said = parse(fold(query.text)).said
        near = static.windows @ static.query(said)
        best = np.argpartition(-near, 100)[:100]
        best = best[np.argsort(-near[best])]
        rank = next((i for i, s in enumerate(best) if right(s)), None)
        in_pool = any(right(s) for s in searcher._gather(searcher._terms(tokens(said))))
        searcher.scored = None
        searcher.search(query.text, limit=3)
        ranked = ranking._collapse(searcher.scored or [], 50)
        hits = [is_hit(query, (m.episode.source, m.start)) for m in ranked]
        cosines = static.windows[[where[(m.episode.id, m.position)] for m in ranked]] @ (
            static.query(said)
        )
        row = [
            1,
            in_pool,
            rank is not None and rank < 10,
            rank is not None and rank < 30,
            rank is not None,
            not in_pool and rank is not None and rank < 30,
            bool(hits[:1] and hits[0]),
            any(hits[:4]),
        ]
        for weight in WEIGHTS:
            order = sorted(
                range(len(ranked)), key=lambda i: -(ranked[i].score / 100 + weight * cosines[i])
            )
            row += [bool(order) and hits[order[0]], any(hits[i] for i in order[:4])]
        totals = rows.setdefault(query.kind, [0] * len(row))
        rows[query.kind] = [a + int(b) for a, b in zip(totals, row, strict=True)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, action="append", help="a tuning set (repeatable)")
    args = parser.parse_args()
    files = args.queries or [HERE / f"queries_{name}.yaml" for name in TUNING]
    folder = find_model()
    if folder is None:
        raise SystemExit("the sentence model is not installed: python -m bot model fetch")
    encoder = Encoder.load(folder)
    index = build_index(corpus_library())
    began = time.perf_counter()
    static = Static(index, encoder, distil(encoder))
    print(f"{index.size:,} windows in {time.perf_counter() - began:.0f} s")
    queries = [q for path in files for q in load_queries(path)]
    rows = measure(queries, static, Capture(index, encoder))
    heads = ["n", "pool", "st@10", "st@30", "st@100", "new@30", "w1", "w4"]
    heads += [f"c{k}_{w:g}" for w in WEIGHTS for k in (1, 4)]
    print(f"{'kind':10s} " + " ".join(f"{h:>6s}" for h in heads))
    total = [0] * len(heads)
    for kind, row in sorted(rows.items()):
        print(f"{kind:10s} " + " ".join(f"{v:6d}" for v in row))
        total = [a + b for a, b in zip(total, row, strict=True)]
    print(f"{'all':10s} " + " ".join(f"{v:6d}" for v in total))


if __name__ == "__main__":
    main()
