"""What a member types comes back short and harmless: a 2,000+ character option, or one with
control and bidi-override characters, gets a short escaped excerpt in a private answer within
Discord's 2,000-character limit (the local Discord refuses longer content with a 400)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.test_advice_bot import CHANNEL, StillClock, advice, answer
from tests.e2e.test_advice_bot import podquote as advice_bot
from tests.e2e.test_bot import podquote

pytestmark = pytest.mark.asyncio

# 2,100 characters: Markdown, a mention, newlines, a NUL, C1 and bidi-override characters.
HOSTILE = (
    "**loud** @everyone\n\x00\x85\u202eevil\u2066x\u2069 `code` " + "y" * 2050 + " tail-marker"
)
UNSAFE = ["\x00", "\x85", "\u202e", "\u2066", "\u2069", "\n"]


def assert_safe_excerpt(content: str) -> None:
    assert len(content) < 400, len(content)
    assert "tail-marker" not in content  # cut: only the start of what was typed
    assert "…" in content
    assert "\\*\\*loud\\*\\*" in content  # Markdown escaped, not bold
    for char in UNSAFE:
        assert char not in content, repr(char)


async def test_long_or_hostile_options_are_echoed_as_a_short_safe_excerpt(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with podquote(fake_discord, tmp_path):
        for name, options in (
            ("quote", {"query": "drift", "speaker": HOSTILE}),
            ("quote", {"query": "drift", "episode": HOSTILE}),
            ("episode", {"name": HOSTILE}),
        ):
            handle = await fake_discord.send_interaction(name, options)
            reply = await handle.callback()
            data = reply.body["data"]
            assert data["flags"] & 64, options  # private
            assert data["content"].startswith("No "), data["content"]
            assert_safe_excerpt(data["content"])


@pytest.mark.parametrize(
    "options",
    [{"time": HOSTILE, "timezone": "UTC"}, {"time": "09:00", "timezone": HOSTILE}],
    ids=["time", "timezone"],
)
async def test_advice_set_echoes_a_bad_time_or_zone_as_a_short_safe_excerpt(
    fake_discord: FakeDiscord, tmp_path: Path, options: dict[str, Any]
) -> None:
    clock = StillClock(dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC))
    async with advice_bot(fake_discord, tmp_path, clock):
        data = await advice(fake_discord, "set", channel=CHANNEL.id, **options)
        assert data["flags"] & 64
        text = answer(data)
        assert "is not a" in text, text
        assert_safe_excerpt(text)
