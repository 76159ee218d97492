"""Search speed at scale: the corpus replicated to a million segments, ours vs FTS5 vs tantivy.

    python bench/search_speed.py [--segments 1000000] [--queries 300]
                                 [--engines ours,ours-words,fts5,tantivy]

Each engine builds its index over the same segments and answers the same queries: generated
ones (fragments, reordered words, typos, keywords and partial fragments drawn from random
segments with a fixed seed), then the written queries of the relevance sets (`WRITTEN`:
paraphrases, questions and off-topic queries among them, which the words do not settle and
the sentence model is asked about). `ours` is the search as configured by default (with the
sentence model), `ours-words` the same by words only; `@top<N>` and `@rerank<N>` after either
change `ranking.MEANING_TOP` (the moments the model weighs) and `ranking.RERANK` (the candidates
whose words are weighed), to compare settings side by side (`ours,ours@rerank100`). Ours
builds its on-disk index in one process and opens it in another, as the bot does (ingest
builds, the bot opens): its peak memory is that of opening and searching. The other engines
build in memory where they search.
Prints build (ours: open) time, peak memory (max RSS of the process that searched, each engine
in a fresh process) and per-query p50/p95/p99, for all queries and for each kind.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_library import corpus_library
from search_relevance import load_queries

from bot.archive import search_index
from bot.archive.derived import code_stamp
from bot.episodes.model import Episode
from bot.search import ranking
from bot.search.engine import Engine
from bot.search.fold import fold, tokens
from bot.search.index import SearchIndex, build_index
from bot.search.meaning import load_meaning
from bot.search.ranking import Searcher


def replicated(target: int) -> list[Episode]:
    """The corpus library's episodes, copied under new ids until `target` segments."""
    base = list(corpus_library())
    out: list[Episode] = []
    total, copy = 0, 0
    while total < target:
        for ep in base:
            out.append(ep if copy == 0 else replace(ep, id=f"{ep.id}-copy{copy}"))
            total += len(ep.segments)
            if total >= target:
                break
        copy += 1
    return out


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_queries(episodes: list[Episode], count: int, seed: int = 7) -> list[str]:
    """Queries of the kinds members type, drawn from random segments."""
    rng = random.Random(seed)
    segments = [s for ep in episodes[:600] for s in ep.segments if len(s.text.split()) >= 12]
    queries: list[str] = []
    kinds = ["fragment", "reordered", "typo", "keywords", "partial"]
    while len(queries) < count:
        words = tokens(fold(rng.choice(segments).text))
        if len(words) < 10:
            continue
        kind = kinds[len(queries) % len(kinds)]
        at = rng.randrange(0, len(words) - 8)
        run = words[at : at + rng.randint(5, 8)]
        if kind == "reordered":
            rng.shuffle(run)
        elif kind == "typo":
            run = [_typo(w, rng) if rng.random() < 0.3 else w for w in run]
        elif kind == "keywords":
            long_words = dict.fromkeys(w for w in words if len(w) > 6)  # not a set: hash order
            run = sorted(long_words, key=lambda _: rng.random())[:3] or run
        elif kind == "partial":
            run = [w for w in run if rng.random() < 0.7] or run
        queries.append(" ".join(run))
    return queries


HERE = Path(__file__).resolve().parent
# The relevance sets, all measured already (a new blind set stays out of here until its run).
WRITTEN = (
    "queries",
    "queries_hard",
    "queries_heldout",
    "queries_fresh",
    "queries_fifth",
    "queries_sixth",
    "queries_seventh",
    "queries_eighth",
    "queries_tenth",
    "queries_eleventh",
    "queries_ninth",
    "queries_twelfth",
    "queries_thirteenth",
)


def written_queries() -> list[str]:
    """The query texts of the relevance sets (answerable and off-topic)."""
    return [q.text for name in WRITTEN for q in load_queries(HERE / f"{name}.yaml")]


def _percentiles(took: list[float]) -> str:
    took = sorted(took)

    def pick(p: float) -> float:
        return took[min(len(took) - 1, int(p * len(took)))]

    return (
        f"p50 {statistics.median(took):7.2f} ms  p95 {pick(0.95):7.2f} ms  p99 {pick(0.99):7.2f} ms"
    )


def _built(segments: int) -> Path:
    """Where ours is built for this many segments (built here the first time, and again when
    the search's code changes, as the bot's stored index is)."""
    folder = HERE / ".cache" / f"speed-index-{segments}-{code_stamp(search_index.CODE)[:12]}"
    if not (folder / "done.json").is_file():
        for old in (HERE / ".cache").glob(f"speed-index-{segments}*"):
            shutil.rmtree(old)
        episodes = replicated(segments)
        began = time.perf_counter()
        build_index(episodes, threads=0, folder=folder / "index")
        took = time.perf_counter() - began
        (folder / "done.json").write_text(json.dumps({"build_s": took}))
    return folder


