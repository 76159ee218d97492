"""The bot's own state: per-server settings, the daily-post history and the search log
(`sqlite`: SQLite through aiosqlite, with migrations). Episodes are files, not rows.

Imports: nothing of podquote.
"""
