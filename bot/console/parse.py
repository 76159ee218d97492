"""A typed console line → command name, free text and `name:value` options, Discord-style.

`/quote blank page speaker:Meor Amer episode:visual` gives the text `blank page` and the
options speaker=`Meor Amer`, episode=`visual`: a value runs to the next known option. Only the
command's own option names count, so other colons (`10:30`) stay part of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class UsageError(ValueError):
    """A line the command cannot take; the message is the one line to show."""


@dataclass(frozen=True, slots=True)
class Args:
    """What the user typed after the command name."""

    text: str = ""
    options: dict[str, str] = field(default_factory=dict)


def split_command(line: str) -> tuple[str, str]:
    """(command word without its leading `/`, the rest of the line)."""
    word, _, rest = line.strip().partition(" ")
    return word.removeprefix("/").casefold(), rest.strip()


def parse_args(rest: str, options: tuple[str, ...]) -> Args:
    """Split `rest` into free text and the given options; `UsageError` for an option given
    twice or without a value."""
    if not options:
        return Args(" ".join(rest.split()))
    names = "|".join(re.escape(o) for o in options)
    pieces = re.split(rf"(?:^|\s)({names}):", rest, flags=re.IGNORECASE)
    text, found = pieces[0], {}
    for name, raw in zip(pieces[1::2], pieces[2::2], strict=True):
        key = name.casefold()
        if key in found:
            raise UsageError(f"{key}: given twice")
        value = " ".join(raw.split())
        if not value:
            raise UsageError(f"{key}: needs a value, e.g. {key}:{_EXAMPLES.get(key, 'word')}")
        found[key] = value
    return Args(" ".join(text.split()), found)


_EXAMPLES = {"speaker": "alexey", "episode": "visualising", "page": "2", "name": "visualising"}
