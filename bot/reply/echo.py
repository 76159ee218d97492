"""What a member typed, shown back harmlessly: a short excerpt on one line, with no control or
bidi-override characters, escaped by the adapter (pure).

The core's errors quote a value as it was given (`FilterError`: "No speaker matches 'x'.",
`ScheduleError`: "'x' is not a time of day …"): right for a log or a terminal where the user
typed it. A reply to a member is another matter: Discord refuses content over 2,000
characters, and a right-to-left override or a newline in a name would rearrange the answer.
So the adapters pass every such message through `echoed` with the values the member typed,
and every no-match line uses `excerpt`; one place decides what an echo may look like.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

ECHO_LIMIT = 80  # characters of a typed value shown back
MESSAGE_LIMIT = 2000  # Discord's limit on a message's content
PLACEHOLDER = "\ufffd"  # shown instead of a control or bidi-control character

# Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069) and the bidi marks.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_SPACES = re.compile(r"[\s\u2028\u2029]+")


def _safe_char(char: str) -> str:
    if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":  # C0, DEL, C1
        return PLACEHOLDER
    return char


def one_line(text: str) -> str:
    """`text` on one line: each run of whitespace (newlines too) one space, every control
    and bidi-control character replaced by U+FFFD."""
    flat = _SPACES.sub(" ", text)
    if flat.isprintable():
        return flat
    return "".join(map(_safe_char, flat))


def excerpt(typed: str, limit: int = ECHO_LIMIT) -> str:
    """At most `limit` characters of what a member typed, made `one_line`; a longer text is
    cut and ends with an ellipsis. Not escaped: the adapter escapes it for its medium."""
    flat = one_line(typed).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def echoed(
    message: str,
    typed: Iterable[str | None],
    escape: Callable[[str], str],
    limit: int = MESSAGE_LIMIT,
) -> str:
    """A core message that may quote what a member typed (as Python's `repr` quotes it), made
    safe to show: each typed value becomes its quoted excerpt, the rest is made `one_line`,
    all of it escaped with `escape`, and the whole kept within `limit` characters."""
    values = sorted({t for t in typed if t}, key=len, reverse=True)
    quoted = [repr(v) for v in values]
    parts: list[str] = []
    rest = message
    while rest:
        found = [(rest.find(q), q, v) for q, v in zip(quoted, values, strict=True)]
        hits = [h for h in found if h[0] >= 0]
        if not hits:
            parts.append(escape(one_line(rest)))
            break
        at, quote, value = min(hits, key=lambda h: (h[0], -len(h[1])))
        parts.append(escape(one_line(rest[:at])))
        parts.append(f"'{escape(excerpt(value))}'")
        rest = rest[at + len(quote) :]
    text = "".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
