"""An episode's text print: a sample of its hashed 5-word runs, to tell two copies of one talk.

The words are folded as search folds them (case, punctuation and apostrophes off), so a VTT
and a text file of one talk give the same runs wherever they give the same words. Each run of
`RUN` consecutive words is hashed to 32 bits (a polynomial hash of the words' own 64-bit
hashes, so it is the same on every machine and Python). A print keeps the hashes below
`LIMIT`, one run in `RATE`: the same runs in every source, so two samples compare like the
texts they come from, and a run one source shares with others is seen in all of them.

`encode` and `decode` turn a print into the one line the episode file stores (`text_print:`),
computed when the file is written; a print of another scheme (`SCHEME`) is not read, and the
library computes it again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

RUN = 5  # words per run
RATE = 4  # a print keeps one run in RATE (by hash value)
LIMIT = 2**32 // RATE  # hashes below it are the sample
SCHEME = f"w{RUN}r{RATE}"
_WORD = re.compile(r"[^\W_]+")
_STEP = 0x9E3779B97F4A7C15  # the polynomial's base (odd, 64-bit)
_MIX = 0xD6E8FEB86659FD93  # a 64-bit odd multiplier: its top 32 bits are the run's hash


@dataclass(frozen=True, slots=True, eq=False)
class TextPrint:
    """How many runs a text has, and the hashes of its sample (sorted, distinct, `uint32`,
    below `LIMIT`)."""

    runs: int
    hashes: np.ndarray


def fold(text: str) -> list[str]:
    """The words of a text as the print compares them: case, punctuation and apostrophes off
    (as `bot.text.words` folds them, in one pass)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(folded.replace("'", "").replace("’", ""))


def _word_values(folded: list[str]) -> np.ndarray:
    """Each word's own 64-bit hash (BLAKE2b), hashed once per distinct word."""
    known = {
        word: int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        for word in dict.fromkeys(folded)
    }
    return np.array(list(map(known.__getitem__, folded)), dtype=np.uint64)


def run_hashes(folded: list[str]) -> np.ndarray:
    """The 32-bit hash of every run of `RUN` words, in order (arithmetic modulo 2**64)."""
    if len(folded) < RUN:
        return np.zeros(0, dtype=np.uint64)
    values = _word_values(folded)
    count = len(folded) - RUN + 1
    total = np.zeros(count, dtype=np.uint64)
    step = np.uint64(_STEP)
    with np.errstate(over="ignore"):
        for offset in range(RUN):
            total = total * step + values[offset : offset + count]
        return (total * np.uint64(_MIX)) >> np.uint64(32)


def of_texts(texts: Iterable[str]) -> TextPrint:
    """The print of a text given in pieces (an episode's segments, in order)."""
    folded = fold(" ".join(texts))
    hashes = run_hashes(folded)
    kept = np.unique(hashes[hashes < LIMIT]).astype(np.uint32)
    return TextPrint(len(hashes), kept)


def encode(text_print: TextPrint) -> str:
    """The line an episode file stores: scheme, runs, the kept hashes (sorted, 4 bytes each,
    base64)."""
    packed = text_print.hashes.astype(">u4").tobytes()
    return f"{SCHEME} {text_print.runs} {base64.b64encode(packed).decode('ascii')}"


class PrintError(ValueError):
    """A stored print that cannot be read."""


def decode(line: str) -> TextPrint | None:
    """The print a file stores; None for a print of another scheme (computed again). Raises
    `PrintError` for one that is broken."""
    parts = line.split(" ")
    if len(parts) != 3:
        raise PrintError("not 'scheme runs hashes'")
    scheme, runs_text, packed = parts
    if scheme != SCHEME:
        return None
    if not (runs_text.isascii() and runs_text.isdigit()) or len(runs_text) > 12:
        raise PrintError(f"runs {runs_text[:20]!r} is not a whole number")
    try:
        raw = base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        raise PrintError("the hashes are not base64") from None
    if len(raw) % 4:
        raise PrintError("the hashes are not whole 4-byte numbers")
    hashes = np.frombuffer(raw, dtype=">u4")
    runs = int(runs_text)
    if len(hashes) > runs or np.any(hashes[1:] <= hashes[:-1]):
        raise PrintError("the hashes are not distinct, sorted and at most one per run")
    if len(hashes) and int(hashes[-1]) >= LIMIT:
        raise PrintError("the hashes are not a sample (all below 2**30)")
    return TextPrint(runs, hashes.astype(np.uint32))
