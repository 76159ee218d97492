"""Which segments are advice: a transparent, rule-based scorer over windows of talk.

A candidate is a window that starts in one segment (see `windows`): one to three whole
sentences, or in auto-captions a few clauses that may run on into the next segments. Its score
is a sum of named points (telling the listener what to do, an imperative, "you should", "my
advice is", "if you …, do …" … minus questions, the host's lines, introductions, sponsor reads,
calls to subscribe, small talk, openings that need the sentence before, vague hedges, fragments
and run-ons) mapped to 0–100, and every point it got or lost is kept as a reason, so
`python -m bot advice --top N` can say why a quote was chosen. The rules are read, not learned:
a curator can follow them and overrule them with `advice_pin` / `advice_ban` in the catalog.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.advice.windows import (
    caption_runs,
    caption_windows,
    punctuated,
    sentence_spans,
    sentence_windows,
)
from bot.advice.words import (
    ADVERBS,
    IMPERATIVES,
    NOT_BEFORE_AN_INSTRUCTION,
    SUBJECTS,
    word_set,
)
from bot.episodes.model import Episode, Segment, link
from bot.text import words

BEST_CHARS = (60, 260)
POOL_MIN_SCORE = 60.0  # the pool is every candidate scoring at least this (and every pin)
_BASE = 40.0  # the score of a neutral window; points move it up or down


_SOFT_OPENERS = word_set("so just and um uh well okay ok yeah like now then also")


def _rules(*rules: tuple[float, str, str]) -> tuple[tuple[float, str, re.Pattern[str]], ...]:
    # Matched against lower-cased text: case-insensitive patterns are several times slower.
    return tuple((points, why, re.compile(rx)) for points, why, rx in rules)


_CLAUSE_HEAD = (
    r"(?:^|[.,;:!?–—-]\s*|\b(?:so|then|and|but|first|really|always|also|now|right|yeah|okay)\s+)"
)

_POSITIVE = _rules(
    (
        30,
        "gives a recommendation",
        r"\b(?:i (?:would |'d |usually |always |really |highly |strongly |definitely )?"
        r"(?:not |never )?(?:recommend|suggest|advise|encourage|urge)|my (?:advice|"
        r"recommendation|tip|suggestion)|the (?:lesson|advice|tip|takeaway|rule)(?: here)? is|"
        r"i want you to (?:focus|think|start|remember|try|understand|put|build|learn)|"
        r"i (?:want to )?encourage you to|i(?: would|'d) say,? (?:if you|you should|start|"
        r"just|first|don't|try))\b",
    ),
    (
        26,
        "tells the listener what they should do",
        _CLAUSE_HEAD + r"you (?:really |just |always |definitely )?(?:should|shouldn't|"
        r"ought to|want to make sure)\b",
    ),
    (
        20,
        "states a principle",
        r"\b(?:the (?:key|trick|secret|most important (?:thing|skill)|best way|only way|"
        r"best thing|first step) (?:is|to)|it(?:'s| is) (?:important|better|essential|crucial|"
        r"worth|okay|ok|fine|best|handy|useful|helpful|a good idea) to|make sure (?:you|to|"
        r"that you)|there(?:'s| is) no (?:shortcut|such thing)|(?:don't|do not|never) be afraid|"
        r"your (?:goal|job|priority) (?:is|should be) to|(?:is|was) that you (?:have to|"
        r"need to|should|must))\b",
    ),
    (
        8,
        "says what the listener needs to do",
        _CLAUSE_HEAD + r"you (?:really |just |always |definitely )?(?:need to|have to|must|"
        r"don't need to|do not need to|don't have to|do not have to|can't just)\b",
    ),
    (
        6,
        "contrasts what to do with what not to do",
        r"\b(?:instead of|rather than|not the solution|more important than)\b",
    ),
)
# "If you want to X, …": counts only beside another sign of advice.
_CONDITION = re.compile(
    r"\bif you(?:'re| are| want| have| don't| do| can| need| find| feel)\b", re.IGNORECASE
)

_NEGATIVE = _rules(
    (
        -60,
        "an introduction or a farewell",
        r"\b(?:welcome (?:to|back|everyone)|today we(?:'ll| will| are)|my guest|our guest|"
        r"thanks? (?:you )?(?:so much |a lot )?for (?:having|joining|coming|being|inviting|"
        r"the invitation)|introduce yourself|before we (?:finish|wrap|end|go)|wrap(?:ping)? up|"
        r"my name is|see you (?:next|soon)|(?:regular )?listeners?\b|the show\b|show notes|"
        r"this episode|the interview|the podcast)",
    ),
    (
        -60,
        "a sponsor read or a call to subscribe",
        r"\b(?:sponsor|sponsored|promo code|discount|coupon|patreon|subscribe|"
        r"sign up (?:at|for|today)|newsletter|check (?:this|it|them)? ?out|link (?:is )?in the|"
        r"leave (?:us )?a (?:review|rating)|rate (?:and|us)|follow (?:us|me) on|"
        r"www\.|\.com\b|\.io\b|dot com|retweet|contest|giveaway|ticket to|find me on|"
        r"(?:linkedin|twitter|youtube) (?:account|channel|profile)|my (?:website|profile)|"
        r"pinned? tweet)",
    ),
    (
        -25,
        "about the speaker's own book, course or product",
        r"\b(?:my book|our book|the book|in chapter|my course|this course|the course|"
        r"our (?:product|company|platform|startup)|my (?:company|startup|channel|videos?))\b",
    ),
    (
        -18,
        "small talk",
        r"^(?:yeah|yes|no|right|exactly|okay|ok|sure|absolutely|cool|great|awesome|"
        r"thank you|thanks|mm-hmm|hmm|oh|wow|ha)\b",
    ),
)

# An instruction about something named before ("Use it as …", "Do that").
_BACK_REFERENCE = re.compile(r"^(?:\w+ ){0,2}?(?:it|that|this|them|those|these)\b", re.IGNORECASE)
# Questions the transcript did not punctuate as questions ("Do you feed it …").
_QUESTION_OPENING = re.compile(
    r"^(?:do|does|did|can|could|would|will|is|are|have|has|should|what|how|why) "
    r"(?:you|we|they|i|it|is|do|does|are)\b",
    re.IGNORECASE,
)
# Openers that point back to what was said before ("That is why …", "For example, …").
_ANAPHORIC = re.compile(
    r"^(?:and|but|or|because|so that|which|that(?:'s| is| was)?|this(?:'s| is)?|these|those|"
    r"it(?:'s| is| was)?|they|he|she|also|then|otherwise|exactly|as i said|like i said|"
    r"same|both|neither|either|here|there|for example|for instance|in that case|"
    r"on the other hand)\b",
    re.IGNORECASE,
)
# "this problem", "that person": the advice leans on something named before it.
_POINTS_BACK = re.compile(
    r"\b(?:this|that|these|those) (?:problem|person|people|one|thing|tool|course|book|stuff|list|"
    r"text|example|concept|idea|approach|part)s?\b|\bwith (?:them|it)\b|"
    r"\byou (?:should|shouldn't|need to|have to|must|to)(?: not)? \w+ (?:it|them|(?:that|this)"
    r"(?! (?:you|i|we|they|it|the|there|people|your)\b))\b|"
    r"^(?:\w+ ){1,2}(?:them|it)\b",
    re.IGNORECASE,
)
# "Don't feel guilty or something": a hedge that leaves the advice vague.
_VAGUE = re.compile(r"\b(?:or something|or whatever|stuff like that|things like that|and stuff)\b")
_FILLERS = re.compile(r"\b(?:uh|um|erm|you know|i mean|kind of|sort of|like,)\b", re.IGNORECASE)
_FIRST_PERSON = frozenset(["i", "i'm", "i've", "i'd", "me", "my", "we", "we're", "our", "us"])
_SECOND_PERSON = frozenset(["you", "you're", "you've", "you'll", "your", "yourself"])


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that moved a candidate's score, and by how much."""

    points: float
    why: str

    def __str__(self) -> str:
        return f"{self.points:+.0f} {self.why}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stretch of one segment that reads as advice, with its score and its reasons."""

    episode: Episode
    position: int  # the segment's number in its episode (what the catalog pins and bans)
    # The advice's character range in the segment's text; in captions it may run on into the
    # segments after it (their texts joined by single spaces), as the sentence does.
    span: tuple[int, int]
    score: float
    reasons: tuple[Reason, ...]
    pinned: bool = False

    @property
    def segment(self) -> Segment:
        return self.episode.segments[self.position]

    @property
    def id(self) -> str:
        """`episode-id#N`: how a curator names the segment in `advice_pin`/`advice_ban`."""
        return f"{self.episode.id}#{self.position}"

    @property
    def positions(self) -> range:
        """The segments the advice's words come from (a caption window can run on)."""
        last, size = self.position, len(self.segment.text)
        while size < self.span[1] and last + 1 < len(self.episode.segments):
            last += 1
            size += 1 + len(self.episode.segments[last].text)
        return range(self.position, last + 1)

    @property
    def text(self) -> str:
        return running_text(self.episode, self.position, self.span[1])[self.span[0] : self.span[1]]

    @property
    def fingerprint(self) -> str:
        """A key of the words themselves: the same advice is the same after a re-ingest."""
        return hashlib.sha1(" ".join(words(self.text)).encode()).hexdigest()[:16]

    @property
    def start(self) -> float | None:
        return self.segment.time_at(self.span[0])

    @property
    def url(self) -> str | None:
        return link(self.episode, self.start)

    @property
    def speaker(self) -> str | None:
        return self.episode.full_name(self.segment.speaker)


