"""The statements both backends share, rendered in each one's words."""

from __future__ import annotations

import datetime as dt

from bot.storage.operations import search_scope, statement
from bot.storage.schema import NOW


def test_values_are_numbered_for_postgresql_and_left_for_sqlite() -> None:
    text = "UPDATE advice_log SET reason = ?, updated_at = {now} WHERE id = ? AND slot = 'daily'"
    assert statement(text, "postgresql") == (
        f"UPDATE advice_log SET reason = $1, updated_at = {NOW['postgresql']} "
        "WHERE id = $2 AND slot = 'daily'"
    )
    assert statement(text, "sqlite") == (
        f"UPDATE advice_log SET reason = ?, updated_at = {NOW['sqlite']} "
        "WHERE id = ? AND slot = 'daily'"
    )


def test_the_search_scope_holds_only_what_was_asked() -> None:
    assert search_scope(None, None) == ("1 = 1", ())
    where, values = search_scope(7, dt.date(2026, 12, 1))
    assert statement(f"SELECT 1 FROM searches WHERE {where} LIMIT ?", "postgresql") == (
        "SELECT 1 FROM searches WHERE 1 = 1 AND guild_id = $1 AND day >= $2 LIMIT $3"
    )
    assert values == (7, "2026-12-01")
