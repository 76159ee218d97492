"""Find the moment a member half-remembers, and say how sure it is.

1. A question's scaffolding ("where does siraj say …", "the one where …") is taken off and a
   person it names kept apart (`bot.search.question`). The query is folded like the segments
   ("machine learning" becomes `ml`, as in the index); each term is expanded to its other
   forms in the archive (inflections, British/American spellings, numbers in digits or
   words) and to close vocabulary terms (edit distance scaled by length), weighted by rarity.
2. The engine (tantivy, `bot.search.index`) gathers the best few hundred candidates by BM25
   over the expanded terms, each boosted by its weight; our BM25 orders them again.
3. The first `RERANK` are weighed by how much of the query they hold (by rarity; a word
   naming the segment's speaker or a person of its episode counts as held) and how close
   together the matched words stand; the best `REACH` also count, for less, the words just
   across their boundaries; the best `ALIGN` of those are scored with a rapidfuzz alignment
   that rewards the query's words in order, for a score 0–100. Hits a few seconds apart in
   one episode collapse into one.
4. How sure (see `Outcome`): a quote the words settle (`_decisive`) is answered at once.
   Otherwise, with the sentence model, the best `MEANING_TOP` moments are re-weighed by the
   cosine between the query and the words around each (`bot.search.meaning`), and that
   cosine with the words' score decides: confident, unsure (the closest moments are offered)
   or nothing. Without the model the score decides against `min_score`.
"""

from __future__ import annotations

import copy
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from operator import mul

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.episodes.model import Episode, Segment, link
from bot.search.filters import EpisodeFilter, SpeakerFilter
from bot.search.fold import (
    PHRASES,
    Finder,
    abbreviate,
    find_words,
    fold,
    number_alias,
    spelled_out,
    stem,
    tokens,
    word_finder,
    words,
)
from bot.search.index import SearchIndex
from bot.search.meaning import Encoder
from bot.search.question import Question, parse
from bot.search.scripts import is_cjk, spelled
from bot.search.windows import NO_VECTOR, Vectors, WindowVectors

# BM25 misjudges paraphrases: weigh the words of this many candidates… (150 found no more right
# moments than 100 over 600 tuning queries and cost 4 ms a search: bench/search_speed.py
# `ours,ours@rerank100`; 80 lost 2)
RERANK = 100
REACH = 80  # …look across the boundaries of the best of them…
ALIGN = 50  # …and align the query with the best of those by words
MIN_SCORE = 58.0
CLEAR_WINNER_SLACK = 7.0  # how far under MIN_SCORE a clear winner may be…
CLEAR_WINNER_MARGIN = 13.0  # …when it leads the best other episode by this much
COLLAPSE_SECONDS = 20.0
# Deciding by meaning (fitted on the tuning sets bench/queries_tenth, _eleventh, _twelfth and
# _fourteenth with bench/meaning_fit.py, 560 queries: right first 0.877, right in the reply
# 0.917, confident answers right 0.981, no off-topic confident, the model asked for 285; the
# settings before, 0.873, 0.915, 0.974 and 363): the best MEANING_TOP moments by words are
# weighed by the cosine between the query and the MEANING_WORDS words around each, plus
# MEANING_RANK_WEIGHT / their rank by words. How sure the best one is: its cosine +
# SCORE_WEIGHT × its words' score / 100. From CONFIDENT_AT the answer is confident; from
# UNSURE_AT the closest moments are offered; under it, nothing.
MEANING_TOP = 4
MEANING_WORDS = 32
MEANING_RANK_WEIGHT = 0.4
SCORE_WEIGHT = 0.7
CONFIDENT_AT = 0.9
UNSURE_AT = 0.4
# Words settle it, and the model is not asked, when the best moment scores DECISIVE_SCORE and
# leads the next other moment by DECISIVE_MARGIN: a quote or a close paraphrase of one (the
# best off-topic query of the tuning sets scores 56.8).
DECISIVE_SCORE = 65.0
DECISIVE_MARGIN = 5.0
CLOSEST = 3  # moments offered when unsure
CLOSEST_SCORE_WEIGHT = 3.0  # closeness + this × score / 100 orders them (bench/window_vectors.py)
UNSURE_DEPTH = 18.0  # without the model: near misses this far under the minimum are offered
PERSON_WEIGHT = 0.9  # a query word naming the moment's speaker…
EPISODE_PERSON_WEIGHT = 0.6  # …or another person of its episode, or its show
_WORD = re.compile(r"\S+")
# A quote can run across a segment boundary: a query word found only in the segment before or
# after, within this many characters of the boundary, counts at this weight.
NEIGHBOUR_CHARS = 100
NEIGHBOUR_WEIGHT = 0.75
FORM_WEIGHT = 0.9  # another form of the word: `visualising` for `visualize`, `60` for `sixty`
ALIGNED = 90.0  # an alignment this good highlights the query's own words, in order
MAX_QUERY_TERMS = 24
# A term in more than this share of segments only counts in the re-rank, not the gathering.
COMMON_SHARE = 0.15
COMMON_GATHER = 2  # a query of common words only is gathered by its rarest few
EXPANSION_CACHE = 20_000  # query terms whose expansions are kept, least recently used out
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "then",
        "there",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    ]
)


