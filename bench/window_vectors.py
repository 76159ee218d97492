"""Would the sentence model's vector of every window of the corpus, computed once, find or
choose the moments the words miss? (#15's open lead; tuning sets only)

    python bench/window_vectors.py [--queries FILE ...] [--workers 2]

Every segment of the corpus is cut into equal pieces of at most 32 words (one piece for most
captions, several for a long paragraph), and all-MiniLM-L6-v2 (`bot.search.meaning`, the
model podquote already runs) embeds each piece once. The vectors are stored where the bot
keeps them (`vectors/` in the corpus' derived folder, `bot.archive.window_vectors`), keyed
by a hash of the piece's text: the first run embeds
175,297 pieces (4.4 M words: about 55 minutes on this 2-core machine with two worker
processes); later runs only read them. A moment's closeness to a query is the best
cosine of its pieces; a query costs one small encoding and one matrix product (5-10 ms for
the whole corpus).

For every query: the words' 50 scored moments as `bot.search.ranking` makes them, and the
best `K` moments of the whole corpus by closeness, scored by the words too. Replayed:

- `now`: ranking's own rule (the model reads 32 words around each of the words' best 4);
- `words+vec`: no reading at query time: each of the words' 50 is worth its closeness plus
  a × its words' score / 100, confident from `ca` (the best a and ca of a grid that leaves no
  off-topic query a confident answer, fitted on these same queries, so optimistic);
- `+best K`: the same over the words' 50 and the corpus' best K by closeness.

The words settle about half the queries on their own (an exact quote); those stay as they
are in every line.

Run on 2026-12-06 over the tenth, eleventh, twelfth, fourteenth, sixteenth and eighteenth
sets (840 queries, 720 answerable; 175,297 pieces, embedded in about 55 minutes by two
processes; then `--keep FILE` replays in seconds):

    the right moment among the words' 50: 665; the corpus' best 5 / 20 by closeness add 15 / 25
                                             hit@1  in reply  confident right  paraphrase
    now (model reads the words' best 4)      0.849  0.882     528/539          0.62
    words+vec (a 3, ca 2.7)                  0.863  0.908     420/425          0.66
    words+vec, +best 20 (a 2.5, ca 3)        0.865  0.922     412/415          0.67
    now; unsure: words+vec (a 3)             0.863  0.906     528/539          0.67
    now; unsure: words+vec, +best 20 (a 2.5) 0.865  0.918     528/539          0.68

(no off-topic query answered with confidence in any line; an unsure reply here always offers
its closest moments, where ranking offers none when even the best is far: 9 of the 720
answerable queries get no moment today, and 40 of the 120 off-topic). Closeness alone would
decide with a quarter fewer confident answers; the last two lines keep today's confident
answers and let closeness choose only the closest moments of an unsure reply: the right
moment first for 1.4-1.6 points more queries, in the reply for 2.4-3.6 more, paraphrases
0.62 → 0.67-0.68.
Real, but far from #15's targets (hit@1 0.92, in reply 0.97), and bought with an hour of
CPU per archive at ingest and, for the corpus' best K, 270 MB of float32 vectors (2.3 M
pieces at 1M segments: more than the 600 MB the search may take). `bench/bigger_encoder.py`
shows that an 8× bigger model chooses no better among the words' moments either.
"""

from __future__ import annotations

import argparse
import itertools
import math
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus_library import corpus_library  # noqa: E402
from search_relevance import is_hit, load_queries  # noqa: E402

from bot.archive.derived import Derived  # noqa: E402
from bot.archive.search_index import open_index  # noqa: E402
from bot.archive.window_vectors import embed, open_vectors, update  # noqa: E402
from bot.episodes.library import Library  # noqa: E402
from bot.search import ranking  # noqa: E402
from bot.search.fold import PHRASES, abbreviate, fold, tokens, word_finder, words  # noqa: E402
from bot.search.index import SearchIndex  # noqa: E402
from bot.search.meaning import Encoder, find_model  # noqa: E402
from bot.search.question import parse  # noqa: E402
from bot.search.ranking import Match, Outcome, Searcher  # noqa: E402
from bot.search.scripts import spelled  # noqa: E402

TUNING = ("tenth", "eleventh", "twelfth", "fourteenth", "sixteenth", "eighteenth")
EXTRA = (5, 10, 20, 30)  # the corpus' best K by closeness, added to the words' candidates
Array = npt.NDArray[np.float32]


@dataclass
class Windows:
    """Every piece's vector, grouped by segment of the index."""

    vectors: Array  # one row per piece, in segment order
    starts: npt.NDArray[np.int64]  # each segment's first row (segments without text: none)
    segments: npt.NDArray[np.int64]  # the segment of each group

    def closeness(self, query: Array) -> Array:
        """Each segment's best cosine with the query."""
        out: Array = np.maximum.reduceat(self.vectors @ query, self.starts)
        return out


