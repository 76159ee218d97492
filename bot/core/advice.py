"""Which segments are advice: a transparent, rule-based scorer over sentence windows.

A candidate is one to three whole sentences of one segment. Its score is a sum of named
points (telling the listener what to do, an imperative, "you should", "my advice is" …
minus questions, the host's lines, introductions, sponsor reads, calls to subscribe, small
talk, openings that need the sentence before, fragments and run-ons) mapped to 0–100, and
every point it got or lost is kept as a reason, so `python -m bot advice --top N` can say
why a quote was chosen. The rules are read, not learned: a curator can follow them and
overrule them with `advice_pin` / `advice_ban` in the catalog.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.core.model import Episode, Segment
from bot.core.search import link
from bot.core.text import words

MIN_CHARS = 50  # shorter than this is a fragment, not advice
MAX_CHARS = 320  # longer than this cannot be read in one breath
BEST_CHARS = (80, 260)
MAX_SENTENCES = 3
POOL_MIN_SCORE = 60.0  # the pool is every candidate scoring at least this (and every pin)
_BASE = 40.0  # the score of a neutral window; points move it up or down

_SENTENCE = re.compile(r"[^.!?…]+(?:[.!?…]+[\"'”’)\]]*|$)")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|vs|etc|dr|mr|mrs|ms|st|no)\.$", re.IGNORECASE)

# Verbs that open an instruction to the listener ("Start with the problem").
_IMPERATIVES = frozenset(
    [
        "accept",
        "aim",
        "apply",
        "ask",
        "automate",
        "avoid",
        "be",
        "begin",
        "break",
        "build",
        "buy",
        "challenge",
        "check",
        "choose",
        "collaborate",
        "commit",
        "concentrate",
        "consider",
        "contribute",
        "create",
        "dedicate",
        "define",
        "dig",
        "do",
        "don't",
        "dont",
        "embrace",
        "enjoy",
        "experiment",
        "explain",
        "explore",
        "finish",
        "fail",
        "find",
        "focus",
        "follow",
        "forget",
        "get",
        "give",
        "go",
        "have",
        "invest",
        "iterate",
        "join",
        "keep",
        "know",
        "learn",
        "leave",
        "let's",
        "listen",
        "look",
        "make",
        "measure",
        "never",
        "pay",
        "pick",
        "practice",
        "practise",
        "prioritise",
        "prioritize",
        "publish",
        "put",
        "read",
        "reach",
        "remember",
        "reproduce",
        "revisit",
        "run",
        "schedule",
        "seek",
        "share",
        "ship",
        "simplify",
        "skip",
        "solve",
        "speak",
        "spend",
        "start",
        "stay",
        "stick",
        "stop",
        "study",
        "take",
        "talk",
        "teach",
        "think",
        "treat",
        "trust",
        "try",
        "understand",
        "use",
        "verify",
        "visualise",
        "visualize",
        "volunteer",
        "wait",
        "watch",
        "write",
    ]
)
_OPENING_WORDS = _IMPERATIVES | {"always", "never", "dont", "do"}
_SOFT_OPENERS = frozenset(
    ["so", "just", "and", "um", "uh", "well", "okay", "ok", "yeah", "like", "now", "then", "also"]
)


def _rules(*rules: tuple[float, str, str]) -> tuple[tuple[float, str, re.Pattern[str]], ...]:
    # Matched against lower-cased text: case-insensitive patterns are several times slower.
    return tuple((points, why, re.compile(rx)) for points, why, rx in rules)


_CLAUSE_HEAD = r"(?:^|[.,;:!?–—-]\s*|\b(?:so|then|and|but|first|really|always|also|now)\s+)"

_POSITIVE = _rules(
    (
        30,
        "gives a recommendation",
        r"\b(?:i (?:would |'d |usually |always |really |highly |strongly |definitely )?"
        r"(?:recommend|suggest|advise|encourage|urge)|my (?:advice|recommendation|tip|suggestion)"
        r"|the (?:lesson|advice|tip|takeaway|rule)(?: here)? is|i want you to "
        r"(?:focus|think|start|remember|try|understand|put|build|learn))\b",
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
        r"worth|okay|ok|fine|best) to|make sure (?:you|to|that you)|there(?:'s| is) no "
        r"(?:shortcut|such thing)|(?:don't|do not|never) be afraid)\b",
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
    r"\b(?:this|that|these|those) (?:problem|person|people|one|thing|tool|course|book|stuff|"
    r"text|example|concept|idea|approach|part)s?\b|\bwith (?:them|it)\b",
    re.IGNORECASE,
)
_FILLERS = re.compile(r"\b(?:uh|um|erm|you know|i mean|kind of|sort of|like,)\b", re.IGNORECASE)
_FIRST_PERSON = frozenset(["i", "i'm", "i've", "i'd", "me", "my", "we", "we're", "our", "us"])
_SECOND_PERSON = frozenset(["you", "you're", "you've", "you'll", "your", "yourself"])


# In captions without punctuation, advice is found from where it starts: a recommendation,
# or an instruction right after a word that opens a clause ("so", "yeah", "the lesson is") …
_CAPTION_START = re.compile(
    r"\b(?:(?P<said>i (?:would |usually |always |really |highly |strongly |definitely )?"
    r"(?:recommend|suggest|advise|encourage)|my advice is|i want you to)\b"
    r"|(?:so|yeah|right|okay|well|first|instead|finally|is|also|but|just) "
    r"(?P<told>(?:(?:don't|do not|never|always|just) )?(?:"
    + "|".join(sorted(_IMPERATIVES))
    + r"))\b)",
    re.IGNORECASE,
)
# … to where the talk turns ("yeah", "right", "by the way", "i think") or ~35 words on.
_CAPTION_STOP = re.compile(
    r"\s(?:yeah|right|okay|by the way|anyway|i mean|i think|so yeah|and then i|but yeah|"
    r"because i|so i|uh|um)\b",
    re.IGNORECASE,
)
CAPTION_WORDS = (8, 35)
_NOT_A_CLAUSE_START = frozenset(
    [
        "that",
        "which",
        "what",
        "who",
        "to",
        "you",
        "i",
        "we",
        "they",
        "people",
        "don't",
        "dont",
        "not",
        "can't",
        "cannot",
    ]
)


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
    span: tuple[int, int]  # the advice's character range in the segment text
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
    def text(self) -> str:
        return self.segment.text[self.span[0] : self.span[1]]

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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences of a text (abbreviations do not end one)."""
    spans: list[tuple[int, int]] = []
    begin: int | None = None
    for m in _SENTENCE.finditer(text):
        piece = m.group()
        if not piece.strip():
            continue
        start = m.start() + (len(piece) - len(piece.lstrip()))
        if begin is None:
            begin = start
        if _ABBREVIATION.search(piece.rstrip()):
            continue
        spans.append((begin, m.end() - (len(piece) - len(piece.rstrip()))))
        begin = None
    if begin is not None:
        spans.append((begin, len(text.rstrip())))
    return spans


