"""The console's commands: a registry of name → handler, each returning a `Reply`.

What the commands are called and what they do is listed once, in `bot.reply.commands`;
adding one is an entry there, a handler function here and its line in `_HANDLERS`. /help, the
"Unknown command" line and tab completion pick it up from `COMMANDS`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot import __version__
from bot.advice.rotation import PastPost
from bot.archive.loaded import Archive
from bot.config.settings import DataConfig, SearchConfig
from bot.console import cards
from bot.console.parse import Args, UnknownOption, UsageError, parse_args, split_command
from bot.console.replies import Card, Notice, Reply, Span
from bot.episodes.model import Episode
from bot.errors import PodquoteError
from bot.ingest.intake import Given, read_local
from bot.reply import cards as render
from bot.reply import intake
from bot.reply.commands import COMMANDS as LISTED
from bot.reply.commands import HELP_INTRO, CommandInfo, command_names
from bot.reply.echo import excerpt
from bot.search.filters import FilterError
from bot.search.ranking import Match


class Pager(Protocol):
    """The last answer that has pages: /next and /prev turn them (Discord's buttons)."""

    def turn(self, step: int) -> Reply: ...


@dataclass(slots=True)
class QuotePager:
    """The results of the last /quote and which one is shown."""

    matches: list[Match]
    index: int = 0

    @property
    def current(self) -> Match:
        return self.matches[self.index]

    def card(self) -> Card:
        return cards.quote_card(self.current, self.index + 1, len(self.matches))

    def turn(self, step: int) -> Reply:
        wanted = self.index + step
        if not 0 <= wanted < len(self.matches):
            edge = "last" if step > 0 else "first"
            return Reply.refuse(
                f"That is the {edge} result ({self.index + 1} of {len(self.matches)})."
            )
        self.index = wanted
        return Reply((self.card(),))


@dataclass(slots=True)
class ListPager:
    """The episode list and the page shown."""

    episodes: list[Episode]
    page: int = 0

    def turn(self, step: int) -> Reply:
        pages = render.page_count(self.episodes)
        wanted = self.page + step
        if not 0 <= wanted < pages:
            edge = "last" if step > 0 else "first"
            return Reply.refuse(f"That is the {edge} page ({self.page + 1} of {pages}).")
        self.page = wanted
        return Reply((cards.list_card(self.episodes, self.page),))


@dataclass(slots=True)
class Session:
    """One console user's state: the archive, the search settings, what can be paged."""

    archive: Archive
    search: SearchConfig = field(default_factory=SearchConfig)
    data: DataConfig = field(default_factory=DataConfig)
    results: QuotePager | None = None
    pager: Pager | None = None
    closest: list[Match] = field(default_factory=list)  # the last unsure /quote's moments
    advised: list[PastPost] = field(default_factory=list)


Handler = Callable[[Session, Args], Reply]


@dataclass(frozen=True, slots=True)
class Command:
    """A console command: what the list says of it, its handler, and its `name:value`
    options (`text`: the option that the free text stands for, e.g. `query`)."""

    info: CommandInfo
    handler: Handler
    options: tuple[str, ...] = ()
    text: str = ""

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def usage(self) -> str:
        return self.info.usage

    @property
    def summary(self) -> str:
        return self.info.does

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.info.aliases

    @property
    def accepts(self) -> tuple[str, ...]:
        """Every option name the command takes, its free text's own first."""
        return (self.text, *self.options) if self.text else self.options


def quote(session: Session, args: Args) -> Reply:
    """/quote: the best matches, the first shown; /next, /prev and /context follow."""
    query = args.options.get("query") or args.text
    if not query:
        return Reply.refuse(f"What do you remember of it? Usage: {_usage('quote')}")
    limit = session.search.max_query_length
    if len(query) > limit:
        return Reply.refuse(render.too_long(limit))
    try:
        outcome = session.archive.searcher.search(
            query,
            speaker=args.options.get("speaker"),
            episode=args.options.get("episode"),
            limit=session.search.results,
            min_score=session.search.min_score,
        )
    except FilterError as exc:
        return Reply.refuse(str(exc))
    session.closest = list(outcome.closest)
    if outcome.closest:
        how = f"/post 1–{len(outcome.closest)} shows one as the answer (Discord's Post buttons)."
        text = render.unsure_text(outcome.closest, lambda text: text)
        return Reply((Notice(f"{text}\n{how}"),), ok=False)
    if not outcome.matches:
        return Reply.refuse(render.no_match(query, outcome.suggestions, lambda text: text))
    session.results = session.pager = QuotePager(list(outcome.matches))
    return Reply((session.results.card(),))


def post(session: Session, args: Args) -> Reply:
    """/post N: one of the last unsure /quote's closest moments, shown as the answer."""
    if not session.closest:
        return Reply.refuse("Nothing to post: /quote found no unsure moments to choose from.")
    wanted = args.options.get("number") or args.text
    if not wanted.isdigit() or not 1 <= int(wanted) <= len(session.closest):
        return Reply.refuse(f"Which one? Usage: /post 1–{len(session.closest)}")
    session.results = session.pager = QuotePager([session.closest[int(wanted) - 1]])
    return Reply((session.results.card(),))


def episode(session: Session, args: Args) -> Reply:
    """/episode NAME: one episode; alone (or with page:N), the list."""
    name = args.options.get("name") or args.text
    page_given = args.options.get("page")
    if name and page_given:
        return Reply.refuse("Give an episode name or page:N, not both.")
    if name:
        try:
            found = session.archive.episode(name)
        except FilterError as exc:
            return Reply.refuse(str(exc))
        return Reply((cards.episode_card(found),))
    page = 1
    if page_given:
        if not page_given.isdigit() or int(page_given) < 1:
            return Reply.refuse(f"page: must be a whole number from 1, not {page_given!r}")
        page = int(page_given)
    pager = ListPager(render.listing_order(session.archive.library))
    if page > render.page_count(pager.episodes):
        return Reply.refuse(f"page: there are {render.page_count(pager.episodes)} pages")
    pager.page = page - 1
    session.pager = pager
    return Reply((cards.list_card(pager.episodes, pager.page),))


def next_page(session: Session, args: Args) -> Reply:
    """/next: the next result or page (Discord's Next button)."""
    return _turn(session, +1)


def previous_page(session: Session, args: Args) -> Reply:
    """/prev: the previous result or page (Discord's Previous button)."""
    return _turn(session, -1)


def _turn(session: Session, step: int) -> Reply:
    if session.pager is None:
        return Reply.refuse("Nothing to page through yet: ask /quote or /episode first.")
    return session.pager.turn(step)


def context(session: Session, args: Args) -> Reply:
    """/context: the lines around the quote shown (Discord's Context button)."""
    if session.results is None:
        return Reply.refuse("No quote to show the context of yet: ask /quote first.")
    return Reply((cards.context_card(session.results.current),))


def reload(session: Session, args: Args) -> Reply:
    """/reload: re-read the episode folder and say what changed."""
    try:
        diff = asyncio.run(session.archive.reload())
    except PodquoteError as exc:
        return Reply.refuse(f"{render.RELOAD_FAILED}\nWhy: {exc}")
    library = session.archive.library
    summary = render.diff_summary(diff, len(library), library.segment_count, lambda t: t)
    return Reply((Notice(summary),))


def ingest(session: Session, args: Args) -> Reply:
    """/ingest PATH: add one transcript file to the raw folder, ingest it, reload, and say
    what was found (nothing changes when it does not ingest)."""
    if not args.text:
        return Reply.refuse(f"Which file? Usage: {_usage('ingest')}")
    path = Path(args.text).expanduser()
    data = session.data
    limit = data.max_upload_mb * 1024 * 1024
    given = Given(*(args.options.get(k) for k in ("title", "youtube", "speakers", "show")))
    try:
        added, failed = asyncio.run(
            session.archive.add(read_local(path, limit), path.name, data.raw, given, limit)
        )
    except PodquoteError as exc:
        return Reply.refuse(intake.failed_text(str(exc), lambda t: t))
    text = intake.added_text(added, session.archive.library, lambda t: t, failed)
    return Reply((Notice(text),))


def remove(session: Session, args: Args) -> Reply:
    """/remove EPISODE: take the episode with this id out (its raw file and catalog entry
    moved aside, its episode file deleted), reload, and say where things went."""
    if not args.text:
        return Reply.refuse(f"Which episode? Usage: {_usage('remove')} (its id; /episode lists)")
    found = session.archive.library.get(args.text)
    if found is None:
        return Reply.refuse(f"No episode has the id {args.text!r}: /episode NAME shows an id.")
    try:
        removed, failed = asyncio.run(session.archive.remove(found, session.data.raw))
    except PodquoteError as exc:
        return Reply.refuse(f"Not removed: {exc}")
    text = intake.removed_text(removed, session.archive.library, lambda t: t, failed)
    return Reply((Notice(text),))


def advice(session: Session, args: Args) -> Reply:
    """/advice: the next piece of advice, rotating as the daily post does (no repeats in
    this session until the pool is used up, never the same episode twice in a row)."""
    pool = asyncio.run(session.archive.advice_pool())
    candidate = pool.choose(session.advised)
    if candidate is None:
        return Reply.refuse(
            "No segment scores as advice in this archive (a curator can pin some: "
            "advice_pin in the catalog)."
        )
    session.advised.append(PastPost(candidate.fingerprint, candidate.episode.id))
    left = pool.left(session.advised)
    return Reply((cards.advice_card(candidate, left.left, left.total),))


def help_card(session: Session, args: Args) -> Reply:
    """/help: what the console does, every command, and the archive's size."""
    library = session.archive.library
    lines = [(Span(HELP_INTRO),), ()]
    for command in COMMANDS:
        lines.append((Span(command.info.written, "strong"), Span(f" — {command.summary}")))
    lines.append(())
    lines.append(
        (
            Span(
                f"The archive holds {len(library):,} episodes and {library.segment_count:,} quotes."
            ),
        )
    )
    card = Card(
        title="podquote",
        lines=tuple(lines),
        footer=f"podquote {__version__} · Tab completes · Ctrl-D or /quit leaves",
        tone="info",
    )
    return Reply((card,))


def leave(session: Session, args: Args) -> Reply:
    """/quit: leave the console."""
    return Reply(quit=True)


# name → (handler, options, the option its free text stands for)
_HANDLERS: dict[str, tuple[Handler, tuple[str, ...], str]] = {
    "quote": (quote, ("speaker", "episode"), "query"),
    "episode": (episode, ("page",), "name"),
    "post": (post, (), "number"),
    "advice": (advice, (), ""),
    "next": (next_page, (), ""),
    "prev": (previous_page, (), ""),
    "context": (context, (), ""),
    "reload": (reload, (), ""),
    "ingest": (ingest, ("title", "youtube", "speakers", "show"), "path"),
    "remove": (remove, (), "id"),
    "help": (help_card, (), ""),
    "quit": (leave, (), ""),
}

COMMANDS: tuple[Command, ...] = tuple(
    Command(info, *_HANDLERS[info.name]) for info in LISTED if info.usage
)


def find(word: str) -> Command | None:
    """The command named (or aliased) `word`, without its `/`."""
    for command in COMMANDS:
        if word == command.name or word in command.aliases:
            return command
    return None


def _usage(name: str) -> str:
    command = find(name)
    return command.usage if command else f"/{name}"


def dispatch(session: Session, line: str) -> Reply | None:
    """Run one typed line; None for a blank line."""
    if not line.strip():
        return None
    word, rest = split_command(line)
    command = find(word)
    if command is None:
        typed = excerpt(line.split(maxsplit=1)[0], 40)
        return Reply.refuse(f"Unknown command {typed!r}. Commands: {command_names()}")
    try:
        args = parse_args(rest, command.accepts)
    except UnknownOption as exc:
        return Reply.refuse(unknown_option(command, exc.name))
    except UsageError as exc:
        return Reply.refuse(f"{exc} (usage: {command.usage})")
    return command.handler(session, args)


def unknown_option(command: Command, name: str) -> str:
    """The line for an option the command does not take, the typed name excerpted."""
    typed = excerpt(name, 40)
    if not command.options:
        return f"Unknown option {typed!r}: /{command.name} takes none."
    return f"Unknown option {typed!r}. Options of /{command.name}: {', '.join(command.options)}."