@dataclass(frozen=True, slots=True)
class Match:
    """One answer: where the quote is, how well it matches, and where to watch it."""

    episode: Episode
    position: int
    segment: Segment
    highlight: tuple[int, int]
    start: float | None
    estimated: bool
    score: float
    url: str | None

    @property
    def speaker(self) -> str | None:
        return self.episode.full_name(self.segment.speaker)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a search returns, in one of three shapes:

    - *confident*: `matches`, best first: the answer to show everyone;
    - *unsure*: no `matches`, but `closest`: the moments nearest to the query, to offer the
      asker privately ("not sure; the closest moments");
    - *nothing*: neither, and `suggestions` ("did you mean").
    """

    matches: tuple[Match, ...]
    suggestions: tuple[str, ...] = ()
    closest: tuple[Match, ...] = ()

    @property
    def confident(self) -> bool:
        return bool(self.matches)

    @property
    def kind(self) -> str:
        """ "confident", "unsure" or "nothing": how the search ended, for logs and stats."""
        return "confident" if self.matches else "unsure" if self.closest else "nothing"


@dataclass(slots=True)
class _Term:
    text: str
    idf: float
    expansions: list[tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Allowed:
    """What the filters leave: these episode ids, these speaker labels (None: any)."""

    episodes: list[str] | None = None
    speakers: list[str] | None = None


@dataclass(frozen=True, slots=True)
class _Cover:
    """The query's words in one candidate segment."""

    seg: int
    coverage: float  # share of the query's rarity the segment holds (0–1)
    closeness: float  # how tightly the matched words stand together (0–1)
    span: tuple[int, int] | None  # the tightest run of matched words, in the folded text
    weights: tuple[float, ...]  # how well each query term is matched (0 when it is not)


def _word_score(cover: _Cover) -> float:
    """The part of the 0–100 score that comes from the query's words (up to 65)."""
    return 45.0 * cover.coverage + 20.0 * cover.closeness * cover.coverage


def _fitting(windows: WindowVectors | None, index: SearchIndex) -> WindowVectors | None:
    """`windows` when they were mapped to `index` (one entry per segment), else None."""
    return windows if windows is not None and windows.segments == index.size else None


