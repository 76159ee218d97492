"""/quote's cooldown through discord.py's own `dynamic_cooldown` check (its real bucket
mapping and `CommandOnCooldown`), with a stand-in interaction whose time the test sets."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from discord import app_commands

from bot.discord_app.cooldown import QuoteCooldown, wait_text
from bot.storage import Store, StoreBusy, open_store

START = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
GUILD, OTHER_GUILD = 10, 11
MEMBER, OTHER_MEMBER = 1, 2

Check = Callable[[Any], Awaitable[bool]]


def check_of(cooldown: QuoteCooldown) -> Check:
    """The check discord.py puts on a command decorated as /quote is."""

    @app_commands.checks.dynamic_cooldown(cooldown.bucket, key=cooldown.key)
    async def command(interaction: Any) -> None: ...

    (predicate,) = command.__discord_app_commands_checks__  # type: ignore[attr-defined]
    return predicate  # type: ignore[no-any-return]


def asking(seconds_later: float, user: int = MEMBER, guild: int | None = GUILD) -> Any:
    """A /quote interaction sent `seconds_later` (Discord's clock: its snowflake's time)."""
    return SimpleNamespace(
        created_at=START + dt.timedelta(seconds=seconds_later),
        guild_id=guild,
        user=SimpleNamespace(id=user),
        extras={},
    )


async def _cooldown(tmp_path: Path, default: float = 5.0) -> tuple[Store, QuoteCooldown]:
    store = await open_store(tmp_path / "db.sqlite3")
    cooldown = QuoteCooldown(store, default)
    await cooldown.load()
    return store, cooldown


def test_a_second_quote_within_the_period_is_refused_with_the_wait(tmp_path: Path) -> None:
    async def scenario() -> None:
        store, cooldown = await _cooldown(tmp_path)
        check = check_of(cooldown)
        try:
            assert await check(asking(0))
            with pytest.raises(app_commands.CommandOnCooldown) as refused:
                await check(asking(1.5))
            assert refused.value.retry_after == pytest.approx(3.5)
            assert wait_text(refused.value.retry_after) == "Easy there! You can ask again in 4 s."
            assert await check(asking(1.5, user=OTHER_MEMBER))  # per member …
            assert await check(asking(1.5, guild=OTHER_GUILD))  # … and server
            assert await check(asking(5.1))  # the period is over
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_use_given_back_lets_the_member_ask_again_at_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        store, cooldown = await _cooldown(tmp_path)
        check = check_of(cooldown)
        try:
            miss = asking(0)
            assert await check(miss)
            with pytest.raises(app_commands.CommandOnCooldown):
                await check(asking(0.5))  # refused meanwhile: nothing charged
            assert cooldown.give_back(miss)
            assert not cooldown.give_back(miss)  # once
            found = asking(1)
            assert await check(found)  # not charged for the miss
            with pytest.raises(app_commands.CommandOnCooldown) as refused:
                await check(asking(2))  # charged for what it found
            assert refused.value.retry_after == pytest.approx(4.0)
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_use_that_lapsed_meanwhile_is_not_given_back(tmp_path: Path) -> None:
    async def scenario() -> None:
        store, cooldown = await _cooldown(tmp_path, default=0.05)
        check = check_of(cooldown)
        try:
            slow = asking(0)
            assert await check(slow)
            await asyncio.sleep(0.06)  # the search took longer than the cooldown
            later = asking(0.06)
            assert await check(later)  # a new period, charged
            assert not cooldown.give_back(slow)  # must not undo the later one's use
            with pytest.raises(app_commands.CommandOnCooldown):
                await check(asking(0.07))
        finally:
            await store.close()

    asyncio.run(scenario())


def test_each_server_sets_its_own_and_zero_is_off(tmp_path: Path) -> None:
    async def scenario() -> None:
        store, cooldown = await _cooldown(tmp_path)
        check = check_of(cooldown)
        try:
            assert await check(asking(0))
            await cooldown.set_seconds(GUILD, 0)  # in force at once, in this server only
            for later in (0.1, 0.2, 0.3):
                assert await check(asking(later))
            assert await check(asking(0, guild=OTHER_GUILD))
            with pytest.raises(app_commands.CommandOnCooldown):
                await check(asking(0.1, guild=OTHER_GUILD))
            await cooldown.set_seconds(GUILD, 60)
            assert await check(asking(1))
            with pytest.raises(app_commands.CommandOnCooldown) as refused:
                await check(asking(31))
            assert refused.value.retry_after == pytest.approx(30)
            assert (cooldown.own(GUILD), cooldown.own(OTHER_GUILD)) == (60, None)
            assert cooldown.seconds(None) == 5.0  # a direct message: the default
            # Kept in the database: the next start reads it.
            again = QuoteCooldown(store, 5.0)
            await again.load()
            assert (again.seconds(GUILD), again.seconds(OTHER_GUILD)) == (60, 5.0)
        finally:
            await store.close()

    asyncio.run(scenario())


def test_two_bots_in_one_process_never_share_a_bucket(tmp_path: Path) -> None:
    async def scenario() -> None:
        store, first = await _cooldown(tmp_path)
        second = QuoteCooldown(store, 5.0)

        @app_commands.checks.dynamic_cooldown(
            lambda i: i.client.bucket(i), key=lambda i: i.client.key(i)
        )
        async def command(interaction: Any) -> None: ...

        (check,) = command.__discord_app_commands_checks__  # type: ignore[attr-defined]
        try:
            for bot in (first, second):
                interaction = asking(0)
                interaction.client = bot
                assert await check(interaction)
        finally:
            await store.close()

    asyncio.run(scenario())


def test_an_unreadable_database_at_start_leaves_the_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> float:
        store = await open_store(tmp_path / "db.sqlite3")
        await store.save_quote_cooldown(GUILD, 60)

        async def busy() -> dict[int, float]:
            raise StoreBusy("db.sqlite3: the database is locked by another program")

        store.quote_cooldowns = busy  # type: ignore[method-assign]
        cooldown = QuoteCooldown(store, 5.0)
        try:
            await cooldown.load()
            return cooldown.seconds(GUILD)
        finally:
            await store.close()

    caplog.set_level(logging.WARNING)
    assert asyncio.run(scenario()) == 5.0
    assert "cannot read the servers' /quote cooldowns; using the default" in caplog.text


def test_the_wait_is_told_in_whole_seconds_rounded_up() -> None:
    assert wait_text(0.2) == "Easy there! You can ask again in 1 s."
    assert wait_text(4.01) == "Easy there! You can ask again in 5 s."
    assert wait_text(59.0) == "Easy there! You can ask again in 59 s."
