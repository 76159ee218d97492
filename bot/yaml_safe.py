"""The one way podquote reads YAML: a safe loader with bounds (imports nothing of podquote).

Every YAML text that a person or another program wrote goes through here: episode files
(which curators may edit), `catalog.yaml`, and the front matter of raw transcripts
(DataTalks.Club pages, Lenny's Podcast files). It is PyYAML's safe loader (plain data, no
Python objects) with three bounds that PyYAML lacks:

- **Aliases may repeat at most `MAX_REPEATED` characters in all.** Each `*alias` counts the
  whole size of the node it names, its own aliases expanded (one unit per node plus the
  characters of each scalar), and so does a `<<: *merge`. An alias bomb (nine levels of
  `&a [*a, *a, …]`, 600 bytes that expand to hundreds of millions of items) stops at the
  alias that crosses the bound, after composing a few hundred bytes: one error, at once.
  Aliases are bounded rather than refused because they are ordinary YAML that a curator may
  use to repeat a show's speakers across catalog entries (`speakers: *datatalks`): that
  repeats tens of characters per entry, far below the bound. None of the files we read
  today uses them (the corpus has none; our own writer never writes them). An alias to a
  node that contains it (a recursive structure) is refused: nothing we read needs one, and
  every reader would loop on it.
- **Nesting at most `MAX_DEPTH` levels.** Ours are at most five deep; the pure-Python
  composer would otherwise fail on deep nesting with a RecursionError, not a YAML error.
- **Every value is read or refused as a YAML error with its line.** PyYAML lets a few
  scalars raise plain Python errors: an integer of thousands of digits (`ValueError`), a
  date like `2022-02-30`. Here they are a `ConstructorError` at the value's line, and an
  integer longer than `MAX_DIGITS` digits is refused outright.

So every failure of `load` and `load_with_node` is a `yaml.YAMLError` with a mark (its line),
which `bot.errors.yaml_problem` turns into one line; the bounds are `YAMLLimitError`, so a
reader that tolerates broken YAML key by key (the DataTalks reader) can still refuse a file
that is hostile. Parsing uses libyaml's C parser when PyYAML has it; composing (where the
bounds are kept) is PyYAML's own Python composer, about 25% slower than libyaml's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

MAX_REPEATED = 100_000
MAX_DEPTH = 100
MAX_DIGITS = 64


class YAMLLimitError(ComposerError):
    """YAML that is valid but exceeds a bound: repeats too much through aliases, is
    recursive, or nests too deep."""


class _Bounded(Composer):
    """PyYAML's composer, keeping the depth and what aliases repeat within the bounds.

    Mixed in before a parser (PyYAML's or libyaml's), which gives the events."""

    _depth: int
    _repeated: int
    _weights: dict[int, int]

    if TYPE_CHECKING:  # the parser's, mixed in after this class

        def check_event(self, *choices: Any) -> bool: ...

        def peek_event(self) -> Any: ...

    def compose_document(self) -> Node | None:
        self._depth, self._repeated, self._weights = 0, 0, {}
        try:
            return super().compose_document()
        finally:
            self._weights = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        if self.check_event(AliasEvent):
            node = super().compose_node(parent, index)
            weight = self._weights.get(id(node))
            if weight is None:
                raise YAMLLimitError(
                    None,
                    None,
                    f"alias *{event.anchor} is inside the node it names (a recursive "
                    "structure); write the values out",
                    event.start_mark,
                )
            self._repeated += weight
            if self._repeated > MAX_REPEATED:
                raise YAMLLimitError(
                    None,
                    None,
                    f"aliases repeat more than {MAX_REPEATED:,} characters "
                    f"(at *{event.anchor}); an alias bomb? write the values out",
                    event.start_mark,
                )
            return node
        if self._depth >= MAX_DEPTH:
            raise YAMLLimitError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
            )
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._weights[id(node)] = self._weigh(node)
        return node

    def _weigh(self, node: Node) -> int:
        """The node's size with its aliases expanded: 1 per node, plus scalar characters."""
        if isinstance(node, ScalarNode):
            return 1 + len(node.value)
        weights = self._weights
        if isinstance(node, SequenceNode):
            return 1 + sum(weights[id(item)] for item in node.value)
        if isinstance(node, MappingNode):
            return 1 + sum(weights[id(k)] + weights[id(v)] for k, v in node.value)
        return 1  # pragma: no cover - PyYAML composes only the three kinds


def _bounded_int(constructor: SafeConstructor, node: ScalarNode) -> int:
    digits = sum(c.isdigit() for c in str(node.value))
    if digits > MAX_DIGITS:
        raise ConstructorError(
            None,
            None,
            f"a number of {digits:,} digits; at most {MAX_DIGITS} are read",
            node.start_mark,
        )
    return constructor.construct_yaml_int(node)


class _Constructing(SafeConstructor):
    """The safe constructor; a value Python cannot make is a YAML error at its line."""

    yaml_constructors = {  # noqa: RUF012 - PyYAML's class-level table, extended
        **SafeConstructor.yaml_constructors,
        "tag:yaml.org,2002:int": _bounded_int,
    }

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, OverflowError, TypeError) as exc:
            why = " ".join(str(exc).split())
            raise ConstructorError(
                None, None, f"cannot read the value {_excerpt(node)}: {why[:120]}", node.start_mark
            ) from exc


def _excerpt(node: Node) -> str:
    if isinstance(node, ScalarNode):
        text = str(node.value)
        return repr(text if len(text) <= 40 else f"{text[:40]}…")
    return f"at {node.tag}"  # pragma: no cover - collections are made of checked scalars


class BoundedSafeLoader(_Bounded, _Constructing, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the bounds (see the module)."""


LOADER: type[Any] = BoundedSafeLoader

try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    pass
else:

    class FastBoundedSafeLoader(_Bounded, CParser, _Constructing, Resolver):
        """The same loader on libyaml's C parser (events from C, composed in Python)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            _Constructing.__init__(self)
            Resolver.__init__(self)

    LOADER = FastBoundedSafeLoader


def load_with_node(text: str) -> tuple[Any, Node | None]:
    """The one document in `text` and its node graph (for line numbers: `start_mark.line`
    is 0-based); `(None, None)` for an empty text. Raises only `yaml.YAMLError`."""
    loader = LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError as exc:  # pragma: no cover - the depth bound comes first
        raise YAMLLimitError(None, None, "nested too deeply to read", None) from exc
    finally:
        loader.dispose()
    return data, node


def load(text: str) -> Any:
    """The one document in `text` (None when empty). Raises only `yaml.YAMLError`."""
    return load_with_node(text)[0]
