"""One episode per talk: the copies the library merges, and how far copies and other talks lie
from the text threshold, over the corpus and the five samples.

    python bench/duplicates.py [--corpus ../shared/corpus] [--episodes DIR]

`--episodes` reads a folder the corpus (and the samples) were already ingested into; else the
cached library of `corpus_library.py`. The samples are ingested afresh with their catalog.

Which sources are one talk is known from the corpus itself, never from the texts
(`known_talk`): the same video's captions, transcript and timings (3Blue1Brown), the same
episode number (Talk Python's text, VTT and YouTube tracks; Lexicap's large and small Whisper
runs), the same YouTube id (DataTalks.Club pages, their older versions, the samples), the
scraped pages MANIFEST.md pairs with theirs; plus one pair found by the texts and checked by
reading (`READ`). Every other two sources are two talks. Each pair is scored as the library
scores it (`same_talk.score_pairs`: the sample of 5-word runs, boilerplate off); a pair that
shares no compared run scores 0.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from pathlib import Path

from corpus_library import CORPUS, ROOT, corpus_library

from bot.episodes import files as episode_io
from bot.episodes import same_talk
from bot.episodes.library import Library
from bot.episodes.model import Episode
from bot.episodes.text_print import of_texts
from bot.ingest.catalog import load as load_catalog
from bot.ingest.pipeline import ingest

# MANIFEST.md, section 4: the scraped pages and the pages they were scraped from.
SCRAPED = {
    "latest_tracscript.txt": "finops-for-data-engineers.md",
    "latest_second_transcript.txt": "production-ready-ai-engineering.md",
    "latest_third_transcript.txt": "lean-mlops-for-startups.md",
}
# Found by the texts, then read: the s17e08 page (Reem Mahmoud) carries the transcript of
# s17e09 (Alexey with Daniel Svonava, line for line); its own conversation is not in it.
READ = {
    "datatalks/production-ml-search-vector-search-embeddings-hybrid-search.md": (
        "datatalks/building-production-search-systems.md"
    )
}
_NUMBER = re.compile(r"^(\d+)[-_]")
_LEX = re.compile(r"^episode_(\d+)_")


def known_talk(ep: Episode, youtube_of: dict[str, str | None]) -> str:
    """Which talk a source is, from where it lies in the corpus (see the module docstring);
    a source of its own gets its own name."""
    source = READ.get(ep.source, ep.source)
    parts = source.split("/")
    folder, name = "/".join(parts[:2]), parts[-1]
    if "3b1b" in parts:
        return f"3b1b/{parts[parts.index('3b1b') + 2]}"
    if folder in {"timestamped_txt/talkpython", "vtt/talkpython", "vtt/talkpython_youtube"}:
        number = _NUMBER.match(name)
        return f"talkpython/{int(number.group(1))}" if number else source
    if folder.startswith("vtt/lexicap"):
        lex = _LEX.match(name)
        return f"lex/{int(lex.group(1))}" if lex else source
    if parts[0] == "datatalks_scraped" and name in SCRAPED:
        source = f"datatalks/{SCRAPED[name]}"
    youtube = youtube_of.get(source, ep.youtube_id)
    return f"youtube/{youtube}" if youtube else source


def _bar(count: int, most: int, width: int = 40) -> str:
    return "#" * (max(1, round(width * count / most)) if count else 0)


def histogram(title: str, values: list[float], bins: int = 10) -> None:
    """Counts of `values` (0 to 1) in `bins` equal bins."""
    counts = Counter(min(int(v * bins), bins - 1) for v in values)
    most = max(counts.values(), default=1)
    print(f"  {title}")
    for b in range(bins):
        low = b / bins
        print(f"    {low:.1f}–{low + 1 / bins:.1f} {counts[b]:>7,} {_bar(counts[b], most)}")


def merged(name: str, library: Library) -> None:
    """The sources the library set aside, by why."""
    by = Counter(d.basis for d in library.duplicates)
    print(
        f"\n{name}: {len(library) + len(library.duplicates)} sources, {len(library)} episodes; "
        f"set aside {len(library.duplicates)} (same YouTube video {by['youtube']}, "
        f"same text {by['text']})"
    )
    for basis in ("text", "youtube"):
        for d in sorted(library.duplicates, key=lambda d: (d.kept, d.dropped)):
            if d.basis == basis:
                print(f"  {d.dropped} → {d.kept}: {d.why.split(';')[0]}")


def scores(library: Library) -> None:
    """Every pair's scores against the known talks: the distributions and the margin."""
    every = {ep.id: ep for ep in map(episode_io.read, sorted(library.folder.glob("*.yaml")))}
    youtube_of = {ep.source: ep.youtube_id for ep in every.values()}
    talk = {i: known_talk(ep, youtube_of) for i, ep in every.items()}
    prints = {i: ep.text_print or of_texts(s.text for s in ep.segments) for i, ep in every.items()}
    videos: dict[str, list[str]] = {}
    for ep in every.values():
        if ep.youtube_id:
            videos.setdefault(ep.youtube_id, []).append(ep.id)
    raw, final = same_talk.score_pairs(prints, videos.values())
    groups = Counter(talk.values())
    known = sum(k * (k - 1) // 2 for k in groups.values())
    total = len(every) * (len(every) - 1) // 2
    print(
        f"\nPairs of sources: {total:,}; known copies (two sources of one talk) {known}, in "
        f"{sum(1 for k in groups.values() if k > 1)} talks; every other pair is two talks."
    )
    print(
        f"Same talk by text when: containment ≥ {same_talk.MIN_CONTAINMENT}, judged on ≥ "
        f"{same_talk.MIN_RUNS} runs, the shorter ≥ {same_talk.MIN_LENGTH} of the longer; "
        f"first with every run, then without the runs heard in ≥ "
        f"2 talks ({len(final.boilerplate):,} sampled runs)."
    )
    for name, found in (("with every run", raw), ("boilerplate off (decides)", final)):
        pairs, others = _split(found, talk)
        print(f"\n{name}: {len(others):,} pairs of two talks share a run, the rest none")
        copies = [r[0].containment for r in pairs] + [0.0] * (known - len(pairs))
        histogram("known copies, containment", copies)
        histogram(
            "pairs of two talks that share a run, containment", [r[0].containment for r in others]
        )
        tied = sum(1 for r in pairs if r[1])
        false = sum(1 for r in others if r[1])
        print(f"  known copies tied: {tied} of {known}; pairs of two talks tied: {false}")
        print("  the known copies that score lowest:")
        for like, _, a, b in sorted(pairs, key=lambda r: r[0].containment)[:4]:
            print(f"    {_row(like)}  {a} | {b}")
        if others:
            print("  the pairs of two talks that score highest:")
        for like, _, a, b in sorted(others, key=lambda r: -r[0].containment)[:4]:
            print(f"    {_row(like)}  {a} | {b}")
        comparable = [
            r[0].containment
            for r in others
            if r[0].judged_runs >= same_talk.MIN_RUNS and r[0].length >= same_talk.MIN_LENGTH
        ]
        low = min((r[0].containment for r in pairs), default=0.0)
        high = max((r[0].containment for r in others), default=0.0)
        print(
            f"  margin: known copies ≥ {low:.3f}; two talks ≤ {high:.3f} "
            f"(≤ {max(comparable, default=0.0):.3f} at comparable lengths on enough runs); "
            f"threshold {same_talk.MIN_CONTAINMENT}. Resemblance: copies ≥ "
            f"{min((r[0].resemblance for r in pairs), default=0.0):.3f}, two talks ≤ "
            f"{max((r[0].resemblance for r in others), default=0.0):.3f}"
        )


Row = tuple[same_talk.Likeness, bool, str, str]


def _split(found: same_talk.Scores, talk: dict[str, str]) -> tuple[list[Row], list[Row]]:
    """The scored pairs (likeness, judged the same, ids): known copies, and two talks."""
    same = found.same()
    pairs: list[Row] = []
    others: list[Row] = []
    for n in range(len(found)):
        a, b = found.ids[found.first[n]], found.ids[found.second[n]]
        row = (found.likeness(n), bool(same[n]), a, b)
        (pairs if talk[a] == talk[b] else others).append(row)
    return pairs, others


def _row(like: same_talk.Likeness) -> str:
    return (
        f"containment {like.containment:.3f} resemblance {like.resemblance:.3f} "
        f"({like.shared:,}/{like.smaller:,} hashes, ~{like.judged_runs:,} runs, "
        f"length {like.length:.2f})"
    )


def samples_library() -> Library:
    """The shipped samples ingested afresh with the shipped catalog."""
    catalog = load_catalog(ROOT / "data" / "catalog.yaml")
    out = Path(tempfile.mkdtemp(prefix="duplicates-")) / "episodes"
    ingest([ROOT / "data" / "raw"], out, catalog)
    return Library.load(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--episodes", type=Path, help="a folder the corpus was ingested into")
    args = parser.parse_args()
    library = Library.load(args.episodes) if args.episodes else corpus_library(args.corpus)
    merged("corpus + samples", library)
    merged("the five samples", samples_library())
    scores(library)


if __name__ == "__main__":
    main()