def punctuated(text: str) -> bool:
    """Whether the text has sentence punctuation and capitals (auto-captions have neither)."""
    return bool(re.search(r"[.!?]", text)) and any(c.isupper() for c in text)


def _opening_words(text: str) -> list[str]:
    """The first words, with soft openers ("So", "Just", "Um") passed over."""
    found = words(text[:80])
    i = 0
    while i < len(found) - 1 and found[i] in _SOFT_OPENERS:
        i += 1
    return found[i : i + 3]


def _opening(text: str) -> list[Reason]:
    """Points for how the advice opens: an instruction, a question, or small talk."""
    opening = _opening_words(text)
    first = opening[0] if opening else ""
    head = " ".join(opening)
    if _QUESTION_OPENING.match(head):
        return [Reason(-40, f"a question ({head!r} …)")]
    if first in _IMPERATIVES and opening[1:2] != ["me"]:
        if _BACK_REFERENCE.match(" ".join(opening[1:])):
            return [Reason(4, f"an instruction about something said before ({head!r})")]
        return [Reason(30, f"opens with an instruction ({first!r} …)")]
    if first in {"always", "never", "dont"} or head.startswith("do not"):
        return [Reason(26, f"opens with an instruction ({first!r} …)")]
    return []


def _signals(text: str) -> list[Reason]:
    """Points for the signs of advice anywhere in the text (each rule counts once)."""
    lowered = text.lower()
    return [Reason(p, why) for p, why, pattern in _POSITIVE if pattern.search(lowered)]


def score_sentences(
    sentences: list[str], *, by_host: bool = False, captions: bool = False, cut: bool = False
) -> tuple[float, tuple[Reason, ...]]:
    """The advice score (0–100) of consecutive sentences, and every rule behind it.
    `captions`: a window of unpunctuated captions; `cut`: one that may stop mid-thought."""
    text = " ".join(s.strip() for s in sentences)
    reasons = _opening(text)
    reasons += _signals(text)
    advice = any(r.points >= 14 for r in reasons)
    if advice and _CONDITION.search(text):
        reasons.append(Reason(8, "says when it applies ('if you …')"))
    for extra in sentences[1:]:
        if not (_signals(extra) or _opening(extra)):
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
        reasons.append(Reason(-12, "leans on something named before ('this problem')"))
    if _ANAPHORIC.match(text):
        reasons.append(Reason(-22, f"needs what was said before ({said[0]!r} …)"))
    elif text[:1].islower() and is_punctuated:
        reasons.append(Reason(-15, "starts in the middle of a sentence"))
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


