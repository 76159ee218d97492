"""What can go wrong with the database, for every backend: a `StoreError` of one line (its
`reason` says it for a member, without the file's path or the server's address)."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be used (unreadable, unreachable, or from a newer podquote)."""

    reason = "the bot's database cannot be used right now"


class StoreReadOnly(StoreError):
    """The file or its mount is read-only (or the server refuses writes): nothing can be
    saved."""

    reason = "the bot's database is read-only, so nothing can be saved"


class StoreBusy(StoreError):
    """Another program holds a lock on the database for longer than the busy timeout."""

    reason = "the database is busy, try again in a moment"


class StoreGone(StoreError):
    """The file was removed or replaced while the bot had it open (SQLite)."""

    reason = (
        "the bot's database file was removed or replaced while it ran, so nothing is saved "
        "until an admin restarts the bot"
    )


def version_problem(where: str, current: int, known: int) -> str | None:
    """Why a database at schema `current` cannot be used as it is by code that knows
    `known` migrations (None: it can)."""
    if current == known:
        return None
    if current > known:
        return (
            f"{where}: schema version {current} is newer than this podquote knows ({known}); "
            "upgrade podquote"
        )
    return (
        f"{where}: schema version {current} is older than this podquote's ({known}); start "
        "the bot or run `python -m bot check` once to upgrade it"
    )
