"""/quote's cooldown on discord.py's own `dynamic_cooldown` check: one use per member and
server every N seconds, N each server's admins set (`/settings cooldown`; the config's
`[search] cooldown_seconds` for the others; 0: none). A miss or a refusal gives the use back.

How it fits discord.py's check (discord/app_commands/checks.py, 2.x): the decorator keeps
one `Cooldown` bucket per key in a mapping of its own, made by the factory when a key has
none; its check charges the bucket (`update_rate_limit`) before the command runs and raises
`CommandOnCooldown` (with `retry_after`) when none is left, and drops buckets once they have
been idle for their period. Here:

- the key is (this bot, server, member, seconds in force): a new setting makes new buckets,
  so it takes effect at once, and two bots in one process (tests) never share a bucket (the
  mapping lives in the decorator, once per process);
- the factory returns None when the seconds are 0: discord.py then lets the command run;
- the seconds in force are kept in memory (loaded at start, changed by `/settings`), so the
  check, which runs before the command can acknowledge, never waits on the database.

Giving a use back: discord.py hands the command no bucket and has no "undo", so the buckets
it makes are also kept here, weakly, by key (`Bucket` adds the weak reference: the entry goes
when discord.py drops the bucket). `give_back` finds the member's bucket by the key the check
used and calls `Cooldown.reset()`, the public way back to a full bucket: with one use per
period, that is exactly the use this command took. It does so only while that use's period
still runs (measured on this machine's clock from the check): after it, the use has lapsed
anyway, and a bucket of a later command must not be reset.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
import weakref
from typing import Any

import discord
from discord import app_commands

from bot.storage import Store, StoreError

log = logging.getLogger(__name__)

RATE = 1  # uses per period (give_back relies on it)
MAX_SECONDS = 3600
_KEY = "podquote.cooldown.key"  # in `interaction.extras`: the key the check used …
_CHECKED = "podquote.cooldown.checked"  # … and when (time.monotonic())
_scopes = itertools.count(1)

Key = tuple[int, int | None, int, float]  # (this bot, server, member, seconds in force)


class Bucket(app_commands.Cooldown):
    """discord.py's cooldown bucket, weakly referable."""

    __slots__ = ("__weakref__",)


class QuoteCooldown:
    """The seconds in force per server, the keys and buckets of the check, and giving back."""

    def __init__(self, store: Store, default: float) -> None:
        self.store = store
        self.default = default
        self._own: dict[int, float] = {}  # the servers that set their own
        self._buckets: weakref.WeakValueDictionary[Key, Bucket] = weakref.WeakValueDictionary()
        self._scope = next(_scopes)

    async def load(self) -> None:
        """Read the servers' own settings (at start); on a database error the default holds
        for every server until an admin sets one again (logged)."""
        try:
            self._own = await self.store.quote_cooldowns()
        except StoreError as exc:
            log.warning("cannot read the servers' /quote cooldowns; using the default: %s", exc)

    def seconds(self, guild_id: int | None) -> float:
        """The cooldown in force in a server (a direct message: the default)."""
        if guild_id is None:
            return self.default
        return self._own.get(guild_id, self.default)

    def own(self, guild_id: int) -> float | None:
        """The server's own setting, None when it follows the default."""
        return self._own.get(guild_id)

    async def set_seconds(self, guild_id: int, seconds: float) -> None:
        """Save a server's cooldown; in force from the next /quote (a `StoreError` when the
        database refuses: then nothing changes)."""
        await self.store.save_quote_cooldown(guild_id, seconds)
        self._own[guild_id] = seconds

    def key(self, interaction: discord.Interaction[Any]) -> Key:
        """The check's key (see the module's docstring); remembered on the interaction."""
        key = (
            self._scope,
            interaction.guild_id,
            interaction.user.id,
            self.seconds(interaction.guild_id),
        )
        interaction.extras[_KEY] = key
        interaction.extras[_CHECKED] = time.monotonic()
        return key

    def bucket(self, interaction: discord.Interaction[Any]) -> Bucket | None:
        """The check's factory: a new bucket for the key, None when the cooldown is off."""
        key = interaction.extras.get(_KEY) or self.key(interaction)
        seconds = key[-1]  # as the key says: the setting may not change in between
        if seconds <= 0:
            return None
        made = Bucket(RATE, seconds)
        self._buckets[key] = made
        return made

    def give_back(self, interaction: discord.Interaction[Any]) -> bool:
        """Undo the use this /quote was charged (a miss or a refusal); True when there was
        one to give back. Only for a /quote whose check passed (its body, or an error after
        the check): one the check refused took nothing, and this would undo the use that
        refused it."""
        key = interaction.extras.pop(_KEY, None)
        checked = interaction.extras.get(_CHECKED)
        bucket = self._buckets.get(key) if key is not None else None
        if bucket is None or checked is None:
            return False  # no cooldown, or given back already
        if time.monotonic() - checked >= bucket.per:
            return False  # that use has lapsed by itself
        bucket.reset()  # one use per period: back to full is exactly this use undone
        return True


def wait_text(retry_after: float) -> str:
    """What a member who asked too soon is told."""
    return f"Easy there! You can ask again in {max(1, math.ceil(retry_after))} s."
