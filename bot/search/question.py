"""Questions about a quote: "where does siraj say …", "who said …", "the one where …".

Members often ask for a moment instead of quoting it. The scaffolding of the question ("where
does … say", "which episode has", "the one where") is not what was said, so it must not count
against a passage; a person it names ("what did *alexey* say about …") is a hint about who
said it or whose episode it is, to be weighed (never a filter that could empty the answer).
`parse` splits a query into the words that were said and the names it gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERBS = (
    r"say|says|said|saying|talk about|talks about|talked about|talking about|mention|mentions|"
    r"mentioned|explain|explains|explained|describe|describes|described|claim|claims|claimed|"
    r"tell|tells|told|argue|argues|argued|admit|admits|admitted|compare|compares|compared|"
    r"suggest|suggests|suggested|recommend|recommends|recommended|joke|jokes|joked|"
    r"think|thinks|thought|note|notes|noted|point out|points out|pointed out|bring up|"
    r"brings up|brought up"
)
_NAME = r"(?P<name>[a-z0-9]+(?: [a-z0-9]+)?)(?:'?s(?: guest)?)?"
_THINGS = r"(?:episode|guest|podcast|podcaster|speaker|talk|show|interview|one|part|bit|moment)"
_PATTERNS = [
    # where does siraj say … / when did alexey talk about … / how does lex's guest explain …
    re.compile(
        rf"^(?:where|when|how) (?:does|did|do|is|was) {_NAME} (?:{_VERBS})"
        r"(?: that| about| of)? (?P<rest>.+)$"
    ),
    # what did meor say about … / what does chip think of …
    re.compile(
        rf"^what (?:does|did|do|was it) {_NAME} (?:{_VERBS})"
        r"(?: about| of| on| regarding)? (?P<rest>.+)$"
    ),
    # who said that … / who was it that said … / who talked about …
    re.compile(rf"^who (?:was it that |is it that )?(?:{_VERBS})(?: that| about)? (?P<rest>.+)$"),
    # which episode has / mentions / is about … ; which guest …
    re.compile(
        rf"^which {_THINGS}(?: (?:has|had|is|was|mentions|mentioned|talks about|"
        r"talked about|where|when|with|in which|that|says|said|is about|was about))?"
        r" (?P<rest>.+)$"
    ),
    # the one where … / the episode where … / that bit when …
    re.compile(rf"^(?:the|that) {_THINGS} (?:where|when|with|in which|about) (?P<rest>.+)$"),
    # the guy who … / the guest whose … / someone who …
    re.compile(
        r"^(?:the|that|a|some|someone|somebody)(?: (?:guy|girl|woman|man|person|guest|"
        r"speaker|one|lady|student|engineer|researcher))? (?:who|whose|that) (?P<rest>.+)$"
    ),
    # is there an episode where / about …
    # who … / where did … / when does … (any verb): only the question word goes
    re.compile(r"^(?:who|whom) (?P<rest>.+)$"),
    re.compile(r"^(?:where|when) (?:does|did|do|is|was) (?P<rest>.+)$"),
    re.compile(
        rf"^(?:is there|was there) (?:an? )?{_THINGS} (?:where|when|about|with|that)"
        r" (?P<rest>.+)$"
    ),
]
_NOT_NAMES = frozenset({"he", "she", "they", "someone", "somebody", "anyone", "the", "a", "it"})


@dataclass(frozen=True, slots=True)
class Question:
    """What a member typed, split: the words that were said, and the people it names."""

    said: str  # the query without the question's scaffolding (the whole query when none)
    names: tuple[str, ...] = ()  # folded names the question gives ("alexey", "lex")
    asked: bool = False  # the query was a question (its scaffolding taken off)


def parse(folded_query: str) -> Question:
    """Split a folded query (see `bot.search.fold.fold`): `said` is what to look for, `names`
    the people the question names. A query that is not a question comes back whole."""
    text = " ".join(folded_query.replace("?", " ").split())
    for pattern in _PATTERNS:
        found = pattern.match(text)
        if found is None:
            continue
        rest = found.group("rest").strip()
        if len(rest.split()) < 2:  # "who said that": nothing left to look for
            break
        name = found.groupdict().get("name")
        names = (name,) if name and name not in _NOT_NAMES else ()
        return Question(rest, names, asked=True)
    return Question(text)
