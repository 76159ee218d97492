"""`python -m bot console`: the bot's commands in a terminal, on the same core, offline.

`commands` turns a typed line into a `Reply` (pure data), `cards` builds the embed-like cards
from the core's results, `view` draws replies (rich panels on a terminal, plain text
otherwise), `completion` wires readline, and `repl` runs the loop.

Imports: the core (everything but `bot.discord_app` and `bot.cli`) and rich.
"""
