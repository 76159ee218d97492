"""The advice scorer, pins and bans, the rotation, schedules and the `advice` command."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import aiosqlite
import pytest

from bot.advice.rotation import AdvicePool, PastPost
from bot.advice.schedule import ScheduleError, next_post, parse_time, post_moment, zone
from bot.advice.scoring import POOL_MIN_SCORE, best_candidate, candidates, score_text
from bot.cli.main import main
from bot.episodes import files as episode_io
from bot.episodes.model import Segment
from bot.errors import CatalogError
from bot.ingest import catalog as catalog_mod
from bot.ingest.pipeline import with_advice_choices
from bot.reply.advice_card import advice_card
from bot.storage import open_store
from bot.storage.sqlite import MIGRATIONS
from tests.advice.helpers import advice_episode, advice_pool
from tests.conftest import DATA

ADVICE = [
    "Start with the problem, not the solution.",
    "If you want to learn machine learning, you should build a small project first.",
    "I would recommend that you pick one course and finish it.",
    "The most important thing is to ship something every week.",
    "Don't be afraid to ask questions in the community.",
]
NOT_ADVICE = [
    "Can you tell us about your career journey so far?",  # the host's question
    "Welcome to the podcast, and thanks for joining us today.",  # an introduction
    "This episode is sponsored by Acme, use the promo code DATA for a discount.",  # sponsor
    "Please subscribe and leave us a review on your favourite podcast app.",  # a call
    "That is why it worked for them in the end, I think.",  # needs what came before
    "Yeah, exactly, that's right.",  # small talk
    "I was working at a bank and then I moved to Berlin with my family.",  # a story
]


@pytest.mark.parametrize("text", ADVICE)
def test_advice_reaches_the_pool(text: str) -> None:
    score, reasons = score_text(text)
    assert score >= POOL_MIN_SCORE, reasons
    assert any(r.points > 0 for r in reasons)


@pytest.mark.parametrize("text", NOT_ADVICE)
def test_questions_intros_sponsors_calls_fragments_and_stories_do_not(text: str) -> None:
    score, reasons = score_text(text)
    assert score < POOL_MIN_SCORE, reasons


def test_the_host_asking_scores_below_a_guest_saying_the_same() -> None:
    text = "You should always start with the problem."
    assert score_text(text, by_host=True)[0] < score_text(text)[0]


def test_every_point_has_a_reason_that_adds_up() -> None:
    score, reasons = score_text("Start with the problem, not the solution.")
    assert reasons and all(str(r)[0] in "+-" for r in reasons)
    assert score == pytest.approx(min(100, 40 + sum(r.points for r in reasons)))


def test_a_candidate_is_whole_sentences_of_its_segment_with_its_own_time() -> None:
    text = (
        "We talked about a lot of things in the first part. Start with the problem, not the "
        "solution. Everything else follows from there."
    )
    episode = replace(
        advice_episode("ep", ["x"]),
        segments=(Segment(100.0, 140.0, "Guest", text, cues=((0, 100.0), (51, 110.0))),),
    )
    found = best_candidate(episode, 0)
    assert found is not None
    assert found.text.startswith("Start with the problem")
    assert found.start == 110.0 and found.url and found.url.endswith("&t=110s")
    assert found.id == "ep#0" and len(found.fingerprint) == 16


def test_too_long_or_too_short_is_not_a_candidate() -> None:
    episode = advice_episode("ep", ["Start now.", "Start with the problem. " * 30])
    assert best_candidate(episode, 0) is None
    long = best_candidate(episode, 1)
    assert long is None or len(long.text) <= 320


def test_pins_join_the_pool_and_bans_leave_it() -> None:
    episode = advice_episode("ep", [*ADVICE[:2], "We had lunch at noon that day, it was nice."])
    episode = replace(episode, advice_pin=(2,), advice_ban=(0,))
    found = candidates([episode])
    ids = [c.id for c in found]
    assert ids[0] == "ep#2" and found[0].pinned  # a pin first, whatever it scores
    assert "ep#0" not in ids and "ep#1" in ids
    assert "pinned by the curator" in str(found[0].reasons[0])
    assert len(AdvicePool.build([episode])) == 2


def test_catalog_pins_are_checked_against_the_segments_and_written_to_the_episode(
    tmp_path: Path,
) -> None:
    catalog = catalog_mod.parse("ep.txt:\n  advice_pin: [1]\n  advice_ban: [0]\n", tmp_path / "c")
    episode = replace(advice_episode("ep", ADVICE[:2]), source="ep.txt")
    chosen = with_advice_choices(episode, catalog)
    assert (chosen.advice_pin, chosen.advice_ban) == ((1,), (0,))
    assert episode_io.loads(episode_io.dumps(chosen)) == chosen
    assert "advice:" not in episode_io.dumps(episode)  # no choices: the file is unchanged
    bad = catalog_mod.parse("ep.txt:\n  advice_pin: [7]\n", tmp_path / "c")
    with pytest.raises(CatalogError, match=r"c:1: ep.txt: advice_pin: 7 is not a segment"):
        with_advice_choices(episode, bad)


def test_the_card_is_escaped_marked_and_linked() -> None:
    episode = advice_episode(
        "ep", ["Don't *ever* change __init__ without a test that runs it first."]
    )
    candidate = best_candidate(episode, 0)
    assert candidate is not None
    card = advice_card(candidate, dt.date(2026, 11, 21))
    assert "\\*ever\\*" in card.advice and "\\_\\_init\\_\\_" in card.advice
    assert card.footer == "Daily advice for 2026-11-21"
    assert card.speaker == "Grace Guest" and card.when == "0:00"
    assert card.url == "https://www.youtube.com/watch?v=abcdefghijk&t=0s"
    assert advice_card(candidate).footer == "Advice from the archive"


def test_rotation_takes_the_least_posted_best_first_and_avoids_the_last_episode() -> None:
    pool = advice_pool()
    first = pool.choose([])
    assert first is not None
    history = [PastPost(first.fingerprint, first.episode.id)]
    second = pool.choose(history)
    assert second is not None and second.episode.id != first.episode.id
    everything = [PastPost(c.fingerprint, c.episode.id) for c in pool.candidates]
    assert pool.left(everything).left == len(pool)  # a new round
    assert pool.left(everything).round == 2
    assert pool.left(history).left == len(pool) - 1
    assert AdvicePool([]).choose([]) is None


def test_times_and_zones_are_validated() -> None:
    assert parse_time("9:05") == dt.time(9, 5)
    for bad in ("25:00", "9", "09:60", "nine"):
        with pytest.raises(ScheduleError, match="not a time of day"):
            parse_time(bad)
    for bad in ("Mars/Olympus", "", "../etc/passwd", " Europe/Berlin"):
        with pytest.raises(ScheduleError, match="IANA"):
            zone(bad)


def test_post_moments_follow_the_wall_clock_through_dst() -> None:
    berlin, nine = zone("Europe/Berlin"), dt.time(9, 0)
    winter = post_moment(dt.date(2026, 3, 28), nine, berlin)
    summer = post_moment(dt.date(2026, 3, 29), nine, berlin)
    assert (winter.hour, summer.hour) == (8, 7)
    gap = post_moment(dt.date(2026, 3, 29), dt.time(2, 30), berlin)
    assert gap == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)  # when the clocks jump
    fold = post_moment(dt.date(2026, 10, 25), dt.time(2, 30), berlin)
    assert fold == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # the first 02:30
    now = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
    assert next_post(now, nine, berlin, done_today=True).date() == dt.date(2026, 11, 22)


@pytest.mark.asyncio
async def test_version_1_history_is_migrated_into_the_advice_log(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path) as db:
        await db.executescript(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);"
            "BEGIN;" + MIGRATIONS[0] + "INSERT INTO schema_version VALUES (1); COMMIT;"
        )
        await db.execute(
            "INSERT INTO advice_posts (guild_id, local_date, segment_id, episode_id, status, "
            "message_id) VALUES (1, '2026-11-20', 'ep#3', 'ep', 'sent', 99)"
        )
        await db.commit()
    store = await open_store(path)
    try:
        assert await store.version() == len(MIGRATIONS)
        record = await store.daily_post(1, dt.date(2026, 11, 20))
        assert record is not None and record.message_id == 99 and record.slot == "daily"
        again = await store.record_intent(
            1,
            dt.date(2026, 11, 20),
            slot="daily",
            channel_id=5,
            segment_id="ep#4",
            episode_id="ep",
            fingerprint="f",
        )
        assert again is None  # one daily post per server and date, enforced by the database
    finally:
        await store.close()


def test_the_advice_command_lists_scores_and_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advice", "--top", "3", "--data", str(DATA / "episodes")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Top 3 advice candidates of 599 segments")
    assert out.count("\n 1. ") == 1 and "#" in out and "“" in out
    assert main(["advice", "--top", "2", "--json", "--data", str(DATA / "episodes")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and rows[0]["score"] >= rows[1]["score"]
    assert {"id", "text", "score", "reasons", "url", "in_pool"} <= rows[0].keys()
    assert rows[0]["reasons"] and isinstance(rows[0]["reasons"][0]["points"], int | float)
