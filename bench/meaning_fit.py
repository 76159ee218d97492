"""How the sentence model's decision would fare with other settings, over the tuning sets.

    python bench/meaning_fit.py [--queries FILE ...] [--top 8] [--keep FILE] [--words N]
                                [--rule top,w,sw,c,u[,ds,dm]]

For every query the words' ranking is computed once (our search up to the point where the
model decides), and the cosine between the query and the words around each of the best
`--top` moments; then each combination of `bot/search/ranking.py`'s settings (how many
moments the model weighs, the weight of the words' rank, the weight of the words' score in
how sure, the confident and unsure thresholds) is replayed on those numbers, without
searching again. The replay of the current settings is checked against the search's own
reply for every query (it restates `_decide_by_meaning`: a change there must reach it).
Printed: the current settings; where the words settle a query without the model (the
decisive score and margin), the rest as now; then the best combinations that give no
off-topic query a confident answer, by right-first then right-in-the-reply, with their
confident answers right. `--words`: the model reads that many words around each moment.
Only for tuning sets: a held-out set is run once, by bench/search_relevance.py, after the
settings are chosen.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus_library import corpus_library  # noqa: E402
from search_relevance import Query, is_hit, load_queries  # noqa: E402

from bot.archive.search_index import open_index  # noqa: E402
from bot.search import ranking  # noqa: E402
from bot.search.meaning import load_meaning  # noqa: E402
from bot.search.question import Question  # noqa: E402
from bot.search.ranking import Match, Searcher  # noqa: E402

LIMIT = 3  # results in the bench's reply, as in search_relevance


@dataclass(frozen=True)
class Seen:
    """One query's numbers: its best moments by words, which are right, their cosines."""

    kind: str
    decisive: bool
    scores: list[float]
    right: list[bool]
    cosines: list[float]
    words_reply: tuple[bool, list[bool]]  # without the model: (confident, right per shown)
    reply: tuple[bool, list[bool]]  # the search's own, with the current settings


class Recording(Searcher):
    """Our searcher, keeping what the model would decide on."""

    top = 8
    seen: tuple[list[Match], bool, list[float]] | None = None

    def _decide_by_meaning(
        self, question: Question, scored: list[Match], limit: int, min_score: float
    ) -> tuple[list[Match], list[Match]]:
        ranked = ranking._collapse(scored, max(limit, self.top, ranking.CLOSEST))
        decisive = ranking._decisive(ranked)
        cosines: list[float] = []
        if self.meaning is not None:  # also when decisive: a replay may move that line
            windows = [
                ranking.words_around(m.segment.text, m.highlight, ranking.MEANING_WORDS)
                for m in ranked[: self.top]
            ]
            vectors = self.meaning.encode_many([question.said, *windows])
            cosines = [float(vectors[0] @ v) for v in vectors[1:]]
        self.seen = (ranked, decisive, cosines)
        self.words = ranking._decide_by_words(scored, limit, min_score)
        return super()._decide_by_meaning(question, scored, limit, min_score)


def observe(searcher: Recording, query: Query) -> Seen:
    searcher.seen = None
    outcome = searcher.search(query.text, limit=LIMIT)

    def right(m: Match) -> bool:
        return is_hit(query, (m.episode.source, m.start))

    shown_now = outcome.matches or outcome.closest
    reply = (outcome.confident, [right(m) for m in shown_now[:LIMIT]])
    if searcher.seen is None:  # nothing gathered
        return Seen(query.kind, False, [], [], [], (False, []), reply)
    ranked, decisive, cosines = searcher.seen
    matches, closest = searcher.words
    shown = matches or closest
    return Seen(
        query.kind,
        decisive,
        [m.score for m in ranked],
        [right(m) for m in ranked],
        cosines,
        (bool(matches), [right(m) for m in shown[:LIMIT]]),
        reply,
    )


@dataclass(frozen=True)
class Rule:
    top: int
    rank_weight: float
    score_weight: float
    confident_at: float
    unsure_at: float
    decisive_score: float = ranking.DECISIVE_SCORE
    decisive_margin: float = ranking.DECISIVE_MARGIN

    def decisive(self, s: Seen) -> bool:
        """`ranking._decisive` with this rule's lines."""
        runner_up = s.scores[1] if len(s.scores) > 1 else 0.0
        return s.scores[0] >= self.decisive_score and s.scores[0] - runner_up >= (
            self.decisive_margin
        )

    def reply(self, s: Seen) -> tuple[bool, list[bool]]:
        """(confident, right per moment shown) as `_decide_by_meaning` would answer."""
        if not s.scores:
            return False, []
        order = list(range(len(s.scores)))
        if self.decisive(s):
            rest = [s.right[i] for i in order[1:] if s.scores[i] >= ranking.MIN_SCORE]
            return True, [s.right[0], *rest][:LIMIT]
        n = min(self.top, len(s.cosines))
        top = sorted(range(n), key=lambda i: -(s.cosines[i] + self.rank_weight / (i + 1)))
        reordered = top + order[n:]
        sure = {i: s.cosines[i] + self.score_weight * s.scores[i] / 100 for i in range(n)}
        best = sure[reordered[0]]
        if best >= self.confident_at:
            rest = [
                i
                for i in reordered[1:]
                if sure.get(i, 0.0) >= self.confident_at or s.scores[i] >= ranking.MIN_SCORE
            ]
            return True, [s.right[i] for i in [reordered[0], *rest][:LIMIT]]
        if best >= self.unsure_at:
            return False, [s.right[i] for i in reordered[: ranking.CLOSEST]]
        return False, []