class Searcher:
    """Answers queries over one `SearchIndex` (immutable: a reload builds a new one).

    Safe to call from several threads at once: the bot searches off the event loop.
    """

    def __init__(
        self,
        index: SearchIndex,
        meaning: Encoder | None = None,
        windows: WindowVectors | None = None,
    ) -> None:
        self.index = index
        self.meaning = meaning
        # Each segment's pieces embedded ahead of time (`bot.search.windows`): they choose the
        # closest moments of an unsure reply among all the words' candidates.
        self.windows = _fitting(windows, index)
        self.speakers = SpeakerFilter(index)
        self.episodes = EpisodeFilter(index)
        self._expansions: OrderedDict[str, list[tuple[int, float]]] = OrderedDict()
        self._expansions_lock = threading.Lock()
        # (episode, speaker) -> the words naming them (see `_people`), filled as they come up
        self._people_words: dict[tuple[int, str | None], tuple[frozenset[str], frozenset[str]]] = {}

    def with_windows(self, windows: WindowVectors | None) -> Searcher:
        """This searcher over the same index with other stored vectors (say, more of them
        embedded since); what it has read and worked out so far is shared."""
        other = copy.copy(self)
        other.windows = _fitting(windows, self.index)
        return other

    # -- query terms -------------------------------------------------------------------
    def expand(self, term: str) -> list[tuple[int, float]]:
        """Vocabulary terms close to `term`, with weights (1.0 for the term itself).

        Every word reaches its other forms in the archive (`zip` → `zipping`, `colour` →
        `colors`, `sixty` → `60`); a word the archive knows also its near inflections
        (`name` → `names`), an unknown word (a typo) the words within an edit or two,
        counting a swap of two letters as one edit (`valeu` → `value`).
        """
        with self._expansions_lock:
            cached = self._expansions.get(term)
            if cached is not None:
                self._expansions.move_to_end(term)
                return cached
        weights: dict[int, float] = {}
        exact = self.index.vocab.get(term)
        if exact is not None:
            weights[exact] = 1.0
        for form in self._forms(term):
            weights.setdefault(form, FORM_WEIGHT)
        if len(term) >= 4 and not term.isdigit():  # 2019 is not a typo of 2015
            allowed = 1 if len(term) < 8 else 2
            prefix = term[: max(3, len(term) - 2)]
            bucket = self.index.by_first_letter.get(term[0], [])
            for other, distance, _ in process.extract(
                term, bucket, scorer=OSA.distance, score_cutoff=allowed, limit=12
            ):
                if other == term or abs(len(other) - len(term)) > allowed:
                    continue
                if exact is not None and not other.startswith(prefix):
                    continue  # a known word: only its inflections, not its look-alikes
                weights.setdefault(self.index.vocab[other], 0.8 if distance == 1 else 0.6)
        found = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
        with self._expansions_lock:
            self._expansions[term] = found
            if len(self._expansions) > EXPANSION_CACHE:
                self._expansions.popitem(last=False)
        return found

    def _forms(self, term: str) -> list[int]:
        """Other forms of the word in the vocabulary: same stem, or the number in digits/words."""
        forms = list(self.index.by_stem.get(stem(term), ()))
        alias = number_alias(term)
        if alias is not None and alias in self.index.vocab:
            forms.append(self.index.vocab[alias])
        return forms

    def _terms(self, query_terms: list[str]) -> list[_Term]:
        """Query terms with their expansions and rarity: the exact word's rarity when the
        archive knows it, else that of its best expansion, weighted."""
        out: list[_Term] = []
        for text in dict.fromkeys(query_terms):
            expansions = self.expand(text)
            exact = self.index.vocab.get(text)
            if exact is not None:
                idf = self.index.idf(exact)
            elif expansions:
                idf = max(self.index.idf(t) * w for t, w in expansions)
            else:
                idf = math.log(1.0 + self.index.size)  # unknown word: rare, matches nothing
            out.append(_Term(text, idf, expansions))
        return out

    # -- search ------------------------------------------------------------------------
    def search(
        self,
        query: str,
        speaker: str | None = None,
        episode: str | None = None,
        limit: int = 5,
        min_score: float = MIN_SCORE,
    ) -> Outcome:
        """The best matches for a query, and how sure they are (see `Outcome`); filters raise
        `FilterError` for unknown names. `min_score` 0: always the best ranked, as answers."""
        question = parse(fold(query))
        query_terms = abbreviate(tokens(" ".join((question.said, *question.names))))
        query_terms = query_terms[:MAX_QUERY_TERMS]
        allowed = self._allowed(speaker, episode)
        if not query_terms:
            return Outcome(())
        terms = self._terms(query_terms)
        # Aligned with the words as said: "ml" where the text says "ml", else "machine learning";
        # a CJK run whole, not in pairs; ß spelled out (as `_score` spells out the text).
        said_terms = [spelled(word) for word in abbreviate(words(question.said))]
        said = {" ".join(said_terms), " ".join(PHRASES.get(t, (t,))[0] for t in said_terms)}
        wanted = self._wanted(terms)
        finder = word_finder(wanted)
        total_idf = sum(t.idf for t in terms) or 1.0
        shares = [t.idf / total_idf for t in terms]  # each term's share of the query's rarity
        covered = [
            self._cover(int(seg), shares, wanted, finder, terms)
            for seg in self._gather(terms, allowed)
        ]
        covered.sort(key=lambda c: -_word_score(c))  # stable: BM25 order breaks ties
        across = [self._across(c, shares, wanted, finder) for c in covered[:REACH]]
        covered = sorted(across, key=lambda c: -_word_score(c))
        scored = [self._score(c, said) for c in covered[:ALIGN]]
        scored.sort(key=lambda m: (-m.score, m.episode.id, m.position))
        if not scored:
            return Outcome((), self.suggest(query, terms))
        if min_score <= 0 and self.meaning is None:  # ranking alone, always answered
            return Outcome(tuple(_collapse(scored, limit)))
        if self.meaning is not None:
            matches, closest = self._decide_by_meaning(question, scored, limit, min_score)
        else:
            matches, closest = _decide_by_words(scored, limit, min_score)
        if matches:
            return Outcome(tuple(matches))
        return Outcome((), self.suggest(query, terms), tuple(closest))

    def _decide_by_meaning(
        self, question: Question, scored: list[Match], limit: int, min_score: float
    ) -> tuple[list[Match], list[Match]]:
        """The words rank the moments; meaning re-weighs the best few and decides whether to
        answer: the cosine between what was said in the query and the words around each
        moment, plus a share for the words' own rank. Words that settle it (an exact or
        near-exact quote) answer without the model."""
        ranked = _collapse(scored, max(limit, MEANING_TOP, CLOSEST))
        if _decisive(ranked):
            return _answers(ranked, {}, limit, min_score), []
        assert self.meaning is not None
        top = ranked[:MEANING_TOP]
        windows = [words_around(m.segment.text, m.highlight, MEANING_WORDS) for m in top]
        vectors = self.meaning.encode_many([question.said, *windows])
        cosines = [float(vectors[0] @ v) for v in vectors[1:]]
        weighed = sorted(
            range(len(top)), key=lambda i: -(cosines[i] + MEANING_RANK_WEIGHT / (i + 1))
        )
        reordered = [top[i] for i in weighed] + ranked[len(top) :]
        sure = {id(m): cosines[i] + SCORE_WEIGHT * m.score / 100.0 for i, m in enumerate(top)}
        best = sure[id(reordered[0])]
        if min_score <= 0:
            return reordered[:limit], []
        if best >= CONFIDENT_AT:
            return _answers(reordered, sure, limit, min_score), []
        if best < UNSURE_AT:
            return [], []
        return [], self._closest(vectors[0], scored) or reordered[:CLOSEST]

    def _closest(self, query: Vectors, scored: list[Match]) -> list[Match]:
        """The moments to offer when unsure, by closeness in meaning plus a share of the
        words' score, among all the words' candidates (none without stored vectors)."""
        if self.windows is None:
            return []
        segs = [self.index.seg_of(m.episode.id, m.position) for m in scored]
        close = self.windows.closeness(query, segs)
        if NO_VECTOR in close:  # not embedded yet (a new episode): the words' order stands
            return []
        worth = [
            c + CLOSEST_SCORE_WEIGHT * m.score / 100 for m, c in zip(scored, close, strict=True)
        ]
        order = sorted(range(len(scored)), key=lambda i: -worth[i])
        return _collapse([scored[i] for i in order], CLOSEST)

    def _allowed(self, speaker: str | None, episode: str | None) -> _Allowed:
        """The episode ids and speaker labels the filters leave (None: any)."""
        return _Allowed(
            self.episodes.ids(episode) if episode else None,
            self.speakers.labels(speaker) if speaker else None,
        )

    def _gather(self, terms: list[_Term], allowed: _Allowed | None = None) -> list[int]:
        """The best candidates by BM25 over the expanded terms (common terms left out, unless
        there are only common terms)."""
        index = self.index
        limit = COMMON_SHARE * index.size
        chosen = [
            (t, w)
            for term in terms
            for t, w in term.expansions
            if index.df(t) <= limit and term.text not in STOPWORDS
        ]
        if not chosen:  # only common words ("and then the"): the rarest few, not every posting
            rarest = sorted(terms, key=lambda term: -term.idf)[:COMMON_GATHER]
            chosen = [(t, w) for term in rarest for t, w in term.expansions]
        if not chosen:
            return []
        allowed = allowed or _Allowed()
        return index.gather(chosen, RERANK, allowed.episodes, allowed.speakers)

    def _wanted(self, terms: list[_Term]) -> dict[str, tuple[int, float]]:
        """Each vocabulary word the query reaches: (which query term, weight)."""
        wanted: dict[str, tuple[int, float]] = {}
        for i, term in enumerate(terms):
            for term_id, weight in term.expansions:
                word = self.index.terms[term_id]
                for said in (word, *PHRASES.get(word, ())):
                    if wanted.get(said, (0, 0.0))[1] < weight:
                        wanted[said] = (i, weight)
        return wanted

    def _cover(
        self,
        seg: int,
        shares: list[float],
        wanted: dict[str, tuple[int, float]],
        finder: Finder,
        terms: list[_Term],
    ) -> _Cover:
        """How much of the query's rarity one segment holds, and how tightly. A query word
        that names the segment's speaker or a person of its episode ("what did *alexey* say
        about …") counts as held: who said it is part of what a member remembers."""
        hits = []
        best_weight = [0.0] * len(shares)
        for word, start, end in find_words(finder, self.index.folded(seg)):
            term_i, weight = wanted[word]
            hits.append((term_i, weight, start, end))
            best_weight[term_i] = max(best_weight[term_i], weight)
        speaker, episode_people = self._people(seg)
        for term_i, term in enumerate(terms):
            weight = (
                PERSON_WEIGHT
                if term.text in speaker
                else EPISODE_PERSON_WEIGHT
                if term.text in episode_people
                else 0.0
            )
            best_weight[term_i] = max(best_weight[term_i], weight)
        span, closeness = _window(hits, len(shares))
        coverage = sum(map(mul, shares, best_weight))
        return _Cover(seg, coverage, closeness, span, tuple(best_weight))

    def _across(
        self,
        cover: _Cover,
        shares: list[float],
        wanted: dict[str, tuple[int, float]],
        finder: Finder,
    ) -> _Cover:
        """The cover with the query words it lacks counted, for less, where they stand just
        across its boundaries: a quote can run on into the next segment."""
        if all(cover.weights):
            return cover
        best_weight = list(cover.weights)
        for other in self._neighbours(cover.seg):
            near = _near_boundary(self.index.folded(other), after=other > cover.seg)
            for word, _, _ in find_words(finder, near):
                term_i, weight = wanted[word]
                best_weight[term_i] = max(best_weight[term_i], weight * NEIGHBOUR_WEIGHT)
        coverage = sum(map(mul, shares, best_weight))
        return _Cover(cover.seg, coverage, cover.closeness, cover.span, tuple(best_weight))

    def _people(self, seg: int) -> tuple[frozenset[str], frozenset[str]]:
        """The words naming the segment's speaker, and those naming anyone of its episode
        (speakers, hosts) or its show; worked out once per episode and speaker."""
        episode_index = int(self.index.seg_episode[seg])
        episode, _, segment = self.index.segment(seg)
        key = (episode_index, segment.speaker)
        found = self._people_words.get(key)
        if found is None:
            speaker = f"{segment.speaker or ''} {episode.full_name(segment.speaker) or ''}"
            people = [f"{label} {full or ''}" for label, full in episode.speakers]
            everyone = " ".join([*people, *episode.hosts, episode.show or ""])
            found = (frozenset(tokens(fold(speaker))), frozenset(tokens(fold(everyone))))
            self._people_words[key] = found
        return found

    def _neighbours(self, seg: int) -> list[int]:
        """The segments just before and after `seg` in its episode."""
        episode = self.index.seg_episode[seg]
        return [
            other
            for other in (seg - 1, seg + 1)
            if 0 <= other < self.index.size and self.index.seg_episode[other] == episode
        ]

    def _score(self, cover: _Cover, said: set[str]) -> Match:
        """Score one candidate 0–100 (its words, then a rapidfuzz alignment of the query's
        words in order) and find the span of the matched words in it."""
        episode, position, segment = self.index.segment(cover.seg)
        folded = self.index.folded(cover.seg)
        text, where = spelled_out(folded)  # ß as ss, as `said` has it: strasse aligns with straße
        alignment = max(
            (fuzz.partial_ratio_alignment(phrase, text, processor=None) for phrase in sorted(said)),
            key=lambda a: a.score if a else 0.0,
        )
        align_score = alignment.score if alignment else 0.0
        span = cover.span
        if alignment is not None and (span is None or align_score >= ALIGNED):
            span = where(alignment.dest_start, alignment.dest_end)  # the query's words, in order
        span = _to_words(folded, span or (0, 0))
        score = _word_score(cover) + 0.35 * align_score
        start = segment.time_at(span[0])
        return Match(
            episode=episode,
            position=position,
            segment=segment,
            highlight=span,
            start=start,
            estimated=segment.estimated,
            score=round(min(score, 100.0), 1),
            url=link(episode, start),
        )

    # -- no answer -----------------------------------------------------------------------
    def suggest(self, query: str, terms: list[_Term] | None = None) -> tuple[str, ...]:
        """'Did you mean' hints: close vocabulary words for unknown terms, and close titles."""
        terms = terms if terms is not None else self._terms(tokens(fold(query)))
        hints: list[str] = []
        for term in terms:
            if term.expansions or len(term.text) < 3 or term.text in STOPWORDS:
                continue
            bucket = self.index.by_first_letter.get(term.text[0], [])
            best = process.extractOne(term.text, bucket, scorer=fuzz.ratio, score_cutoff=70)
            if best:
                hints.append(best[0])
        titles = {ep.title: ep for ep in self.index.episodes}
        for title, _score, _ in process.extract(
            fold(query),
            list(titles),
            processor=fold,
            scorer=fuzz.partial_ratio,
            limit=3,
            score_cutoff=80,
        ):
            hints.append(title)
        return tuple(dict.fromkeys(hints))


