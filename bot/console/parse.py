"""A typed console line → command name, free text and `name:value` options, Discord-style.

`/quote blank page speaker:Meor Amer episode:visual` gives the text `blank page` and the
options speaker=`Meor Amer`, episode=`visual`: a value runs to the next option.

What reads as an option (`OPTION_LIKE`): at the start or after a space, a word of letters (`_`
or `-` may join letters), a colon, and a value right after it, not a space, `/` or `:`. An
option the command does not take is an error (`UnknownOption`), not words of the query. Other
colons stay part of the text: `10:30`, `note: blah` (a space after the colon),
`https://…` (a `/` after it), `at10:30` (a digit in the word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class UsageError(ValueError):
    """A line the command cannot take; the message is the one line to show."""


class UnknownOption(UsageError):
    """`name:value` where `name` is no option of the command (`name` as typed)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown option {name!r}")
        self.name = name


OPTION_LIKE = re.compile(r"(?<!\S)([A-Za-z]+(?:[_-][A-Za-z]+)*):(?=[^\s/:])")


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
    """Split `rest` into free text and the given options; `UnknownOption` for what reads as
    an option the command does not take, `UsageError` for one given twice or without a
    value. A command without options takes any text."""
    if not options:
        return Args(" ".join(rest.split()))
    for found_name in OPTION_LIKE.findall(rest):
        if found_name.casefold() not in options:
            raise UnknownOption(found_name)
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
