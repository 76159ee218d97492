"""Where advice can start and stop: runs of whole sentences, and clauses of captions.

Punctuated text is cut into one to three whole sentences. Auto-captions have no punctuation
and break mid-sentence from one segment to the next, so a caption window is found from a
place where advice starts ("so try …", "i would recommend", "if you …") to a place where the
talk can pause ("… right", "… so"), running on across segments, and cut into clauses the
scorer weighs one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.advice.words import (
    ADVERBS,
    CAPTION_VERBS,
    NOT_BEFORE_AN_INSTRUCTION,
    word_set,
)
from bot.episodes.model import Episode

MIN_CHARS = 50  # shorter than this is a fragment, not advice
MAX_CHARS = 320  # longer than this cannot be read in one breath
MAX_SENTENCES = 3
CAPTION_WORDS = (7, 40)

Window = list[tuple[int, int]]  # the character ranges of a window's sentences or clauses

_PUNCTUATION = re.compile(r"[.!?,;:](?=\s|$)")
_SENTENCE = re.compile(r"[^.!?…]+(?:[.!?…]+[\"'”’)\]]*|$)")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|vs|etc|dr|mr|mrs|ms|st|no)\.$", re.IGNORECASE)

# In captions without punctuation, advice is found from where it starts: a recommendation,
# a principle, "you should", a condition, or an instruction right after a word that opens a
# clause ("so", "yeah", "right", "first") …
_CAPTION_OPENER = (
    r"(?:so|yeah|right|okay|well|first|instead|finally|is|also|but|just|then|now|here|"
    r"basically)"
)
_CAPTION_START = re.compile(
    r"\b(?:(?P<said>i (?:would |usually |always |really |highly |strongly |definitely )?"
    r"(?:recommend|suggest|advise|encourage)|my advice is|i want you to)\b"
    r"|(?P<rule>the (?:lesson|advice|tip|trick|key|secret|best way|first rule|"
    r"most important (?:thing|skill))\b)"
    r"|"
    + _CAPTION_OPENER
    + r" (?P<told>(?:(?:don't|do not|never|always|just|first) )*(?:"
    + "|".join(sorted(CAPTION_VERBS))
    + r"))\b"
    r"|(?P<dont>(?:don't|do not|never) (?:" + "|".join(sorted(CAPTION_VERBS)) + r"))\b"
    r"|(?P<you>you (?:really |just |always )?(?:should|shouldn't|"
    r"need to|have to|must|don't need to|don't have to|do not have to)\b)"
    r"|(?P<cond>if you\b))",
    re.IGNORECASE,
)
# … to a place where the talk can pause: before a word that starts a new clause ("right",
# "so", "and", "i") and after one that can end a phrase (not "the", "to", "gonna").
_CAPTION_BREAK = word_set(
    "right yeah okay so and but because uh um i that's anyway well now finally actually"
)
_DANGLING = word_set(
    "the a an to of that with is are was were in on for your my our this these those "
    "gonna wanna will would can could be and or but because if when i you we they so as "
    "at from by about than then like just really very not don't do does did have has had "
    "gets get into what which who how where i'm you're it's that's there's we're they're"
)
_NOT_A_CLAUSE_START = word_set(
    "that which what who to you i we they people don't dont not can't cannot where how "
    "when if than as because thing things stuff something whatever unless says said "
    "believe claim claims"
)
# Words ending in "s" that are no plural noun.
_NOT_PLURAL = word_set("is was this thus yes us has does always perhaps its it's")
# Words before a clause opener that make what follows no instruction ("you could also try").
_NOT_BEFORE_AN_OPENER = word_set(
    "you i we they to and could can would will should might must gonna may people just "
    "also it's that's don't dont didn't not never"
)


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
    """Whether the text has capitals and punctuation, about one mark in 40 words or more
    (auto-captions have neither, but for the odd "train.py" or "I")."""
    marks = len(_PUNCTUATION.findall(text))
    return marks >= 1 and marks >= len(text.split()) / 40 and any(c.isupper() for c in text)


def _caption_clauses(text: str, begin: int, end: int) -> Window:
    """A caption window split before each word where the talk can pause."""
    spans: Window = []
    start = begin
    for word in re.finditer(r"\S+", text[begin:end]):
        at = begin + word.start()
        if at > start and word.group().lower() in _CAPTION_BREAK:
            spans.append((start, start + len(text[start:at].rstrip())))
            start = at
    spans.append((start, end))
    return spans


def _starts_a_clause(text: str, m: re.Match[str], group: str) -> bool:
    """Whether a caption trigger opens a clause: "so try …", not "you could also try …"."""
    begin = m.start(group)
    if group in ("said", "rule", "you", "cond"):
        before = [w.lower() for w in text[max(0, begin - 14) : begin].split()[-1:]]
        if group == "you" and any(_plural(w) for w in before):
            return False  # "the rules you need to collect": a relative clause
        return not any(w in _NOT_A_CLAUSE_START for w in before)
    if group == "dont":  # "don't …" opens an instruction unless it has a subject ("people")
        before_words = [w.lower() for w in text[max(0, begin - 40) : begin].split()[1:]]
        while before_words and before_words[-1] in ADVERBS | {"don't", "never"}:
            before_words.pop()  # "they really don't", "don't don't"
        subject = before_words[-1:]
        return not any(w in NOT_BEFORE_AN_INSTRUCTION or _plural(w) for w in subject)
    before = text[max(0, m.start() - 14) : m.start()].split()[-1:]
    return not any(w.lower() in _NOT_BEFORE_AN_OPENER for w in before)


def _plural(word: str) -> bool:
    """A guess that a word is a plural noun ("tricks", "courses"), hence a subject."""
    return word.endswith("s") and word not in _NOT_PLURAL


def caption_windows(text: str) -> Iterator[tuple[Window, bool]]:
    """In captions with no punctuation: from each place advice starts to each place the talk
    can pause within `CAPTION_WORDS`, split into clauses; where it does not pause, to the
    last place a phrase can end, flagged as cut."""
    for m in _CAPTION_START.finditer(text):
        group = next(g for g in ("said", "rule", "told", "dont", "you", "cond") if m.group(g))
        if not _starts_a_clause(text, m, group):
            continue
        begin = m.start(group)
        found = list(re.finditer(r"\S+", text[begin : begin + MAX_CHARS + 40]))
        paused = False
        last_open: Window | None = None
        for k in range(CAPTION_WORDS[0] - 1, min(len(found), CAPTION_WORDS[1])):
            last = found[k].group().lower().rstrip(",;:-–—")
            following = found[k + 1].group().lower() if k + 1 < len(found) else None
            end = begin + found[k].end()
            if end - begin > MAX_CHARS:
                break
            if last in _DANGLING or end - begin < MIN_CHARS:
                continue
            clauses = _caption_clauses(text, begin, end)
            if len(clauses) > 1 and len(text[clauses[-1][0] : end].split()) <= 2:
                continue  # "… all of that i think": the talk turned, the window did not
            if following is None or following in _CAPTION_BREAK:
                yield clauses, False
                paused = True
            else:
                last_open = clauses  # no pause here: the place to cut if none comes
        if last_open is not None and not paused:
            yield last_open, True


def sentence_windows(spans: list[tuple[int, int]]) -> Iterator[tuple[Window, bool]]:
    """Runs of one to three of a text's whole sentences (`sentence_spans`) that fit the
    length limits."""
    for i in range(len(spans)):
        for j in range(i, min(i + MAX_SENTENCES, len(spans))):
            if spans[j][1] - spans[i][0] > MAX_CHARS:
                break
            if spans[j][1] - spans[i][0] >= MIN_CHARS:
                yield spans[i : j + 1], False


def caption_runs(episode: Episode) -> Iterator[tuple[int, int]]:
    """Runs `[first, stop)` of consecutive unpunctuated segments of one speaker: captions,
    whose sentences run on from one segment into the next."""
    segments = episode.segments
    first = None
    for position, segment in enumerate(segments):
        captions = not punctuated(segment.text)
        if first is not None and (not captions or segment.speaker != segments[first].speaker):
            yield first, position
            first = None
        if captions and first is None:
            first = position
    if first is not None:
        yield first, len(segments)