def _decide_by_words(
    scored: list[Match], limit: int, min_score: float
) -> tuple[list[Match], list[Match]]:
    """Without the sentence model the score decides (a clear winner a little under the
    minimum answers too); the near misses are the closest moments."""
    matches = _collapse([m for m in scored if m.score >= min_score], limit)
    if not matches and _clear_winner(scored, min_score):
        matches = scored[:1]
    if matches:
        return matches, []
    near = [m for m in scored if m.score >= min_score - UNSURE_DEPTH]
    return [], _collapse(near, CLOSEST)


def _answers(
    ranked: list[Match], sure: dict[int, float], limit: int, min_score: float
) -> list[Match]:
    """A confident answer: the best moment, then those of the others that would answer on
    their own (sure enough by meaning, or over the minimum by words)."""
    rest = [m for m in ranked[1:] if sure.get(id(m), 0.0) >= CONFIDENT_AT or m.score >= min_score]
    return [ranked[0], *rest][:limit]


def _decisive(ranked: list[Match]) -> bool:
    """The words alone settle it: the best moment quotes the query nearly word for word and
    stands well clear of the next."""
    if not ranked or ranked[0].score < DECISIVE_SCORE:
        return False
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    return ranked[0].score - runner_up >= DECISIVE_MARGIN


