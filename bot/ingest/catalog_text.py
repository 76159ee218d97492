"""Edits of `catalog.yaml` as text: an entry added, facts added to one, one cut out.

The curator's comments, order and values stay as written; the result is parsed again by the
caller (`catalog.parse`) before anything is written.
"""

from __future__ import annotations

from typing import Any

import yaml


def _dump(value: dict[str, Any]) -> list[str]:
    text = yaml.safe_dump(
        value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6
    )
    return text.splitlines()


def _top_level(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith("#")


def block(lines: list[str], line: int) -> tuple[int, int]:
    """The 0-based [start, end) lines of the entry whose key is on 1-based `line`: up to the
    next top-level key, trailing blank and comment lines left out."""
    start = line - 1
    end = start + 1
    while end < len(lines) and not _top_level(lines[end]):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip()[0] == "#"):
        end -= 1
    return start, end


def with_entry(text: str, name: str, fields: dict[str, Any]) -> str:
    """`text` with a new entry `name: fields` at its end."""
    head = text.rstrip("\n")
    entry = "\n".join(_dump({name: fields}))
    return f"{head}\n\n{entry}\n" if head else f"{entry}\n"


def with_fields(text: str, line: int, fields: dict[str, Any]) -> str:
    """`text` with `fields` added at the end of the entry whose key is on `line`."""
    lines = text.splitlines()
    start, end = block(lines, line)
    body = [x for x in lines[start + 1 : end] if x.strip() and not x.lstrip().startswith("#")]
    indent = len(body[0]) - len(body[0].lstrip()) if body else 2
    added = [" " * indent + x for x in _dump(fields)]
    return "\n".join([*lines[:end], *added, *lines[end:]]) + "\n"


def without_entry(text: str, line: int) -> tuple[str, str]:
    """`text` without the entry whose key is on `line`, and the entry's own text."""
    lines = text.splitlines()
    start, end = block(lines, line)
    kept = lines[:start] + lines[end:]
    while (
        len(kept) > 1
        and start < len(kept)
        and not kept[start].strip()
        and not kept[start - 1].strip()
    ):
        del kept[start]
    return "\n".join(kept).rstrip("\n") + "\n", "\n".join(lines[start:end]) + "\n"
