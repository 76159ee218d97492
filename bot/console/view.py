"""Draw replies: rich panels like Discord embeds on a terminal, plain text elsewhere.

Plain text (for `-c`, pipes and files) carries no terminal codes; the matched words of a
quote are marked »like this«, as `python -m bot search` does.
"""

from __future__ import annotations

import sys
from typing import IO

from rich.console import Console, Group
from rich.panel import Panel
from rich.style import Style as RichStyle
from rich.table import Table
from rich.text import Text

from bot.console.replies import Card, Line, Notice, Reply, Style, Tone

COLOURS: dict[Tone, str] = {"quote": "#2b7a78", "info": "#3a506b", "error": "red"}
STYLES: dict[Style, str] = {
    "": "",
    "match": "bold black on #f6d365",
    "strong": "bold",
    "dim": "dim",
}
MARKS = ("»", "«")
INDENT = "  "


def plain_line(line: Line) -> str:
    """A body line as text, the matched words between » and «."""
    out = []
    for span in line:
        if span.style == "match" and span.text.strip():
            out.append(f"{MARKS[0]}{span.text}{MARKS[1]}")
        else:
            out.append(span.text)
    return "".join(out)


def plain_card(card: Card) -> str:
    """A card as plain lines: the title, then indented the link, body, fields and footer."""
    lines = []
    if card.url:
        lines.append(card.url)
    lines.extend(plain_line(line) for line in card.lines)
    if card.fields:
        lines.append(" · ".join(f"{name}: {value}" for name, value in card.fields))
    if card.footer:
        lines.append(card.footer)
    return "\n".join([card.title, *(f"{INDENT}{line}".rstrip() for line in lines)])


def plain(reply: Reply) -> str:
    """The whole reply as plain text (cards separated by a blank line)."""
    return "\n\n".join(
        plain_card(part) if isinstance(part, Card) else part.text for part in reply.parts
    )


def rich_line(line: Line) -> Text:
    text = Text()
    for span in line:
        text.append(span.text, style=STYLES[span.style])
    return text


def rich_card(card: Card) -> Panel:
    """A card as a panel in the card's colour, the title a link where the terminal has them."""
    parts: list[Text | Table] = [rich_line(line) for line in card.lines]
    if card.fields:
        table = Table.grid(padding=(0, 3))
        for name, _ in card.fields:
            table.add_column(header=name)
        table.add_row(*(Text(name, style="bold") for name, _ in card.fields))
        table.add_row(*(Text(value) for _, value in card.fields))
        parts += [Text(), table]
    if card.url:
        parts.append(Text(card.url, style=RichStyle(dim=True, link=card.url)))
    if card.footer:
        parts.append(Text(card.footer, style="dim"))
    title = Text(card.title, style=RichStyle(bold=True, link=card.url) if card.url else "bold")
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        border_style=COLOURS[card.tone],
        padding=(0, 1),
    )


class Screen:
    """Where replies go: rich panels when `styled`, plain text otherwise."""

    def __init__(
        self, styled: bool, file: IO[str] | None = None, *, force_terminal: bool | None = None
    ) -> None:
        self.styled = styled
        self.file = file or sys.stdout
        self._shown = False
        self._console = Console(
            file=self.file,
            highlight=False,
            emoji=False,
            soft_wrap=False,
            force_terminal=force_terminal,
        )

    def show(self, reply: Reply) -> None:
        if not reply.parts:
            return
        if not self.styled:
            gap = "\n" if self._shown else ""  # a blank line between replies
            print(gap + plain(reply), file=self.file, flush=True)
            self._shown = True
            return
        for part in reply.parts:
            if isinstance(part, Card):
                self._console.print(rich_card(part))
            else:
                self._console.print(_notice(part))

    def say(self, text: str) -> None:
        """A line of the console itself (the welcome)."""
        if self.styled:
            self._console.print(Text(text, style="dim"))
        else:
            print(text, file=self.file, flush=True)


def _notice(notice: Notice) -> Text:
    return Text(notice.text, style="red" if notice.tone == "error" else "")