def windows(library: Library, index: SearchIndex, workers: int) -> Windows:
    """The vectors of every piece of the index's segments, from the product's own store
    beside the corpus' episodes (`bot.archive.window_vectors`; the missing ones embedded
    first, as `ingest --vectors` does), grouped by segment."""
    derived = Derived.beside(library.folder)
    model = find_model()
    assert model is not None

    def encode(texts: list[str]) -> npt.NDArray[np.float16]:
        print(f"embedding {len(texts):,} pieces with {workers} processes...", flush=True)
        return embed(texts, model, workers)

    print(update(index, library, derived, encode, save_every=20_000).line())
    stored = open_vectors(index, library, derived)
    assert stored is not None
    owned = np.flatnonzero(np.diff(stored.starts) > 0)  # segments with text
    vectors = np.asarray(stored.vectors[stored.rows], dtype=np.float32)
    return Windows(vectors, stored.starts[owned], owned.astype(np.int64))


@dataclass(frozen=True)
class Moment:
    seg: int
    score: float  # the words'
    close: float  # the best cosine of its pieces
    right: bool
    episode: str
    start: float | None


@dataclass
class Seen:
    kind: str
    file: str
    words: list[Moment]  # the words' 50, best first
    extra: list[tuple[int, Moment]]  # (rank by closeness, moment) of the best K not gathered
    now: tuple[bool, list[bool]]  # ranking's own reply: (confident, right per moment shown)


class Capture(Searcher):
    """Our search, also scoring the corpus' best moments by closeness the way it scores the
    words' candidates (`Searcher.search`'s steps, with the extra candidates beside them)."""

    def __init__(self, index: SearchIndex, encoder: Encoder, windows: Windows) -> None:
        super().__init__(index, encoder)
        self.corpus = windows  # not `windows`: the Searcher's own stays None (ranking as it was)
        self.got: tuple[list[Match], list[tuple[int, Match]], dict[int, float]] | None = None

    def search(self, query: str, *args: object, **kwargs: object) -> Outcome:  # type: ignore[override]
        question = parse(fold(query))
        terms_said = abbreviate(tokens(" ".join((question.said, *question.names))))
        self.got = None
        if terms_said:
            terms = self._terms(terms_said[: ranking.MAX_QUERY_TERMS])
            said_terms = [spelled(w) for w in abbreviate(words(question.said))]
            said = {
                " ".join(said_terms),
                " ".join(PHRASES.get(t, (t,))[0] for t in said_terms),
            }
            wanted = self._wanted(terms)
            finder = word_finder(wanted)
            total = sum(t.idf for t in terms) or 1.0
            shares = [t.idf / total for t in terms]
            assert self.meaning is not None
            close = self.corpus.closeness(self.meaning.encode_many([question.said])[0])
            best = self.corpus.segments[np.argsort(-close)[: max(EXTRA)]].tolist()
            closeness = dict(zip(self.corpus.segments.tolist(), close.tolist(), strict=True))
            gathered = [int(s) for s in self._gather(terms)]

            def scored(seg: int) -> Match:
                cover = self._cover(seg, shares, wanted, finder, terms)
                return self._score(self._across(cover, shares, wanted, finder), said)

            covered = [self._cover(s, shares, wanted, finder, terms) for s in gathered]
            covered.sort(key=lambda c: -ranking._word_score(c))
            across = [self._across(c, shares, wanted, finder) for c in covered[: ranking.REACH]]
            across.sort(key=lambda c: -ranking._word_score(c))
            by_words = [self._score(c, said) for c in across[: ranking.ALIGN]]
            by_words.sort(key=lambda m: (-m.score, m.episode.id, m.position))
            taken = set(gathered)
            extra = [(rank, scored(s)) for rank, s in enumerate(best) if s not in taken]
            self.got = (by_words, extra, closeness)
        return super().search(query, *args, **kwargs)  # type: ignore[arg-type]


def observe(searcher: Capture, files: list[Path]) -> list[Seen]:
    where = {
        (searcher.index.segment(s)[0].id, searcher.index.segment(s)[1]): s
        for s in range(searcher.index.size)
    }
    seen = []
    for path in files:
        for query in load_queries(path):
            outcome = searcher.search(query.text, limit=3)
            shown = (outcome.matches or outcome.closest)[: ranking.CLOSEST]
            now = (outcome.confident, [is_hit(query, (m.episode.source, m.start)) for m in shown])
            if searcher.got is None:
                seen.append(Seen(query.kind, path.name, [], [], now))
                continue
            by_words, extra, closeness = searcher.got

            def moment(m: Match, query: object = query, closeness: dict = closeness) -> Moment:
                seg = where[(m.episode.id, m.position)]
                right = is_hit(query, (m.episode.source, m.start))  # type: ignore[arg-type]
                return Moment(seg, m.score, closeness.get(seg, -1.0), right, m.episode.id, m.start)

            seen.append(
                Seen(
                    query.kind,
                    path.name,
                    [moment(m) for m in by_words],
                    [(rank, moment(m)) for rank, m in extra],
                    now,
                )
            )
    return seen


def _collapse(moments: list[Moment]) -> list[Moment]:
    """ranking._collapse on moments: the best of those a few seconds apart in one episode."""
    kept: list[Moment] = []
    for m in moments:
        if not any(
            k.episode == m.episode
            and (
                k.seg == m.seg
                or (
                    k.start is not None
                    and m.start is not None
                    and abs(k.start - m.start) <= ranking.COLLAPSE_SECONDS
                )
            )
            for k in kept
        ):
            kept.append(m)
    return kept