def running_text(episode: Episode, position: int, length: int) -> str:
    """A segment's text, run on into the following segments (joined by single spaces)
    until it is at least `length` characters long or the episode ends."""
    parts = [episode.segments[position].text]
    size = len(parts[0])
    for segment in episode.segments[position + 1 :]:
        if size >= length:
            break
        parts.append(segment.text)
        size += 1 + len(segment.text)
    return " ".join(parts)


def _opening_words(text: str) -> list[str]:
    """The first words, with soft openers ("So", "Just", "Um") passed over."""
    found = words(text[:80])
    i = 0
    while i < len(found) - 1 and found[i] in _SOFT_OPENERS:
        i += 1
    return found[i : i + 3]


def _opening(text: str) -> tuple[Reason, ...]:
    """Points for how the advice opens: an instruction, a question, or small talk."""
    return _opening_of(text[:160])  # all it looks at: the same start scores the same


@functools.lru_cache(maxsize=8192)
def _opening_of(text: str) -> tuple[Reason, ...]:
    opening = _opening_words(text)
    first = opening[0] if opening else ""
    head = " ".join(opening)
    if _QUESTION_OPENING.match(head):
        return (Reason(-40, f"a question ({head!r} …)"),)
    if first in IMPERATIVES and opening[1:2] != ["me"]:
        if _BACK_REFERENCE.match(" ".join(opening[1:])):
            return (Reason(4, f"an instruction about something said before ({head!r})"),)
        return (Reason(30, f"opens with an instruction ({first!r} …)"),)
    if first in {"always", "never", "dont"} or head.startswith("do not"):
        return (Reason(26, f"opens with an instruction ({first!r} …)"),)
    if head.startswith("if you") and (verb := _instruction_after_condition(text)):
        return (Reason(26, f"a condition, then an instruction ('if you …, {verb} …')"),)
    return ()


