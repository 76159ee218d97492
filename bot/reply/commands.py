"""The bot's commands, listed once (pure data).

The console's `/help`, `console --help` and "Unknown command" line, Discord's `/help` and the
README's table all show this list; the console's handlers and Discord's slash commands are
checked against it (`tests/console/test_command_list.py`, `tests/test_readme.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

HELP_INTRO = (
    "I find the exact words from the podcast and talk archive, with the speaker, the time "
    "and a link that starts the video at that moment."
)


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """One command: how the console takes it, what it does, and how Discord offers it."""

    name: str  # without its "/"
    usage: str  # in the console, e.g. "/quote WORDS [speaker:NAME] [episode:NAME]"; "": none
    does: str  # what it does, one line
    discord: str = ""  # a slash command ("/reload"), a button ("the Context button"), or ""
    discord_does: str = ""  # what the slash command does on Discord, when not `does`
    aliases: tuple[str, ...] = ()  # other words the console takes for it

    @property
    def written(self) -> str:
        """The console's usage and its other words: `/next (or n)`."""
        if not self.aliases:
            return self.usage
        return f"{self.usage} (or {', '.join(self.aliases)})"

    @property
    def slash(self) -> bool:
        """Whether Discord offers it as a slash command of its own."""
        return self.discord.startswith("/")


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo(
        "quote",
        "/quote WORDS [speaker:NAME] [episode:NAME]",
        "the best matches for what you remember of it, the first shown; typos and any word "
        "order are fine",
        "/quote query [speaker] [episode]",
    ),
    CommandInfo(
        "episode",
        "/episode [NAME] [page:N]",
        "one episode (its id or part of its title); without a name, the list",
        "/episode [name]",
    ),
    CommandInfo(
        "post",
        "/post N",
        "after an unsure /quote: show closest moment N as the answer",
        "the Post N buttons",
    ),
    CommandInfo(
        "advice",
        "/advice",
        "a piece of advice from the archive, chosen as the daily post is",
        "/advice set|off|now|status",
        "admins: the daily advice post (set a channel and time, off, post one now, status)",
    ),
    CommandInfo("next", "/next", "the next result or page", "the Next button", aliases=("n",)),
    CommandInfo(
        "prev", "/prev", "the previous result or page", "the Previous button", aliases=("p",)
    ),
    CommandInfo("context", "/context", "the lines around the quote shown", "the Context button"),
    CommandInfo(
        "reload",
        "/reload",
        "re-read the transcripts and say what changed",
        "/reload",
        "admins: re-read the transcripts and say what changed",
    ),
    CommandInfo(
        "ingest",
        "/ingest PATH [title:T] [youtube:ID] [speakers:S] [show:S]",
        "admins: add an episode from a transcript file (any supported format) and say what "
        "was found",
        "/ingest file [title] [youtube] [speakers] [show]",
    ),
    CommandInfo(
        "remove",
        "/remove EPISODE",
        "admins: take an episode out by its id (its raw file and catalog entry moved aside)",
        "/remove episode",
    ),
    CommandInfo(
        "settings",
        "",
        "admins: the wait between two /quote commands of a member (0: none)",
        "/settings cooldown [seconds]",
    ),
    CommandInfo(
        "stats",
        "",
        "admins: what members looked for: searches per day, found / unsure / none, the most "
        "asked episodes",
        "/stats [days]",
    ),
    CommandInfo(
        "help",
        "/help",
        "what the bot does and its commands",
        "/help",
        "what the bot does, its commands and the shards of the process answering",
    ),
    CommandInfo("quit", "/quit", "leave (Ctrl-D too)", aliases=("exit",)),
)


def command_names() -> str:
    """`/quote, /episode, …`: every console command, in order (the "Unknown command" line)."""
    return ", ".join(f"/{command.name}" for command in COMMANDS if command.usage)


def slash_commands() -> tuple[CommandInfo, ...]:
    """The commands Discord offers as slash commands, in order."""
    return tuple(command for command in COMMANDS if command.slash)
