"""Which Discord shards a process holds, and so which servers it answers and posts for.

Discord sends a server's events to one shard of the bot: `(guild_id >> 22) % shard_count`. A
process holds some shards (`ids`) of a count shared by every process of the deployment; with
no ids it holds them all (one process owns every server, the default). Pure arithmetic: the
config, the CLI, the daily post and the Discord adapter all use it.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SHARDS = 65_536  # a typo guard far above any bot's need


class ShardError(ValueError):
    """A shard range or count that cannot work: one line saying why."""


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord sends a server's events to."""
    return (guild_id >> 22) % count


def parse_ids(text: str) -> tuple[int, ...]:
    """`"0-3"`, `"0-1,4"` → (0, 1, 2, 3), (0, 1, 4): ranges (both ends in) and single ids."""
    ids: list[int] = []
    for written in text.split(","):
        part = written.strip()
        first, dash, last = part.partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise ShardError(
                f"{part!r} is not a shard id or range (write them like 0-3 or 0-1,4)"
            ) from None
        if low < 0 or high < low:
            raise ShardError(f"{part!r}: a range goes from a low id to a higher one (0-3)")
        ids.extend(range(low, high + 1))
    return tuple(ids)


def check(count: int, ids: tuple[int, ...]) -> None:
    """Raise `ShardError` unless `ids` (empty: all) fit `count` (0: Discord's)."""
    if count > MAX_SHARDS:
        raise ShardError(f"shard count {count} is more than {MAX_SHARDS}")
    if not ids:
        return
    if not count:
        raise ShardError(
            "shard ids need a shard count (the number of shards of all the processes together)"
        )
    seen: set[int] = set()
    for shard in ids:
        if shard in seen:
            raise ShardError(f"shard {shard} is listed twice")
        if not 0 <= shard < count:
            raise ShardError(f"shard {shard} is not one of 0-{count - 1} (shard count {count})")
        seen.add(shard)


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards a process holds: `ids` of `count`. 0 and (): Discord's count, all of them."""

    count: int = 0
    ids: tuple[int, ...] = ()

    @property
    def all(self) -> bool:
        """Whether the process holds every shard (and so every server)."""
        return not self.ids

    def owns(self, guild_id: int) -> bool:
        """Whether this process answers and posts for the server."""
        return self.all or shard_of(guild_id, self.count) in self.ids

    def describe(self, count: int | None = None) -> str:
        """`shards 0-1 of 4`, `shard 2 of 4`, `all 4 shards`; `count`: the one in use (from
        Discord when none was given)."""
        total = self.count or count
        if self.all:
            if not total:
                return "all shards (as many as Discord recommends)"
            return f"all {total} shards" if total > 1 else "one shard"
        return f"{'shard' if len(self.ids) == 1 else 'shards'} {ranges(self.ids)} of {total}"


def ranges(ids: tuple[int, ...]) -> str:
    """(0, 1, 2, 5) → `0-2,5`: the form `--shards` takes."""
    parts: list[str] = []
    ordered = sorted(ids)
    start = prev = ordered[0]
    for shard in [*ordered[1:], None]:
        if shard is not None and shard == prev + 1:
            prev = shard
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if shard is not None:
            start = prev = shard
    return ",".join(parts)
