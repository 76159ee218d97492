"""Relevance of /quote search against plain baselines, side by side in one run.

    python bench/search_relevance.py [--queries FILE ...] [--engines podquote,tantivy] [--misses]

Searches the samples plus the whole shared corpus (as distractors) with each query of
`bench/queries.yaml` (distinctive passages) and `bench/queries_hard.yaml` (how members
half-remember: loose paraphrases, typos, keyword bags, partial names), one table per set, and
prints hit@1, hit@3, MRR and median time per engine, and hit@1 per query kind.
A hit is a result from one of the query's expected source files within `TOLERANCE` seconds of
the expected second (any time, where the source has none). Our search ends one of three ways
(confident answer, the closest moments when unsure, nothing): its table also says how often
the right moment is anywhere in the reply, how many confident answers are right, and how many
off-topic queries got a confident answer (there must be none); the baselines always answer.
"podquote" is the search as configured by default (with the sentence model), "podquote,
words only" without it, "podquote, no minimum" its ranking alone, like for like.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_library import corpus_library

from bot.archive.derived import Derived
from bot.archive.window_vectors import open_vectors
from bot.search.fold import fold, tokens
from bot.search.index import SearchIndex, build_index
from bot.search.meaning import load_meaning
from bot.search.ranking import Outcome, Searcher
from bot.search.windows import WindowVectors

TOLERANCE = 30.0
HERE = Path(__file__).resolve().parent
Hit = tuple[str, float | None]  # (source, second)
NO_MINIMUM = "podquote, no minimum"  # ranking alone, compared like for like with the baselines
WORDS_ONLY = "podquote, words only"  # without the sentence model


@dataclass
class Query:
    text: str
    kind: str
    sources: list[str]
    seconds: list[float | None]


def load_queries(path: Path) -> list[Query]:
    out = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        sources = list(item.get("sources") or [])
        seconds = item.get("seconds") or [item.get("second")] * len(sources)
        out.append(Query(item["query"], item["kind"], sources, list(seconds)))
    return out


def is_hit(query: Query, hit: Hit) -> bool:
    source, second = hit
    for expected_source, expected_second in zip(query.sources, query.seconds, strict=True):
        if source != expected_source:
            continue
        if expected_second is None or second is None:
            return True
        if abs(second - float(expected_second)) <= TOLERANCE:
            return True
    return False


@dataclass(frozen=True)
class Reply:
    """What an engine gave: its moments, best first, and whether it stood by them (None: an
    engine with no notion of confidence, which always answers)."""

    hits: list[Hit]
    confident: bool | None = None


def _reply(outcome: Outcome) -> Reply:
    """Our reply: the confident answers, else the closest moments offered when unsure."""
    shown = outcome.matches or outcome.closest
    return Reply([(m.episode.source, m.start) for m in shown], outcome.confident)


def _seg_hit(index: SearchIndex, seg: int) -> Hit:
    episode, _, segment = index.segment(seg)
    return episode.source, segment.start


class Engines:
    """Every engine answers `query -> ranked hits` over the same segments."""

    def __init__(self, index: SearchIndex, tmp: Path, windows: WindowVectors | None) -> None:
        self.index = index
        meaning = load_meaning()
        print(f"podquote: {meaning.status}")
        pieces = f"{len(windows.vectors):,} pieces" if windows else "none (ingest --vectors)"
        print(f"podquote: meaning vectors: {pieces}")
        self.searcher = Searcher(index, meaning.encoder, windows)  # as configured by default
        self.words_only = Searcher(index)  # the sentence model not installed
        self.texts = [index.folded(seg) for seg in range(index.size)]
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE seg USING fts5(body)")
        self.db.executemany(
            "INSERT INTO seg(rowid, body) VALUES (?, ?)",
            ((i, " ".join(tokens(t))) for i, t in enumerate(self.texts)),
        )
        self.db.commit()
        import tantivy  # noqa: PLC0415 - benchmark-only: pip install -e ".[bench]"

        schema = (
            tantivy.SchemaBuilder()
            .add_text_field("body", stored=False)
            .add_integer_field("seg", stored=True)
            .build()
        )
        self.tantivy_index = tantivy.Index(schema, path=str(tmp))
        writer = self.tantivy_index.writer(heap_size=200_000_000)
        for i, text in enumerate(self.texts):
            writer.add_document(tantivy.Document(body=text, seg=i))
        writer.commit()
        writer.wait_merging_threads()
        self.tantivy_index.reload()
        self.tantivy_searcher = self.tantivy_index.searcher()

    def ours(self, q: str) -> Reply:
        return _reply(self.searcher.search(q, limit=3))

    def ours_words_only(self, q: str) -> Reply:
        return _reply(self.words_only.search(q, limit=3))

    def ours_ranking(self, q: str) -> Reply:
        """Ours with no minimum: always the best ranked, like the baselines (ranking alone)."""
        return Reply(_reply(self.searcher.search(q, limit=3, min_score=0.0)).hits)

    def _rapidfuzz(self, scorer: Callable[..., float]) -> Callable[[str], Reply]:
        def run(q: str) -> Reply:
            found = process.extract(fold(q), self.texts, scorer=scorer, processor=None, limit=3)
            return Reply([_seg_hit(self.index, i) for _, _, i in found])

        return run

    def fts5(self, q: str) -> Reply:
        terms = tokens(fold(q))
        if not terms:
            return Reply([])
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self.db.execute(
            "SELECT rowid FROM seg WHERE seg MATCH ? ORDER BY bm25(seg) LIMIT 3", (match,)
        ).fetchall()
        return Reply([_seg_hit(self.index, r[0]) for r in rows])

    def tantivy(self, q: str) -> Reply:
        terms = tokens(fold(q))
        if not terms:
            return Reply([])
        query = self.tantivy_index.parse_query(" ".join(terms), ["body"])
        found = self.tantivy_searcher.search(query, 3).hits
        return Reply(
            [_seg_hit(self.index, self.tantivy_searcher.doc(addr)["seg"][0]) for _, addr in found]
        )

    def all(self) -> dict[str, Callable[[str], Reply]]:
        return {
            "podquote": self.ours,
            WORDS_ONLY: self.ours_words_only,
            NO_MINIMUM: self.ours_ranking,
            "tantivy BM25": self.tantivy,
            "SQLite FTS5 BM25": self.fts5,
            "rapidfuzz token_set_ratio": self._rapidfuzz(fuzz.token_set_ratio),
            "rapidfuzz partial_ratio": self._rapidfuzz(fuzz.partial_ratio),
            "rapidfuzz WRatio": self._rapidfuzz(fuzz.WRatio),
        }


def evaluate(engines: Engines, queries: list[Query], wanted: list[str], misses: bool) -> None:
    """Per engine: hit@1, hit@3, MRR of the moments it shows and median time, hit@1 per kind;
    for ours also how it stood by them: the right moment anywhere in the reply (confident
    answer or the unsure list), confident answers that are right, off-topic confident."""
    answerable = [q for q in queries if q.kind != "offtopic"]
    offtopic = [q for q in queries if q.kind == "offtopic"]
    print(
        f"{'engine':<28}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}{'ms p50':>8}"
        f"{'in reply':>10}{'conf. right':>13}{'off-topic conf.':>17}"
    )
    for name, engine in engines.all().items():
        if wanted and not any(name.startswith(w) for w in wanted):
            continue
        ranks: list[int | None] = []
        took: list[float] = []
        by_kind: dict[str, list[int | None]] = defaultdict(list)
        missed = []
        confident = confident_right = 0
        for q in answerable:
            began = time.perf_counter()
            reply = engine(q.text)
            took.append((time.perf_counter() - began) * 1000)
            rank = next((i + 1 for i, h in enumerate(reply.hits) if is_hit(q, h)), None)
            ranks.append(rank)
            by_kind[q.kind].append(rank)
            if reply.confident:
                confident += 1
                confident_right += rank == 1
            if rank != 1 or not reply.confident:
                missed.append((q, reply))
        off_replies = [engine(q.text) for q in offtopic]
        n = len(ranks) or 1
        hit1 = sum(r == 1 for r in ranks) / n
        hit3 = sum(r is not None and r <= 3 for r in ranks) / n
        mrr = sum(1 / r for r in ranks if r) / n
        sure = name in {"podquote", WORDS_ONLY}  # the engines that can decline to answer
        in_reply = f"{hit3:.2f}" if sure else "n/a"
        right = f"{confident_right}/{confident}" if sure else "n/a"
        off = f"{sum(bool(r.confident) for r in off_replies)}/{len(offtopic)}" if sure else "n/a"
        print(
            f"{name:<28}{hit1:>7.2f}{hit3:>7.2f}{mrr:>7.2f}{statistics.median(took):>8.1f}"
            f"{in_reply:>10}{right:>13}{off:>17}"
        )
        kinds = "  ".join(
            f"{kind} {sum(r == 1 for r in rs) / len(rs):.2f}"
            for kind, rs in sorted(by_kind.items())
        )
        print(f"    hit@1 by kind: {kinds}")
        if name == "podquote" and misses:
            for q, reply in missed:
                how = "confident" if reply.confident else "unsure" if reply.hits else "nothing"
                print(
                    f"    MISS [{q.kind}] ({how}) {q.text!r} want {q.sources[0]}@{q.seconds[0]} "
                    f"got {reply.hits[:3]}"
                )
            for q, reply in zip(offtopic, off_replies, strict=True):
                if reply.confident:
                    print(f"    OFF-TOPIC CONFIDENT {q.text!r}: {reply.hits[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--queries",
        type=Path,
        action="append",
        help="a query file (repeatable); default: bench/queries.yaml and bench/queries_hard.yaml",
    )
    parser.add_argument("--engines", default="", help="comma-separated engine name prefixes")
    parser.add_argument("--misses", action="store_true", help="list our engine's misses")
    args = parser.parse_args()
    files = args.queries or [HERE / "queries.yaml", HERE / "queries_hard.yaml"]
    sets = [(path, load_queries(path)) for path in files]
    library = corpus_library()
    index = build_index(library)
    print(f"{index.size:,} segments of {len(library)} episodes (samples + corpus)")
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        windows = open_vectors(index, library, Derived.beside(library.folder))
        engines = Engines(index, Path(tmp), windows)
        for path, queries in sets:
            n_off = sum(q.kind == "offtopic" for q in queries)
            answerable = len(queries) - n_off
            print(f"\n== {path.name}: {answerable} answerable + {n_off} off-topic queries")
            evaluate(engines, queries, wanted, args.misses)


if __name__ == "__main__":
    main()
