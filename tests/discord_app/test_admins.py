"""Who is an admin at run time: the server's administrators, and the configured users and
roles besides them (the lists extend Discord's permission, never narrow it)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord

from bot.cli.check import check_admins
from bot.config.settings import Config, DiscordConfig
from bot.discord_app.admin import is_admin, may_manage

ALICE, BOB = 1_400_000_000_000_000_001, 1_400_000_000_000_000_002


def _asked(user_id: int, **permissions: bool) -> Any:
    """What the checks read of an interaction: who asked, with their permissions here."""
    return SimpleNamespace(
        user=SimpleNamespace(id=user_id), permissions=discord.Permissions(**permissions)
    )


def test_administrators_are_admins_whether_or_not_users_are_listed() -> None:
    for config in (DiscordConfig(), DiscordConfig(admin_user_ids=(ALICE,))):
        assert is_admin(config, _asked(BOB, administrator=True))
    assert not is_admin(DiscordConfig(), _asked(BOB))


def test_a_listed_user_is_an_admin_without_the_permission() -> None:
    config = DiscordConfig(admin_user_ids=(ALICE,))
    assert is_admin(config, _asked(ALICE))
    assert not is_admin(config, _asked(BOB))
    assert may_manage(config, _asked(BOB, manage_guild=True))
    assert not may_manage(config, _asked(BOB))


def test_check_says_what_listed_admins_mean_and_nothing_without_them() -> None:
    assert check_admins(Config()) == []
    (line,) = check_admins(Config(discord=DiscordConfig(admin_user_ids=(ALICE, BOB))))
    assert str(line) == (
        "ok: admins: the server's administrators and the 2 user(s) of admin_user_ids; Discord "
        "shows /reload only to administrators until a server admin lets the others see it "
        "(Server Settings → Integrations → the bot → /reload)"
    )
    (line,) = check_admins(
        Config(discord=DiscordConfig(admin_user_ids=(ALICE,), admin_role_ids=(7,)))
    )
    assert "the 1 user(s) of admin_user_ids and the 1 role(s) of admin_role_ids;" in str(line)