def reply(s: Seen, a: float, ca: float, extra: int) -> tuple[bool, list[bool]]:
    """(confident, right per moment shown) when closeness and words decide."""
    by_words = _collapse(s.words)
    if by_words and ranking._decisive(by_words):  # type: ignore[arg-type]
        rest = [m.right for m in by_words[1:] if m.score >= ranking.MIN_SCORE]
        return True, [by_words[0].right, *rest][: ranking.CLOSEST]
    candidates = s.words + [m for rank, m in s.extra if rank < extra]
    if not candidates:
        return False, []

    def worth(m: Moment) -> float:
        return m.close + a * m.score / 100

    order = _collapse(sorted(candidates, key=lambda m: -worth(m)))
    if worth(order[0]) >= ca:
        rest = [m for m in order[1:] if worth(m) >= ca or m.score >= ranking.MIN_SCORE]
        return True, [m.right for m in [order[0], *rest][: ranking.CLOSEST]]
    return False, [m.right for m in order[: ranking.CLOSEST]]


def figures(seen: list[Seen], replies: list[tuple[bool, list[bool]]]) -> dict[str, float]:
    answerable = [(s, r) for s, r in zip(seen, replies, strict=True) if s.kind != "offtopic"]
    n = len(answerable) or 1
    confident = [shown for _, (sure, shown) in answerable if sure]
    paraphrase = [
        bool(shown) and shown[0] for s, (_, shown) in answerable if s.kind == "paraphrase"
    ]
    return {
        "hit1": sum(bool(shown) and shown[0] for _, (_, shown) in answerable) / n,
        "in": sum(any(shown) for _, (_, shown) in answerable) / n,
        "conf": len(confident),
        "right": sum(shown[0] for shown in confident),
        "off": sum(
            sure for s, (sure, _) in zip(seen, replies, strict=True) if s.kind == "offtopic"
        ),
        "para": sum(paraphrase) / (len(paraphrase) or 1),
    }


def line(name: str, f: dict[str, float]) -> str:
    return (
        f"{name:<40} hit@1 {f['hit1']:.3f}  in reply {f['in']:.3f}  confident right "
        f"{f['right']:.0f}/{f['conf']:.0f}  off-topic confident {f['off']:.0f}  "
        f"paraphrase {f['para']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, action="append", help="a tuning set (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="processes that embed the pieces")
    parser.add_argument(
        "--keep", type=Path, help="keep the per-query numbers in this file, read them next time"
    )
    args = parser.parse_args()
    files = args.queries or [HERE / f"queries_{name}.yaml" for name in TUNING]
    folder = find_model()
    if folder is None:
        raise SystemExit("the sentence model is not installed: python -m bot model fetch")
    if args.keep and args.keep.exists():
        seen = pickle.loads(args.keep.read_bytes())
    else:
        library = corpus_library()
        index = open_index(library)[0]
        began = time.perf_counter()
        found = windows(library, index, args.workers)
        print(
            f"{len(found.vectors):,} pieces of {len(found.segments):,} segments "
            f"({time.perf_counter() - began:.0f} s to have them)"
        )
        seen = observe(Capture(index, Encoder.load(folder), found), files)
        if args.keep:
            args.keep.write_bytes(pickle.dumps(seen))
    answerable = [s for s in seen if s.kind != "offtopic"]
    in_words = sum(any(m.right for m in s.words) for s in answerable)
    print(
        f"{len(seen)} queries, {len(answerable)} answerable; right among the words' 50: {in_words}"
    )
    for k in EXTRA:
        added = sum(
            any(m.right and rank < k for rank, m in s.extra) and not any(m.right for m in s.words)
            for s in answerable
        )
        print(f"  the corpus' best {k} by closeness add the right moment for {added} more")
    print(line("now (model reads the words' best 4)", figures(seen, [s.now for s in seen])))
    grid = list(itertools.product((1.5, 2, 2.5, 3, 4), [x / 100 for x in range(140, 321, 10)]))
    for extra in (0, *EXTRA):
        fitted = []
        for a, ca in grid:
            f = figures(seen, [reply(s, a, ca, extra) for s in seen])
            if f["off"] == 0:
                fitted.append((f["hit1"], f["in"], f["right"] / (f["conf"] or 1), a, ca, f))
        *_, a, ca, f = max(fitted, key=lambda x: x[:3])
        name = "words+vec" if extra == 0 else f"words+vec, +best {extra}"
        print(line(f"{name} (a {a:g}, ca {ca:g})", f))
    # Confidence as now; only the closest moments of an unsure reply are chosen by closeness.
    for extra, a in itertools.product((0, 20), (1.5, 2.5, 3)):
        replies = [s.now if s.now[0] else (False, reply(s, a, math.inf, extra)[1]) for s in seen]
        name = f"now; unsure: words+vec{f', +best {extra}' if extra else ''} (a {a:g})"
        print(line(name, figures(seen, replies)))


if __name__ == "__main__":
    main()
