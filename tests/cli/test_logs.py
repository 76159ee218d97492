"""Log lines on stdout as text or JSON, with the token blanked out wherever it shows up."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.cli import logs

SECRET = "MTIz.secret-token-value"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root")
def test_text_lines_have_time_level_logger_and_message() -> None:
    out = io.StringIO()
    logs.setup("INFO", "text", secrets=[SECRET], stream=out)
    logging.getLogger("bot.test").debug("not shown at INFO")
    logging.getLogger("bot.test").info("logging in with %s", SECRET)
    (line,) = out.getvalue().splitlines()
    assert line.endswith(" INFO    bot.test: logging in with [redacted]")
    assert line[:4].isdigit() and line[4] == "-"  # starts with the date and time


@pytest.mark.usefixtures("restore_root")
def test_json_lines_carry_the_traceback_and_never_the_token() -> None:
    out = io.StringIO()
    logs.setup("DEBUG", "json", secrets=[SECRET], stream=out)
    log = logging.getLogger("bot.test")
    log.debug("plain")
    try:
        raise RuntimeError(f"failed with {SECRET}")
    except RuntimeError:
        log.exception("reload failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "DEBUG" and first["logger"] == "bot.test"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "reload failed"
    assert "RuntimeError: failed with [redacted]" in second["exc_info"]
    assert SECRET not in out.getvalue()


@pytest.mark.usefixtures("restore_root")
def test_interaction_tokens_are_blanked_in_urls_events_and_json() -> None:
    token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpzZWNyZXQ.x-y_z"
    out = io.StringIO()
    logs.setup("DEBUG", "json", stream=out)
    log = logging.getLogger("discord.http")
    log.debug("POST http://d/api/v10/interactions/123/%s/callback has returned 204", token)
    log.debug("PATCH http://d/api/v10/webhooks/456/%s/messages/@original", token)
    log.debug("WebSocket Event: %s", {"t": "INTERACTION_CREATE", "d": {"token": "abc.def"}})
    log.debug('payload {"token": "xyz-1"} and a bare %s', token)
    text = out.getvalue()
    messages = [json.loads(line)["message"] for line in text.splitlines()]
    assert messages == [
        "POST http://d/api/v10/interactions/123/[redacted]/callback has returned 204",
        "PATCH http://d/api/v10/webhooks/456/[redacted]/messages/@original",
        "WebSocket Event: {'t': 'INTERACTION_CREATE', 'd': {'token': '[redacted]'}}",
        'payload {"token": "[redacted]"} and a bare [redacted]',
    ]
    assert token not in text and "abc.def" not in text and "xyz-1" not in text
