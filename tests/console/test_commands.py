"""Console commands on the shipped episodes: the same answers as the Discord commands."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.archive.loaded import Archive
from bot.config.settings import SearchConfig
from bot.console.commands import COMMANDS, Session, dispatch
from bot.console.repl import option_values
from bot.console.replies import Card, Notice, Reply
from bot.console.view import plain
from bot.episodes import files as episode_io
from bot.reply.cards import timestamp
from tests.conftest import DATA


@pytest.fixture(scope="module")
def archive() -> Archive:
    return Archive.open(DATA / "episodes")


@pytest.fixture
def session(archive: Archive) -> Session:
    return Session(archive)


def run(session: Session, line: str) -> Reply:
    reply = dispatch(session, line)
    assert reply is not None
    return reply


def card(reply: Reply) -> Card:
    (part,) = reply.parts
    assert isinstance(part, Card)
    return part


def notice(reply: Reply) -> str:
    (part,) = reply.parts
    assert isinstance(part, Notice)
    return part.text


def test_quote_found_shows_the_match_marked_with_speaker_time_and_link(session: Session) -> None:
    # The ranking is the core's business: the console shows the core's best match as it is.
    (best, *_) = session.archive.searcher.search("catapult basket drift").matches
    reply = run(session, "/quote catapult basket drift")
    assert reply.ok
    shown = card(reply)
    assert shown.title == best.episode.title == "Visualising Machine Learning"
    assert shown.url == best.url
    assert shown.url and shown.url.startswith("https://www.youtube.com/watch?v=OuCuk-7RHjM&t=")
    fields = dict(shown.fields)
    assert fields["Speaker"] == best.speaker
    assert fields["Time"] == timestamp(best.start, best.estimated)
    assert shown.footer.startswith("DataTalks.Club · result 1 of ")
    a, b = best.highlight
    text = plain(reply)
    assert f"»{best.segment.text[a:b]}«" in text
    assert "catapult" in best.segment.text[a:b]
    assert "\\" not in text  # raw transcript text, not Discord's Markdown escapes


def test_options_narrow_like_discord_and_values_may_have_spaces(session: Session) -> None:
    reply = run(session, "/quote drift speaker:Meor Amer episode:visualising")
    assert dict(card(reply).fields)["Speaker"] == "Meor Amer"
    same = run(session, "/quote query:drift speaker:meor")
    assert card(same).title == "Visualising Machine Learning"


def test_no_match_says_so_with_did_you_mean(session: Session) -> None:
    reply = run(session, "/quote chocolate cake recipe with buttercream frosting")
    assert not reply.ok
    text = notice(reply)
    assert text.startswith("I found no quote that matches “chocolate cake recipe")
    assert "Did you mean:" in text


def test_filter_errors_and_bad_usage_are_one_line(session: Session) -> None:
    for line, expected in (
        ("/quote drift speaker:meer", "No speaker matches 'meer'. Close speaker names: Meor"),
        ("/quote drift episode:zzzzzz", "No episode matches 'zzzzzz'"),
        ("/quote " + "x" * 201, "Please keep a query under 200 characters"),
        ("/quote", "What do you remember of it? Usage: /quote WORDS"),
        ("/quote drift speaker:", "speaker: needs a value, e.g. speaker:alexey"),
        ("/quote drift speaker:a speaker:b", "speaker: given twice"),
        ("/episode page:0", "page: must be a whole number from 1"),
        ("/episode page:9", "page: there are 1 pages"),
        ("/episode visual page:1", "Give an episode name or page:N, not both."),
        ("/episode zzzzzz", "No episode matches 'zzzzzz'"),
    ):
        reply = run(session, line)
        assert not reply.ok, line
        assert expected in notice(reply), line
        assert "\n" not in notice(reply), line


def test_next_prev_and_context_page_through_the_results(session: Session) -> None:
    assert "ask /quote or /episode first" in notice(run(session, "/next"))
    assert "ask /quote first" in notice(run(session, "/context"))
    first = card(run(session, "/quote catapult basket drift"))
    count = len(session.archive.searcher.search("catapult basket drift").matches)
    assert count >= 3
    second = run(session, "/next")
    assert card(second).footer.endswith(f"result 2 of {count}")
    assert card(second) != first
    assert card(run(session, "n")).footer.endswith(f"result 3 of {count}")
    for _ in range(count - 3):
        assert run(session, "/next").ok
    last = run(session, "/next")
    assert not last.ok and notice(last) == f"That is the last result ({count} of {count})."
    for _ in range(count - 1):
        assert run(session, "p").ok
    assert notice(run(session, "/prev")) == f"That is the first result (1 of {count})."
    assert card(run(session, "/next")) == card(second)
    shown = session.results.current if session.results else None
    assert shown is not None
    around = card(run(session, "/context"))
    assert around.title == f"Around {shown.episode.title}"
    assert 2 <= len(around.lines) <= 3
    marked = [line for line in around.lines if any(s.style == "match" for s in line)]
    assert len(marked) == 1
    assert shown.segment.text in "".join(s.text for s in marked[0])


def test_episode_card_and_list(session: Session) -> None:
    shown = card(run(session, "/episode visualising"))
    assert shown.title == "Visualising Machine Learning"
    assert shown.url == "https://www.youtube.com/watch?v=OuCuk-7RHjM"
    fields = dict(shown.fields)
    assert fields["Guests"] == "Meor Amer" and fields["Host"] == "Alexey Grigorev"
    assert any(line[0].text == "Chapters" for line in shown.lines)
    by_id = card(run(session, "/episode s08e01-visualising-machine-learning"))
    assert by_id == shown
    listing = card(run(session, "/episode"))
    assert listing.title == "Episodes"
    assert len(listing.lines) == 5
    assert listing.footer == "Page 1 of 1 · /episode NAME for one"
    assert card(run(session, "/episode page:1")) == listing
    assert notice(run(session, "/next")) == "That is the last page (1 of 1)."


def test_episode_list_pages_turn_with_next(tmp_path: Path) -> None:
    episodes = tmp_path / "episodes"
    episodes.mkdir()
    for source in (DATA / "episodes").glob("*.yaml"):
        episode = episode_io.read(source)
        for part in range(3):  # a third of the segments each, new ids, no video: 15 talks
            third = replace(
                episode,
                id=f"c{part}-{episode.id}",
                segments=episode.segments[part::3],
                youtube_id=None,
                advice_pin=(),
                advice_ban=(),
            )
            episode_io.write(third, episodes)
    session = Session(Archive.open(episodes))
    assert len(session.archive.library) == 15
    assert card(run(session, "/episode")).footer.startswith("Page 1 of 2")
    second = card(run(session, "/next"))
    assert second.footer.startswith("Page 2 of 2") and len(second.lines) == 5
    assert card(run(session, "/episode page:2")) == second


def test_reload_reports_removed_changed_and_problems(tmp_path: Path) -> None:
    episodes = tmp_path / "episodes"
    shutil.copytree(DATA / "episodes", episodes)
    session = Session(Archive.open(episodes))
    assert notice(run(session, "/reload")).startswith("Reloaded: nothing changed.")
    (episodes / "twiml-talk-2-siraj-raval.yaml").unlink()
    (episodes / "broken.yaml").write_text("schema: 1\nid: [oops\n")
    reply = run(session, "/reload")
    assert reply.ok
    text = notice(reply)
    assert "Removed (1): twiml-talk-2-siraj-raval" in text  # not Markdown-escaped
    assert "Now serving 4 episodes" in text
    assert "1 file(s) could not be read" in text and "broken.yaml" in text
    shutil.rmtree(episodes)
    failed = run(session, "/reload")
    assert not failed.ok
    assert notice(failed).startswith("Reload failed; the previous transcripts are still")
    assert run(session, "/quote go quickly go alone").ok  # the old archive still answers


def test_help_lists_every_command_version_and_archive_size(session: Session) -> None:
    shown = card(run(session, "/help"))
    text = plain(Reply((shown,)))
    for command in COMMANDS:
        assert f"{command.info.written} — {command.summary}" in text
    assert "/advice — a piece of advice" in text
    assert "/next (or n) — " in text
    assert "The archive holds 5 episodes and 599 quotes." in text
    assert "podquote 0.1.0" in shown.footer


def test_unknown_command_is_one_line_listing_the_commands(session: Session) -> None:
    reply = run(session, "/frobnicate now")
    assert not reply.ok
    assert notice(reply) == (
        "Unknown command '/frobnicate'. Commands: /quote, /episode, /post, /advice, /next, "
        "/prev, /context, /reload, /ingest, /remove, /help, /quit"
    )
    assert dispatch(session, "   ") is None
    assert run(session, "/quit").quit


def test_an_unknown_option_is_named_with_the_known_ones(session: Session) -> None:
    for line, expected in (
        (
            "/quote drift spekaer:alexey",
            "Unknown option 'spekaer'. Options of /quote: speaker, episode.",
        ),
        ("/episode visualising pgae:2", "Unknown option 'pgae'. Options of /episode: page."),
        ("/post number:1 nr:2", "Unknown option 'nr': /post takes none."),
        ("/quote drift " + "x" * 300 + ":y", "Unknown option 'xxxxx"),
    ):
        reply = run(session, line)
        assert not reply.ok, line
        assert notice(reply).startswith(expected), line
        assert len(notice(reply)) < 120, line  # the typed name is shown as a short excerpt
    # Colons in the words of a query are words: these are answered.
    assert card(run(session, "/quote catapult basket drift at 10:30")).title
    assert card(run(session, "/quote note: catapult basket drift")).title


def test_tab_offers_episode_titles_and_ids(session: Session) -> None:
    values = option_values(session)
    titles = values("name")
    assert "Visualising Machine Learning" in titles
    assert "s08e01-visualising-machine-learning" in titles
    assert values("episode") == titles
    assert "Meor Amer" in values("speaker")


def test_search_settings_come_from_the_config(archive: Archive) -> None:
    session = Session(archive, SearchConfig(results=1, max_query_length=10))
    assert "under 10 characters" in notice(run(session, "/quote catapult basket"))
    assert card(run(session, "/quote drift")).footer == "DataTalks.Club"  # one result only


def test_an_unsure_quote_lists_the_closest_moments_and_post_shows_one(session: Session) -> None:
    reply = run(session, "/quote back then ai wasnt hyped and progress was slow")
    assert not reply.ok  # not an answer: exit status 1 for -c
    text = notice(reply)
    assert text.startswith("Not sure I found it; the closest moments:\n1. Visualising Machine")
    assert "/post 1–" in text
    shown = card(run(session, "/post 1"))
    assert shown.title == "Visualising Machine Learning"
    assert "Back then the excitement around AI" in plain(Reply((shown,)))
    assert "Usage: /post 1–" in notice(run(session, "/post 9"))


def test_post_without_an_unsure_quote_says_so(session: Session) -> None:
    assert "Nothing to post" in notice(run(session, "/post 1"))
