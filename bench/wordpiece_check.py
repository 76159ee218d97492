"""Our WordPiece (bot/search/wordpiece.py) against Hugging Face's tokenizer, over every
segment and title of the corpus and the samples: how many texts get other ids (must be 0),
and the time each takes per text.

    python bench/wordpiece_check.py [--corpus ../shared/corpus]

Needs the sentence model (`python -m bot model fetch`) and `tokenizers`
(`pip install -e '.[check]'`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from corpus_library import CORPUS, corpus_library
from tokenizers import Tokenizer

from bot.search.meaning import MAX_TOKENS, find_model
from bot.search.wordpiece import WordPiece


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    model = find_model()
    if model is None:
        raise SystemExit("the sentence model is not there: python -m bot model fetch")
    theirs = Tokenizer.from_file(str(model / "tokenizer.json"))
    theirs.no_padding()
    theirs.enable_truncation(MAX_TOKENS)
    ours = WordPiece.load(model / "tokenizer.json", MAX_TOKENS)
    texts = []
    for episode in corpus_library(args.corpus):
        texts += [episode.title, *(segment.text for segment in episode.segments)]
    differ = 0
    times: dict[str, list[float]] = {"ours": [], "tokenizers": []}
    for text in texts:
        began = time.perf_counter()
        mine = ours.encode(text)
        times["ours"].append(time.perf_counter() - began)
        began = time.perf_counter()
        other = theirs.encode(text).ids
        times["tokenizers"].append(time.perf_counter() - began)
        differ += mine != other
    print(f"{len(texts):,} texts (segments and titles): {differ} get other ids")
    for name, taken in times.items():
        print(f"  {name:<11} median {statistics.median(taken) * 1e6:7.1f} µs per text")


if __name__ == "__main__":
    main()
