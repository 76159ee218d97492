"""The store's operations, written once for both backends.

Each statement is written in the SQL that SQLite and PostgreSQL both speak, with `?` for its
values and `{now}` for the time of the write; `statement` renders it in a dialect's words
(`$1, $2, …` and PostgreSQL's clock; `?` and SQLite's), as `bot.storage.schema` renders the
migrations. A backend (`SqliteStore`, `PostgresStore`) supplies the connection through four
primitives (`_write`, `_fetch`, `_fetchrow`, `_insert`) and keeps what only it does: opening,
migrating, the daily row's exactly-once insert (`_insert_daily`), and reload announcements.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.storage.records import (
    ADVICE_COLUMNS,
    AdviceRecord,
    GuildSettings,
    SearchRecord,
    SearchTally,
)
from bot.storage.schema import NOW, Dialect

Row = Sequence[Any]


@functools.cache
def statement(text: str, dialect: Dialect) -> str:
    """`text` in `dialect`'s words: its `?` numbered `$1, $2, …` for PostgreSQL, `{now}` the
    dialect's clock (UTC, ISO 8601, to the second)."""
    rendered = text.replace("{now}", NOW[dialect])
    if dialect == "postgresql":
        numbers = iter(range(1, rendered.count("?") + 1))
        rendered = re.sub(r"\?", lambda _: f"${next(numbers)}", rendered)
    return rendered


@dataclass(frozen=True, slots=True)
class Write:
    """One statement of a write: its values, or (`many`) a row of values per run."""

    sql: str
    values: Sequence[Any] = ()
    many: bool = False


INSERT_INTENT = (
    "INSERT INTO advice_log (guild_id, local_date, slot, channel_id, segment_id, episode_id, "
    "fingerprint, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'intent')"
)
INSERT_SKIP = (
    "INSERT INTO advice_log (guild_id, local_date, slot, status, reason) "
    "VALUES (?, ?, 'daily', 'skipped', ?)"
)
SETTINGS_COLUMNS = "guild_id, advice_channel_id, advice_time, advice_timezone, advice_enabled"


def _settings(row: Row) -> GuildSettings:
    return GuildSettings(row[0], row[1], row[2], row[3], bool(row[4]))


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def search_scope(guild_id: int | None, since: dt.date | None) -> tuple[str, tuple[object, ...]]:
    """The WHERE clause (and its values) of the searches of one server or all, from a day."""
    clauses: list[str] = ["1 = 1"]
    values: list[object] = []
    if guild_id is not None:
        clauses.append("guild_id = ?")
        values.append(guild_id)
    if since is not None:
        clauses.append("day >= ?")
        values.append(since.isoformat())
    return " AND ".join(clauses), tuple(values)


