"""What the store keeps and returns, the same for every backend: plain frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    advice_channel_id: int | None = None
    advice_time: str | None = None
    advice_timezone: str | None = None
    advice_enabled: bool = False


@dataclass(frozen=True, slots=True)
class AdviceRecord:
    """One row of the advice log: a post that was intended, sent or skipped."""

    id: int
    guild_id: int
    local_date: str
    slot: str  # "daily" | "extra"
    channel_id: int | None
    segment_id: str | None
    episode_id: str | None
    fingerprint: str | None
    status: str  # "intent" | "sent" | "skipped"
    message_id: int | None
    reason: str | None
    attempts: int
    retry_at: str | None
    created_at: str

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.local_date)


OUTCOMES = ("found", "unsure", "none", "refused", "error")  # how a search command ended


@dataclass(frozen=True, slots=True)
class SearchRecord:
    """One search command as recorded: where and when (a UTC day), how it ended, the episode
    it answered with (if any), how long it took, and the query only when queries are logged."""

    guild_id: int | None  # None: a direct message
    day: dt.date
    command: str
    outcome: str  # one of OUTCOMES
    episode_id: str | None = None
    took_ms: int = 0
    query: str | None = None


@dataclass(frozen=True, slots=True)
class SearchTally:
    """The recorded searches of a period, counted: per (day, outcome), per episode answered,
    and the latest queries that found nothing (those recorded with their text)."""

    by_day: tuple[tuple[dt.date, str, int], ...]
    episodes: tuple[tuple[str, int], ...]  # most asked first
    misses: tuple[tuple[dt.date, str, str], ...]  # (day, command, query), newest first


ADVICE_COLUMNS = (
    "id, guild_id, local_date, slot, channel_id, segment_id, episode_id, fingerprint, status, "
    "message_id, reason, attempts, retry_at, created_at"
)
