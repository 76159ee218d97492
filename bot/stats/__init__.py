"""What members looked for: each command's log line and the search log it feeds (`record`),
kept off the reply path; the figures of `/stats` and `python -m bot stats` (`report`).

Imports: `bot.storage`, `bot.reply` (the harmless excerpt of a typed query).
"""
