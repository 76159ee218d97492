"""Shard ranges and ownership: which servers a process answers and posts for."""

from __future__ import annotations

import pytest

from bot.shards import ShardError, Shards, check, parse_ids, ranges, shard_of


def test_ranges_and_lists_are_read_as_written() -> None:
    assert parse_ids("0-3") == (0, 1, 2, 3)
    assert parse_ids("0-1,4") == (0, 1, 4)
    assert parse_ids(" 2 ") == (2,)
    assert ranges((5, 0, 1, 2)) == "0-2,5"
    assert ranges(parse_ids("0-1,4,6-7")) == "0-1,4,6-7"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a-b", "'a-b' is not a shard id or range (write them like 0-3 or 0-1,4)"),
        ("3-1", "'3-1': a range goes from a low id to a higher one (0-3)"),
        ("", "'' is not a shard id or range (write them like 0-3 or 0-1,4)"),
    ],
)
def test_a_bad_range_is_one_line(text: str, why: str) -> None:
    with pytest.raises(ShardError) as caught:
        parse_ids(text)
    assert str(caught.value) == why


@pytest.mark.parametrize(
    ("count", "ids", "why"),
    [
        (4, (0, 4), "shard 4 is not one of 0-3 (shard count 4)"),
        (4, (1, 2, 1), "shard 1 is listed twice"),
        (
            0,
            (1,),
            "shard ids need a shard count (the number of shards of all the processes together)",
        ),
    ],
)
def test_ids_must_fit_the_count_once_each(count: int, ids: tuple[int, ...], why: str) -> None:
    with pytest.raises(ShardError) as caught:
        check(count, ids)
    assert str(caught.value) == why


def test_every_server_is_owned_by_exactly_one_of_the_processes() -> None:
    guilds = [(n << 22) | 12345 for n in range(1000, 1400)]
    halves = (Shards(4, (0, 1)), Shards(4, (2, 3)))
    for guild in guilds:
        assert [half.owns(guild) for half in halves].count(True) == 1
        assert halves[0].owns(guild) == (shard_of(guild, 4) in (0, 1))
    assert all(Shards().owns(g) for g in guilds)  # nothing configured: one process, all


def test_what_a_process_says_it_holds() -> None:
    assert Shards(4, (0, 1)).describe() == "shards 0-1 of 4"
    assert Shards(2, (1,)).describe() == "shard 1 of 2"
    assert Shards().describe(1) == "one shard"
    assert Shards().describe(3) == "all 3 shards"
    assert Shards().describe() == "all shards (as many as Discord recommends)"