def _instruction_after_condition(text: str) -> str | None:
    """The verb of "If you're reading a book, stop after the first chapter": the first
    instruction in the words after "if you", or None when a subject comes first ("if you
    have visuals, it doesn't …")."""
    said = words(text[:160])
    you = next((i for i, w in enumerate(said) if w in ("you", "youre", "youve")), len(said))
    start = you + 1
    while start < len(said) and said[start] in ADVERBS:
        start += 1
    start += 2  # past the condition's own verb ("if you already have …")
    for before, word in itertools.pairwise(said[start - 1 : start + 10]):
        if word in SUBJECTS:
            return None
        if word in IMPERATIVES and before not in NOT_BEFORE_AN_INSTRUCTION:
            return word
    return None


@functools.lru_cache(maxsize=8192)
def _signals(text: str) -> tuple[Reason, ...]:
    """Points for the signs of advice anywhere in the text (each rule counts once)."""
    lowered = text.lower()
    return tuple(Reason(p, why) for p, why, pattern in _POSITIVE if pattern.search(lowered))


def score_sentences(
    sentences: list[str], *, by_host: bool = False, captions: bool = False, cut: bool = False
) -> tuple[float, tuple[Reason, ...]]:
    """The advice score (0–100) of consecutive sentences, and every rule behind it.
    `captions`: a window of unpunctuated captions; `cut`: one that may stop mid-thought."""
    sentences = [s.strip().replace("’", "'") for s in sentences]
    text = " ".join(sentences)
    reasons = list(_opening(text))
    # A caption window starts where the advice does: later clauses only carry it on.
    reasons += _signals(sentences[0] if captions else text)
    advice = any(r.points >= 14 for r in reasons)
    if advice and any(_CONDITION.search(s) and (_signals(s) or _opening(s)) for s in sentences):
        reasons.append(Reason(8, "says when it applies ('if you …')"))
    for sentence in sentences if len(sentences) > 1 else ():
        if len(sentence.split()) >= 5 and not (_signals(sentence) or _opening(sentence)):
            reasons.append(Reason(-6, "a sentence that adds no advice"))
    said = words(text)
    you = sum(w in _SECOND_PERSON for w in said)
    me = sum(w in _FIRST_PERSON for w in said)
    if advice and you >= 1 and you >= me:
        reasons.append(Reason(6, "speaks to the listener ('you')"))
    if me >= 2 and me > you:
        reasons.append(Reason(-16, "a personal story more than advice"))
    lowered = text.lower()
    reasons += [Reason(p, why) for p, why, pattern in _NEGATIVE if pattern.search(lowered)]
    if "?" in text:
        reasons.append(Reason(-45 if text.rstrip("\"'”’)").endswith("?") else -25, "asks"))
    if by_host:
        reasons.append(Reason(-30, "the host speaking (questions and introductions)"))
    is_punctuated = punctuated(text)
    if _POINTS_BACK.search(text):
        reasons.append(Reason(-12, "leans on something named before ('this problem', 'use it')"))
    if _ANAPHORIC.match(text):
        reasons.append(Reason(-22, f"needs what was said before ({said[0]!r} …)"))
    elif text[:1].islower() and is_punctuated:
        reasons.append(Reason(-15, "starts in the middle of a sentence"))
    if _VAGUE.search(lowered):
        reasons.append(Reason(-12, "vague ('or something')"))
    fillers = len(_FILLERS.findall(text))
    if fillers >= 2:
        reasons.append(Reason(-4.0 * min(fillers, 6), f"{fillers} fillers ('uh', 'you know')"))
    if BEST_CHARS[0] <= len(text) <= BEST_CHARS[1]:
        reasons.append(Reason(6, "reads in one breath"))
    elif len(text) > BEST_CHARS[1]:
        reasons.append(Reason(-8, "on the long side"))
    if captions:
        reasons.append(Reason(-8, "captions with no punctuation"))
        if cut:
            reasons.append(Reason(-16, "may be cut off mid-thought"))
    score = max(0.0, min(100.0, _BASE + sum(r.points for r in reasons)))
    return score, tuple(reasons)