def figures(replies: list[tuple[str, tuple[bool, list[bool]]]]) -> dict[str, float]:
    answerable = [(k, r) for k, r in replies if k != "offtopic"]
    n = len(answerable) or 1
    confident = [r for _, r in answerable if r[0]]
    kinds: dict[str, list[bool]] = {}
    for k, (_, shown) in answerable:
        kinds.setdefault(k, []).append(bool(shown) and shown[0])
    return {
        "hit1": sum(bool(shown) and shown[0] for _, (_, shown) in answerable) / n,
        "in_reply": sum(any(shown) for _, (_, shown) in answerable) / n,
        "conf_right": sum(shown[0] for _, shown in confident) / (len(confident) or 1),
        "confident": len(confident),
        "off_conf": sum(r[0] for k, r in replies if k == "offtopic"),
        **{f"k_{k}": sum(v) / len(v) for k, v in kinds.items()},
    }


def line(name: str, f: dict[str, float]) -> str:
    kinds = " ".join(f"{k[2:]} {v:.2f}" for k, v in sorted(f.items()) if k.startswith("k_"))
    return (
        f"{name:<44} hit@1 {f['hit1']:.3f}  in reply {f['in_reply']:.3f}  conf right "
        f"{f['conf_right']:.3f} of {f['confident']:.0f}  off-topic conf {f['off_conf']:.0f}  "
        f"[{kinds}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=Path, action="append", required=True)
    parser.add_argument("--top", type=int, default=8, help="moments the model may weigh")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the per-query numbers in this file, read them from it next time",
    )
    parser.add_argument(
        "--rule",
        help="also replay this rule: top,rank_weight,score_weight,confident_at,unsure_at"
        "[,decisive_score,decisive_margin]",
    )
    parser.add_argument(
        "--words",
        type=int,
        help="words around each moment the model reads (default: ranking.MEANING_WORDS); "
        "the search's own reply is made with it too",
    )
    args = parser.parse_args()
    if args.words:
        ranking.MEANING_WORDS = args.words
    if args.keep and args.keep.exists():
        seen = [Seen(**row) for row in json.loads(args.keep.read_text())]
    else:
        library = corpus_library()
        searcher = Recording(open_index(library)[0], load_meaning().encoder)
        searcher.top = args.top
        seen = [observe(searcher, q) for path in args.queries for q in load_queries(path)]
        if args.keep:
            args.keep.write_text(json.dumps([asdict(x) for x in seen]))
    print(f"{len(seen)} queries from {', '.join(p.name for p in args.queries)}")
    now = Rule(
        ranking.MEANING_TOP,
        ranking.MEANING_RANK_WEIGHT,
        ranking.SCORE_WEIGHT,
        ranking.CONFIDENT_AT,
        ranking.UNSURE_AT,
    )
    print(line("words only", figures([(s.kind, s.words_reply) for s in seen])))
    print(line(f"now {now}", figures([(s.kind, now.reply(s)) for s in seen])))
    # The replay restates ranking._decide_by_meaning on numbers: it must agree with the search.
    agree = sum(now.reply(s) == tuple(s.reply) for s in seen)
    print(f"the replay of the current settings gives the search's own reply: {agree}/{len(seen)}")
    if agree != len(seen):
        raise SystemExit("the replay no longer follows bot/search/ranking.py: mend Rule.reply")
    if args.rule:
        top, *weights = args.rule.split(",")
        rule = Rule(int(top), *(float(w) for w in weights))
        print(line(f"asked {rule}", figures([(s.kind, rule.reply(s)) for s in seen])))
        return
    print("where the words settle it (the model not asked), the rest as now:")
    for score, margin in itertools.product((60, 65, 70, 75, 80), (5, 10, 15)):
        rule = replace(now, decisive_score=score, decisive_margin=margin)
        settled = sum(rule.decisive(s) for s in seen if s.scores)
        f = figures([(s.kind, rule.reply(s)) for s in seen])
        print(line(f"  from {score}, {margin} clear: {settled} settled", f))
    results = []
    for top, w, sw, c, u in itertools.product(
        (3, 5, 8),
        (0.2, 0.4, 0.6, 0.8, 1.0, 1.5),
        (0.3, 0.5, 0.7, 1.0),
        [x / 100 for x in range(60, 101, 2)],
        (0.4, 0.5),
    ):
        if top > args.top:
            continue
        rule = Rule(top, w, sw, c, u)
        f = figures([(s.kind, rule.reply(s)) for s in seen])
        if f["off_conf"] == 0:
            results.append((f["hit1"], f["in_reply"], f["conf_right"], rule, f))
    results.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    for *_, rule, f in results[:15]:
        print(line(str(rule), f))


if __name__ == "__main__":
    main()
