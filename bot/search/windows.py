"""How close each moment is in meaning to a query, from vectors computed once per piece of text.

The sentence model (`bot.search.meaning`) is too slow to read every candidate of every query,
so each segment's text is cut into equal pieces of at most `PIECE_WORDS` words and each piece
is embedded once, ahead of time (`bot.archive.window_vectors` stores them). A segment's
closeness to a query is the best cosine of its pieces; a query costs one encoding of itself
and one small matrix product per candidate. `bench/window_vectors.py` measured what it buys:
ordering an unsure reply's closest moments by closeness and words puts the right moment in
the reply for 0.918 of the tuning queries instead of 0.882.

Pieces are keyed by a hash of their text, so a vector is computed once for a text however
often it occurs and survives any edit that leaves the text alone.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PIECE_WORDS = 32  # the most words a piece holds (what the model reads around a moment)
NO_VECTOR = -1.0  # the closeness of a segment without pieces (no text, or not embedded yet)

Vectors = npt.NDArray[np.floating]


def pieces(text: str) -> list[str]:
    """A segment's text in equal pieces of at most PIECE_WORDS words (none for no words)."""
    split = text.split()
    if not split:
        return []
    size = math.ceil(len(split) / math.ceil(len(split) / PIECE_WORDS))
    return [" ".join(split[i : i + size]) for i in range(0, len(split), size)]


def piece_key(piece: str) -> int:
    """The piece's key: 8 bytes of BLAKE2b of its text, as an unsigned integer."""
    return int.from_bytes(hashlib.blake2b(piece.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class WindowVectors:
    """Every embedded piece's vector and, per segment of one search index, its pieces' rows.

    `vectors` may be memory-mapped (float16 on disk): only the rows of a query's candidates
    are read. Segment `s` owns `rows[starts[s]:starts[s + 1]]`; a segment whose pieces are not
    embedded owns none.
    """

    vectors: Vectors  # (pieces, width)
    rows: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]  # (segments + 1,)

    @property
    def segments(self) -> int:
        return len(self.starts) - 1

    def closeness(self, query: Vectors, segments: list[int]) -> list[float]:
        """Each segment's best cosine with the unit vector `query` (NO_VECTOR without pieces)."""
        spans = [(int(self.starts[s]), int(self.starts[s + 1])) for s in segments]
        wanted = [self.rows[a:b] for a, b in spans if b > a]
        if not wanted:
            return [NO_VECTOR] * len(segments)
        cosines = np.asarray(self.vectors[np.concatenate(wanted)], dtype=np.float32) @ query
        out, at = [], 0
        for a, b in spans:
            if b > a:
                out.append(float(cosines[at : at + b - a].max()))
                at += b - a
            else:
                out.append(NO_VECTOR)
        return out