def score_text(text: str, *, by_host: bool = False) -> tuple[float, tuple[Reason, ...]]:
    """`score_sentences` on a text split into its sentences."""
    spans = sentence_spans(text) or [(0, len(text))]
    return score_sentences([text[a:b] for a, b in spans], by_host=by_host)


def _hopeful(sentence: str) -> bool:
    """Whether a sentence shows a sign of advice: a positive rule or opening."""
    sentence = sentence.strip().replace("’", "'")
    return bool(_signals(sentence)) or any(r.points > 0 for r in _opening(sentence))


def _best(
    found: Candidate | None,
    episode: Episode,
    position: int,
    span: tuple[int, int],
    scored: tuple[float, tuple[Reason, ...]],
) -> Candidate:
    """The better of a segment's best candidate so far and a new window (ties keep the
    earlier, shorter one: short advice reads best)."""
    if found is not None and scored[0] <= found.score:
        return found
    return Candidate(episode, position, span, scored[0], scored[1])


def _by_host(episode: Episode, position: int) -> bool:
    speaker = episode.segments[position].speaker
    return speaker is not None and speaker in episode.hosts


def _caption_candidates(episode: Episode, first: int, stop: int) -> dict[int, Candidate]:
    """The best window starting in each segment of a caption run, windows running on
    across the run's segments; of windows that overlap, only the best is kept."""
    texts = [s.text for s in episode.segments[first:stop]]
    offsets = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    stream = " ".join(texts)
    best: dict[int, Candidate] = {}
    for window, cut in caption_windows(stream):
        begin, end = window[0][0], window[-1][1]
        index = bisect.bisect_right(offsets, begin) - 1
        position = first + index
        scored = score_sentences(
            [stream[a:b] for a, b in window],
            by_host=_by_host(episode, position),
            captions=True,
            cut=cut,
        )
        span = (begin - offsets[index], end - offsets[index])
        best[position] = _best(best.get(position), episode, position, span, scored)
    # A window that runs on into the next segment is the same advice as that segment's own.
    kept: dict[int, Candidate] = {}
    taken: list[tuple[int, int]] = []
    for candidate in sorted(best.values(), key=lambda c: (-c.score, c.position)):
        at = offsets[candidate.position - first]
        begin, end = at + candidate.span[0], at + candidate.span[1]
        if all(end <= a or begin >= b for a, b in taken):
            kept[candidate.position] = candidate
            taken.append((begin, end))
    return kept


