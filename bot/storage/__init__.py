"""The bot's own state: per-server settings and the daily-post history (`sqlite`: SQLite
through aiosqlite, with migrations). Episodes are files, not rows.

Imports: nothing of podquote.
"""
