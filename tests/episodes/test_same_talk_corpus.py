"""One episode per talk on real corpus files: the known copies merge, talks that only look
alike (one show's intro and closing words, one host, a short that reuses a video's lines) do
not. A few files only, ingested with their corpus paths, so the test takes seconds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.episodes import files as episode_io
from bot.episodes.library import Library
from bot.ingest.catalog import empty
from bot.ingest.pipeline import ingest

TALKS: list[set[str]] = [
    # Talk Python 516: the site's text and its VTT (no id in common).
    {
        "timestamped_txt/talkpython/516-accelerating-python-data-science-at-nvidia.txt",
        "vtt/talkpython/516-accelerating-python-data-science-at-nvidia.vtt",
    },
    # Talk Python 477: the -v2 text, the -v2 VTT and the YouTube track (other words).
    {
        "timestamped_txt/talkpython/477-spacy-nlp-v2.txt",
        "vtt/talkpython/477-spacy-nlp-v2.vtt",
        "vtt/talkpython_youtube/477-spacy-nlp.vtt",
    },
    # A DataTalks.Club page and the text scraped from it (MANIFEST.md, section 4).
    {"datatalks/finops-for-data-engineers.md", "datatalks_scraped/latest_tracscript.txt"},
    # An older version of a page, under another name (same YouTube id, same text).
    {
        "datatalks/dataops-automation-and-reliable-data-pipelines.md",
        "datatalks_history/4ef9e161bc__s08e05-storytime-for-dataops.md",
    },
    # The s17e08 page carries the s17e09 transcript (Daniel Svonava, line for line).
    {
        "datatalks/building-production-search-systems.md",
        "datatalks/production-ml-search-vector-search-embeddings-hybrid-search.md",
    },
    # Lex Fridman 78 through Whisper large and small.
    {"vtt/lexicap_large/episode_078_large.vtt", "vtt/lexicap_small/episode_078_small.vtt"},
    # A 3Blue1Brown short (202 words) as captions and as plain text.
    {
        "srt/3b1b/2024/shorts/word-vectors-encode/english/captions.srt",
        "plain_text/3b1b/2024/shorts/word-vectors-encode/english/transcript.txt",
    },
    # Talks of their own: the same show's intro and closing words (Talk Python 507), the same
    # host and intro (Lex 87, a DataTalks.Club page), the video the short reuses lines of.
    {"timestamped_txt/talkpython/507-agentic-ai-workflows-with-langgraph.txt"},
    {"vtt/lexicap_large/episode_087_large.vtt"},
    {"datatalks/lean-mlops-for-startups.md"},
    {"srt/3b1b/2024/gpt/english/captions.srt"},
]


@pytest.mark.corpus
def test_known_copies_merge_and_talks_that_look_alike_do_not(corpus: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for source in set().union(*TALKS):
        (raw / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / source, raw / source)
    ingest([raw], tmp_path / "episodes", empty())
    library = Library.load(tmp_path / "episodes")
    assert library.problems == ()
    talk_of = {ep.id: {ep.source} for ep in library}
    for duplicate in library.duplicates:
        dropped = episode_io.read(tmp_path / "episodes" / f"{duplicate.dropped}.yaml")
        talk_of[duplicate.kept].add(dropped.source)
    assert sorted(map(sorted, talk_of.values())) == sorted(map(sorted, TALKS))
    text = {d.dropped for d in library.duplicates if d.basis == "text"}
    assert len(text) == 7  # all but the page's older version, which shares the YouTube id
