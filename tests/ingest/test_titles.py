"""Titles from what the files say, else made from the file name and marked `filename`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.episodes import files as episode_io
from bot.ingest.catalog import empty, parse
from bot.ingest.file_names import title_from_name
from bot.ingest.pipeline import ingest, ingest_one

SPEECH = "\n".join(["we talked about many things that day and it was good"] * 4) + "\n"
SEGMENTS = [{"start": 0.0, "end": 2.0, "text": " Hello and welcome to the show."}]


@pytest.mark.parametrize(
    ("source", "title"),
    [
        ("vtt/lexicap_large/episode_264_large.vtt", "Episode 264 (large)"),
        ("vtt/lexicap_small/episode_001_small.vtt", "Episode 1 (small)"),
        (
            "vtt/talkpython/031_scikit-learn_and_machine_learning.vtt",
            "#31: Scikit-learn and Machine Learning",
        ),
        (
            "timestamped_txt/talkpython/040-Data-Science-Year-in-Review.txt",
            "#40: Data Science Year in Review",
        ),
        ("timestamped_txt/talkpython/477-spacy-nlp-v2.txt", "#477: Spacy NLP v2"),
        ("vtt/talkpython_youtube/322-starting-in-data-sci.mp3.vtt", "#322: Starting in Data Sci"),
        ("srt/3b1b/2017/neural-networks/english/captions.srt", "Neural Networks"),
        ("plain_text/3b1b/2024/mini-llm/english/transcript.txt", "Mini LLM"),
        (
            "json_segments/3b1b/2024/gpt/english/sentence_timings.json",
            "GPT (sentence timings)",
        ),
        (
            "plain_text/mlops_community/ep343-the-semantic-layer-and-ai-agents-david-jayatillake-343.txt",
            "#343: The Semantic Layer and AI Agents David Jayatillake",
        ),
        (
            "plain_text/mlops_community/epep012-the-future-of-ai-agents-is-sandboxed.txt",
            "#12: The Future of AI Agents Is Sandboxed",
        ),
        ("speaker_paragraphs_md/changelog_practicalai/practical-ai-126.md", "Practical AI #126"),
        ("speaker_paragraphs_md/lennys/gustav-söderström/transcript.md", "Gustav Söderström"),
        (
            "json_segments/youtube_transcript_api_lexbot/transcript0.json",
            "Youtube Transcript API Lexbot (transcript0)",
        ),
        ("mixed_feed_transcripts/Managed services vs. DIY.vtt", "Managed services vs. DIY"),
        ("mixed_feed_transcripts/Episode 17.srt", "Episode 17"),
        ("datatalks_scraped/latest_second_transcript.txt", "Latest Second Transcript"),
        ("transcript.txt", "Transcript"),
    ],
)
def test_a_title_made_from_each_corpus_naming(source: str, title: str) -> None:
    assert title_from_name(source) == title


def test_a_file_that_states_no_title_gets_one_from_its_name_marked_so(tmp_path: Path) -> None:
    raw = tmp_path / "episode_264_large.txt"
    raw.write_text(SPEECH, encoding="utf-8")
    result = ingest_one(raw, "lexicap/episode_264_large.txt", empty())
    assert result.episode is not None
    assert (result.episode.title, result.episode.title_from) == ("Episode 264 (large)", "filename")
    assert "title_from: filename\n" in episode_io.dumps(result.episode)


def test_the_file_title_wins_and_the_catalog_fills_in(tmp_path: Path) -> None:
    stated, bare = tmp_path / "stated.txt", tmp_path / "bare.txt"
    stated.write_text("Title: What the file says\n\n" + SPEECH, encoding="utf-8")
    bare.write_text(SPEECH, encoding="utf-8")
    catalog = parse(
        "stated.txt:\n  title: The curator's title\nbare.txt:\n  title: The curator's title\n",
        tmp_path / "catalog.yaml",
    )
    one, two = ingest_one(stated, "stated.txt", catalog), ingest_one(bare, "bare.txt", catalog)
    assert one.episode is not None and two.episode is not None
    assert (one.episode.title, one.episode.title_from) == ("What the file says", "file")
    assert (two.episode.title, two.episode.title_from) == ("The curator's title", "catalog")


def test_the_show_named_by_podcast_metadata_goes_to_its_folders_files(tmp_path: Path) -> None:
    twiml, other = tmp_path / "raw" / "twiml", tmp_path / "raw" / "other"
    twiml.mkdir(parents=True)
    other.mkdir()
    meta = {"title": "The TWIML AI Podcast", "feed_url": "https://twimlai.com/feed/"}
    (twiml / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    (twiml / "talk.json").write_text(json.dumps({"segments": SEGMENTS}), encoding="utf-8")
    stated = {"channel": "Its own show", "segments": SEGMENTS}
    (twiml / "stated.json").write_text(json.dumps(stated), encoding="utf-8")
    (other / "talk.json").write_text(json.dumps({"segments": SEGMENTS}), encoding="utf-8")
    report = ingest([tmp_path / "raw"], tmp_path / "out", empty())
    shows = {r.source: r.episode.show for r in report.results if r.episode is not None}
    assert shows == {
        "twiml/talk.json": "The TWIML AI Podcast",
        "twiml/stated.json": "Its own show",
        "other/talk.json": None,
    }
    talk = next(r.episode for r in report.results if r.source == "twiml/talk.json")
    assert talk is not None
    assert any("from metadata.json" in note for note in talk.notes)


def test_two_shows_named_in_one_folder_name_none(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, show in (("a.json", "Show A"), ("b.json", "Show B")):
        meta = {"title": show, "web_url": "https://example.org"}
        (raw / name).write_text(json.dumps(meta), encoding="utf-8")
    (raw / "talk.json").write_text(json.dumps({"segments": SEGMENTS}), encoding="utf-8")
    report = ingest([raw], tmp_path / "out", empty())
    (talk,) = [r.episode for r in report.results if r.episode is not None]
    assert talk.show is None