def _sentence_candidate(episode: Episode, position: int) -> Candidate | None:
    """The best run of whole sentences of one punctuated segment."""
    text = episode.segments[position].text
    spans = sentence_spans(text)
    hopeful = {span for span in spans if _hopeful(text[span[0] : span[1]])}
    if not hopeful:
        return None  # no sign of advice in any sentence: no window can reach the pool
    found: Candidate | None = None
    for window, _ in sentence_windows(spans):
        if hopeful.isdisjoint(window):
            continue
        scored = score_sentences(
            [text[a:b] for a, b in window], by_host=_by_host(episode, position)
        )
        found = _best(found, episode, position, (window[0][0], window[-1][1]), scored)
    return found


def episode_candidates(episode: Episode) -> dict[int, Candidate]:
    """The best-scoring window starting in each segment of an episode (segments where no
    window fits the limits have none)."""
    found: dict[int, Candidate] = {}
    in_captions: set[int] = set()
    for first, stop in caption_runs(episode):
        in_captions.update(range(first, stop))
        found.update(_caption_candidates(episode, first, stop))
    for position in range(len(episode.segments)):
        if position not in in_captions and (c := _sentence_candidate(episode, position)):
            found[position] = c
    return found


def best_candidate(episode: Episode, position: int) -> Candidate | None:
    """The best-scoring window starting in one segment, or None when no window fits."""
    return episode_candidates(episode).get(position)


def pinned_candidate(episode: Episode, position: int) -> Candidate:
    """A curator's pin: the segment's best window, or the whole segment when none fits."""
    return _pinned(episode, position, best_candidate(episode, position))


def _pinned(episode: Episode, position: int, found: Candidate | None) -> Candidate:
    pin = Reason(0, "pinned by the curator")
    if found is not None:
        return Candidate(episode, position, found.span, found.score, (pin, *found.reasons), True)
    text = episode.segments[position].text
    return Candidate(episode, position, (0, len(text)), 100.0, (pin,), True)


Scorer = Callable[[Episode], dict[int, Candidate]]


def candidates(
    episodes: Iterable[Episode], scored_by: Scorer = episode_candidates
) -> list[Candidate]:
    """Every episode's scored candidates (pins included, bans left out), best first.

    `scored_by` gives an episode's `episode_candidates`: by default scored here, or read from
    where ingest stored them (`bot.archive.derived`)."""
    found: list[Candidate] = []
    for episode in episodes:
        banned = set(episode.advice_ban)
        pinned = set(episode.advice_pin) - banned
        scored = scored_by(episode)
        for position in pinned:
            found.append(_pinned(episode, position, scored.get(position)))
        found += [
            c
            for p, c in scored.items()
            if p not in pinned and banned.isdisjoint(c.positions)  # no banned words either
        ]
    found.sort(key=lambda c: (not c.pinned, -c.score, c.episode.id, c.position))
    return found
