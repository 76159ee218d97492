"""The schema, written once for both backends: each migration is a template whose few
placeholders each dialect fills in (`render`).

- `{snowflake}`: a Discord id, 64 bits (SQLite's INTEGER; PostgreSQL's BIGINT);
- `{serial}`: a row id given by the database (SQLite's INTEGER PRIMARY KEY, the rowid;
  PostgreSQL's BIGINT identity, BY DEFAULT so that `db migrate` can copy ids);
- `{real}`: a number with a fraction (REAL; DOUBLE PRECISION);
- `{now}`: the time a row is written, as text in UTC, `2026-03-10T09:00:00Z`.

Timestamps and dates are text in both, so a row reads back the same from either. SQLite's
rendering is, character for character, the migrations podquote has always applied (files in
the field are at version 6). A migration that moves data (2: advice_posts → advice_log) runs
as it is on PostgreSQL too, on empty tables. A new migration is added here once, for both.

Imports: nothing of podquote.
"""

from __future__ import annotations

from typing import Literal

Dialect = Literal["sqlite", "postgresql"]

TEMPLATES: tuple[str, ...] = (
    # 1: per-server settings and the history of daily posts.
    """
    CREATE TABLE guild_settings (
        guild_id {snowflake} PRIMARY KEY,
        advice_channel_id {snowflake},
        advice_time TEXT,
        advice_timezone TEXT,
        advice_enabled INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL DEFAULT {now}
    );
    CREATE TABLE advice_posts (
        guild_id {snowflake} NOT NULL,
        local_date TEXT NOT NULL,
        segment_id TEXT NOT NULL,
        episode_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('intent', 'sent', 'skipped')),
        message_id {snowflake},
        reason TEXT,
        created_at TEXT NOT NULL DEFAULT {now},
        PRIMARY KEY (guild_id, local_date)
    );
    CREATE INDEX advice_posts_segment ON advice_posts (guild_id, segment_id);
    """,
    # 2: one log of every advice post, daily or extra ("/advice now"); at most one daily post
    # per server and local date, enforced by a unique index; retries and the words' key kept.
    """
    CREATE TABLE advice_log (
        id {serial},
        guild_id {snowflake} NOT NULL,
        local_date TEXT NOT NULL,
        slot TEXT NOT NULL CHECK (slot IN ('daily', 'extra')),
        channel_id {snowflake},
        segment_id TEXT,
        episode_id TEXT,
        fingerprint TEXT,
        status TEXT NOT NULL CHECK (status IN ('intent', 'sent', 'skipped')),
        message_id {snowflake},
        reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        retry_at TEXT,
        created_at TEXT NOT NULL DEFAULT {now},
        updated_at TEXT NOT NULL DEFAULT {now}
    );
    CREATE UNIQUE INDEX advice_log_one_daily ON advice_log (guild_id, local_date)
        WHERE slot = 'daily';
    CREATE INDEX advice_log_guild ON advice_log (guild_id, id);
    INSERT INTO advice_log (guild_id, local_date, slot, segment_id, episode_id, status,
                            message_id, reason, created_at, updated_at)
        SELECT guild_id, local_date, 'daily', segment_id, episode_id, status, message_id,
               reason, created_at, created_at FROM advice_posts;
    DROP TABLE advice_posts;
    """,
    # 3: what the bot last told Discord, so a restart with nothing changed tells it nothing:
    # the hash of the slash commands synced to each target ("global" or a server id).
    """
    CREATE TABLE command_syncs (
        target TEXT PRIMARY KEY,
        payload_hash TEXT NOT NULL,
        synced_at TEXT NOT NULL DEFAULT {now}
    );
    """,
    # 4: each server's own /quote cooldown, set by its admins (/settings cooldown). A table of
    # its own: a row in guild_settings means "this server set its daily advice", which
    # overrides the config file's advice default.
    """
    CREATE TABLE quote_settings (
        guild_id {snowflake} PRIMARY KEY,
        cooldown_seconds {real} NOT NULL CHECK (cooldown_seconds >= 0),
        updated_at TEXT NOT NULL DEFAULT {now}
    );
    """,
    # 5: what members looked for: one row per search command (day in UTC), the query text
    # only while [logging] queries is on; rows older than [logging] keep_days are deleted.
    """
    CREATE TABLE searches (
        id {serial},
        guild_id {snowflake},
        day TEXT NOT NULL,
        command TEXT NOT NULL,
        outcome TEXT NOT NULL
            CHECK (outcome IN ('found', 'unsure', 'none', 'refused', 'error')),
        episode_id TEXT,
        took_ms INTEGER NOT NULL,
        query TEXT,
        created_at TEXT NOT NULL DEFAULT {now}
    );
    CREATE INDEX searches_day ON searches (day);
    CREATE INDEX searches_guild_day ON searches (guild_id, day);
    """,
    # 6: the servers the bot is in, as it last saw them (`check` warns of those where no
    # commands are registered: not in guild_ids, and no global sync).
    """
    CREATE TABLE guilds_seen (
        guild_id {snowflake} PRIMARY KEY,
        name TEXT NOT NULL,
        seen_at TEXT NOT NULL DEFAULT {now}
    );
    """,
)


_WORDS: dict[str, dict[str, str]] = {
    "sqlite": {
        "snowflake": "INTEGER",
        "serial": "INTEGER PRIMARY KEY",
        "real": "REAL",
        "now": "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    },
    "postgresql": {
        "snowflake": "BIGINT",
        "serial": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "real": "DOUBLE PRECISION",
        "now": """(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))""",
    },
}

NOW: dict[Dialect, str] = {
    "sqlite": _WORDS["sqlite"]["now"],
    "postgresql": _WORDS["postgresql"]["now"],
}

SCHEMA_VERSION = len(TEMPLATES)  # the version a database of this podquote is at

# Every table a deployment's data lives in, with its key (what `db migrate` copies, in an
# order that keeps references whole), and the tables whose id the database gives.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("guild_settings", ("guild_id",)),
    ("quote_settings", ("guild_id",)),
    ("advice_log", ("id",)),
    ("command_syncs", ("target",)),
    ("searches", ("id",)),
    ("guilds_seen", ("guild_id",)),
)
SERIAL_TABLES = ("advice_log", "searches")


def render(dialect: Dialect) -> tuple[str, ...]:
    """The migrations in `dialect`'s words, the first one first."""
    words = _WORDS[dialect]
    return tuple(template.format(**words) for template in TEMPLATES)