class SqlOperations:
    """Settings, command syncs, servers seen, cooldowns, the search log and the advice log:
    every operation of `bot.storage.Store` that is the same SQL on both backends."""

    dialect: ClassVar[Dialect]

    # ------------------------------------------------------------------ the backend's part

    async def _write(self, steps: Sequence[Write]) -> list[int]:
        """Run the statements (rendered here) in one transaction; the rows each changed."""
        raise NotImplementedError

    async def _fetch(self, sql: str, *values: object) -> Sequence[Row]:
        """The rows a query returns."""
        raise NotImplementedError

    async def _fetchrow(self, sql: str, *values: object) -> Row | None:
        """The first row a query returns, or None."""
        raise NotImplementedError

    async def _insert(self, sql: str, values: Sequence[object]) -> AdviceRecord:
        """Insert one advice row (`sql` without RETURNING) and return it as stored."""
        raise NotImplementedError

    async def _insert_daily(
        self, guild_id: int, day: dt.date, sql: str, values: Sequence[object]
    ) -> AdviceRecord | None:
        """Insert the server's daily row of `day` unless it has one (None then), exactly
        once however many processes race for it."""
        raise NotImplementedError

    def _sql(self, text: str) -> str:
        return statement(text, self.dialect)

    async def _execute(self, sql: str, *values: object) -> int:
        """One write statement in its own transaction; the rows it changed."""
        return (await self._write([Write(sql, values)]))[0]

    # ------------------------------------------------------------------ settings

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's saved settings, or the empty ones when it saved none."""
        return await self.saved_guild_settings(guild_id) or GuildSettings(guild_id)

    async def saved_guild_settings(self, guild_id: int) -> GuildSettings | None:
        """A server's saved settings, or None when it saved none (one query)."""
        row = await self._fetchrow(
            f"SELECT {SETTINGS_COLUMNS} FROM guild_settings WHERE guild_id = ?", guild_id
        )
        return None if row is None else _settings(row)

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        await self._execute(
            f"INSERT INTO guild_settings ({SETTINGS_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET "
            "advice_channel_id = excluded.advice_channel_id, "
            "advice_time = excluded.advice_time, advice_timezone = excluded.advice_timezone, "
            "advice_enabled = excluded.advice_enabled, updated_at = {now}",
            settings.guild_id,
            settings.advice_channel_id,
            settings.advice_time,
            settings.advice_timezone,
            int(settings.advice_enabled),
        )

    async def advice_guilds(self) -> list[GuildSettings]:
        """Every server with its own advice settings (enabled or not)."""
        rows = await self._fetch(f"SELECT {SETTINGS_COLUMNS} FROM guild_settings ORDER BY guild_id")
        return [_settings(row) for row in rows]

    async def quote_cooldowns(self) -> dict[int, float]:
        """Each server's own /quote cooldown in seconds (servers that set none are left out)."""
        rows = await self._fetch("SELECT guild_id, cooldown_seconds FROM quote_settings")
        return {int(row[0]): float(row[1]) for row in rows}

    async def save_quote_cooldown(self, guild_id: int, seconds: float) -> None:
        """Set a server's /quote cooldown (0: none)."""
        await self._execute(
            "INSERT INTO quote_settings (guild_id, cooldown_seconds) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET "
            "cooldown_seconds = excluded.cooldown_seconds, updated_at = {now}",
            guild_id,
            float(seconds),
        )

    # ------------------------------------------------------------------ commands and servers

    async def synced_commands(self, target: str) -> str | None:
        """The hash of the commands last synced to `target` ("global" or a server id)."""
        row = await self._fetchrow(
            "SELECT payload_hash FROM command_syncs WHERE target = ?", target
        )
        return None if row is None else str(row[0])

    async def save_synced_commands(self, target: str, payload_hash: str) -> None:
        """Remember the hash of the commands just synced to `target`."""
        await self._execute(
            "INSERT INTO command_syncs (target, payload_hash) VALUES (?, ?) "
            "ON CONFLICT (target) DO UPDATE SET payload_hash = excluded.payload_hash, "
            "synced_at = {now}",
            target,
            payload_hash,
        )

    async def synced_targets(self) -> set[str]:
        """Where commands were ever synced: "global" and server ids."""
        return {str(row[0]) for row in await self._fetch("SELECT target FROM command_syncs")}

    async def save_guilds_seen(self, guilds: list[tuple[int, str]], *, whole: bool) -> None:
        """Remember servers the bot is in (id, name); `whole`: these are all of them."""
        upsert = Write(
            "INSERT INTO guilds_seen (guild_id, name) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, seen_at = {now}",
            guilds,
            many=True,
        )
        await self._write([Write("DELETE FROM guilds_seen"), upsert] if whole else [upsert])

    async def forget_guild_seen(self, guild_id: int) -> None:
        """The bot left (or was removed from) a server."""
        await self._execute("DELETE FROM guilds_seen WHERE guild_id = ?", guild_id)

    async def guilds_seen(self) -> list[tuple[int, str]]:
        """The servers the bot was last seen in, by name."""
        rows = await self._fetch("SELECT guild_id, name FROM guilds_seen ORDER BY name, guild_id")
        return [(int(row[0]), str(row[1])) for row in rows]

    # ------------------------------------------------------------------ the search log

    async def record_search(self, record: SearchRecord) -> None:
        """Add one search to the log."""
        await self._execute(
            "INSERT INTO searches (guild_id, day, command, outcome, episode_id, took_ms, "
            "query) VALUES (?, ?, ?, ?, ?, ?, ?)",
            record.guild_id,
            record.day.isoformat(),
            record.command,
            record.outcome,
            record.episode_id,
            record.took_ms,
            record.query,
        )

    async def searches(self, guild_id: int | None = None) -> list[SearchRecord]:
        """Every recorded search, oldest first; of one server, or (None) of all."""
        where, values = search_scope(guild_id, None)
        rows = await self._fetch(
            "SELECT guild_id, day, command, outcome, episode_id, took_ms, query "
            f"FROM searches WHERE {where} ORDER BY id",
            *values,
        )
        return [SearchRecord(r[0], _day(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in rows]

    async def search_tally(
        self, guild_id: int | None, since: dt.date, *, episodes: int = 5, misses: int = 10
    ) -> SearchTally:
        """The searches from `since` (a UTC day) on, of one server or (None) of all, counted:
        see `SearchTally`; at most `episodes` episodes and `misses` queries."""
        where, values = search_scope(guild_id, since)
        by_day = await self._fetch(
            f"SELECT day, outcome, COUNT(*) FROM searches WHERE {where} "
            "GROUP BY day, outcome ORDER BY day, outcome",
            *values,
        )
        asked = await self._fetch(
            f"SELECT episode_id, COUNT(*) AS asked FROM searches WHERE {where} "
            "AND episode_id IS NOT NULL GROUP BY episode_id "
            "ORDER BY asked DESC, episode_id LIMIT ?",
            *values,
            episodes,
        )
        missed = await self._fetch(
            f"SELECT day, command, query FROM searches WHERE {where} "
            "AND outcome = 'none' AND query IS NOT NULL ORDER BY id DESC LIMIT ?",
            *values,
            misses,
        )
        return SearchTally(
            tuple((_day(d), str(o), int(n)) for d, o, n in by_day),
            tuple((str(e), int(n)) for e, n in asked),
            tuple((_day(d), str(c), str(q)) for d, c, q in missed),
        )

    async def forget_searches(self, before: dt.date, *, keep_queries: bool = True) -> int:
        """Delete the searches of the days before `before`; without `keep_queries`, also blank
        the query text of those kept. Returns how many rows were deleted."""
        steps = [Write("DELETE FROM searches WHERE day < ?", (before.isoformat(),))]
        if not keep_queries:
            steps.append(Write("UPDATE searches SET query = NULL WHERE query IS NOT NULL"))
        return max((await self._write(steps))[0], 0)

    # ------------------------------------------------------------------ the advice log

    async def daily_post(self, guild_id: int, day: dt.date) -> AdviceRecord | None:
        """The server's daily post of that local date, in whatever state it is."""
        row = await self._fetchrow(
            f"SELECT {ADVICE_COLUMNS} FROM advice_log "
            "WHERE guild_id = ? AND local_date = ? AND slot = 'daily'",
            guild_id,
            day.isoformat(),
        )
        return AdviceRecord(*row) if row else None

    async def advice_history(self, guild_id: int) -> list[AdviceRecord]:
        """Every advice row of a server, oldest first."""
        rows = await self._fetch(
            f"SELECT {ADVICE_COLUMNS} FROM advice_log WHERE guild_id = ? ORDER BY id", guild_id
        )
        return [AdviceRecord(*row) for row in rows]

    async def advice_record(self, record_id: int) -> AdviceRecord | None:
        """One row of the advice log, as it is now."""
        row = await self._fetchrow(
            f"SELECT {ADVICE_COLUMNS} FROM advice_log WHERE id = ?", record_id
        )
        return AdviceRecord(*row) if row else None

    async def record_intent(
        self,
        guild_id: int,
        day: dt.date,
        *,
        slot: str,
        channel_id: int | None,
        segment_id: str,
        episode_id: str,
        fingerprint: str,
    ) -> AdviceRecord | None:
        """Record, before sending, that a post is about to go out. For a daily post this is
        the one place a second post for the day is stopped (`_insert_daily`): it returns None
        when that day's row already exists, made by this process or any other."""
        values = (guild_id, day.isoformat(), slot, channel_id, segment_id, episode_id, fingerprint)
        if slot != "daily":
            return await self._insert(INSERT_INTENT, values)
        return await self._insert_daily(guild_id, day, INSERT_INTENT, values)

    async def record_skip(self, guild_id: int, day: dt.date, reason: str) -> AdviceRecord | None:
        """A day with nothing to post (an empty pool): recorded so it is not tried again."""
        return await self._insert_daily(
            guild_id, day, INSERT_SKIP, (guild_id, day.isoformat(), reason)
        )

    async def mark_sent(self, record_id: int, message_id: int) -> None:
        await self._update(record_id, "status = 'sent', message_id = ?, reason = NULL", message_id)

    async def mark_skipped(self, record_id: int, reason: str) -> None:
        await self._update(record_id, "status = 'skipped', reason = ?", reason)

    async def mark_retry(self, record_id: int, reason: str, retry_at: dt.datetime) -> None:
        """A send that failed for now: count the attempt and say when to try again."""
        await self._update(
            record_id, "attempts = attempts + 1, reason = ?, retry_at = ?", reason, _utc(retry_at)
        )

    async def hold(self, record_id: int, until: dt.datetime) -> None:
        """Keep the posting loop off an intent that a command is sending right now."""
        await self._update(record_id, "retry_at = ?", _utc(until))

    async def _update(self, record_id: int, assignments: str, *values: object) -> None:
        await self._execute(
            f"UPDATE advice_log SET {assignments}, updated_at = {{now}} WHERE id = ?",
            *values,
            record_id,
        )
