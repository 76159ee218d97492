"""When a server's daily post is due: local dates and times in its IANA zone (pure).

Times are kept as wall-clock "HH:MM" in the server's zone, so a daylight-saving change keeps
the post at the same local time. A time that does not exist on a spring-forward day (02:30
in Europe/Berlin) is posted as the clocks jump, at the first moment after it; a time that
happens twice on a fall-back day is posted at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A time or time zone that cannot be used; the message says what is wrong."""


def parse_time(text: str) -> dt.time:
    """`"9:00"` / `"09:00"` / `"21:30"` → a time of day; anything else is a `ScheduleError`."""
    m = _HHMM.match(text.strip())
    if not m:
        raise ScheduleError(f"{text!r} is not a time of day like 09:00 or 21:30 (24-hour HH:MM)")
    return dt.time(int(m.group(1)), int(m.group(2)))


def zone(name: str) -> ZoneInfo:
    """An IANA time zone by name (`Europe/Berlin`); an unknown one is a `ScheduleError`."""
    try:
        if not name.strip() or name != name.strip() or name.startswith(("/", ".")):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long
        raise ScheduleError(
            f"{name!r} is not an IANA time zone name like Europe/Berlin or America/New_York"
        ) from exc


def zone_names() -> list[str]:
    """Every IANA zone name this machine knows, sorted (for autocomplete)."""
    return sorted(n for n in available_timezones() if "/" in n or n == "UTC")


def local_date(now: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The date on the server's calendar at the moment `now` (an aware datetime)."""
    return now.astimezone(tz).date()


def post_moment(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) of `at` on `day` in `tz`, DST gaps and folds resolved as above."""
    wall = dt.datetime.combine(day, at, tzinfo=tz)  # fold=0: the first of two, before a gap
    moment = wall.astimezone(dt.UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        # In a spring-forward gap: post when the clocks jump, not an hour early.
        moment = _gap_end(wall, tz)
    return moment


def _gap_end(wall: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The first instant after a non-existent wall time (the moment the clocks jump)."""
    before = wall.replace(fold=0).astimezone(dt.UTC)
    after = wall.replace(fold=1).astimezone(dt.UTC)
    low, high = min(before, after), max(before, after)
    while high - low > dt.timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= wall.replace(tzinfo=None):
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


def day_end(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) the server's `day` ends (its next midnight)."""
    return post_moment(day + dt.timedelta(days=1), dt.time(0, 0), tz)


def next_post(now: dt.datetime, at: dt.time, tz: dt.tzinfo, done_today: bool) -> dt.datetime:
    """When the next daily post is due: today's time if not yet done, else tomorrow's."""
    today = local_date(now, tz)
    if not done_today:
        return post_moment(today, at, tz)
    return post_moment(today + dt.timedelta(days=1), at, tz)