def run_engine(name: str, segments: int, count: int) -> dict[str, object]:
    episodes = replicated(segments)
    generated = make_queries(episodes, count)
    queries = generated + written_queries()
    texts_total = sum(len(ep.segments) for ep in episodes)
    began = time.perf_counter()
    weighed = 0
    base, *settings = name.split("@")
    for setting in settings:  # ours@top3@rerank150: other settings of ours, for an A/B
        if setting.startswith("top"):  # the moments the model weighs
            ranking.MEANING_TOP = int(setting.removeprefix("top"))
        elif setting.startswith("rerank"):  # the candidates whose words are weighed
            ranking.RERANK = int(setting.removeprefix("rerank"))
        else:
            raise SystemExit(f"{name}: unknown setting {setting!r} (top<N>, rerank<N>)")
    if base in ("ours", "ours-words"):
        meaning = load_meaning(base == "ours").encoder
        if base == "ours" and meaning is None:
            raise SystemExit("ours: the sentence model is not installed")
        engine = Engine.on_disk(_built(segments) / "index")
        index = SearchIndex(episodes, engine, range(len(episodes)))
        searcher = Searcher(index, meaning)
        build = time.perf_counter() - began  # with the model's load (0.2 s), as at start-up
        if meaning is not None:
            encode_many = meaning.encode_many

            def counted(texts: list[str]) -> object:
                nonlocal weighed
                weighed += 1
                return encode_many(texts)

            meaning.encode_many = counted  # type: ignore[method-assign]
        search = searcher.search
    elif name == "fts5":
        db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE seg USING fts5(body)")
        db.executemany(
            "INSERT INTO seg(body) VALUES (?)",
            ((s.text,) for ep in episodes for s in ep.segments),
        )
        db.commit()
        build = time.perf_counter() - began

        def search(q: str) -> object:
            terms = tokens(fold(q))
            match = " OR ".join(f'"{t}"' for t in terms)
            return db.execute(
                "SELECT rowid FROM seg WHERE seg MATCH ? ORDER BY bm25(seg) LIMIT 5", (match,)
            ).fetchall()
    else:
        import tantivy  # noqa: PLC0415 - benchmark-only: pip install -e ".[bench]"

        tmp = tempfile.mkdtemp()
        schema = tantivy.SchemaBuilder().add_text_field("body", stored=False).build()
        index = tantivy.Index(schema, path=tmp)
        writer = index.writer(heap_size=500_000_000)
        for ep in episodes:
            for s in ep.segments:
                writer.add_document(tantivy.Document(body=s.text))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        searcher_t = index.searcher()
        build = time.perf_counter() - began

        def search(q: str) -> object:
            query = index.parse_query(" ".join(tokens(fold(q))), ["body"])
            return searcher_t.search(query, 5).hits

    for q in queries[:20]:  # warm caches, as a running bot would be
        search(q)
    weighed = 0  # queries whose near misses were weighed by meaning, in the timed run
    took = []
    for q in queries:
        t0 = time.perf_counter()
        search(q)
        took.append((time.perf_counter() - t0) * 1000)
    return {
        "engine": name,
        "segments": texts_total,
        "build_s": build,
        "took": took,
        "generated": len(generated),
        "weighed": weighed,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(run_engine(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--engines", default="ours,ours-words,fts5,tantivy")
    args = parser.parse_args()
    corpus_library()  # ingest once before the children, so no child times it
    if any(name.startswith("ours") for name in args.engines.split(",")):
        _built(args.segments)  # ours: built once, as ingest does, then opened by each child
    print(f"{args.queries} queries over ≥{args.segments:,} segments (corpus replicated)")
    for name in args.engines.split(","):
        done = subprocess.run(
            [sys.executable, __file__, "--child", name, str(args.segments), str(args.queries)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(f"{name}: failed\n{done.stderr[-2000:]}")
            continue
        r = json.loads(done.stdout)
        took, cut = r["took"], r["generated"]
        print(
            f"{name:<12} {r['segments']:,} segments  build {r['build_s']:6.1f} s  "
            f"peak RSS {r['max_rss_mb']:6.0f} MB  all {len(took)}: {_percentiles(took)}"
        )
        print(f"{'':<12} generated {cut}: {_percentiles(took[:cut])}")
        print(f"{'':<12} written {len(took) - cut}: {_percentiles(took[cut:])}")
        if name.startswith("ours") and not name.startswith("ours-words"):  # with the model
            print(f"{'':<12} {r['weighed']} of {len(took)} queries weighed by meaning")


if __name__ == "__main__":
    main()