def _caption_windows(text: str) -> Iterator[tuple[list[tuple[int, int]], bool]]:
    """In captions with no punctuation: from each place advice starts to where the talk
    turns; the flag says the window was cut at the word limit instead."""
    for m in _CAPTION_START.finditer(text):
        begin = m.start("said") if m.group("said") else m.start("told")
        before = text[max(0, m.start() - 12) : m.start()].split()[-2:]
        if any(w.lower() in _NOT_A_CLAUSE_START for w in before):
            continue  # "that i want you to", "you don't just go": not an instruction
        ends = [begin + w.end() for w in re.finditer(r"\S+", text[begin:])]
        if len(ends) < CAPTION_WORDS[0]:
            continue
        stop = _CAPTION_STOP.search(text, ends[CAPTION_WORDS[0] - 1])
        limit = ends[min(len(ends), CAPTION_WORDS[1]) - 1]
        if stop and stop.start() <= limit:
            end, cut = stop.start(), False
        else:
            # at the word limit, or at the segment's end: captions run on across segments
            end, cut = limit, True
        if MIN_CHARS <= end - begin <= MAX_CHARS:
            yield [(begin, end)], cut


def _sentence_windows(text: str) -> Iterator[tuple[list[tuple[int, int]], bool]]:
    """Runs of one to three whole sentences that fit the length limits."""
    spans = sentence_spans(text)
    for i in range(len(spans)):
        for j in range(i, min(i + MAX_SENTENCES, len(spans))):
            if spans[j][1] - spans[i][0] > MAX_CHARS:
                break
            if spans[j][1] - spans[i][0] >= MIN_CHARS:
                yield spans[i : j + 1], False


# Words without which no rule above can give the points the pool needs.
_SIGNAL_WORDS = frozenset(
    [
        "recommend",
        "recommendation",
        "suggest",
        "suggestion",
        "advise",
        "advice",
        "encourage",
        "urge",
        "lesson",
        "tip",
        "takeaway",
        "should",
        "shouldnt",
        "ought",
        "key",
        "trick",
        "secret",
        "important",
        "essential",
        "crucial",
        "worth",
        "sure",
        "shortcut",
        "afraid",
        "best",
        "want",
    ]
)


def _worth_scoring(text: str) -> bool:
    """A quick look: a segment with no sign of advice at all cannot reach the pool."""
    if _SIGNAL_WORDS.intersection(words(text)):
        return True
    if not punctuated(text):
        return _CAPTION_START.search(text) is not None
    return any(
        (o := _opening_words(text[a:b])) and o[0] in _OPENING_WORDS for a, b in sentence_spans(text)
    )


def best_candidate(episode: Episode, position: int) -> Candidate | None:
    """The best-scoring window of one segment, or None when no window fits the limits."""
    segment = episode.segments[position]
    text = segment.text
    by_host = segment.speaker is not None and segment.speaker in episode.hosts
    if not _worth_scoring(text):
        return None
    captions = not punctuated(text)
    windows = _caption_windows(text) if captions else _sentence_windows(text)
    best: Candidate | None = None
    for window, cut in windows:
        score, reasons = score_sentences(
            [text[a:b] for a, b in window], by_host=by_host, captions=captions, cut=cut
        )
        # A longer window wins only with a better score: short advice reads best.
        if best is None or score > best.score:
            span = (window[0][0], window[-1][1])
            best = Candidate(episode, position, span, score, reasons)
    return best


def pinned_candidate(episode: Episode, position: int) -> Candidate:
    """A curator's pin: the segment's best window, or the whole segment when none fits."""
    found = best_candidate(episode, position)
    pin = Reason(0, "pinned by the curator")
    if found is not None:
        return Candidate(episode, position, found.span, found.score, (pin, *found.reasons), True)
    text = episode.segments[position].text
    return Candidate(episode, position, (0, len(text)), 100.0, (pin,), True)


def candidates(episodes: Iterable[Episode]) -> list[Candidate]:
    """Every episode's scored candidates (pins included, bans left out), best first."""
    found: list[Candidate] = []
    for episode in episodes:
        banned = set(episode.advice_ban)
        pinned = set(episode.advice_pin) - banned
        for position in range(len(episode.segments)):
            if position in banned:
                continue
            if position in pinned:
                found.append(pinned_candidate(episode, position))
            elif (candidate := best_candidate(episode, position)) is not None:
                found.append(candidate)
    found.sort(key=lambda c: (not c.pinned, -c.score, c.episode.id, c.position))
    return found
