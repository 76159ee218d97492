"""The one door to tantivy (the Rust search engine's Python bindings): the schema, writing
segments, and reading term statistics and the best candidates.

A document is one segment: `body` holds its terms as our own folding made them (`fold`,
`tokens`, `short_forms`, `cjk_characters`), separated by spaces and split only on them, so
tantivy adds no analysis of its own. Fast field: `key`, which episode number and position
it is. `episode` and `speaker`
(raw, untokenized) serve deletes and filters. A searcher is a snapshot: documents committed
later are seen only by a searcher taken after.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tantivy

from bot.errors import PodquoteError

BODY = "body"
EPISODE = "episode"
SPEAKER = "speaker"
KEY = "key"
POSITION_BITS = 32  # key = episode number << POSITION_BITS | segment position
PAD = "~"  # not a term of ours: what lengthens every segment (see `Writer`)
BUILD_HEAP = 200_000_000
UPDATE_HEAP = 30_000_000


class EngineError(PodquoteError):
    """The on-disk index cannot be opened or written."""


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(BODY, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field(EPISODE, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(SPEAKER, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field(KEY, fast=True, indexed=False)
    return builder.build()


SCHEMA = _schema()


def key(number: int, position: int) -> int:
    return (number << POSITION_BITS) | position


class Writer:
    """Adds and deletes the segments of episodes; nothing is seen until `commit`.

    tantivy's BM25 weighs length as documents need (b = 0.75); quote-sized segments need it
    less (b = 0.5). `padding` extra terms in every segment, half the mean length, make its
    norm 1 − b + b·(L + P)/(avg + P) with P = avg/2 equal to 0.5 + 0.5·L/avg.
    """

    def __init__(self, index: Any, threads: int, heap: int, padding: int) -> None:
        self._padding = [PAD] * padding
        try:
            self._writer = index.writer(heap, threads)
        except ValueError as exc:  # another process holds the index's writer lock
            raise EngineError(f"cannot write the search index: {exc}") from exc

    def add(
        self,
        episode: str,
        number: int,
        position: int,
        speaker: str | None,
        terms: list[str],
    ) -> None:
        """One segment: its terms as indexed."""
        doc = tantivy.Document()
        doc.add_text(BODY, " ".join(terms + self._padding))
        doc.add_text(EPISODE, episode)
        if speaker:
            doc.add_text(SPEAKER, speaker)
        doc.add_unsigned(KEY, key(number, position))
        self._writer.add_document(doc)

    def delete(self, episode: str) -> None:
        self._writer.delete_documents_by_term(EPISODE, episode)

    def commit(self) -> None:
        """Make the changes durable and visible to new searchers; merges finished."""
        self._writer.commit()
        self._writer.wait_merging_threads()


class Engine:
    """A tantivy index and a searcher over it (a snapshot of its last commit)."""

    def __init__(self, index: Any) -> None:
        self._index = index
        index.reload()
        self._searcher = index.searcher()

    @classmethod
    def in_memory(cls) -> Engine:
        return cls(tantivy.Index(SCHEMA))

    @classmethod
    def on_disk(cls, folder: Path) -> Engine:
        """Open the index in `folder` (memory-mapped), or create an empty one there."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return cls(tantivy.Index(SCHEMA, path=str(folder), reuse=True))
        except (OSError, ValueError) as exc:
            raise EngineError(f"cannot open the search index in {folder}: {exc}") from exc

    def writer(self, padding: int, threads: int = 1, heap: int = UPDATE_HEAP) -> Writer:
        return Writer(self._index, threads, heap, padding)

    def reopened(self) -> Engine:
        """The same index with a searcher over its latest commit."""
        return Engine(self._index)

    @property
    def size(self) -> int:
        return int(self._searcher.num_docs)

    def vocabulary(self, after_deletes: bool = False) -> list[tuple[str, int]]:
        """Every term of `body` and how many segments hold it, most first, then alphabetical.
        `after_deletes`: count only live segments (slower; tantivy's own counts include
        deleted segments until it merges them away)."""
        live = tantivy.Query.all_query() if after_deletes else None
        found = self._searcher.terms_with_prefix(BODY, "", filter_query=live)
        return [(str(t), int(n)) for t, n in found if n and t != PAD]

    def top(
        self,
        terms: Iterable[tuple[str, float]],
        limit: int,
        episodes: Iterable[str] | None = None,
        speakers: Iterable[str] | None = None,
    ) -> tuple[list[int], list[float]]:
        """The keys and scores of the `limit` segments best scored (tantivy's BM25) by any of
        the terms, each weighed by its boost; only of these episodes and speakers when given."""
        query_of = tantivy.Query
        should = [
            (tantivy.Occur.Should, query_of.boost_query(query_of.term_query(SCHEMA, BODY, t), w))
            for t, w in terms
        ]
        if not should:
            return [], []
        query = query_of.boolean_query(should)
        must = [(tantivy.Occur.Must, query)]
        for field, values in ((EPISODE, episodes), (SPEAKER, speakers)):
            if values is not None:
                must.append(
                    (tantivy.Occur.Must, query_of.term_set_query(SCHEMA, field, list(values)))
                )
        if len(must) > 1:
            query = query_of.boolean_query(must)
        hits = self._searcher.search(query, limit, count=False).hits
        if not hits:
            return [], []
        keys = self._searcher.fast_field_values(KEY, [address for _, address in hits])
        return [int(k) for k in keys], [float(score) for score, _ in hits]