def _clear_winner(scored: list[Match], min_score: float) -> bool:
    """A best match a little under the minimum still answers when it stands well clear of
    the best match in any other episode: a distinct moment, not a random near-miss."""
    if not scored or scored[0].score < min_score - CLEAR_WINNER_SLACK:
        return False
    best = scored[0]
    rival = next((m.score for m in scored[1:] if m.episode.id != best.episode.id), 0.0)
    return best.score - rival >= CLEAR_WINNER_MARGIN


def words_around(text: str, span: tuple[int, int], count: int) -> str:
    """`count` whole words of `text` centred on `span` (all of it when it is shorter)."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if len(words) <= count:
        return text
    centre = (span[0] + span[1]) / 2
    middle = min(range(len(words)), key=lambda i: abs((words[i][0] + words[i][1]) / 2 - centre))
    first = max(0, min(middle - count // 2, len(words) - count))
    return text[words[first][0] : words[first + count - 1][1]]


def _near_boundary(text: str, after: bool) -> str:
    """The whole words within `NEIGHBOUR_CHARS` of the boundary with the segment before
    (`after`: this one's start) or after (this one's end)."""
    if after:
        cut = text.find(" ", NEIGHBOUR_CHARS)
        return text if cut < 0 else text[:cut]
    return text[text.rfind(" ", 0, max(0, len(text) - NEIGHBOUR_CHARS)) + 1 :]


def _window(
    hits: list[tuple[int, float, int, int]], n_terms: int
) -> tuple[tuple[int, int] | None, float]:
    """The shortest run of matched words holding the most distinct query terms, and how
    tight it is (1.0 when the words stand side by side)."""
    if not hits:
        return None, 0.0
    distinct = len({h[0] for h in hits})
    best: tuple[int, int] | None = None
    best_len = math.inf
    counts: dict[int, int] = {}
    left = 0
    for right, hit in enumerate(hits):
        counts[hit[0]] = counts.get(hit[0], 0) + 1
        while len(counts) == distinct:
            length = right - left + 1
            if length < best_len:
                best_len, best = length, (hits[left][2], hit[3])
            term = hits[left][0]
            counts[term] -= 1
            if counts[term] == 0:
                del counts[term]
            left += 1
    assert best is not None
    span_words = max(best_len, 1)
    closeness = distinct / span_words if span_words else 0.0
    return best, min(1.0, closeness) * distinct / max(n_terms, 1)


def _to_words(folded: str, span: tuple[int, int]) -> tuple[int, int]:
    """Widen a span to whole words (a CJK character is a word of its own: CJK runs have no
    spaces between words)."""
    start, end = max(0, span[0]), min(len(folded), max(span[1], span[0]))
    if folded.isascii():  # the common case, quickly
        while start > 0 and folded[start - 1].isalnum():
            start -= 1
        while end < len(folded) and folded[end].isalnum():
            end += 1
    else:
        while start > 0 and _in_word(folded[start - 1]) and not is_cjk(folded[start : start + 1]):
            start -= 1
        while end < len(folded) and _in_word(folded[end]) and not is_cjk(folded[end - 1 : end]):
            end += 1
    while start < end and folded[start] == " ":
        start += 1
    while end > start and folded[end - 1] == " ":
        end -= 1
    return start, end


def _in_word(ch: str) -> bool:
    """A character a word goes on across: a letter or digit of a word, or a mark of its script
    (Devanagari's vowel signs), not CJK."""
    return (ch.isalnum() or unicodedata.category(ch).startswith("M")) and not is_cjk(ch)


def _collapse(matches: list[Match], limit: int) -> list[Match]:
    """Keep the best of hits a few seconds apart in one episode."""
    kept: list[Match] = []
    for m in matches:
        if any(
            k.episode.id == m.episode.id
            and (
                k.position == m.position
                or (
                    k.start is not None
                    and m.start is not None
                    and abs(k.start - m.start) <= COLLAPSE_SECONDS
                )
            )
            for k in kept
        ):
            continue
        kept.append(m)
        if len(kept) >= limit:
            break
    return kept
