"""Tab completion and history through the standard library's readline, where it exists."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

from bot.console.commands import COMMANDS, find

log = logging.getLogger(__name__)

HISTORY_LENGTH = 1000
Values = Callable[[str], list[str]]  # option name → the values to offer


def history_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/podquote/history`, by default under `~/.local/state`."""
    env = os.environ if environ is None else environ
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "podquote" / "history"


def candidates(line: str, word: str, values: Values) -> list[str]:
    """What `word` (the word under the cursor, `line` all typed up to the cursor) may become:
    a command, an option name, or a value: of the option being typed, or of the free text
    where it names something (`/episode Visu` → the episode titles), past spaces too."""
    before = line[: len(line) - len(word)]
    if not before.strip():
        return [f"/{c.name} " for c in COMMANDS if f"/{c.name}".startswith(word or "/")]
    command = find(line.split(maxsplit=1)[0].removeprefix("/").casefold())
    if command is None:
        return []
    name, colon, value = word.partition(":")
    if colon and name.casefold() in command.accepts:
        wanted = value.casefold()
        return [f"{name}:{v}" for v in values(name.casefold()) if v.casefold().startswith(wanted)]
    found = [f"{o}:" for o in command.accepts if o.startswith(word.casefold())]
    names = "|".join(re.escape(o) for o in command.accepts)
    typing = re.search(rf"(?:^|\s)({names}):([^:]*)$", before, re.IGNORECASE) if names else None
    if typing:  # a value with a space in it, e.g. speaker:Meor A|
        option, typed = typing.group(1).casefold(), typing.group(2)
    elif command.text:  # the free text, e.g. /episode Visualising Ma|
        option, typed = command.text, before.lstrip().partition(" ")[2].lstrip()
    else:
        return found
    so_far = (typed + word).casefold()
    found += [v[len(typed) :] for v in values(option) if v.casefold().startswith(so_far)]
    return found


class Completer:
    """readline's completer protocol over `candidates`."""

    def __init__(self, readline: ModuleType, values: Values) -> None:
        self._readline = readline
        self._values = values
        self._found: list[str] = []

    def __call__(self, text: str, state: int) -> str | None:
        if state == 0:
            line = self._readline.get_line_buffer()[: self._readline.get_endidx()]
            self._found = candidates(line, text, self._values)
        return self._found[state] if state < len(self._found) else None


def load_readline() -> ModuleType | None:
    """The readline module, or None where the platform has none."""
    try:
        import readline  # noqa: PLC0415 - optional: absent on some platforms
    except ImportError:
        return None
    return readline


def start(values: Values, history: Path) -> Callable[[], None]:
    """Turn on completion and history; returns what saves the history at the end."""
    readline = load_readline()
    if readline is None:
        return lambda: None
    readline.set_completer(Completer(readline, values))
    readline.set_completer_delims(" \t\n")
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    readline.set_history_length(HISTORY_LENGTH)
    try:
        readline.read_history_file(history)
    except (FileNotFoundError, PermissionError):
        pass
    except OSError as exc:
        log.warning("cannot read the history %s: %s", history, exc)

    def save() -> None:
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history)
        except OSError as exc:
            log.warning("cannot save the history to %s: %s", history, exc)

    return save
