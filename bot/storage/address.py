"""Where the database is: a SQLite file (a path) or a PostgreSQL server (a URL).

A `postgresql://` (or `postgres://`) URL names the server, the user and the database; the
password never sits in it (a config file is read by more people than a secret should be): it
comes from the environment, `PGPASSWORD` (or libpq's password file, `~/.pgpass`), which
asyncpg reads itself. A URL with a password is refused, and the URL shown anywhere has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PASSWORD_VARIABLE = "PGPASSWORD"
SCHEMES = ("postgresql://", "postgres://")


class AddressError(ValueError):
    """A database URL that cannot be used; one line, never with a password."""


@dataclass(frozen=True, slots=True)
class PostgresUrl:
    """A PostgreSQL server and database, as a URL without a password."""

    url: str

    def __str__(self) -> str:
        return self.url

    @property
    def database(self) -> str:
        """The database's name (empty: the server's default, the user's name)."""
        return urlsplit(self.url).path.lstrip("/")


Database = Path | PostgresUrl


def is_postgres(text: str) -> bool:
    """Whether `text` names a PostgreSQL server rather than a SQLite file."""
    return text.strip().lower().startswith(SCHEMES)


def postgres_url(text: str) -> PostgresUrl:
    """A PostgreSQL URL checked: `AddressError` when it holds a password or no host or
    socket folder can be read from it."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise AddressError(f"not a valid PostgreSQL URL: {exc}") from exc
    if parts.password is not None:
        shown = parts._replace(netloc=_without_password(parts.netloc)).geturl()
        raise AddressError(
            f"{shown}: the URL holds a password; remove it and set the {PASSWORD_VARIABLE} "
            "environment variable instead"
        )
    return PostgresUrl(text)


def _without_password(netloc: str) -> str:
    user, _, host = netloc.rpartition("@")
    return f"{user.partition(':')[0]}:***@{host}"


def database_of(text: str, base: Path | None = None) -> Database:
    """A `[data] database` value: a checked PostgreSQL URL, or a path (relative to `base`)."""
    if is_postgres(text):
        return postgres_url(text)
    path = Path(text).expanduser()
    return path if path.is_absolute() or base is None else base / path
