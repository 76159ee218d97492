"""`catalog.yaml`: facts a curator states about raw files, keyed by raw file name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import yaml_safe
from bot.episodes.model import Facts
from bot.errors import CatalogError, yaml_problem
from bot.text import parse_clock, slugify

_STR_FIELDS = ("title", "show", "youtube_id", "url", "description")
_INT_FIELDS = ("season", "episode")
FIELDS = (
    "id",
    *_STR_FIELDS,
    *_INT_FIELDS,
    "duration",
    "date",
    "speakers",
    "hosts",
    "advice_pin",
    "advice_ban",
)


@dataclass(slots=True)
class Entry:
    """One catalog entry: the facts plus where it stands in the file."""

    name: str
    line: int
    facts: Facts
    advice_pin: list[int] = field(default_factory=list)
    advice_ban: list[int] = field(default_factory=list)
    draft: bool = False  # nothing filled in yet (`catalog draft` writes every field commented)


@dataclass(slots=True)
class Catalog:
    """All entries of a catalog file, by raw file name."""

    path: Path | None
    entries: dict[str, Entry] = field(default_factory=dict)

    def entry_for(self, source: str) -> Entry | None:
        """The entry of a raw file given by name or by path relative to its ingest root."""
        return self.entries.get(source) or self.entries.get(Path(source).name)

    def facts_for(self, source: str) -> Facts | None:
        """Facts for a raw file given by name or by path relative to its ingest root."""
        entry = self.entry_for(source)
        return entry.facts if entry else None

    def without_facts(self, names: Iterable[str]) -> list[str]:
        """The raw files among `names` with no entry, or only a draft not filled in."""
        return [n for n in names if (e := self.entry_for(n)) is None or e.draft]

    def unknown_names(self, names: Iterable[str]) -> list[CatalogError]:
        """An error for each entry that names no file among `names` (file names or paths)."""
        known = set()
        for n in names:
            known.add(n)
            known.add(Path(n).name)
        where = self.path or "catalog"
        return [
            CatalogError(where, e.line, f"entry {e.name!r} names no file of the raw transcripts")
            for e in self.entries.values()
            if e.name not in known
        ]


def empty() -> Catalog:
    """A catalog with no entries."""
    return Catalog(None)


def load(path: Path) -> Catalog:
    """Read and validate a catalog file; any bad entry or field is a `CatalogError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(path, None, f"cannot read the catalog: {exc}") from exc
    return parse(text, path)


def parse(text: str, path: Path) -> Catalog:
    """Validate catalog text (see `load`)."""
    try:
        data, node = yaml_safe.load_with_node(text)
    except yaml_safe.YAMLLimitError as exc:
        line, why = yaml_problem(exc)
        raise CatalogError(path, line, why) from None
    except yaml.YAMLError as exc:
        line, why = yaml_problem(exc)
        raise CatalogError(path, line, f"not valid YAML ({why})") from None
    catalog = Catalog(path)
    if node is None or data is None:
        return catalog
    if not isinstance(data, dict):
        raise CatalogError(path, 1, "the catalog must map raw file names to their facts")
    for key_node, value_node in node.value:
        name = str(key_node.value)
        line = key_node.start_mark.line + 1
        raw = data.get(key_node.value, None)
        catalog.entries[name] = _entry(name, raw, line, value_node, path)
    return catalog


def _field_line(value_node: Any, key: str, default: int) -> int:
    if isinstance(value_node, yaml.MappingNode):
        for k, _ in value_node.value:
            if k.value == key:
                return int(k.start_mark.line) + 1
    return default


def _entry(name: str, raw: Any, line: int, node: Any, path: Path) -> Entry:
    if not name.strip():
        raise CatalogError(path, line, "an entry needs a raw file name as its key")
    if raw is None:  # a draft whose fields are all still comments
        return Entry(name, line, Facts(), draft=True)
    if not isinstance(raw, dict):
        raise CatalogError(path, line, f"entry {name!r} must be a mapping of facts")
    facts = Facts()
    entry = Entry(name, line, facts)
    for key, value in raw.items():
        where = _field_line(node, str(key), line)

        def bad(why: str, key: Any = key, where: int = where) -> CatalogError:
            return CatalogError(path, where, f"{name}: {key}: {why}")

        if key not in FIELDS:
            raise bad(f"unknown field (known: {', '.join(FIELDS)})")
        if value is None:
            continue
        if key in _STR_FIELDS:
            if not isinstance(value, str) or not value.strip():
                raise bad("must be a non-empty string")
            setattr(facts, key, value.strip())
        elif key in _INT_FIELDS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise bad("must be a whole number")
            setattr(facts, key, value)
        elif key == "id":
            if not isinstance(value, str) or slugify(value) != value:
                raise bad(f"must be a URL-safe slug such as {slugify(str(value))!r}")
            facts.id = value
        elif key == "duration":
            facts.duration = _duration(value, bad)
        elif key == "date":
            if isinstance(value, dt.date):
                facts.date = value.isoformat()
            elif isinstance(value, str) and _is_iso_date(value):
                facts.date = value
            else:
                raise bad("must be a date like 2022-03-26")
        elif key == "speakers":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
            ):
                raise bad("must map names as spoken to full names")
            facts.speakers = dict(value.items())
        elif key == "hosts":
            if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
                raise bad("must be a list of speaker names")
            facts.hosts = list(value)
        else:  # advice_pin / advice_ban: segment numbers of this file's episode
            if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
            ):
                raise bad("must be a list of segment numbers")
            setattr(entry, key, list(value))
    unknown_hosts = [h for h in facts.hosts if facts.speakers and h not in facts.speakers]
    if unknown_hosts:
        raise CatalogError(
            path,
            _field_line(node, "hosts", line),
            f"{name}: hosts: {unknown_hosts[0]!r} is not one of its speakers",
        )
    return entry


def _duration(value: Any, bad: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, str):
        seconds = parse_clock(value)
        if seconds:
            return seconds
    raise bad("must be seconds or a clock like 1:01:41")


def _is_iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
