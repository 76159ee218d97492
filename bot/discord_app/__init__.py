"""The Discord adapter: thin cogs over the core (`quote`, `episode`, `advice`, `admin`), handed
their `Resources` by the client (`client`), which the runner (`runner`) starts and stops.
(Not named `discord`: it would shadow the library.)

Imports: the core (everything but `bot.console` and `bot.cli`) and discord.py; the only
package that imports discord.
"""
