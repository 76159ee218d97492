"""Logging for `run`: one line per record on stdout, as text or JSON, secrets redacted.

JSON lines come from our own small formatter rather than python-json-logger: four fixed
fields plus the traceback need twenty lines, not a dependency.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Literal

Format = Literal["text", "json"]
FORMATS: tuple[Format, ...] = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "[redacted]"


class JsonFormatter(logging.Formatter):
    """A JSON object per record: time (UTC, ISO 8601), level, logger, message, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


# Interaction tokens let anyone answer, edit or post as the bot for 15 minutes, and discord.py
# logs them at DEBUG: in the URLs of callbacks and webhooks, and as the `token` of the gateway's
# INTERACTION_CREATE. They are blanked out there, and wherever their fixed start shows up (the
# base64 of "interaction:"). Quotes may be JSON-escaped (`\"token\": \"…\"`).
INTERACTION_TOKENS = (
    (re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?#'\"\\]+"), rf"\1{REDACTED}"),
    (re.compile(r"""(\\?['"]token\\?['"]\s*:\s*\\?['"])[^'"\\]+"""), rf"\1{REDACTED}"),
    (re.compile(r"aW50ZXJhY3Rpb246[\w.-]+"), REDACTED),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with each of `secrets` and every interaction token replaced by `[redacted]`."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern, replacement in INTERACTION_TOKENS:
        text = pattern.sub(replacement, text)
    return text


class Redacting(logging.Formatter):
    """Wraps a formatter and blanks out secrets (the bot token, interaction tokens) wherever
    they appear."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


def setup(
    level: str = "INFO",
    fmt: Format = "text",
    *,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send every log record at `level` or above to `stream` (stdout); returns the handler."""
    inner = JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(Redacting(inner, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
