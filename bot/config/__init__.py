"""The config file (`settings`: `config.toml`, checked into typed sections) and what is
checked before the bot starts (`preflight`: where the config is, the token).

Imports: `bot.search`, `bot.advice` (for their defaults).
"""
