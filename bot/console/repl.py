"""The console's loop: read a line, run it, draw the reply; or one command with `-c`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from bot import __version__
from bot.archive.loaded import Archive
from bot.config.preflight import load
from bot.config.settings import ConfigError
from bot.console import completion
from bot.console.commands import Session, dispatch
from bot.console.view import Screen
from bot.errors import EpisodeFileError
from bot.search.meaning import load_meaning

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2
PROMPT = "podquote> "
EXAMPLES = ("/quote go quickly go alone", "/episode visualising", "/help")


def open_session(data: Path | None, config: Path | None) -> Session:
    """The archive and search settings the console serves from (raises `ConfigError`,
    `EpisodeFileError`)."""
    settings = load(config)
    meaning = load_meaning(settings.search.meaning)
    if meaning.missing:
        print(f"warning: {meaning.status}", file=sys.stderr)
    archive = Archive.open(data or settings.data.episodes, meaning=meaning.encoder)
    for problem in archive.library.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return Session(archive, settings.search, settings.data)


def welcome(session: Session) -> str:
    library = session.archive.library
    return (
        f"podquote {__version__} · {len(library):,} episodes, {library.segment_count:,} quotes. "
        f"Try {', '.join(EXAMPLES)}. Tab completes; Ctrl-D or /quit leaves."
    )


def option_values(session: Session) -> completion.Values:
    """What Tab offers for an option's value: speaker names for `speaker:`, episode titles
    and ids for `episode:` and `/episode`'s name, episode ids for `/remove`'s."""

    def values(option: str) -> list[str]:
        if option == "speaker":
            return session.archive.searcher.speakers.names
        if option in ("episode", "name"):
            episodes = session.archive.library
            titles = sorted({ep.title for ep in episodes}, key=str.casefold)
            return [*titles, *sorted(ep.id for ep in episodes)]
        if option == "id":
            return sorted(ep.id for ep in session.archive.library)
        return []

    return values


def one_shot(session: Session, line: str, screen: Screen) -> int:
    """`-c LINE`: run it, print the reply; 0 answered, 1 nothing found or wrong."""
    reply = dispatch(session, line)
    if reply is None:
        print("error: -c needs a command, e.g. -c '/quote blank page'", file=sys.stderr)
        return EXIT_USAGE
    screen.show(reply)
    return EXIT_OK if reply.ok else EXIT_NOTHING


def interact(session: Session, screen: Screen, read: Callable[[str], str] = input) -> int:
    """Read and answer lines until Ctrl-D or /quit; Ctrl-C drops the line being typed."""
    prompt = PROMPT if sys.stdin.isatty() else ""
    while True:
        try:
            line = read(prompt)
        except EOFError:
            if prompt:
                print(file=screen.file)
            return EXIT_OK
        except KeyboardInterrupt:
            print(file=screen.file)
            continue
        reply = dispatch(session, line)
        if reply is None:
            continue
        screen.show(reply)
        if reply.quit:
            return EXIT_OK


def console_command(data: Path | None, config: Path | None, command: str | None) -> int:
    """`python -m bot console`; returns the exit status."""
    try:
        session = open_session(data, config)
    except (ConfigError, EpisodeFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if command is not None:
        return one_shot(session, command, Screen(styled=False))
    screen = Screen(styled=sys.stdout.isatty())
    save_history = completion.start(option_values(session), completion.history_path())
    screen.say(welcome(session))
    try:
        return interact(session, screen)
    finally:
        save_history()
